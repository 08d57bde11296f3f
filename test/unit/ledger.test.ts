import { spawn } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { cleanup, Ledger, ledgerDir, LeftBehindError, processStartTime, readLedger, stateRoot, thenCleanUp } from '../../src/ledger/index.ts';

let base: string;
let ledgers: string;

beforeEach(() => {
  base = mkdtempSync(join(tmpdir(), 'bl-test-'));
  ledgers = join(base, 'ledger');
});
afterEach(() => rmSync(base, { recursive: true, force: true }));

/** A real process that has exited: its pid and start time name nobody alive. */
async function deadOwner(): Promise<{ pid: number; start: string }> {
  const child = spawn('sleep', ['30']);
  await new Promise((r) => child.once('spawn', r));
  const owner = { pid: child.pid!, start: processStartTime(child.pid!) };
  child.kill('SIGKILL');
  await new Promise((r) => child.once('exit', r));
  return owner;
}

function writeLedger(owner: { pid: number; start: string }, lines: object[]): string {
  mkdirSync(ledgers, { recursive: true, mode: 0o700 });
  const file = join(ledgers, `bl-${owner.pid}.jsonl`);
  writeFileSync(file, [{ owner }, ...lines].map((l) => JSON.stringify(l)).join('\n') + '\n');
  return file;
}

describe('ledger', () => {
  it('writes a resource down before it is made, and crosses it out after removal', async () => {
    const ledger = Ledger.open(ledgers);
    const dir = join(base, 'bl-made');
    await ledger.track({ kind: 'dir', path: dir }, () => {
      // At the moment of making, the entry is already on disk.
      expect(readLedger(ledger.file).live.map((e) => e.kind === 'dir' && e.path)).toEqual([dir]);
      mkdirSync(dir);
    });
    expect(existsSync(dir)).toBe(true);
    await ledger.close();
    expect(existsSync(dir)).toBe(false);
    expect(existsSync(ledger.file)).toBe(false);
  });

  it('crosses out and undoes an entry whose making failed', async () => {
    const ledger = Ledger.open(ledgers);
    const dir = join(base, 'bl-half');
    await expect(ledger.track({ kind: 'dir', path: dir }, () => {
      mkdirSync(dir);
      throw new Error('failed halfway');
    })).rejects.toThrow('failed halfway');
    expect(existsSync(dir)).toBe(false);
    expect(readLedger(ledger.file).live).toEqual([]);
    await ledger.close();
  });

  it('unwinds one scope and leaves the others', async () => {
    const ledger = Ledger.open(ledgers);
    const a = join(base, 'bl-a');
    const b = join(base, 'bl-b');
    await ledger.track({ kind: 'dir', path: a }, () => mkdirSync(a), 'lesson-1');
    await ledger.track({ kind: 'dir', path: b }, () => mkdirSync(b), 'lesson-2');
    await ledger.unwind('lesson-1');
    expect([existsSync(a), existsSync(b)]).toEqual([false, true]);
    await ledger.close();
    expect(existsSync(b)).toBe(false);
  });

  it('refuses to remove a path the lab did not name', async () => {
    const ledger = Ledger.open(ledgers);
    const precious = join(tmpdir(), `precious-${process.pid}`);
    mkdirSync(precious, { recursive: true });
    ledger.record({ kind: 'dir', path: precious });
    const errors = await ledger.unwind();
    expect(errors.map((e) => e.message)).toEqual([`refusing to remove ${precious}: outside ${base}, where the lab keeps what it makes`]);
    expect(existsSync(precious)).toBe(true);
    rmSync(precious, { recursive: true });
  });

  it('refuses entries that name what the lab never makes, touching nothing', async () => {
    const ledger = Ledger.open(ledgers);
    const tampered = [
      { kind: 'link', name: 'eth0' },
      { kind: 'link', name: 'bl-x', netns: 'production' },
      { kind: 'netns', name: 'cni-1234' },
      { kind: 'nat', table: 'filter' },
      { kind: 'sysctl', path: '/proc/sys/kernel/panic', restore: '1\n' },
      { kind: 'sysctl', path: '/proc/sys/net/../kernel/panic', restore: '1\n' },
      { kind: 'sysctl', path: '/proc/sys/net/ipv4/ip_forward', restore: '1; reboot\n' },
      { kind: 'oci', root: '/run/runc', name: 'webapp' },
      { kind: 'process', pid: 1, start: '1' },
      { kind: 'loop', file: '/var/lib/images/disk.img' },
    ] as const;
    for (const r of tampered) ledger.record(r);
    const errors = await ledger.unwind();
    expect(errors.map((e) => e.message.split(':')[0])).toEqual([
      'refusing to remove /var/lib/images/disk.img',
      'refusing to kill pid 1',
      'refusing to remove container webapp',
      'refusing to write "1; reboot\\n" to /proc/sys/net/ipv4/ip_forward',
      'refusing to write "1\\n" to /proc/sys/net/../kernel/panic',
      'refusing to write "1\\n" to /proc/sys/kernel/panic',
      'refusing to remove NAT table filter',
      'refusing to remove netns cni-1234',
      'refusing to remove netns production',
      'refusing to remove link eth0',
    ]);
    expect(existsSync('/proc/1')).toBe(true);
    await ledger.close();
  });

  it('says which ledger a full disk kept it from writing, and never loses the next entry to a torn line', async () => {
    const ledger = Ledger.open(ledgers);
    const kept = readFileSync(ledger.file, 'utf8');
    // The disk is full (/dev/full answers every write with ENOSPC)...
    rmSync(ledger.file);
    symlinkSync('/dev/full', ledger.file);
    expect(() => ledger.record({ kind: 'dir', path: join(base, 'bl-a') })).toThrow(`cannot write the ledger ${ledger.file}: no space left on device. boxlab writes down what it makes before making it, so nothing was made.`);
    // ...and left half a line behind; with space again, the next entry still counts.
    rmSync(ledger.file);
    writeFileSync(ledger.file, kept + '{"add":{"id":1,"ki', { mode: 0o600 });
    ledger.record({ kind: 'dir', path: join(base, 'bl-b') });
    expect(readLedger(ledger.file).live.map((e) => e.kind === 'dir' && e.path)).toEqual([join(base, 'bl-b')]);
    await ledger.close();
  });

  it('says what an unwind could not remove, keeps it listed for cleanup, and puts the work\'s own error first', async () => {
    const ledger = Ledger.open(ledgers);
    expect(ledger.root).toBe(base);
    // A directory outside the ledger's state root: refused, so it cannot be removed.
    const other = mkdtempSync(join(tmpdir(), 'bl-test-other-'));
    try {
      const stray = join(other, 'bl-stray');
      mkdirSync(stray);
      ledger.record({ kind: 'dir', path: stray }, 'part');
      const left = await ledger.unwindOrThrow('part').then(() => undefined, (err: unknown) => err);
      expect(left).toBeInstanceOf(LeftBehindError);
      expect((left as Error).message).toBe(`could not remove what it made: refusing to remove ${stray}: outside ${base}, where the lab keeps what it makes (it stays in the ledger: boxlab cleanup tries again)`);
      expect(existsSync(stray)).toBe(true);
      expect(readLedger(ledger.file).live.map((e) => e.kind === 'dir' && e.path)).toEqual([stray]);

      // Work that succeeded but left something fails with what it left; work that failed
      // fails with its own error; the clean-up runs either way.
      let cleanups = 0;
      const leaving = async () => { cleanups++; throw new LeftBehindError([new Error('x stays')]); };
      await expect(thenCleanUp(async () => 'built', leaving)).rejects.toThrow('could not remove what it made: x stays');
      await expect(thenCleanUp(async () => { throw new Error('RUN failed'); }, leaving)).rejects.toThrow('RUN failed');
      expect(await thenCleanUp(async () => 'built', async () => { cleanups++; })).toBe('built');
      expect(cleanups).toBe(3);

      // close() tries again and names it; the ledger stays for boxlab cleanup.
      expect((await ledger.close()).map((e) => e.message)).toEqual([`refusing to remove ${stray}: outside ${base}, where the lab keeps what it makes`]);
      expect(existsSync(ledger.file)).toBe(true);
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });

  it('reads a ledger whose last line was torn by a crash', () => {
    mkdirSync(ledgers, { recursive: true });
    const file = join(ledgers, 'bl-1.jsonl');
    writeFileSync(file, '{"owner":{"pid":1,"start":"5"}}\n{"add":{"id":1,"kind":"dir","path":"/x/bl-1"}}\n{"add":{"id":2,"ki');
    expect(readLedger(file).live).toEqual([{ id: 1, kind: 'dir', path: '/x/bl-1' }]);
  });
});

describe('boxlab cleanup', () => {
  it("removes what a dead owner's ledger lists, and the ledger", async () => {
    const owner = await deadOwner();
    const left = join(base, 'bl-left');
    const gone = join(base, 'bl-gone');
    mkdirSync(left);
    const file = writeLedger(owner, [
      { add: { id: 1, kind: 'dir', path: left } },
      { add: { id: 2, kind: 'dir', path: gone } },
      { done: 2 },
    ]);
    const dry = await cleanup({ dir: ledgers, dryRun: true });
    expect(dry.items.map((i) => i.entry.id)).toEqual([1]);
    expect(existsSync(left)).toBe(true);
    const report = await cleanup({ dir: ledgers });
    expect(report.items.map((i) => [i.entry.id, i.removed])).toEqual([[1, true]]);
    expect(existsSync(left)).toBe(false);
    expect(existsSync(file)).toBe(false);
  });

  it('kills a process a dead owner left, but only the same process', async () => {
    const owner = await deadOwner();
    const orphan = spawn('sleep', ['30'], { detached: true });
    await new Promise((r) => orphan.once('spawn', r));
    const exited = new Promise((r) => orphan.once('exit', (_c, sig) => r(sig)));
    writeLedger(owner, [
      { add: { id: 1, kind: 'process', pid: orphan.pid, start: processStartTime(orphan.pid!) } },
      // Same pid, other start time: a reused pid is somebody else's process.
      { add: { id: 2, kind: 'process', pid: process.pid, start: '1' } },
    ]);
    await cleanup({ dir: ledgers });
    expect(await exited).toBe('SIGKILL');
    expect(existsSync(`/proc/${process.pid}`)).toBe(true);
  });

  it("leaves a live owner's ledger alone", async () => {
    const kept = join(base, 'bl-kept');
    mkdirSync(kept);
    const file = writeLedger({ pid: process.pid, start: processStartTime(process.pid) }, [{ add: { id: 1, kind: 'dir', path: kept } }]);
    const report = await cleanup({ dir: ledgers });
    expect(report.liveOwners).toEqual([process.pid]);
    expect(existsSync(kept)).toBe(true);
    expect(readFileSync(file, 'utf8')).toContain('bl-kept');
  });

  it('is quiet when there is nothing to do', async () => {
    expect(await cleanup({ dir: join(base, 'none') })).toEqual({ items: [], ledgersRemoved: [], ledgersRefused: [], liveOwners: [] });
  });
});

describe('forged ledgers', () => {
  const isRoot = process.getuid?.() === 0;

  it('refuse entries with .., outside the state root, or not plain, in a dry run too, touching nothing', async () => {
    const owner = await deadOwner();
    const victim = mkdtempSync(join(tmpdir(), 'bl-victim-')); // a bl- name, outside the state root
    writeFileSync(join(victim, 'keep'), 'mine\n');
    const none = `bl-none-${process.pid}`; // names nothing on this machine, whatever happens
    const forged = [
      { kind: 'dir', path: `${base}/bl-x/../../${basename(victim)}` },
      { kind: 'dir', path: victim },
      { kind: 'dir', path: `${base}//bl-y` },
      { kind: 'dir', path: `${base}/bl-z/` },
      { kind: 'dir', path: 'bl-relative' },
      { kind: 'dir', path: `${base}/not-ours` },
      { kind: 'dir', path: `${base}/bl-handed`, user: 0 },
      { kind: 'oci-root', path: `${base}/bl-o/../../${basename(victim)}` },
      { kind: 'mount', path: `/${none}` },
      { kind: 'loop', file: `${base}/../${none}.img` },
      { kind: 'cgroup', path: `/sys/fs/cgroup/bl-x/../${none}` },
      { kind: 'cgroup', path: `/tmp/${none}` },
      { kind: 'netns', name: `bl-/../../${none}` },
      { kind: 'link', name: 'bl-longer-than-ifnamsiz' },
      { kind: 'link', name: 'bl-a', netns: `bl-/../${none}` },
      { kind: 'nat', table: 'bl-x; flush ruleset' },
      { kind: 'oci', root: `/run/boxcore/../${none}`, name: 'bl-x' },
      { kind: 'process', pid: 2 ** 40, start: '99' },
      { kind: 'frobnicate', path: `${base}/bl-f` },
    ];
    const file = writeLedger(owner, forged.map((add, i) => ({ add: { id: i + 1, ...add } })));
    for (const dryRun of [true, false]) {
      const report = await cleanup({ dir: ledgers, dryRun });
      expect(report.items.map((i) => [i.entry.id, i.removed, i.error?.split(':')[0]?.startsWith('refusing')])).toEqual(forged.map((_, i) => [i + 1, false, true]).reverse());
    }
    expect(readFileSync(join(victim, 'keep'), 'utf8')).toBe('mine\n');
    expect(existsSync(file)).toBe(true); // kept, for a person to look at
    rmSync(victim, { recursive: true });
  });

  it('never kill a process that started before the boxlab that wrote the ledger', async () => {
    const older = spawn('sleep', ['30']);
    await new Promise((r) => older.once('spawn', r));
    await new Promise((r) => setTimeout(r, 50)); // start times count clock ticks (10 ms)
    const owner = await deadOwner(); // started after `older`
    writeLedger(owner, [{ add: { id: 1, kind: 'process', pid: older.pid, start: processStartTime(older.pid!) } }]);
    const report = await cleanup({ dir: ledgers });
    expect(report.items[0]!.error).toBe(`refusing to kill pid ${older.pid}: it started before the boxlab whose ledger names it`);
    expect(older.exitCode === null && older.signalCode === null).toBe(true);
    older.kill('SIGKILL');
  });

  it('take a killed owner that nobody reaped (a zombie) for dead', async () => {
    // sh starts a sleep and then becomes another sleep, which never reaps it.
    const parent = spawn('sh', ['-c', 'sleep 30 & exec sleep 31'], { stdio: 'ignore' });
    const children = `/proc/${parent.pid}/task/${parent.pid}/children`;
    const execed = () => readFileSync(`/proc/${parent.pid}/cmdline`, 'utf8') === 'sleep\x0031\x00' && readFileSync(children, 'utf8').trim() !== '';
    while (!execed()) await new Promise((r) => setTimeout(r, 5));
    const pid = Number(readFileSync(children, 'utf8').trim());
    const owner = { pid, start: processStartTime(pid) };
    process.kill(pid, 'SIGKILL');
    while (!/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'))) await new Promise((r) => setTimeout(r, 5));
    const left = join(base, 'bl-left-by-zombie');
    mkdirSync(left);
    writeLedger(owner, [{ add: { id: 1, kind: 'dir', path: left } }]);
    const report = await cleanup({ dir: ledgers });
    expect(report.liveOwners).toEqual([]);
    expect(existsSync(left)).toBe(false);
    parent.kill('SIGKILL');
  });

  it('are not read from a ledger directory others can write, nor through a link', async () => {
    const owner = await deadOwner();
    const kept = join(base, 'bl-kept');
    mkdirSync(kept);
    const file = writeLedger(owner, [{ add: { id: 1, kind: 'dir', path: kept } }]);
    chmodSync(ledgers, 0o777);
    await expect(cleanup({ dir: ledgers })).rejects.toThrow(`will not keep ledgers (the lists of what to remove after a crash) in ${ledgers}: ${ledgers} has mode 0777: others can write it, so another user could forge what boxlab removes. chmod go-w ${ledgers}`);
    chmodSync(ledgers, 0o700);
    // A ledger that is a link to somebody else's file.
    const elsewhere = join(base, 'elsewhere.jsonl');
    renameSync(file, elsewhere);
    symlinkSync(elsewhere, file);
    const report = await cleanup({ dir: ledgers });
    expect(report.ledgersRefused.map((r) => r.ledger)).toEqual([file]);
    expect(existsSync(kept)).toBe(true);
  });

  it.runIf(isRoot)('are not read from a ledger directory or file of another user\'s', async () => {
    const owner = await deadOwner();
    const kept = join(base, 'bl-kept');
    mkdirSync(kept);
    const file = writeLedger(owner, [{ add: { id: 1, kind: 'dir', path: kept } }]);
    chownSync(file, 47003, 47003);
    expect((await cleanup({ dir: ledgers })).ledgersRefused).toEqual([{ ledger: file, error: `left alone: the ledger ${file}, since ${file} belongs to uid 47003, not to you (uid 0); remove it by hand if you know it` }]);
    chownSync(ledgers, 47003, 47003);
    await expect(cleanup({ dir: ledgers })).rejects.toThrow(`${ledgers} belongs to uid 47003, not to you (uid 0)`);
    expect(existsSync(kept)).toBe(true);
  });
});

describe('the default state root', () => {
  it('goes with the last ledger in it, and stays while another boxlab has one there', async () => {
    // As a user: the state root is boxlab-UID in XDG_RUNTIME_DIR (here, our scratch dir).
    const env = { XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR, BOXLAB_STATE_DIR: process.env.BOXLAB_STATE_DIR };
    vi.spyOn(process as { getuid: () => number }, 'getuid').mockReturnValue(4242);
    process.env.XDG_RUNTIME_DIR = base;
    delete process.env.BOXLAB_STATE_DIR;
    try {
      expect(stateRoot()).toBe(join(base, 'boxlab-4242'));
      const other = join(ledgerDir(), 'bl-1.jsonl'); // another boxlab's ledger
      mkdirSync(ledgerDir(), { recursive: true, mode: 0o700 });
      writeFileSync(other, '{}\n');
      await Ledger.open().close();
      expect(existsSync(other)).toBe(true);
      rmSync(other);
      const l = Ledger.open();
      expect(existsSync(ledgerDir())).toBe(true);
      await l.close();
      expect(existsSync(stateRoot())).toBe(false);
      // and after `boxlab cleanup` of a dead boxlab's ledger, the same
      ledgers = ledgerDir();
      writeLedger(await deadOwner(), []);
      expect((await cleanup()).ledgersRemoved).toHaveLength(1);
      expect(existsSync(stateRoot())).toBe(false);
      expect(existsSync(base)).toBe(true); // not the lab's: left
    } finally {
      vi.restoreAllMocks();
      for (const [k, v] of Object.entries(env)) if (v === undefined) delete process.env[k]; else process.env[k] = v;
    }
  });
});
