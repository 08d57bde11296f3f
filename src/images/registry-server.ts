// A registry of the lab's own, on loopback: Debian's docker-registry (the CNCF
// distribution project's server), with its storage in a bl- directory. The directory
// and the process are in the ledger, so the end of a lesson, Ctrl-C, or `boxlab
// cleanup` after a SIGKILL take both away. The process also gets PR_SET_PDEATHSIG
// (through setpriv) so it dies with boxlab even before cleanup runs.
//
// Loopback is shared by every user of the machine, so the registry takes nothing
// without a login: a user name and a random password made for this run only, checked
// by the registry's htpasswd auth (bcrypt). The password is in files only root can read
// (the directory is 0700): auth.json for skopeo and boxlab (--authfile, as podman and
// skopeo name it), netrc for curl (--netrc-file). Before it is used, the registry's
// listening socket is checked to be its own, so no other user's server on a port taken
// meanwhile can stand in for it and be handed the password or hand back images.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, readlinkSync, writeFileSync } from 'node:fs';
import bcrypt from 'bcryptjs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { blName, processStartTime, type Ledger } from '../ledger/index.ts';
import { images as text } from '../text/index.ts';

/** Where the server is: $BOXLAB_REGISTRY_BIN, else Debian's path. */
export function registryBinary(): string {
  return process.env.BOXLAB_REGISTRY_BIN ?? '/usr/bin/docker-registry';
}

/** Who may use a registry: the login, and the files that hold it for each client. */
export interface RegistryLogin {
  user: string;
  password: string;
  /** containers-auth.json: {"auths": {"127.0.0.1:PORT": {"auth": base64(user:password)}}}. */
  authFile: string;
  /** A netrc for curl: machine 127.0.0.1 login USER password PASSWORD. */
  netrcFile: string;
}

export interface RunningRegistry {
  /** 127.0.0.1:PORT */
  address: string;
  login: RegistryLogin;
  /** Its bl- directory: config.yml and data/ (the registry's storage). */
  dir: string;
  pid: number;
  /** Settles when the process ends (stop(), or it died). */
  exited: Promise<void>;
  stop(): Promise<void>;
}

class RegistryStartError extends Error {}

/** A port nobody listens on now (the kernel picks it; a race with another program
 *  taking it meanwhile shows as a clear start error). */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

function configYaml(dataDir: string, address: string, htpasswd: string): string {
  return [
    'version: 0.1',
    'auth:',
    '  htpasswd:',
    '    realm: boxlab',
    `    path: ${htpasswd}`,
    'log:',
    '  level: error',
    '  accesslog:',
    '    disabled: true',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${dataDir}`,
    '  delete:',
    '    enabled: true',
    'http:',
    `  addr: ${address}`,
    `  secret: ${randomBytes(16).toString('hex')}`,
    '',
  ].join('\n');
}

/** The status GET /v2/ gets (0: no answer), with the login or without. */
async function status(address: string, authorization?: string): Promise<number> {
  try {
    const res = await fetch(`http://${address}/v2/`, { headers: authorization ? { authorization } : {} });
    await res.arrayBuffer();
    return res.status;
  } catch {
    return 0;
  }
}

/** Does process PID hold the socket listening on 127.0.0.1:PORT? The socket's inode, from
 *  /proc/net/tcp, must be one of the process's open files. */
function listensOn(pid: number, port: number): boolean {
  const hex = `0100007F:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  const row = readFileSync('/proc/net/tcp', 'utf8').split('\n').map((l) => l.trim().split(/\s+/)).find((f) => f[1] === hex && f[3] === '0A');
  if (!row) return false;
  const socket = `socket:[${row[9]}]`;
  try {
    return readdirSync(`/proc/${pid}/fd`).some((fd) => { try { return readlinkSync(`/proc/${pid}/fd/${fd}`) === socket; } catch { return false; } });
  } catch {
    return false;
  }
}

/** The login's files, readable by root alone (in the registry's 0700 directory). */
function writeLogin(dir: string, address: string): RegistryLogin & { htpasswd: string } {
  const user = 'boxlab';
  const password = randomBytes(24).toString('base64url');
  const htpasswd = join(dir, 'htpasswd');
  const authFile = join(dir, 'auth.json');
  const netrcFile = join(dir, 'netrc');
  // bcrypt's cost makes guessing a person's password slow; this one is 192 random bits,
  // so the lowest cost (4) keeps every request of the lessons fast and loses nothing.
  writeFileSync(htpasswd, `${user}:${bcrypt.hashSync(password, 4)}\n`, { mode: 0o600 });
  const auth = Buffer.from(`${user}:${password}`).toString('base64');
  writeFileSync(authFile, JSON.stringify({ auths: { [address]: { auth } } }, null, 2) + '\n', { mode: 0o600 });
  writeFileSync(netrcFile, `machine ${address.split(':')[0]} login ${user} password ${password}\n`, { mode: 0o600 });
  return { user, password, authFile, netrcFile, htpasswd };
}

/** Start a registry on 127.0.0.1; resolves once it answers GET /v2/. */
export async function startRegistry(ledger: Ledger, scope?: string): Promise<RunningRegistry> {
  const bin = registryBinary();
  if (!existsSync(bin)) throw new RegistryStartError(text.registryMissing(bin));
  const dir = join(ledger.root, blName('registry'));
  const dirEntry = ledger.record({ kind: 'dir', path: dir }, scope);
  try {
    mkdirSync(join(dir, 'data'), { recursive: true, mode: 0o700 });
    const port = await freePort();
    const address = `127.0.0.1:${port}`;
    const { htpasswd, ...login } = writeLogin(dir, address);
    writeFileSync(join(dir, 'config.yml'), configYaml(join(dir, 'data'), address, htpasswd), { mode: 0o600 });
    const authorization = `Basic ${Buffer.from(`${login.user}:${login.password}`).toString('base64')}`;
    const argv = existsSync('/usr/bin/setpriv') ? ['/usr/bin/setpriv', '--pdeathsig', 'KILL', '--', bin] : [bin];
    const child = spawn(argv[0]!, [...argv.slice(1), 'serve', join(dir, 'config.yml')], { stdio: ['ignore', 'ignore', 'pipe'], cwd: dir });
    if (child.pid === undefined) throw new RegistryStartError(text.registryNoStart(bin));
    const procEntry = ledger.record({ kind: 'process', pid: child.pid, start: processStartTime(child.pid) }, scope);
    let stderr = '';
    child.stderr!.on('data', (b: Buffer) => { stderr = (stderr + b.toString()).slice(-2000); });
    let exited = false;
    const gone = new Promise<void>((resolve) => child.once('exit', () => { exited = true; resolve(); }));
    const stop = async () => {
      await ledger.release(procEntry.id);
      if (!exited) await Promise.race([gone, new Promise((r) => setTimeout(r, 3000))]);
      await ledger.release(dirEntry.id);
    };
    for (let i = 0; i < 200 && !exited; i++) {
      if (listensOn(child.pid, port)) {
        // Ours, and it refuses a stranger: only then is it handed the login.
        if ((await status(address)) === 401 && (await status(address, authorization)) === 200) return { address, login, dir, pid: child.pid, exited: gone, stop };
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    await stop();
    throw new RegistryStartError(text.registryNoAnswer(bin, address, exited, stderr.trim().split('\n').pop() ?? ''));
  } catch (err) {
    await ledger.release(dirEntry.id);
    throw err;
  }
}
