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
import { existsSync } from 'node:fs';
import { posix } from 'node:path';
import { CoreError, type Core, type CgroupLayout, type CoreReply } from '../core/index.ts';
import { readStat } from '../kernel/proc-stat.ts';
import type { Entry, Ledger } from '../ledger/index.ts';
import { lessons as text } from '../text/index.ts';
import type { Guard, OpArgs } from './gateway.ts';
import { groupDir } from './layout.ts';

const CHANGES = new Set(['cgroup_set', 'cgroup_freeze', 'cgroup_thaw', 'cgroup_kill', 'cgroup_remove']);
const PID_FILES = new Set(['cgroup.procs', 'tasks', 'cgroup.threads']);

export class CgroupGuard implements Guard {
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

  /** Check an op before it is sent: throws CoreError (state) to refuse it. A group to
   *  be made is in the ledger before the core makes it, and crossed out again if the
   *  core then refuses (having undone what it made). */
  async before(op: string, args: OpArgs, core: Core): Promise<((reply: CoreReply) => Promise<void>) | undefined> {
    const name = typeof args.cgroup === 'string' ? args.cgroup : undefined;
    if (op === 'clone') {
      if (name !== undefined) await this.assertOwn(op, name, str(args.cgroup_parent));
      return undefined;
    }
    if (op === 'cgroup_create') {
      const recorded = await this.create(core, args, name ?? '');
      return async (reply) => { if (!reply.ok) await this.release(recorded); };
    }
    if (!CHANGES.has(op) || name === undefined) return undefined;
    await this.assertOwn(op, name, str(args.parent));
    if (op === 'cgroup_set' && PID_FILES.has(String(args.file))) this.assertOwnPid(op, String(args.value ?? ''), core.pid);
    return undefined;
  }

  private async release(entries: Entry[]): Promise<void> {
    for (const e of entries.reverse()) await this.ledger.release(e.id).catch(() => undefined);
  }

  private async create(core: Core, args: OpArgs, name: string): Promise<Entry[]> {
    if (!name.startsWith('bl-')) throw this.refuse('cgroup_create', text.cgroupNotBl(name), text.cgroupNotBlHint);
    await this.assertParent(str(args.parent));
    const controllers = Array.isArray(args.controllers) ? args.controllers.map(String) : undefined;
    const plan = await core.cgroupPlan({ cgroup: name, parent: typeof args.parent === 'string' ? args.parent : undefined }, controllers).catch((err: unknown) => {
      // The learner asked for cgroup_create: its dry run failing is that op failing.
      throw err instanceof CoreError ? new CoreError('cgroup_create', err) : err;
    });
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
      const parent = readStat(p)?.ppid ?? 0;
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
