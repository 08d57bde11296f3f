// A registry of the lab's own, on loopback: Debian's docker-registry (the CNCF
// distribution project's server), with its storage in a bl- directory. The directory
// and the process are in the ledger, so the end of a lesson, Ctrl-C, or `boxlab
// cleanup` after a SIGKILL take both away. The process also gets PR_SET_PDEATHSIG
// (through setpriv) so it dies with boxlab even before cleanup runs.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { blName, processStartTime, stateRoot, type Ledger } from '../ledger/index.ts';

/** Where the server is: $BOXLAB_REGISTRY_BIN, else Debian's path. */
export function registryBinary(): string {
  return process.env.BOXLAB_REGISTRY_BIN ?? '/usr/bin/docker-registry';
}

export interface RunningRegistry {
  /** 127.0.0.1:PORT */
  address: string;
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

function configYaml(dataDir: string, address: string): string {
  return [
    'version: 0.1',
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

async function answers(address: string): Promise<boolean> {
  try {
    const res = await fetch(`http://${address}/v2/`);
    await res.arrayBuffer();
    return res.status === 200;
  } catch {
    return false;
  }
}

/** Start a registry on 127.0.0.1; resolves once it answers GET /v2/. */
export async function startRegistry(ledger: Ledger, scope?: string): Promise<RunningRegistry> {
  const bin = registryBinary();
  if (!existsSync(bin)) throw new RegistryStartError(`${bin} is missing: the registry lessons run Debian's docker-registry (apt-get install docker-registry), or set BOXLAB_REGISTRY_BIN`);
  const dir = join(stateRoot(), blName('registry'));
  const dirEntry = ledger.record({ kind: 'dir', path: dir }, scope);
  try {
    mkdirSync(join(dir, 'data'), { recursive: true, mode: 0o700 });
    const address = `127.0.0.1:${await freePort()}`;
    writeFileSync(join(dir, 'config.yml'), configYaml(join(dir, 'data'), address));
    const argv = existsSync('/usr/bin/setpriv') ? ['/usr/bin/setpriv', '--pdeathsig', 'KILL', '--', bin] : [bin];
    const child = spawn(argv[0]!, [...argv.slice(1), 'serve', join(dir, 'config.yml')], { stdio: ['ignore', 'ignore', 'pipe'], cwd: dir });
    if (child.pid === undefined) throw new RegistryStartError(`cannot start ${bin}`);
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
      if (await answers(address)) return { address, dir, pid: child.pid, exited: gone, stop };
      await new Promise((r) => setTimeout(r, 50));
    }
    await stop();
    throw new RegistryStartError(`${bin} did not answer on ${address}${exited ? ' (it exited)' : ' within 10 s'}${stderr ? `: ${stderr.trim().split('\n').pop()}` : ''}`);
  } catch (err) {
    await ledger.release(dirEntry.id);
    throw err;
  }
}
