// Host safety for the cgroup ops a lesson (or a learner at the REPL) sends to the core.
// The lab runs as root, and beneath its own group sit the host's (system.slice, ...),
// so before an op goes out:
// - cgroup_create: the name is bl-..., the parent is the lab's own group or one of the
//   lesson's; the core's dry run (cgroup_plan) says which directories it will make,
//   and each goes into the lesson's ledger scope before the core makes it;
// - cgroup_set, _freeze, _thaw, _kill, _remove and clone into a group: the group is
//   one of the lesson's (its directories are in the scope);
// - a pid written to cgroup.procs (or tasks, cgroup.threads) is one of the lesson's
//   processes (the core's descendants): the lab moves nothing of the host's, and
//   everything in its groups is killed when they are removed.
// cgroup_layout, cgroup_plan and cgroup_get only read, and go through as they are.
import { existsSync, readFileSync } from 'node:fs';
import { posix } from 'node:path';
import { CoreError, type Core, type CgroupLayout, type CgroupPlan } from '../core/index.ts';
import type { Entry, Ledger } from '../ledger/index.ts';
import { text } from '../ui/text.ts';
import { groupDir } from './layout.ts';

const CHANGES = new Set(['cgroup_set', 'cgroup_freeze', 'cgroup_thaw', 'cgroup_kill', 'cgroup_remove']);
const PID_FILES = new Set(['cgroup.procs', 'tasks', 'cgroup.threads']);

export class CgroupGuard {
  constructor(
    private ledger: Ledger,
    private scope: () => string,
    private layout: () => Promise<CgroupLayout>,
    /** The session's ${name} substitution: hints name the lesson's own group and pid. */
    private subst: (s: string) => string,
  ) {}

  /** Record `${cgroup}`'s directories before the lesson starts: however it is then made
   *  (the op, or mkdir in a shell), the ledger already lists it. */
  async reserve(name: string): Promise<void> {
    for (const tree of (await this.layout()).hierarchies) this.remember(groupDir(tree, name));
  }

  /** Check an op before it is sent; returns the ledger entries it recorded, which
   *  `failed` releases if the core then refuses it. Throws CoreError (state) to refuse. */
  async before(core: Core, op: string, args: Record<string, unknown>): Promise<Entry[]> {
    const name = typeof args.cgroup === 'string' ? args.cgroup : undefined;
    if (op === 'clone') {
      if (name !== undefined) await this.assertOwn(op, name, str(args.cgroup_parent));
      return [];
    }
    if (op === 'cgroup_create') return this.create(core, args, name ?? '');
    if (!CHANGES.has(op) || name === undefined) return [];
    await this.assertOwn(op, name, str(args.parent));
    if (op === 'cgroup_set' && PID_FILES.has(String(args.file))) this.assertOwnPid(op, String(args.value ?? ''), core.pid);
    return [];
  }

  /** The op failed: the core has undone what it made; cross out what was recorded for it. */
  async failed(entries: Entry[]): Promise<void> {
    for (const e of entries.reverse()) await this.ledger.release(e.id).catch(() => undefined);
  }

  private async create(core: Core, args: Record<string, unknown>, name: string): Promise<Entry[]> {
    if (!name.startsWith('bl-')) throw this.refuse('cgroup_create', text.cgroupNotBl(name), text.cgroupNotBlHint);
    await this.assertParent(str(args.parent));
    const reply = await core.send('cgroup_plan', args);
    if (!reply.ok) throw new CoreError('cgroup_create', reply.error ?? { kind: 'protocol', message: 'cgroup_plan failed' });
    const plan = reply.result as unknown as CgroupPlan;
    return plan.create.filter((path) => !this.has(path)).map((path) => this.remember(path));
  }

  /** Beneath the lab's own group, every directory of the parent path is the lesson's,
   *  or does not exist yet (the core then makes it, bl- only, and the plan lists it). */
  private async assertParent(parent: string): Promise<void> {
    if (!parent) return;
    this.assertRelative('cgroup_create', parent);
    const layout = await this.layout();
    const parts = parent.split('/').filter(Boolean);
    for (let i = 0; i < parts.length; i++) {
      for (const tree of layout.hierarchies) {
        const dir = groupDir(tree, parts[i]!, parts.slice(0, i).join('/'));
        if (existsSync(dir) && !this.has(dir)) throw this.refuse('cgroup_create', text.cgroupNotOurs(parts.slice(0, i + 1).join('/')), text.cgroupParentHint);
      }
    }
  }

  private async assertOwn(op: string, name: string, parent: string): Promise<void> {
    this.assertRelative(op, parent);
    const layout = await this.layout();
    const dirs = layout.hierarchies.map((tree) => groupDir(tree, name, parent));
    if (dirs.length === 0 || !dirs.every((d) => this.has(d))) {
      throw this.refuse(op, text.cgroupNotOurs(posix.join(parent, name)), text.cgroupNotOursHint);
    }
  }

  /** A parent path stays beneath the lab's own group: relative, without `..`. */
  private assertRelative(op: string, parent: string): void {
    if (parent.startsWith('/') || parent.split('/').some((s) => s === '..' || s === '.')) {
      throw this.refuse(op, text.cgroupParentAbsolute(parent), text.cgroupParentHint);
    }
  }

  /** The pid is the core's own descendant: a container's process. */
  private assertOwnPid(op: string, value: string, corePid: number): void {
    let p = Number(/^\s*(\d+)\s*$/.exec(value)?.[1] ?? 0);
    for (let hops = 0; p > 1 && hops < 64; hops++) {
      const parent = parentOf(p);
      if (parent === corePid) return;
      p = parent;
    }
    throw this.refuse(op, text.cgroupPidNotOurs(value.trim()), text.cgroupPidHint);
  }

  private refuse(op: string, message: string, hint: string): CoreError {
    return new CoreError(op, { kind: 'state', message, hint: this.subst(hint) });
  }

  private entries(): Entry[] {
    const scope = this.scope();
    return this.ledger.entries().filter((e) => e.scope === scope && e.kind === 'cgroup');
  }

  private has(path: string): boolean {
    return this.entries().some((e) => e.kind === 'cgroup' && e.path === path);
  }

  private remember(path: string): Entry {
    return this.entries().find((e) => e.kind === 'cgroup' && e.path === path) ?? this.ledger.record({ kind: 'cgroup', path }, this.scope());
  }
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

/** The parent pid from /proc/PID/stat (0 when the process is gone). */
function parentOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return 0;
  }
}
