// `boxlab doctor [--json]`: print what the machine can do and which chapters will run.
import { parseOptions } from './args.ts';
import { DOCTOR_USAGE, doctorText as t } from './text.ts';

export async function doctorCommand(args: string[]): Promise<number> {
  const { options } = parseOptions(args, { help: { value: false, short: 'h' }, json: { value: false } }, { stopAtWord: false });
  if (options.help) {
    console.log(DOCTOR_USAGE);
    return 0;
  }
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
    if (c.fix && c.status !== 'ok') console.log(`     ${' '.repeat(width)}  -> ${c.fix}`);
  }
  console.log('');
  for (const ch of report.chapters) {
    console.log(`${ch.number}. ${ch.chapter}: ${ch.ok ? t.chapterRuns : t.chapterBlocked}`);
    for (const l of ch.lessons.filter((x) => !x.ok)) console.log(`   ${l.id}: ${l.why.join('; ')}`);
  }
  console.log('');
  console.log(report.fullCourse ? t.fullCourse : t.partCourse);
  return report.fullCourse ? 0 : 1;
}
