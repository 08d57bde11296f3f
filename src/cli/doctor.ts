// `boxlab doctor [--json]`: print what the machine can do and which chapters will run.
import { parseOptions, UsageError } from './args.ts';
import { applyTrust, TRUST_OPTION } from './lab.ts';
import { cli, doctor as t } from '../text/index.ts';

export async function doctorCommand(args: string[]): Promise<number> {
  const { options, rest } = parseOptions(args, { help: { value: false, short: 'h' }, json: { value: false }, ...TRUST_OPTION }, { stopAtWord: false });
  if (options.help) {
    console.log(cli.usage.doctor);
    return 0;
  }
  await applyTrust(options);
  if (rest.length) throw new UsageError(cli.noArguments('doctor', rest));
  const { doctor } = await import('../doctor/index.ts');
  const report = await doctor();
  if (options.json) {
    console.log(JSON.stringify(report, null, 2));
    return report.fullCourse ? 0 : 1;
  }
  const width = Math.max(...report.checks.map((c) => c.title.length));
  for (const c of report.checks) {
    console.log(`[${t.statusMark[c.status]}] ${c.title.padEnd(width)}  ${c.detail}`);
    for (const line of c.more ?? []) console.log(`     ${' '.repeat(width)}  ${line}`);
    if (c.fix && c.status !== 'ok') console.log(`     ${' '.repeat(width)}  ${t.fixArrow(c.fix)}`);
  }
  console.log('');
  for (const ch of report.chapters) {
    console.log(`${ch.number}. ${ch.chapter}: ${ch.ok ? t.chapterRuns : t.chapterBlocked}`);
    for (const l of ch.lessons.filter((x) => !x.ok)) {
      l.why.forEach((why, i) => console.log(`   ${l.id}: ${why}${l.fix[i] ? `\n   ${' '.repeat(l.id.length)}  ${t.fixArrow(l.fix[i])}` : ''}`));
    }
  }
  if (report.lessonErrors.length) {
    console.log(`\n${t.lessonsBroken}:`);
    for (const e of report.lessonErrors) console.log(`   ${e}`);
  }
  console.log('');
  console.log(report.fullCourse ? t.fullCourse : t.partCourse);
  return report.fullCourse ? 0 : 1;
}
