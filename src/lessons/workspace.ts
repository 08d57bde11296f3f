// What the lab prepares for a lesson before its first step, and only what the lesson
// uses: who its core runs as (${uid}, ${gid}), a rootfs (${rootfs}), a scratch
// directory of its own (${dir}), a registry on loopback (${registry}), a state root for
// OCI runtimes (${oci}), a loop device (${loop}, backed by a file in that directory) and
// a sandboxed Docker engine (${docker}). Each is written to the ledger before it is
// made, in the lesson's scope (the engine: in its own, see src/engine/docker.ts), so a
// reset, the end of the lesson or `boxlab cleanup` after a crash removes it (${oci}:
// every container in it first, deleted by its runtime; ${docker}: dockerd is stopped,
// then whatever is left in its cgroups is killed).
import { execFile } from 'node:child_process';
import { lchownSync, mkdirSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';
import { lessons as text } from '../text/index.ts';
import { blName, type Ledger } from '../ledger/index.ts';
import { rootlessIds } from '../runtime/rootless.ts';
import { ensureDefaultRootfs } from '../runtime/rootfs.ts';
import { startRegistry } from '../images/registry-server.ts';
import type { Lesson } from './schema.ts';

export interface LessonUser {
  uid: number;
  gid: number;
  /** Start the core as this user (root running a rootless lesson). */
  drop: boolean;
}

/** A rootless lesson run by root still runs rootless: its core drops to the person
 *  behind sudo, or to nobody, exactly as `boxlab run --user` does. */
export function lessonUser(lesson: Lesson): LessonUser {
  const uid = process.getuid?.() ?? 0;
  if (lesson.meta.needs === 'rootless' && uid === 0) return { ...rootlessIds(), drop: true };
  return { uid, gid: process.getgid?.() ?? 0, drop: false };
}

/** The loop device's backing file: small, sparse, in the lesson's directory. */
const LOOP_FILE = 'disk.img';
const LOOP_SIZE = 64 * 2 ** 20;

const run = promisify(execFile);

/** What the lab prepared for a lesson. */
export interface Workspace {
  /** The session variables it made: rootfs, dir, registry, oci, loop, loop_dev, docker. */
  vars: Record<string, string>;
  /** Environment for the lesson's commands (the docker client pointed at ${docker}). */
  env: Record<string, string>;
  /** Stops what must be stopped before the ledger takes the rest away (the engine). */
  close(): Promise<void>;
}

/** Prepare what the lesson uses. Should it fail half-way, what was made is in the
 *  ledger's scope (and the engine has taken itself away). */
export async function prepareWorkspace(lesson: Lesson, user: LessonUser, ledger: Ledger, scope: string): Promise<Workspace> {
  const vars: Record<string, string> = {};
  const env: Record<string, string> = {};
  let close = async (): Promise<void> => undefined;
  if (lesson.uses.includes('rootfs')) {
    // Built once and cached; containers only ever see it as a read-only lower layer or bind.
    vars.rootfs = await ensureDefaultRootfs(ledger);
  }
  const loop = lesson.uses.includes('loop') || lesson.uses.includes('loop_dev');
  if (loop && user.uid !== 0) throw new Error(text.loopNeedsRoot);
  if (lesson.uses.includes('dir') || loop) {
    const dir = join(ledger.root, blName(`lesson-${lesson.meta.id}`));
    await ledger.track({ kind: 'dir', path: dir, ...(user.drop ? { user: user.uid } : {}) }, () => {
      mkdirSync(dir, { mode: 0o755 });
      // A rootless core must be able to make its directories in here, so the directory
      // is the user's (a fresh name in the state root, where only root can write: lchown
      // acts on that name itself). Root never works inside it by path afterwards: the
      // ledger removes it with boxcore rmtree --owner, which empties it as that user.
      if (user.drop) lchownSync(dir, user.uid, user.gid);
    }, scope);
    vars.dir = dir;
  }
  if (loop) Object.assign(vars, await attachLoop(join(vars.dir!, LOOP_FILE), ledger, scope));
  if (['registry', 'registry_auth', 'registry_netrc'].some((v) => lesson.uses.includes(v))) {
    // Debian's docker-registry on 127.0.0.1:PORT; ${registry} is that address. It takes
    // nothing without its login: ${registry_auth} (for skopeo and boxlab --authfile) and
    // ${registry_netrc} (for curl --netrc-file) are the files that hold it, root's only.
    const running = await startRegistry(ledger, scope);
    Object.assign(vars, { registry: running.address, registry_auth: running.login.authFile, registry_netrc: running.login.netrcFile });
  }
  if (lesson.uses.includes('oci')) {
    // runc, crun and boxcore each keep their containers' state in a root of their own:
    // ${oci}/runc, ${oci}/boxcore. The lesson's commands pass it with --root.
    const dir = join(ledger.root, blName(`oci-${lesson.meta.id}`));
    await ledger.track({ kind: 'oci-root', path: dir }, () => { mkdirSync(dir, { mode: 0o711 }); }, scope);
    vars.oci = dir;
  }
  if (lesson.uses.includes('docker')) {
    // dockerd, containerd and runc in namespaces of the lab's; ${docker} is its
    // directory (data/, exec/, docker.sock, dockerd.pid). Stopped before the ledger
    // unwinds, without ceremony: dockerd is killed, then everything in its cgroups,
    // and its directory goes - as `boxlab cleanup` would after a crash.
    const { DockerEngine } = await import('../engine/docker.ts');
    const engine = await DockerEngine.start(ledger);
    close = () => engine.stop({ graceful: false });
    vars.docker = engine.dir;
    Object.assign(env, engine.clientEnv);
  }
  return { vars, env, close };
}

/** A loop device over a new sparse file: `losetup --find --show FILE`. The ledger
 *  records the file first; removing it detaches every loop device the file backs. */
async function attachLoop(file: string, ledger: Ledger, scope: string): Promise<Record<string, string>> {
  writeFileSync(file, '');
  truncateSync(file, LOOP_SIZE);
  const device = await ledger.track({ kind: 'loop', file }, async () => (await run('losetup', ['--find', '--show', file])).stdout.trim(), scope);
  // "7:3": how io.max and blkio.throttle.* name a device.
  const dev = readFileSync(`/sys/class/block/${basename(device)}/dev`, 'utf8').trim();
  return { loop: device, loop_dev: dev };
}
