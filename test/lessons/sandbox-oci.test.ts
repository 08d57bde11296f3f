// The engine's support for the networking and runtime chapters, on the real kernel
// (root): named network namespaces made by a lesson (in its ledger scope before they
// exist, only bl- ones, only its own acted in, gone at the end, after a reset and after
// a SIGKILL with `boxlab cleanup`); ${oci} (every container in it deleted on every way
// out); host commands of such a lesson run under the core, which reaps what they leave;
// `requires:` skips, and says so; `pid:` moves the views to another process.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Core, boxcorePath, repoRoot } from '../../src/core/index.ts';
import { findLesson, parseLesson } from '../../src/lessons/loader.ts';
import { runLessonPlain } from '../../src/cli/lesson.ts';
import { LessonSession, closeProcessLedger, processLedger } from '../../src/lessons/session.ts';
import { trustLessons } from '../../src/lessons/trust.ts';
import { fingerprint as hostFingerprint, isRoot, type HostFingerprint } from '../helpers/host.ts';
import { holdAt } from '../helpers/lessons.ts';

const cli = join(repoRoot(), 'dist', 'boxlab.mjs');

/** The host's fingerprint, less this process's own ledger file (open while it runs). */
function fingerprint(): HostFingerprint {
  const f = hostFingerprint();
  return { ...f, ledgers: f.ledgers.filter((l) => !l.endsWith(`/bl-${process.pid}.jsonl`)) };
}

const lesson = (body: string[], vars: string[] = []) => parseLesson([
  '---', 'id: scratch-net', 'title: T', 'chapter: C', 'summary: S', 'needs: root', ...(vars.length ? ['vars:', ...vars] : []), '---',
  ...body,
].join('\n'), 'scratch.md');

const netnsLesson = () => lesson(['```step', 'title: a host', 'op: netns_add', 'args:', '  name: ${host}', '```'], ['  host: bl-host-${run}']);

const exists = (name: string) => existsSync(`/run/netns/${name}`);

function alive(pid: number): boolean {
  try {
    return !/\) [ZX] /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

function sink(): Writable & { text: string } {
  const w = new Writable({ write(chunk, _enc, cb) { w.text += String(chunk); cb(); } }) as Writable & { text: string };
  w.text = '';
  return w;
}

describe.runIf(isRoot)('lessons that make hosts and OCI containers (root)', () => {
  let host: HostFingerprint;
  beforeAll(() => {
    host = fingerprint();
  });
  afterAll(async () => {
    expect(await closeProcessLedger()).toEqual([]);
    expect(fingerprint()).toEqual(host);
  });

  it('netns_add writes the namespace in the lesson scope; close, reset and netns_del take it away', async () => {
    const s = await LessonSession.open(netnsLesson());
    const first = s.state.vars.host!;
    try {
      expect(first).toMatch(/^bl-host-\d+-\d+$/);
      expect((await s.runStop(0)).status).toBe('done');
      expect(exists(first)).toBe(true);
      expect(processLedger().entries().filter((e) => e.kind === 'netns' && e.scope === s.scope).map((e) => e.kind === 'netns' && e.name)).toEqual([first]);
      await s.reset();
      expect(exists(first)).toBe(false);
      const second = s.state.vars.host!;
      expect(second).not.toBe(first);
      expect((await s.runStop(0)).status).toBe('done');
      expect((await s.repl(`netns_del ${second}`)).ok).toBe(true);
      expect(exists(second)).toBe(false);
      expect(processLedger().entries().filter((e) => e.scope === s.scope && e.kind === 'netns')).toEqual([]);
      expect((await s.runStop(0)).status).toBe('done');
    } finally {
      await s.close();
    }
    expect(exists(s.state.vars.host!)).toBe(false);
    expect(processLedger().entries().filter((e) => e.scope === s.scope)).toEqual([]);
  });

  it('acts only in namespaces the lesson made, and names only bl- ones', async () => {
    // Another boxlab's namespace (here: a second core of this test's).
    const other = await Core.start();
    const theirs = `bl-theirs-${process.pid}`;
    await other.netnsAdd(theirs);
    const s = await LessonSession.open(netnsLesson());
    try {
      const bad = await s.repl('netns_add host');
      expect(bad.ok).toBe(false);
      expect(bad.error?.message).toContain('not a name for a lab-made network namespace');
      expect(bad.log).toEqual([]);
      const foreign = await s.repl(`link_down lo netns=${theirs}`);
      expect(foreign.ok).toBe(false);
      expect(foreign.error?.message).toContain(`${theirs} is not a network namespace this lesson made`);
      expect(foreign.log).toEqual([]); // refused before the core was asked
      expect((await s.repl(`netns_del ${theirs}`)).ok).toBe(false);
      // Its name is taken: the core says so, and the lesson's ledger forgets it again,
      // so the end of the lesson cannot remove another's namespace.
      const taken = await s.repl(`netns_add ${theirs}`);
      expect(taken.ok).toBe(false);
      expect(taken.error?.message).toMatch(/EEXIST|exists/);
      expect(processLedger().entries().filter((e) => e.scope === s.scope && e.kind === 'netns')).toEqual([]);
    } finally {
      await s.close();
    }
    expect(exists(theirs)).toBe(true);
    await other.netnsDel(theirs);
    await other.close();
  });

  it('after a SIGKILL, boxlab cleanup removes the named namespaces and OCI containers of a lesson', async () => {
    for (const [id, step] of [['multi-host', 1], ['oci-lifecycle', 2], ['oci-lifecycle', 7]] as const) {
      const child = await holdAt(id, step);
      const ours = () => (existsSync('/run/netns') ? readdirSync('/run/netns').filter((n) => n.includes(`-${child.pid}-`)) : []);
      const made = ours();
      child.kill('SIGKILL');
      if (id === 'multi-host') expect(made.length).toBe(2);
      await new Promise((r) => child.once('exit', r));
      const clean = spawnSync('node', [cli, 'cleanup'], { encoding: 'utf8' });
      expect(clean.status, clean.stdout + clean.stderr).toBe(0);
      for (let i = 0; i < 40 && JSON.stringify(fingerprint()) !== JSON.stringify(host); i++) await new Promise((r) => setTimeout(r, 50));
      expect(fingerprint(), `${id} step ${step}`).toEqual(host);
      expect(ours()).toEqual([]);
    }
  }, 120_000);

  it('SIGINT in the middle of a lesson removes its namespaces and its containers by itself', async () => {
    for (const [id, step] of [['nat', 2], ['oci-lifecycle', 9]] as const) {
      const child = await holdAt(id, step);
      child.kill('SIGINT');
      const code = await new Promise((r) => child.once('exit', r));
      expect(code).toBe(130);
      expect(fingerprint(), `${id} step ${step}`).toEqual(host);
    }
  }, 60_000);

  it('${oci}: a lesson that drives runtimes runs its commands under the core, which adopts what they leave; the end deletes its containers', async () => {
    const l = lesson([
      '```step', 'title: a container, and a stray', 'shell: |',
      '  cd ${dir} && boxcore spec && jq --arg r ${rootfs} \'.root.path = $r | .process.terminal = false | .process.args = ["sleep", "600"]\' config.json > c && mv c config.json',
      '  boxcore --root ${oci}/boxcore create --bundle ${dir} --pid-file ${dir}/pid bl-t-${run} > /dev/null 2>&1',
      '  boxcore --root ${oci}/boxcore start bl-t-${run}',
      '  sleep 600 > /dev/null 2>&1 &',
      '  echo $!',
      '```',
    ]);
    const s = await LessonSession.open(l);
    const oci = s.state.vars.oci!;
    let stray = 0;
    let init = 0;
    try {
      expect(oci).toMatch(/\/bl-oci-scratch-net-/);
      expect(processLedger().entries().some((e) => e.kind === 'oci-root' && e.path === oci && e.scope === s.scope)).toBe(true);
      const st = await s.runStop(0);
      expect(st.status, st.step?.error?.message).toBe('done');
      stray = Number(st.step!.output!.trim().split('\n').pop());
      init = Number(readFileSync(join(s.state.vars.dir!, 'pid'), 'utf8'));
      // The shells that started them are gone: the core, a child subreaper, adopted both.
      for (const pid of [stray, init]) {
        expect(alive(pid)).toBe(true);
        expect(readFileSync(`/proc/${pid}/status`, 'utf8')).toMatch(new RegExp(`^PPid:\\s+${s.core!.pid}$`, 'm'));
      }
      expect(readdirSync(join(oci, 'boxcore'))).toEqual([`bl-t-${s.state.vars.run}`]);
    } finally {
      await s.close();
    }
    expect(alive(stray)).toBe(false);
    expect(alive(init)).toBe(false);
    expect(existsSync(oci)).toBe(false);
  });

  it('requires: a block whose program is missing is skipped, says so, and the lesson still passes', async () => {
    const l = lesson([
      '```step', 'title: needs a program no machine has', 'requires: [bl-no-such-program]', 'shell: bl-no-such-program', '```',
      '```check', 'title: so does this', 'requires: [bl-no-such-program, sh]', 'shell: "false"', 'exit: 0', '```',
      '```check', 'title: sh is there', 'requires: [sh]', 'shell: "true"', 'exit: 0', '```',
    ]);
    const s = await LessonSession.open(l);
    try {
      expect((await s.runStop(0))).toMatchObject({ status: 'skipped', missing: ['bl-no-such-program'] });
      expect((await s.runStop(1))).toMatchObject({ status: 'skipped', missing: ['bl-no-such-program'] });
      expect((await s.runStop(2)).status).toBe('passed');
      expect(s.state.passed).toBe(true);
      expect(s.state.log).toEqual([]); // nothing ran for the skipped ones
    } finally {
      await s.close();
    }
  });

  it('the plain output names a skipped block and why', async () => {
    const out = sink();
    const env = process.env.BOXLAB_LESSONS;
    const tmp = spawnSync('mktemp', ['-d', '/tmp/bl-lessons-XXXXXX'], { encoding: 'utf8' }).stdout.trim();
    try {
      spawnSync('mkdir', ['-p', join(tmp, '01-t')]);
      writeFileSync(join(tmp, '01-t', '01-skip.md'), ['---', 'id: skip', 'title: T', 'chapter: C', 'summary: S', 'needs: root', '---',
        '```check', 'title: runc answers', 'requires: [bl-no-such-program]', 'shell: bl-no-such-program --version', 'exit: 0', '```'].join('\n'));
      process.env.BOXLAB_LESSONS = tmp;
      trustLessons([tmp]);
      expect(await runLessonPlain('skip', { yes: true, format: 'text', color: false, out })).toBe(0);
      expect(out.text).toContain('– runc answers (skipped: bl-no-such-program is not installed on this machine)');
    } finally {
      if (env === undefined) delete process.env.BOXLAB_LESSONS; else process.env.BOXLAB_LESSONS = env;
      trustLessons([]);
      spawnSync('rm', ['-rf', tmp]);
    }
  });

  it('the bridge and multi-host tasks give hints by the links\' state, step by step', async () => {
    const bridge = await LessonSession.open(await findLesson('bridge'));
    try {
      const task = await runToTask(bridge);
      const host = bridge.state.vars.host!;
      expect(bridge.hint(task).text).toContain('veth1 is on no bridge yet');
      expect((await bridge.repl(`link_master veth1 docker0 netns=${host}`)).ok).toBe(true);
      expect((await bridge.recheck(task))!.found).toBe('down docker0');
      expect(bridge.hint(task).text).toContain('but down');
      expect((await bridge.repl(`link_up veth1 netns=${host}`)).ok).toBe(true);
      expect((await bridge.recheck(task))!.pass).toBe(true);
    } finally {
      await bridge.close();
    }
    const mh = await LessonSession.open(await findLesson('multi-host'));
    try {
      const task = await runToTask(mh);
      const b = mh.state.vars.b!;
      expect(mh.hint(task).text).toContain('has no vx0 yet');
      for (const line of [`bridge_add br0 netns=${b}`, `vxlan_add vx0 vni=42 local=10.250.0.2 remote=10.250.0.1 dstport=4789 dev=eth0 netns=${b}`]) {
        expect((await mh.repl(line)).ok, line).toBe(true);
      }
      expect((await mh.recheck(task))!.found).toBe('vni 42 remote 10.250.0.1 no-master down');
      expect(mh.hint(task).text).toContain('vx0 is on no bridge');
      expect((await mh.repl(`link_master vx0 br0 netns=${b}`)).ok).toBe(true);
      await mh.recheck(task);
      expect(mh.hint(task).text).toContain('vx0 is down');
      expect((await mh.repl(`link_up vx0 netns=${b}`)).ok).toBe(true);
      expect((await mh.recheck(task))!.pass).toBe(true);
    } finally {
      await mh.close();
    }
  }, 60_000);

  it('the pause task reads the freezer: THAWED gives the pause hint, pausing passes it', async () => {
    const s = await LessonSession.open(await findLesson('oci-lifecycle'));
    try {
      const task = await runToTask(s);
      expect(s.state.stops[task]!.check!.found).toBe('THAWED');
      expect(s.hint(task).text).toContain('its cgroup is THAWED');
      const pause = spawnSync(boxcorePath(), ['--root', join(s.state.vars.oci!, 'boxcore'), 'pause', s.state.vars.box!], { encoding: 'utf8' });
      expect(pause.status, pause.stderr).toBe(0);
      expect((await s.recheck(task))!.pass).toBe(true);
    } finally {
      await s.close();
    }
  }, 60_000);

  it('pid: the views and ${pid} follow the process a step names, or fail clearly', async () => {
    const l = lesson([
      '```step', 'title: follow me', `shell: echo ${process.pid} > \${dir}/p`, 'pid: ${dir}/p', 'views: [ns]', '```',
      '```step', 'title: follow nothing', 'shell: "true"', 'pid: ${dir}/missing', '```',
    ]);
    const s = await LessonSession.open(l);
    try {
      const st = await s.runStop(0);
      expect(st.status).toBe('done');
      expect(s.state.vars.pid).toBe(String(process.pid));
      expect(st.step!.after!.pid).toBe(process.pid);
      const bad = await s.runStop(1);
      expect(bad.status).toBe('failed');
      expect(bad.step!.error!.message).toBe(`pid: ${s.state.vars.dir}/missing holds no process id`);
    } finally {
      await s.close();
    }
  });
});

/** Run the stops before the lesson's first task, then the task's first check. */
async function runToTask(s: LessonSession): Promise<number> {
  const stops = s.state.lesson.stops;
  const task = stops.findIndex((x) => x.kind === 'task');
  for (let i = 0; i < task; i++) expect((await s.runStop(i)).status, stops[i]!.title).toMatch(/done|passed/);
  expect((await s.runStop(task)).status).toBe('waiting');
  return task;
}

