// Translated lessons (lessons/LANG/NN-chapter/NN-lesson.md): each differs from its
// English lesson only in words, and records the English it was made from, so an English
// block changed since fails here; the loader uses a translation only when it is fresh
// and says once when the lesson is shown in English instead.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { findLesson, lessonsRoot, loadAll, parseLesson, parseSource, readIndex, summarize, type LessonSource } from '../../src/lessons/loader.ts';
import { lessonParts, stampTranslation, staleParts, structureDifferences, withoutRecords } from '../../src/lessons/translation.ts';
import { evaluate, type CheckReaders } from '../../src/lessons/checks.ts';
import { kernel as viewWords, LANGUAGE_TAGS, LANGUAGES, useLanguage } from '../../src/text/index.ts';

const ROOT = lessonsRoot();
const TRANSLATED = LANGUAGE_TAGS.filter((l) => l !== 'en');

/** The course's lessons not translated yet, by language: the translation of the course
 *  lands over the finished course (issue 20). A new lesson must be translated or named
 *  here, and a translation added must come off this list. */
const NOT_YET_TRANSLATED: Record<string, string[]> = {
  'zh-CN': [
    '01-namespaces/02-pid', '01-namespaces/03-mount', '01-namespaces/04-ipc', '01-namespaces/05-user', '01-namespaces/06-cgroupns',
    '01-namespaces/07-setns', '01-namespaces/08-net', '01-namespaces/09-ps-lies',
    '02-cgroups/01-layout', '02-cgroups/02-procs', '02-cgroups/03-pids', '02-cgroups/04-memory', '02-cgroups/05-cpu', '02-cgroups/06-cpuset',
    '02-cgroups/07-io', '02-cgroups/08-freezer', '02-cgroups/09-slow-job',
    '03-filesystems/01-chroot', '03-filesystems/02-pivot-root', '03-filesystems/03-overlay', '03-filesystems/04-layers',
    '03-filesystems/05-volumes', '03-filesystems/06-dev-proc-sys', '03-filesystems/07-volume-denied',
    '04-networking/01-sandbox-host', '04-networking/02-bridge', '04-networking/03-nat', '04-networking/04-modes', '04-networking/05-multi-host', '04-networking/06-no-internet',
    '05-images/01-layers', '05-images/02-manifest', '05-images/03-unpack', '05-images/04-commit', '05-images/05-registry', '05-images/06-still-there',
    '06-runtime/01-bundle', '06-runtime/02-lifecycle', '06-runtime/03-shim', '06-runtime/04-will-not-start',
    '07-security/01-capabilities', '07-security/02-seccomp', '07-security/03-readonly-masked', '07-security/04-rootless', '07-security/05-sandboxes', '07-security/06-too-many-caps',
    '08-build/01-steps', '08-build/02-cache', '08-build/03-delete', '08-build/04-stages', '08-build/05-context',
    '09-engine/01-run', '09-engine/02-isolation', '09-engine/03-overlay2', '09-engine/04-network', '09-engine/05-containerd', '09-engine/06-exec',
    '10-operate/01-stats',
  ],
};

afterEach(() => useLanguage('en'));

const english = async () => (await loadAll(ROOT)).lessons;
const translationOf = (path: string, lang: string) => join(ROOT, lang, `${path}.md`);
const read = (f: string) => readFileSync(f, 'utf8');

describe.each(TRANSLATED)('the %s translation of the course', (lang) => {
  it('covers every lesson but those still waiting for one, and those waiting have none', async () => {
    const paths = (await english()).map((l) => l.path);
    const missing = paths.filter((p) => !existsSync(translationOf(p, lang)));
    const waiting = NOT_YET_TRANSLATED[lang] ?? [];
    // a missing translation that is not on the list fails; so does a listed one that is there
    expect(missing.filter((p) => !waiting.includes(p)), 'translate these, or name them in NOT_YET_TRANSLATED').toEqual([]);
    expect(waiting.filter((p) => !missing.includes(p)), 'translated: take these off NOT_YET_TRANSLATED').toEqual([]);
    expect(missing.length).toBeLessThan(paths.length); // some are translated: the checks below see them
  });

  it('differs from the English only in words, lesson by lesson, and is fresh', async () => {
    const problems: string[] = [];
    let seen = 0;
    for (const en of await english()) {
      const file = translationOf(en.path, lang);
      if (!existsSync(file)) continue;
      seen++;
      const name = relative(join(ROOT, '..'), file);
      let tr;
      try {
        tr = parseLesson(withoutRecords(read(file)), name);
      } catch (err) {
        problems.push((err as Error).message);
        continue;
      }
      problems.push(...structureDifferences(en, tr), ...staleParts(read(join(ROOT, `${en.path}.md`)), read(file), name, en));
    }
    expect(problems).toEqual([]);
    expect(seen).toBeGreaterThan(0);
  });
});

// ---- the mechanism, on a lesson made up here ----

const EN = [
  '---', 'id: demo', 'title: A demo', 'chapter: Demo', 'summary: One step.', 'needs: rootless', 'features: [ns-uts]', 'vars:', '  target: box', '---', '',
  'Prose before the step.', '', '```step', 'title: Clone', 'op: clone', 'args:', '  ns: [uts]', 'views: [uts]', '```', '',
  '```notes', 'A note.', '```', '',
  '```task', 'title: Name it ${target}', 'check:', '  probe: uts', '  field: hostname', '  equals: ${target}',
  'hints:', '  - when:', '      equals: box', '    text: Still box.', '  - text: "Type sethostname ${target}"', 'solution:', '  op: sethostname', '  args:', '    name: ${target}', '```', '',
  'The end.', '',
].join('\n');

/** EN in Chinese, every part recording the English it was made from. */
function chinese(en = EN, edit: (s: string) => string = (s) => s): string {
  const zh = edit(EN
    .replace('title: A demo', 'title: 演示').replace('chapter: Demo', 'chapter: 演示').replace('summary: One step.', 'summary: 一个步骤。')
    .replace('Prose before the step.', '步骤之前的正文。').replace('title: Clone', 'title: 克隆').replace('A note.', '一条备注。')
    .replace('title: Name it ${target}', 'title: 把它命名为 ${target}').replace('text: Still box.', 'text: 还是 box。')
    .replace('text: "Type sethostname ${target}"', 'text: "输入 sethostname ${target}"').replace('The end.', '完。'));
  const parts = lessonParts(en);
  const blocks = parts.filter((p) => p.kind);
  let i = 0;
  return zh.split('\n').map((l) => {
    if (l === '---' && i === 0) { i++; return l; }
    if (/^```(step|check|task|notes)$/.test(l)) return `${l} from=${blocks.shift()!.hash}`;
    if (l === 'needs: rootless') return `${l}\nfrom: meta=${parts[0]!.hash} outro=${parts.at(-1)!.hash}`;
    return l;
  }).join('\n');
}

const source = (zh: string | undefined, en = EN): LessonSource => ({
  file: 'lessons/99-demo/01-demo.md', text: en, lang: 'zh-CN', ...(zh === undefined ? {} : { translation: { file: 'lessons/zh-CN/99-demo/01-demo.md', text: zh } }),
});

describe('a translated lesson', () => {
  it('is used when fresh and of the same structure: its words, the English ops', () => {
    const l = parseSource(source(chinese()));
    expect(l.lang).toBe('zh-CN');
    expect(l.translation).toEqual({ lang: 'zh-CN', file: 'lessons/zh-CN/99-demo/01-demo.md', status: 'fresh', problems: [] });
    expect(l.meta.title).toBe('演示');
    expect(l.stops.map((s) => s.title)).toEqual(['克隆', '把它命名为 ${target}']);
    expect(l.stops[0]!.prose).toBe('步骤之前的正文。');
    expect(l.stops[0]!.notes).toEqual(['一条备注。']);
    expect(l.outro).toBe('完。');
    expect(l.file).toBe('lessons/99-demo/01-demo.md'); // the lesson is still the English one's
    expect(summarize(l).lang).toBe('zh-CN');
  });

  it('is not used when missing: English, and the lesson says so', () => {
    const l = parseSource(source(undefined));
    expect(l.lang).toBeUndefined();
    expect(summarize(l).lang).toBe('en');
    expect(l.translation?.status).toBe('missing');
    expect(l.meta.title).toBe('A demo');
  });

  it('is stale once an English block changes after it was made, and says which block and what to record', () => {
    const zh = chinese();
    const changed = EN.replace('views: [uts]', 'views: [uts, ns]');
    const l = parseSource(source(zh, changed));
    expect(l.translation?.status).toBe('different'); // views differ: the structure check sees it first
    const onlyProse = EN.replace('Prose before the step.', 'Prose before the step, reworded.');
    const stale = parseSource(source(zh, onlyProse));
    expect(stale.translation?.status).toBe('stale');
    expect(stale.meta.title).toBe('A demo');
    const now = lessonParts(onlyProse).find((p) => p.kind === 'step')!.hash;
    expect(stale.translation?.problems).toEqual([
      expect.stringMatching(new RegExp(`^lessons/zh-CN/99-demo/01-demo.md:\\d+: block 1 \\(step "Clone"\\) was translated from English \\w+, and the English is now ${now}`)),
    ]);
    // the front matter and the outro are recorded too
    expect(parseSource(source(zh, EN.replace('summary: One step.', 'summary: Two steps.'))).translation?.status).toBe('stale');
    expect(parseSource(source(zh, EN.replace('The end.', 'The very end.'))).translation?.status).toBe('stale');
    // whitespace alone is no change
    expect(parseSource(source(zh, EN.replace('Prose before the step.', 'Prose before the step.   \n'))).translation?.status).toBe('fresh');
  });

  it('without its records is stale: each part names the hash to record', () => {
    const l = parseSource(source(chinese().replace(/ from=\w+/g, '')));
    expect(l.translation?.status).toBe('stale');
    expect(l.translation?.problems).toHaveLength(3);
    expect(l.translation?.problems[0]).toMatch(/block 1 \(step "Clone"\) does not say which English it was translated from: record from=\w{10}/);
  });

  it('that changes more than words is refused, and the English shown', () => {
    const cases: [string, (s: string) => string, RegExp][] = [
      ['an argument', (s) => s.replace('ns: [uts]', 'ns: [uts, ipc]'), /block 1 \(step "Clone"\): action differs/],
      ['a view', (s) => s.replace('views: [uts]', 'views: [ns]'), /block 1 .*: views differs/],
      ['an expected value', (s) => s.replace('equals: ${target}', 'equals: 盒子'), /block 2 .*: check differs/],
      ['a hint\'s condition', (s) => s.replace('equals: box', 'equals: 盒子'), /block 2 .*: hints differs/],
      ['the solution', (s) => s.replace('name: ${target}', 'name: x'), /block 2 .*: solution differs/],
      ['a variable', (s) => s.replace('target: box', 'target: 盒子'), /front matter: vars differs/],
      ['a variable in the words', (s) => s.replace('把它命名为 ${target}', '把它命名'), /block 2 .*: the English uses \$\{target\}, the translation none/],
      ['a variable in a hint', (s) => s.replace('输入 sethostname ${target}', '输入 sethostname'), /block 2 .*: hints differs/],
      ['a program required', (s) => s.replace('views: [uts]\n```', 'views: [uts]\nrequires: [runc]\n```'), /block 1 .*: requires differs/],
      ['a machine condition', (s) => s.replace('title: 克隆', 'title: 克隆\nwhen:\n  memory: v2'), /block 1 .*: when differs/],
      ['the notes', (s) => s.replace('```notes', '```sh'), /notes differs/],
      ['the block order', (s) => s.replace('```step', '```check').replace('op: clone\nargs:\n  ns: [uts]\nviews: [uts]', 'probe: uts\nfield: hostname\nequals: x'), /kind differs/],
    ];
    for (const [what, edit, problem] of cases) {
      const l = parseSource(source(chinese(EN, edit)));
      expect(l.translation?.status, what).toBe('different');
      expect(l.translation?.problems.join('\n'), what).toMatch(problem);
      expect(l.meta.title, what).toBe('A demo');
    }
  });

  it('that does not load is refused with the loader\'s own message, and the English shown', () => {
    const l = parseSource(source(chinese().replace('op: clone', 'op: clown')));
    expect(l.translation?.status).toBe('broken');
    expect(l.translation?.problems[0]).toMatch(/lessons\/zh-CN\/99-demo\/01-demo.md:\d+: step block: unknown op "clown"/);
  });
});

describe('stamping a translation (npm run stamp)', () => {
  it('records the English each part matches now, adding the records where missing, and names what changed', () => {
    const bare = chinese().replace(/ from=\w+/g, '').replace(/\nfrom: .*/, '');
    const { text, changed } = stampTranslation(EN, bare);
    expect(lessonParts(text).map((p) => p.from)).toEqual(lessonParts(EN).map((p) => p.hash));
    expect(parseSource(source(text)).translation?.status).toBe('fresh');
    expect(withoutRecords(text).replace(/ from=\w+/g, '')).toBe(bare); // nothing but the records was added
    expect(changed).toEqual(['the front matter', 'block 1 (step)', 'block 2 (notes)', 'block 3 (task)', 'the prose after the last block']);
    expect(stampTranslation(EN, text)).toEqual({ text, changed: [] });
    const reworded = EN.replace('Prose before the step.', 'Other prose.');
    const restamped = stampTranslation(reworded, text);
    expect(restamped.changed).toEqual(['block 1 (step)']);
    expect(parseSource(source(restamped.text, reworded)).translation?.status).toBe('fresh');
  });

  it('refuses a translation with other blocks than the English', () => {
    expect(() => stampTranslation(EN, chinese().replace('```notes', '```sh'))).toThrow(/3 blocks, the translation 2/);
  });
});

describe('the course in Chinese', () => {
  it('loads the translated lessons in Chinese and the others in English', async () => {
    useLanguage('zh-CN');
    const welcome = await findLesson('welcome');
    expect(welcome.lang).toBe('zh-CN');
    expect(welcome.meta.title).toBe('容器就是进程');
    expect((await findLesson('uts')).stops[0]!.title).toBe('在一个新的 UTS 命名空间里创建进程');
    const pid = await findLesson('pid');
    expect(pid.lang).toBeUndefined();
    expect(pid.translation?.status).toBe('missing');
    const index = await readIndex();
    const byId = new Map(index.entries.map((e) => [e.summary.id, e.summary]));
    expect(byId.get('welcome')).toMatchObject({ lang: 'zh-CN', title: '容器就是进程' });
    expect(byId.get('pid')).toMatchObject({ lang: 'en' });
  });

  it('is English in English, translations or not', async () => {
    useLanguage('en');
    const welcome = await findLesson('welcome');
    expect(welcome.lang).toBeUndefined();
    expect(welcome.translation).toBeUndefined();
    expect(welcome.meta.title).toBe('A container is a process');
  });
});

describe('a check of a kernel view', () => {
  it('reads the view in English whatever the lab speaks, as its expected value is written', async () => {
    useLanguage('zh-CN');
    // a view as the kernel views build one: its words read when it is made
    const observe: CheckReaders['observe'] = async () => ({
      pid: 1, takenAt: 0, views: { ns: { name: 'ns', title: '', columns: ['state'], rows: [{ key: 'net', cells: { state: viewWords.nsNew } }], notes: [] } },
    });
    expect(viewWords.nsNew).not.toBe('new'); // the lab speaks Chinese here
    const check = { title: 'own net', source: { kind: 'view' as const, view: 'ns' as const, row: 'net', cell: 'state' }, expect: { equals: 'new' }, line: 1 };
    const result = await evaluate(check, { vars: { subst: (s: string) => s, get: () => undefined }, observe } as unknown as CheckReaders);
    expect(result).toMatchObject({ pass: true, found: 'new' });
  });
});

describe('the command line in Chinese (the built CLI; nothing run)', () => {
  const cli = join(ROOT, '..', 'dist', 'boxlab.mjs');
  const boxlab = (args: string[], env: NodeJS.ProcessEnv = {}) => spawnSync('node', [cli, ...args], { encoding: 'utf8', env: { ...process.env, BOXLAB_LANG: '', LANG: 'C.UTF-8', ...env } });

  it.runIf(existsSync(cli))('boxlab list --json says the language each lesson is shown in, and once which are still English', () => {
    for (const [args, env] of [[['--lang', 'zh-CN'], {}], [[], { BOXLAB_LANG: 'zh-CN' }], [[], { LANG: 'zh_CN.UTF-8' }]] as const) {
      const r = boxlab(['list', '--json', ...args], env);
      expect(r.status).toBe(0);
      const list = JSON.parse(r.stdout) as { id: string; lang: string; title: string }[];
      expect(list.find((l) => l.id === 'welcome')).toMatchObject({ lang: 'zh-CN', title: '容器就是进程' });
      expect(list.find((l) => l.id === 'pid')).toMatchObject({ lang: 'en' });
      const english = list.filter((l) => l.lang === 'en').length;
      expect(r.stderr.trim().split('\n')).toEqual([LANGUAGES['zh-CN'].lessons.translation.someEnglish(english, '中文')]);
    }
    const en = JSON.parse(boxlab(['list', '--json']).stdout) as { lang: string }[];
    expect(new Set(en.map((l) => l.lang))).toEqual(new Set(['en']));
  }, 30_000); // four runs of the CLI

  it.runIf(existsSync(cli))('boxlab lesson --json carries it too (here refused before anything runs)', () => {
    const r = boxlab(['lesson', 'uts', '--json', '--until', '99', '--lang', 'zh-CN']);
    expect(r.status).toBe(2);
    expect(JSON.parse(r.stdout).lesson).toMatchObject({ id: 'uts', lang: 'zh-CN', title: 'UTS 命名空间' });
  }, 30_000);
});
