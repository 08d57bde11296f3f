// The other commands of issue 2, as a person runs them: state, cleanup after a killed
// run, boxcore enter, and exec on a pseudo-terminal.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { boxcorePath, Core, repoRoot } from '../../src/core/index.ts';
import { ledgerDir, stateRoot } from '../../src/ledger/index.ts';
import { fingerprint, isRoot, type HostFingerprint } from '../helpers/host.ts';
import { testRootfs } from '../helpers/rootfs.ts';

const cli = join(repoRoot(), 'dist', 'boxlab.mjs');
let rootfs: Awaited<ReturnType<typeof testRootfs>>;
let before: HostFingerprint;

beforeAll(async () => { if (isRoot) rootfs = await testRootfs(); });
afterAll(async () => { await rootfs?.remove(); });
beforeEach(() => { before = fingerprint(); });
afterEach(() => { expect(fingerprint()).toEqual(before); });

function boxlab(args: string[], input?: string) {
  const r = spawnSync('node', [cli, ...args], { input, encoding: 'utf8', timeout: 20_000, env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('boxlab state', () => {
  it('prints the views of a process as text and as JSON', () => {
    const text = boxlab(['state', String(process.pid), '--view', 'ns,uts']);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/uts/);
    const json = JSON.parse(boxlab(['state', String(process.pid), '--view', 'ns', '--json']).stdout);
    expect(json.pid).toBe(process.pid);
    expect(json.views.ns.rows.map((r: { key: string }) => r.key)).toEqual(expect.arrayContaining(['mnt', 'pid', 'uts', 'net', 'ipc', 'user', 'cgroup']));
  });

  it('refuses a bad pid or view with a clear message', () => {
    expect(boxlab(['state', '999999999'])).toMatchObject({ code: 1, stderr: expect.stringContaining('no such process: 999999999') });
    expect(boxlab(['state', 'abc'])).toMatchObject({ code: 2, stderr: expect.stringContaining('expected one PID') });
    expect(boxlab(['state', '1', '--view', 'nss'])).toMatchObject({ code: 2, stderr: expect.stringContaining("unknown view 'nss'") });
  });
});

describe('the command line', () => {
  it('prints its version and help, and names an unknown command', () => {
    expect(boxlab(['--version']).stdout).toMatch(/^boxlab \d+\.\d+\.\d+\n$/);
    expect(boxlab(['--help']).stdout).toContain('boxlab run [OPTIONS] -- CMD');
    expect(boxlab(['frobnicate'])).toMatchObject({ code: 2, stderr: expect.stringContaining("unknown command 'frobnicate'") });
    expect(boxlab(['run', '--frob'])).toMatchObject({ code: 2, stderr: expect.stringContaining('unknown option --frob') });
  });
});

/** What the state root holds; it is gone while no boxlab has anything in it. */
const inStateRoot = () => (existsSync(stateRoot()) ? readdirSync(stateRoot()) : []);

describe.runIf(isRoot)('boxlab cleanup after a killed run', () => {
  it('finds what a SIGKILLed boxlab run left and removes exactly that', async () => {
    const child = spawn('node', [cli, 'run', '--rootfs', rootfs.dir, '--', 'sleep', '60'], { stdio: 'ignore' });
    const ledger = join(ledgerDir(), `bl-${child.pid}.jsonl`);
    // Wait until the container runs: its working directory exists.
    for (let i = 0; i < 100 && !inStateRoot().some((n) => n.startsWith(`bl-run-${child.pid}-`)); i++) await sleep(50);
    await sleep(300);
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    expect(existsSync(ledger)).toBe(true);
    // The core saw its requests end and killed the container; give it a moment.
    await sleep(300);

    const dry = boxlab(['cleanup', '--dry-run']);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain(`bl-run-${child.pid}-`);
    expect(dry.stdout).toContain('dry run: nothing changed');
    expect(existsSync(ledger)).toBe(true);

    const done = JSON.parse(boxlab(['cleanup', '--json']).stdout);
    expect(done.items.filter((i: { owner: number }) => i.owner === child.pid).every((i: { removed: boolean }) => i.removed)).toBe(true);
    expect(existsSync(ledger)).toBe(false);
    expect(inStateRoot().filter((n) => n.startsWith(`bl-run-${child.pid}-`))).toEqual([]);
  });
});

describe.runIf(isRoot)('boxcore enter and exec on a pty', () => {
  let core: Core;
  beforeEach(async () => { core = await Core.start(); });
  afterEach(async () => { await core.close(); });

  it('enter joins a running container with this terminal, like nsenter', async () => {
    const { ct, pid } = await core.clone(['uts', 'pid']);
    await core.sethostname(ct, 'bl-entered');
    const r = spawnSync(boxcorePath(), ['enter', String(pid), '--', '/bin/sh', '-c', 'hostname; exit 5'], { encoding: 'utf8' });
    expect(r.stdout).toBe('bl-entered\n');
    expect(r.status).toBe(5);
    const bad = spawnSync(boxcorePath(), ['enter', String(pid), '--ns', 'uts,bogus', '--', 'true'], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('bogus');
    // A pid no process has, however large and with or without a command: "no such
    // process", not the usage.
    for (const args of [['999999999'], ['999999999', 'true'], ['99999999999999999999999', '--', 'true']]) {
      const none = spawnSync(boxcorePath(), ['enter', ...args], { encoding: 'utf8' });
      expect([none.status, none.stderr.split('\n')[0]]).toEqual([1, `boxcore enter: no process ${args[0]}: No such process`]);
    }
  });

  it('exec with a pty gives the program a terminal of its own', async () => {
    await core.close();
    core = await Core.start({ stdio: 'pipe' });
    let out = '';
    core.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
    const { ct } = await core.clone(['pid']);
    await core.exec(ct, ['/bin/sh', '-c', 'tty; test -t 0 && echo stdin-is-a-tty'], { stdio: 'pty' });
    expect((await core.wait({ ct })).code).toBe(0);
    for (let i = 0; i < 20 && !out.includes('stdin-is-a-tty'); i++) await sleep(50);
    expect(out).toMatch(/^\/dev\/pts\/\d+\r?\nstdin-is-a-tty/);
  });
});
