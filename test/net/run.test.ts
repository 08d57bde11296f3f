// `boxlab run --net none|host|bridge -p` end to end: the bundled CLI as a person runs
// it. Traffic goes only to 127.0.0.1 (the published port) and to addresses inside the
// containers. The host's network must be the same after the file as before it.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readlinkSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { repoRoot } from '../../src/core/index.ts';
import { fingerprint, isRoot, type HostFingerprint } from '../helpers/host.ts';
import { testRootfs } from '../helpers/rootfs.ts';
import { stopAll } from '../helpers/cli.ts';

const cli = join(repoRoot(), 'dist', 'boxlab.mjs');
let rootfs: Awaited<ReturnType<typeof testRootfs>>;
let before: HostFingerprint;
const running: ChildProcess[] = [];

beforeAll(async () => {
  if (!isRoot) return;
  rootfs = await testRootfs('busybox');
});
afterAll(async () => {
  await rootfs?.remove();
});
beforeEach(() => { before = fingerprint(); });
afterEach(async () => {
  await stopAll(running);
  expect(fingerprint()).toEqual(before);
});

function run(args: string[]) {
  const r = spawnSync('node', [cli, 'run', '--rootfs', rootfs.dir, ...args], { encoding: 'utf8', timeout: 20_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A container in the background; resolves with its exit status and output. */
function start(args: string[]) {
  const child = spawn('node', [cli, 'run', '--rootfs', rootfs.dir, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  running.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => { stdout += d; });
  child.stderr!.on('data', (d) => { stderr += d; });
  const done = new Promise<{ code: number | null; stdout: string; stderr: string }>((r) =>
    child.once('exit', (code) => r({ code, stdout, stderr })));
  /** What it printed so far: the message of an assertion that fails. */
  const said = () => `boxlab run said: ${stderr}${stdout}`;
  return { child, done, said };
}

/** Connect to 127.0.0.1:port and read until the other side closes; '' when refused. */
function fetchLocal(port: number): Promise<string> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    let got = '';
    s.on('data', (d) => { got += d; });
    s.on('end', () => { s.end(); });
    s.on('close', () => resolve(got));
    s.on('error', () => resolve(''));
    s.setTimeout(3000, () => s.destroy());
  });
}

async function until(port: number): Promise<string> {
  for (let i = 0; i < 50; i++) {
    const got = await fetchLocal(port);
    if (got) return got;
    await new Promise((r) => setTimeout(r, 200));
  }
  return '';
}

const port = () => 20000 + Math.floor(Math.random() * 20000);

describe.runIf(isRoot)('boxlab run --net', () => {
  it('gives a container its own network namespace with loopback up by default', () => {
    const r = run(['--', 'sh', '-c', 'ip -o link show; ping -c 1 -W 2 127.0.0.1 >/dev/null && echo reached']);
    expect(r.code).toBe(0);
    const links = r.stdout.trim().split('\n').filter((l) => /^\d+:/.test(l));
    expect(links).toHaveLength(1);
    expect(links[0]).toMatch(/^1: lo: <LOOPBACK,UP,LOWER_UP>/);
    expect(r.stdout).toContain('reached');
    expect(run(['--net', 'none', '--', 'ip', '-o', 'link', 'show']).stdout).toMatch(/^1: lo: <LOOPBACK,UP/);
  });

  it('shares the host network namespace with --net host', () => {
    const r = run(['--net', 'host', '--', 'readlink', '/proc/self/ns/net']);
    expect(r).toMatchObject({ code: 0, stdout: `${readlinkSync('/proc/self/ns/net')}\n` });
  });

  it('reaches a TCP server in a container through a published port, from the host loopback', async () => {
    const p = port();
    const box = start(['--net', 'bridge', '-p', `${p}:80`, '--', 'sh', '-c',
      'ip -o -4 addr show eth0; ip route; echo served-by-the-container | nc -l -p 80']);
    expect(await until(p), box.said()).toBe('served-by-the-container\n');
    const end = await box.done;
    expect(end.code).toBe(0);
    expect(end.stdout).toMatch(/eth0\s+inet (10\.88|172\.(1[89]|2\d|3[01])|192\.168)\.\d+\.\d+\/24/);
    expect(end.stdout).toMatch(/default via \d+\.\d+\.\d+\.1 dev eth0/);
  });

  it('refuses a host port that another container publishes, and leaves nothing behind', async () => {
    const p = port();
    const first = start(['--net', 'bridge', '-p', `${p}:80`, '--', 'sh', '-c', 'while true; do echo first | nc -l -p 80; done']);
    expect(await until(p), first.said()).toBe('first\n');
    const host = fingerprint();
    const second = run(['--net', 'bridge', '-p', `${p}:8080`, '--', 'true']);
    expect(second.code).toBe(125);
    expect(second.stderr).toMatch(new RegExp(`port ${p}/tcp is already published`));
    expect(fingerprint()).toEqual(host);
    expect(await fetchLocal(p)).toBe('first\n');
    first.child.kill('SIGTERM');
    await first.done;
  });

  it('leaves the bridge, NAT and sysctl for boxlab cleanup after a SIGKILL, which restores them', async () => {
    const host = fingerprint();
    const p = port();
    const box = start(['--net', 'bridge', '-p', `${p}:80`, '--', 'sh', '-c', 'while true; do echo killed-later | nc -l -p 80; done']);
    expect(await until(p), box.said()).toBe('killed-later\n');
    box.child.kill('SIGKILL');
    await box.done;
    // The core sees its request pipe close and takes its container with it; what the
    // ledger lists on the host stays until cleanup.
    for (let i = 0; i < 50 && fingerprint().processes.length > before.processes.length; i++) await new Promise((r) => setTimeout(r, 100));
    expect(fingerprint().netfilter.join('\n')).toContain(`dport ${p} dnat`);
    const clean = spawnSync('node', [cli, 'cleanup'], { encoding: 'utf8', timeout: 20_000 });
    expect(clean.status).toBe(0);
    expect(fingerprint()).toEqual(host);
  });

  it('refuses bad network flags with a clear error, making nothing', () => {
    const host = fingerprint();
    expect(run(['--net', 'bogus', '--', 'true'])).toMatchObject({ code: 2, stderr: expect.stringContaining('--net bogus: there is no network bogus') });
    expect(run(['--net', 'bridge', '-p', '99999:80', '--', 'true'])).toMatchObject({ code: 2, stderr: expect.stringContaining('-p 99999:80: expected HOSTPORT:CTPORT') });
    expect(run(['-p', '8080:80', '--', 'true'])).toMatchObject({ code: 2, stderr: expect.stringContaining('-p needs --net bridge') });
    expect(run(['--net', 'bridge', '--user', '--', 'true'])).toMatchObject({ code: 2, stderr: expect.stringContaining('--net bridge needs root') });
    expect(run(['--net', 'host', '--ns', 'mnt,net', '--', 'true'])).toMatchObject({ code: 2, stderr: expect.stringContaining("--net host shares the host's network") });
    expect(run(['--net', 'bridge', '-p', '8080:80', '-p', '8080:81', '--', 'true'])).toMatchObject({ code: 2, stderr: expect.stringContaining('published twice') });
    expect(fingerprint()).toEqual(host);
  });
});
