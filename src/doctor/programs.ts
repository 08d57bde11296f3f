// The programs the lessons run, each looked for on this machine: the list is read from
// the lessons' own commands (src/lessons/programs-run.ts), so a lesson that starts to
// use a program is known to need it without anyone keeping a list. A missing one is
// named with the Debian package that holds it (getfattr: attr).
import { accessSync, constants } from 'node:fs';
import { lessonPrograms } from '../lessons/programs-run.ts';
import type { Lesson } from '../lessons/schema.ts';
import { which } from '../runtime/programs.ts';
import { doctor as t } from '../text/index.ts';
import type { Check } from './checks.ts';

/** The Debian (bookworm) package of each program a lesson runs. A program a lesson
 *  starts to run and this table lacks fails test/unit/doctor.test.ts. */
export const DEBIAN_PACKAGES: Readonly<Record<string, string>> = {
  ...Object.fromEntries(('basename cat chmod chown cp cut date dd df du head id ln ls mkdir mknod mv nproc readlink rm rmdir seq '
    + 'sha256sum sleep sort stat tail tee timeout touch tr uname uniq wc').split(' ').map((p) => [p, 'coreutils'])),
  ...Object.fromEntries('findmnt ipcmk mountpoint nsenter taskset'.split(' ').map((p) => [p, 'util-linux'])),
  mount: 'mount', losetup: 'mount',
  awk: 'mawk', sh: 'dash', '/bin/sh': 'dash', grep: 'grep', sed: 'sed', find: 'findutils', diff: 'diffutils', tar: 'tar',
  gzip: 'gzip', hostname: 'hostname', ps: 'procps', ip: 'iproute2', bridge: 'iproute2', ping: 'iputils-ping',
  nc: 'netcat-openbsd', nft: 'nftables', iptables: 'iptables', 'iptables-save': 'iptables', getfattr: 'attr', busybox: 'busybox-static',
  pgrep: 'procps',
  jq: 'jq', curl: 'curl', skopeo: 'skopeo', runc: 'runc', docker: 'docker.io', ctr: 'containerd',
};

export const packageOf = (program: string): string => DEBIAN_PACKAGES[program] ?? program;

/** Where a program is: a path as it is, a name as a shell finds it. */
export function findProgram(program: string): string | undefined {
  if (!program.startsWith('/')) return which(program);
  try { accessSync(program, constants.X_OK); return program; } catch { return undefined; }
}

/** What each lesson needs that this machine lacks, by lesson id. */
export function missingByLesson(lessons: Lesson[], find: (p: string) => string | undefined = findProgram): Map<string, { needed: string[]; optional: string[] }> {
  const found = new Map<string, boolean>();
  const has = (p: string) => { if (!found.has(p)) found.set(p, find(p) !== undefined); return found.get(p)!; };
  return new Map(lessons.map((l) => {
    const runs = lessonPrograms(l);
    return [l.meta.id, { needed: runs.needed.filter((p) => !has(p)), optional: runs.optional.filter((p) => !has(p)) }];
  }));
}

/** The doctor's line on the programs: every one the lessons run, and which are missing
 *  (with the lessons that run each, and the package to install). */
export function checkPrograms(lessons: Lesson[], find: (p: string) => string | undefined = findProgram): Check {
  const missing = missingByLesson(lessons, find);
  const all = new Set(lessons.flatMap((l) => { const r = lessonPrograms(l); return [...r.needed, ...r.optional]; }));
  const who = (kind: 'needed' | 'optional') => {
    const by = new Map<string, string[]>();
    for (const [id, m] of missing) for (const p of m[kind]) by.set(p, [...(by.get(p) ?? []), id]);
    return [...by].map(([p, ids]) => t.programMissing(p, packageOf(p), ids));
  };
  const needed = who('needed');
  const optional = who('optional');
  const packages = [...new Set([...[...missing.values()].flatMap((m) => m.needed), ...[...missing.values()].flatMap((m) => m.optional)].map(packageOf))];
  if (!needed.length && !optional.length) return { id: 'programs', title: t.programs, status: 'ok', detail: t.programsOk(all.size) };
  return {
    id: 'programs',
    title: t.programs,
    status: needed.length ? 'missing' : 'warn',
    detail: needed.length ? t.programsMissing(all.size) : t.programsOptional(all.size),
    more: [...needed, ...optional.map(t.programOptional)],
    fix: `apt-get install ${packages.join(' ')}`,
  };
}
