// What the lab prepares for a lesson before its first step, and only what the lesson
// uses: who its core runs as (${uid}, ${gid}), a rootfs (${rootfs}), a scratch
// directory of its own (${dir}), a registry on loopback (${registry}) and a state root
// for OCI runtimes (${oci}). Each is written to the ledger before it is made, in the
// lesson's scope, so a reset, the end of the lesson or `boxlab cleanup` after a crash
// removes it (${oci}: every container in it first, deleted by its runtime).
import { chownSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { blName, stateRoot, type Ledger } from '../ledger/index.ts';
import { rootlessIds } from '../cli/run.ts';
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

/** The session variables the lesson needs made: rootfs, dir and registry. */
export async function prepareWorkspace(lesson: Lesson, user: LessonUser, ledger: Ledger, scope: string): Promise<Record<string, string>> {
  const vars: Record<string, string> = {};
  if (lesson.uses.includes('rootfs')) {
    // Built once and cached; containers only ever see it as a read-only lower layer or bind.
    vars.rootfs = await ensureDefaultRootfs(ledger);
  }
  if (lesson.uses.includes('dir')) {
    const dir = join(stateRoot(), blName(`lesson-${lesson.meta.id}`));
    await ledger.track({ kind: 'dir', path: dir }, () => {
      mkdirSync(dir, { mode: 0o755 });
      // A rootless core must be able to make its directories in here.
      if (user.drop) chownSync(dir, user.uid, user.gid);
    }, scope);
    vars.dir = dir;
  }
  if (lesson.uses.includes('registry')) {
    // Debian's docker-registry on 127.0.0.1:PORT; ${registry} is that address.
    vars.registry = (await startRegistry(ledger, scope)).address;
  }
  if (lesson.uses.includes('oci')) {
    // runc, crun and boxcore each keep their containers' state in a root of their own:
    // ${oci}/runc, ${oci}/boxcore. The lesson's commands pass it with --root.
    const dir = join(stateRoot(), blName(`oci-${lesson.meta.id}`));
    await ledger.track({ kind: 'oci-root', path: dir }, () => { mkdirSync(dir, { mode: 0o711 }); }, scope);
    vars.oci = dir;
  }
  return vars;
}
