// A running lesson's variables: what the lab prepared (${dir}, ${rootfs}, the cgroup
// names), what the ops made (${ct}, ${pid}) and the lesson's own constants. Every
// change makes a new frozen table, so a published state never changes under a reader.

/** Fill in `${name}` from `vars`. `keepUnset`: leave a variable that has no value yet
 *  as it is (prose read before the step that sets it). */
export function substitute(s: string, vars: Readonly<Record<string, string>>, keepUnset = false): string {
  return s.replace(/\$\{(\w+)\}/g, (m, k: string) => vars[k] || (keepUnset ? m : ''));
}

/** A long path the lab made, shown as a short name a person can type: `${dir}` (the
 *  lesson's directory, /run/boxlab/bl-lesson-overlay-11895-2) is `$LAB`. */
export interface ShortName { name: string; path: string }

const SHORT_NAMES: Record<string, string> = { dir: 'LAB', oci: 'OCI' };

/** The short names of these variables' values (the longest path first). */
export function shortNames(vars: Readonly<Record<string, string>>): ShortName[] {
  return Object.entries(SHORT_NAMES)
    .filter(([v]) => (vars[v] ?? '').length > 1)
    .map(([v, name]) => ({ name, path: vars[v]! }))
    .sort((a, b) => b.path.length - a.path.length);
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** `s` with each path written as its short name (`$LAB/upper`). */
export function abbreviate(s: string, names: readonly ShortName[]): string {
  for (const n of names) s = s.replace(new RegExp(`${escapeRegExp(n.path)}(?![\\w.-])`, 'g'), `$$${n.name}`);
  return s;
}

/** `s` with each short name written as the path it stands for: what a person types. */
export function expandShortNames(s: string, names: readonly ShortName[]): string {
  for (const n of names) s = s.replace(new RegExp(`\\$${n.name}(?![\\w])`, 'g'), () => n.path);
  return s;
}

export class VariableScope {
  private table: Readonly<Record<string, string>> = Object.freeze({});

  /** The variables now: a frozen table, replaced (never changed) by `set`. */
  get all(): Readonly<Record<string, string>> { return this.table; }

  get(name: string): string { return this.table[name] ?? ''; }

  set(values: Record<string, string>): void {
    this.table = Object.freeze({ ...this.table, ...values });
  }

  /** Start again with these values (a fresh lesson, a reset). */
  reset(values: Record<string, string>): void {
    this.table = Object.freeze({ ...values });
  }

  subst(s: string, keepUnset = false): string {
    return substitute(s, this.table, keepUnset);
  }

  /** The process views are read for: the container, or the lab itself before there is one. */
  get viewPid(): number {
    const pid = Number(this.table.pid);
    return pid > 0 ? pid : process.pid;
  }
}
