// The loader refuses every malformed lesson in fixtures/ with `file:line: what — fix`,
// exactly; and the course's own lessons load cleanly.
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findLesson, indexLesson, loadAll, loadLesson, parseLesson, readIndex, SESSION_VARS, summarize } from '../../src/lessons/loader.ts';
import { VIEW_NAMES } from '../../src/kernel/types.ts';
import { LessonError } from '../../src/lessons/schema.ts';
import { trustLessons } from '../../src/lessons/trust.ts';
import { parseOpLine, completeOp, splitWords, OP_NAMES } from '../../src/lessons/ops.ts';

const FIXTURES = join(import.meta.dirname, 'fixtures');
// The fixtures are lessons from outside the course: read only when trusted (trust.ts).
trustLessons([FIXTURES]);
// Lists that grow as the lab does: the messages name them all.
const KNOWN_VARS = SESSION_VARS.map((v) => '${' + v + '}').join(', ');
const WHEN = 'layout (v1, v2, hybrid) or a controller, cpu, cpuacct, cpuset, memory, pids, io, freezer (v1 or v2)';

const REFUSED: [string, string][] = [
  ['bad-capability.md', "test/lessons/fixtures/bad-capability.md:12: step block: argument keep of op caps: unknown capability \"CAP_NET_BIND_SERVIC\" (did you mean \"CAP_NET_BIND_SERVICE\"?) — capability names as in capabilities(7): CAP_CHOWN, CAP_KILL, net_bind_service ... (the CAP_ prefix and the case are optional)"],
  ['bad-seccomp-rule.md', "test/lessons/fixtures/bad-seccomp-rule.md:12: step block: argument rules of op seccomp: unknown action \"tarp\" in \"uname:tarp\" (did you mean \"trap\"?) — rules are NAME (fails with EPERM) or NAME:ACTION, e.g. mkdir, uname:ENOSYS, reboot:kill; actions: allow, kill, kill_thread, kill_process, trap, log or an errno name (EPERM, ENOSYS, ...)"],
  ['fails-on-command.md', "test/lessons/fixtures/fails-on-command.md:12: step block: \"fails\" only goes with \"op:\" or \"ops:\" — a command's failure is checked with a check block and \"exit:\""],
  ['bad-block-type.md', "test/lessons/fixtures/bad-block-type.md:11: unknown block type \"stpe\" (did you mean \"step\"?) — engine blocks are step, check, task, notes; code shown as is uses one of sh, shell, bash, console, text, txt, c, json, yaml, diff, ts, js, ini, plain"],
  ['bad-measure.md', "test/lessons/fixtures/bad-measure.md:12: check block: \"at_least\" must be a number — e.g. at_least: 40 (what the check finds is read as a number)"],
  ['bad-when-key.md', `test/lessons/fixtures/bad-when-key.md:12: step block: unknown condition "memroy" (did you mean "memory"?) — a condition is ${WHEN}`],
  ['bad-when-shape.md', `test/lessons/fixtures/bad-when-shape.md:11: step block: "when" must be a mapping of cgroup layout conditions — e.g. when: {memory: v2}; a condition is ${WHEN}`],
  ['bad-when-value.md', "test/lessons/fixtures/bad-when-value.md:12: check block: when.memory is \"v3\" — the memory controller's tree is v1 or v2 (a hybrid machine's controllers are in v1 trees)"],
  ['bad-namespace.md', "test/lessons/fixtures/bad-namespace.md:12: step block: argument ns of op clone must be a list of namespaces (pid, uts, mnt, ipc, net, user, cgroup); \"time\" is not one — write it like: clone pid,uts,mnt,ipc,net,user,cgroup [cgroup=GROUP] [cgroup_parent=PARENT]"],
  ['bad-needs.md', "test/lessons/fixtures/bad-needs.md:6: front matter: needs is \"admin\" — write \"needs: root\" or \"needs: rootless\""],
  ['bad-requires.md', "test/lessons/fixtures/bad-requires.md:11: step block: \"rm -rf /\" is not a program name — name programs as they are found on PATH, e.g. requires: [runc]"],
  ['bad-regex.md', "test/lessons/fixtures/bad-regex.md:17: check block: \"matches\" is not a valid regular expression (Invalid regular expression: /([a-z/: Unterminated character class) — fix the pattern, or use \"equals\" / \"contains\""],
  ['bad-step-yaml.md', "test/lessons/fixtures/bad-step-yaml.md:13: step block: YAML does not parse (Flow sequence in block collection must be sufficiently indented and end with a ]) — check indentation and quoting; a value with \": \" or \"#\" in it needs quotes"],
  ['bad-yaml.md', "test/lessons/fixtures/bad-yaml.md:3: front matter: YAML does not parse (Nested mappings are not allowed in compact mappings) — check indentation and quoting; a value with \": \" or \"#\" in it needs quotes"],
  ['check-without-expectation.md', "test/lessons/fixtures/check-without-expectation.md:14: check block: the check has no expectation — say what should be found with one of: equals, not_equals, matches, contains, exit, at_least, at_most"],
  ['exit-without-command.md', "test/lessons/fixtures/exit-without-command.md:12: check block: \"exit\" only goes with a command (inside:, spawn: or shell:) — use equals / matches / contains"],
  ['missing-arg.md', "test/lessons/fixtures/missing-arg.md:12: step block: op mount needs the argument \"type\" — add it under args:, e.g. mount TYPE TARGET [SOURCE] [OPTIONS]"],
  ['missing-feature.md', "test/lessons/fixtures/missing-feature.md:27: op bridge_add needs the kernel feature \"bridge\", which the front matter's features do not name — add it: features: [ns-net, veth, bridge] (boxlab doctor tells a machine without it that this lesson will not run)"],
  ['missing-title.md', "test/lessons/fixtures/missing-title.md:11: step block: missing \"title\" — add \"title:\" saying what this step does"],
  ['no-blocks.md', "test/lessons/fixtures/no-blocks.md:8: the lesson has no step, check or task block — add at least one ```step block that the engine can run"],
  ['no-front-matter.md', "test/lessons/fixtures/no-front-matter.md:1: the file does not start with front matter — begin it with a line \"---\", the YAML fields (id, title, chapter, summary, needs), and \"---\""],
  ['task-without-check.md', "test/lessons/fixtures/task-without-check.md:9: task block: a task needs \"check:\" (how the lab sees it is done) — add a check: mapping, e.g. {probe: uts, field: hostname, equals: box}"],
  ['two-actions.md', "test/lessons/fixtures/two-actions.md:12: step block: the step has both \"op\" and \"shell\" — keep one; several ops go in a list under \"ops:\""],
  ['unclosed-block.md', "test/lessons/fixtures/unclosed-block.md:9: the step block is never closed — end it with a line ```"],
  ['unknown-key.md', "test/lessons/fixtures/unknown-key.md:12: step block: unknown key \"view\" (did you mean \"views\"?) — allowed here: title, views, fails, pid, requires, when, op, args, ops, shell, inside, spawn"],
  ['unknown-op.md', `test/lessons/fixtures/unknown-op.md:11: step block: unknown op "clown" (did you mean "clone"?) — use one of: ${OP_NAMES.join(', ')}`],
  ['unknown-variable.md', `test/lessons/fixtures/unknown-variable.md:13: step block: unknown variable \${nmae} — known: ${KNOWN_VARS}; add your own under vars: in the front matter`],
  ['unknown-variable-prose.md', `test/lessons/fixtures/unknown-variable-prose.md:9: unknown variable \${dri} (did you mean "dir"?) in the prose — known: ${KNOWN_VARS}; write a shell variable as $name, without braces`],
  ['alias-bomb.md', 'test/lessons/fixtures/alias-bomb.md:2: front matter: YAML aliases expand past 100 nodes (Excessive alias count indicates a resource exhaustion attack) — write the values out instead of repeating them with &anchors and *aliases'],
  ['alias-bomb-block.md', 'test/lessons/fixtures/alias-bomb-block.md:10: step block: YAML aliases expand past 100 nodes (Excessive alias count indicates a resource exhaustion attack) — write the values out instead of repeating them with &anchors and *aliases'],
  ['var-circle.md', 'test/lessons/fixtures/var-circle.md:8: front matter: vars use each other in a circle: ${a} -> ${b} -> ${c} -> ${a} — give one of them a value that does not use the others'],
  ['var-unknown.md', 'test/lessons/fixtures/var-unknown.md:8: front matter: variable "data" uses ${dri}, which no session or var provides (did you mean "dir"?) — add it under vars:, or correct the name'],
  ['var-uses-ct.md', 'test/lessons/fixtures/var-uses-ct.md:8: front matter: variable "proc" uses ${pid}, which a step sets later: vars are filled in when the lesson starts — write ${pid} in the blocks that need it instead'],
  ['unknown-view.md', `test/lessons/fixtures/unknown-view.md:14: step block: unknown view "nss" (did you mean "ns"?) — views are: ${VIEW_NAMES.join(', ')}`],
];

describe('lesson loader', () => {
  it('has an expected message for every fixture', () => {
    expect(readdirSync(FIXTURES).filter((f) => f.endsWith('.md')).sort()).toEqual(REFUSED.map(([f]) => f).sort());
  });

  it.each(REFUSED)('refuses %s', async (file, message) => {
    const err = await loadLesson(join(FIXTURES, file)).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(LessonError);
    expect((err as LessonError).message).toBe(message);
  });

  it('loads the course lessons without errors', async () => {
    const { lessons, errors } = await loadAll();
    expect(errors.map((e) => e.message)).toEqual([]);
    const ids = lessons.map((l) => l.meta.id);
    expect(ids).toEqual(expect.arrayContaining(['welcome', 'uts', 'pid', 'mount', 'ipc', 'user', 'cgroupns', 'setns', 'net', 'chroot', 'pivot-root', 'overlay', 'layers', 'volumes', 'dev-proc-sys',
      'sandbox-host', 'bridge', 'nat', 'net-modes', 'multi-host', 'oci-bundle', 'oci-lifecycle', 'shim', 'capabilities', 'seccomp', 'readonly-masked', 'rootless', 'sandboxes',
      'cgroup-layout', 'cgroup-procs', 'pids', 'memory', 'cpu', 'cpuset', 'io', 'freezer']));
    expect(lessons.find((l) => l.meta.id === 'overlay')!.uses).toEqual(expect.arrayContaining(['dir', 'rootfs']));
    const uts = lessons.find((l) => l.meta.id === 'uts')!;
    expect(uts.path).toBe('01-namespaces/01-uts');
    expect(uts.chapterNumber).toBe(1);
    expect(uts.stops.map((s) => s.kind)).toContain('task');
  });

  it('the index (front matter and fences only) says of every course lesson what the full load does', async () => {
    const { lessons } = await loadAll();
    const { entries, errors } = await readIndex();
    expect(errors).toEqual([]);
    expect(entries.map((e) => e.summary)).toEqual(lessons.map(summarize));
  });

  it('the index refuses a broken front matter as the loader does, and leaves the blocks to it', async () => {
    for (const [file, message] of REFUSED) {
      const path = join(FIXTURES, file);
      const text = readFileSync(path, 'utf8');
      const shown = `test/lessons/fixtures/${file}`;
      const full = (() => { try { parseLesson(text, shown); } catch (e) { return (e as LessonError).message; } })();
      expect(full).toBe(message);
      const quick = (() => { try { indexLesson(text, shown); return undefined; } catch (e) { return (e as LessonError).message; } })();
      // Only what the front matter holds is known to the index; the rest loads (and fails) later.
      const inFrontMatter = /^\S+:\d+: (front matter: |the file does not start with front matter|the front matter is never closed)/.test(message);
      expect(quick, file).toBe(inFrontMatter ? message : undefined);
    }
  });

  it('finds a lesson by id or path, parsing only its own file', async () => {
    expect((await findLesson('pid')).meta.id).toBe('pid');
    expect((await findLesson('01-namespaces/01-uts')).meta.id).toBe('uts');
    await expect(findLesson('utz')).rejects.toThrow('no lesson "utz" (did you mean "uts"?)');
    // a file whose blocks are broken: named by the loader's own refusal
    const root = mkdtempSync(join(tmpdir(), 'bl-index-'));
    try {
      mkdirSync(join(root, '01-c'));
      copyFileSync(join(FIXTURES, 'unknown-op.md'), join(root, '01-c', '01-unknown-op.md'));
      trustLessons([FIXTURES, root]);
      const err = await findLesson('broken', root).then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(LessonError);
      expect((err as LessonError).what).toContain('unknown op "clown"');
      // named by its file, as a person who just wrote it would: the same refusal
      const byFile = await findLesson('unknown-op', root).then(() => undefined, (e: unknown) => e);
      expect((byFile as LessonError).what).toContain('unknown op "clown"');
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('attaches prose to the block after it and notes to the block before them', () => {
    const l = parseLesson([
      '---', 'id: t', 'title: T', 'chapter: C', 'summary: S', 'needs: root', '---',
      'Why first.', '', '```step', 'title: one', 'op: hello', '```', '',
      '```notes', 'say this', '```', 'Then this.', '```check', 'title: two', 'shell: "true"', 'exit: 0', '```', 'The end.',
    ].join('\n'), 'inline.md');
    expect(l.stops[0]!.prose).toBe('Why first.');
    expect(l.stops[0]!.notes).toEqual(['say this']);
    expect(l.stops[1]!.prose).toBe('Then this.');
    expect(l.outro).toBe('The end.');
    expect(l.uses).toEqual([]);
  });

  it('reads a block\'s when: into the conditions it holds (a value or a list)', () => {
    const l = parseLesson([
      '---', 'id: t', 'title: T', 'chapter: C', 'summary: S', 'needs: root', '---',
      '```step', 'title: v2', 'when:', '  memory: v2', 'shell: "true"', '```',
      '```check', 'title: not v2', 'when: {layout: [v1, hybrid]}', 'shell: "true"', 'exit: 0', '```',
      '```step', 'title: everywhere', 'shell: "true"', '```',
    ].join('\n'), 'inline.md');
    expect(l.stops.map((s) => s.when)).toEqual([{ memory: ['v2'] }, { layout: ['v1', 'hybrid'] }, undefined]);
  });

  it('lists the variables a lesson uses, in blocks, prose and its own vars', () => {
    const l = parseLesson([
      '---', 'id: t', 'title: T', 'chapter: C', 'summary: S', 'needs: root', 'vars:', '  data: ${dir}/data', '---',
      'Files go to `${data}`.', '```step', 'title: one', 'shell: ls ${rootfs}', '```',
    ].join('\n'), 'inline.md');
    expect(l.uses).toEqual(['data', 'dir', 'rootfs']);
  });

  it('orders vars so each comes after the vars it uses, whatever order they are written in', () => {
    const l = parseLesson([
      '---', 'id: t', 'title: T', 'chapter: C', 'summary: S', 'needs: root', 'vars:',
      '  url: http://${host}/v2', '  host: ${addr}:${port}', '  port: "5000"', '  addr: 127.0.0.1', '---',
      '```step', 'title: one', 'shell: curl ${url}', '```',
    ].join('\n'), 'inline.md');
    // The session fills vars in this order, one after another (session.ts).
    const filled: Record<string, string> = {};
    for (const [k, v] of Object.entries(l.meta.vars)) filled[k] = v.replace(/\$\{(\w+)\}/g, (_m, n: string) => filled[n] ?? '');
    expect(filled.url).toBe('http://127.0.0.1:5000/v2');
  });

  it('one lesson that does not load never keeps the others, or the list, from loading', async () => {
    const root = mkdtempSync(join(tmpdir(), 'bl-bad-course-'));
    try {
      mkdirSync(join(root, '01-c'));
      copyFileSync(join(FIXTURES, 'alias-bomb.md'), join(root, '01-c', '01-bomb.md'));
      copyFileSync(join(FIXTURES, 'var-circle.md'), join(root, '01-c', '02-circle.md'));
      trustLessons([FIXTURES, root]);
      writeFileSync(join(root, '01-c', '03-good.md'), ['---', 'id: good', 'title: G', 'chapter: C', 'summary: S', 'needs: root', '---', '```step', 'title: one', 'op: hello', '```', ''].join('\n'));
      const { lessons, errors } = await loadAll(root);
      expect(lessons.map((l) => l.meta.id)).toEqual(['good']);
      expect(errors.map((e) => `${e.file}:${e.line}`)).toEqual([`${root}/01-c/01-bomb.md:2`, `${root}/01-c/02-circle.md:8`].map((f) => f.replace(process.cwd() + '/', '')));
      const index = await readIndex(root);
      expect(index.entries.map((e) => e.summary.id)).toEqual(['good']);
      expect(index.errors).toHaveLength(2);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('reads requires: on any block and pid: on a step', () => {
    const l = parseLesson([
      '---', 'id: t', 'title: T', 'chapter: C', 'summary: S', 'needs: root', '---',
      '```step', 'title: one', 'requires: [runc, crun]', 'shell: runc --version', 'pid: ${dir}/box.pid', '```',
      '```check', 'title: two', 'requires: [runc]', 'shell: "true"', 'exit: 0', '```',
      '```task', 'title: three', 'requires: [jq]', 'check: {shell: "true", exit: 0}', '```',
    ].join('\n'), 'inline.md');
    expect(l.stops.map((s) => s.requires)).toEqual([['runc', 'crun'], ['runc'], ['jq']]);
    expect(l.stops[0]).toMatchObject({ kind: 'step', pid: '${dir}/box.pid' });
    expect(l.uses).toEqual(['dir']);
  });
});

describe('REPL op lines', () => {
  it('parses positional and key=value arguments', () => {
    expect(parseOpLine('clone pid,uts')).toEqual({ op: 'clone', args: { ns: ['pid', 'uts'] } });
    expect(parseOpLine('sethostname box')).toEqual({ op: 'sethostname', args: { name: 'box' } });
    expect(parseOpLine('mount tmpfs /mnt options=size=1m')).toEqual({ op: 'mount', args: { type: 'tmpfs', target: '/mnt', options: 'size=1m' } });
    expect(parseOpLine('spawn ps -e -o pid=')).toEqual({ op: 'spawn', args: { argv: ['ps', '-e', '-o', 'pid='] } });
  });
  it('refuses unknown ops and bad namespaces with a hint', () => {
    expect(() => parseOpLine('clown uts')).toThrow('unknown op "clown" (did you mean "clone"?)');
    expect(() => parseOpLine('clone uts,time')).toThrow('"time" is not one');
  });
  it('splits words as a shell does: quotes anywhere in a word', () => {
    expect(splitWords(`idmap uid="0 1000 1" "gid=0 1000 1" a'b c'd "x \\"y\\""`)).toEqual(['idmap', 'uid=0 1000 1', 'gid=0 1000 1', 'ab cd', 'x "y"']);
    expect(parseOpLine('idmap uid="0 1000 1" gid="0 1000 1"')).toEqual({ op: 'idmap', args: { uid: '0 1000 1', gid: '0 1000 1' } });
  });
  it('parses the security ops and checks their arguments before anything runs', () => {
    expect(parseOpLine('caps keep=net_bind_service,CAP_KILL')).toEqual({ op: 'caps', args: { keep: ['net_bind_service', 'CAP_KILL'] } });
    expect(parseOpLine('caps drop=sys_admin ambient=kill')).toEqual({ op: 'caps', args: { drop: ['sys_admin'], ambient: ['kill'] } });
    expect(parseOpLine('no_new_privs')).toEqual({ op: 'no_new_privs', args: {} });
    expect(parseOpLine('seccomp mkdir,mkdirat,uname:ENOSYS default=log')).toEqual({ op: 'seccomp', args: { rules: ['mkdir', 'mkdirat', 'uname:ENOSYS'], default: 'log' } });
    expect(parseOpLine('masked_paths /proc/kcore,/sys/firmware')).toEqual({ op: 'masked_paths', args: { paths: ['/proc/kcore', '/sys/firmware'] } });
    expect(() => parseOpLine('caps')).toThrow('op caps needs exactly one of "keep"');
    expect(() => parseOpLine('caps keep=kill drop=chown')).toThrow('op caps needs exactly one of "keep"');
    expect(() => parseOpLine('caps drop=sys_admn')).toThrow('unknown capability "sys_admn" (did you mean "CAP_SYS_ADMIN"?)');
    expect(() => parseOpLine('seccomp mkdir default=explode')).toThrow('argument default of op seccomp: unknown action "explode"');
    expect(() => parseOpLine('seccomp Mkdir')).toThrow('"Mkdir" is not a rule');
    expect(() => parseOpLine('readonly_paths proc/sys')).toThrow('path "proc/sys" is not absolute');
    expect(() => parseOpLine('seccomp')).toThrow('op seccomp needs the argument "rules"');
  });

  it('parses the cgroup ops: a group, a file, a value in quotes, key=value for the rest', () => {
    expect(parseOpLine('cgroup_create bl-x')).toEqual({ op: 'cgroup_create', args: { cgroup: 'bl-x' } });
    expect(parseOpLine('cgroup_set bl-x cpu.max "50000 100000"')).toEqual({ op: 'cgroup_set', args: { cgroup: 'bl-x', file: 'cpu.max', value: '50000 100000' } });
    expect(parseOpLine('cgroup_set bl-x cgroup.procs 42 controller=pids')).toEqual({ op: 'cgroup_set', args: { cgroup: 'bl-x', file: 'cgroup.procs', value: '42', controller: 'pids' } });
    expect(parseOpLine('cgroup_create bl-a parent=bl-x controllers=cpu,memory')).toEqual({ op: 'cgroup_create', args: { cgroup: 'bl-a', parent: 'bl-x', controllers: ['cpu', 'memory'] } });
    expect(parseOpLine('clone pid,mnt cgroup=bl-a cgroup_parent=bl-x')).toEqual({ op: 'clone', args: { ns: ['pid', 'mnt'], cgroup: 'bl-a', cgroup_parent: 'bl-x' } });
    expect(() => parseOpLine('cgroup_set bl-x pids.max')).toThrow('op cgroup_set needs the argument "value" — usage: cgroup_set GROUP FILE VALUE [controller=pids]');
    expect(() => parseOpLine('cgroup_freez bl-x')).toThrow('unknown op "cgroup_freez" (did you mean "cgroup_freeze"?)');
  });

  it('completes op names', () => {
    expect(completeOp('se')).toEqual(['sethostname', 'setdomainname', 'seccomp']);
  });
});
