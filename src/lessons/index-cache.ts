// What each lesson file that loads looks like in a list (its summary), remembered
// between runs: parsing the whole course (YAML and every block) is most of what
// `boxlab list`, `boxlab doctor` and the lab's home screen cost, and the files rarely
// change. An entry is used only while its file has the same inode, size, mtime and ctime
// (in nanoseconds) and the same build of boxlab parsed it; a changed, added or removed
// file is parsed again at once. Files that do not load are never cached (their errors
// are in the language of the moment): they are parsed each time. Only English summaries
// are kept: a translated lesson's title and summary are read from its translation each
// time (course.ts), so a summary in one language is never shown in another.
//
// The cache is input from outside: it is read only when it is a regular file of ours
// that no one else may write, of bounded size, and every entry is checked; anything
// else is rebuilt, never trusted. Root keeps it in /var/cache/boxlab (beside the
// rootfs), a user in $XDG_CACHE_HOME/boxlab; BOXLAB_CACHE_DIR names another place.
import { closeSync, constants, existsSync, fstatSync, lstatSync, mkdirSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync, type BigIntStats } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FEATURES, LESSON_KINDS, type LessonSummary } from './schema.ts';

const FORMAT = 'boxlab-lesson-index/2';
const MAX_BYTES = 4 << 20;
const NAME = 'lesson-index.json';

export function cacheDir(): string {
  if (process.env.BOXLAB_CACHE_DIR) return process.env.BOXLAB_CACHE_DIR;
  if (process.getuid?.() === 0) return '/var/cache/boxlab';
  return join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'boxlab');
}

/** What identifies a file's contents without reading them. */
export function fileKey(st: BigIntStats): string {
  return `${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}`;
}

/** This build of the parser: the module file's own identity (every build rewrites it). */
function buildId(): string {
  try {
    return fileKey(statSync(fileURLToPath(import.meta.url), { bigint: true }));
  } catch {
    return 'unknown';
  }
}

/** A file's summary, and the line of its `chapter_end:` if it has one (course.ts checks
 *  that only a chapter's last lesson has it). */
export interface Entry { key: string; summary: LessonSummary; endLine?: number }

export class IndexCache {
  private entries = new Map<string, Entry>();
  private changed = false;
  private readonly build = buildId();

  private constructor(private readonly dir: string) {}

  /** The cache as stored, or an empty one when there is none or it cannot be trusted. */
  static open(dir = cacheDir()): IndexCache {
    const c = new IndexCache(dir);
    try {
      const data = JSON.parse(readOwnFile(join(dir, NAME))) as unknown;
      c.entries = checked(data, c.build);
    } catch {
      c.changed = true; // absent, unreadable or corrupt: written anew
    }
    return c;
  }

  /** What is remembered of this file, if it has not changed since. */
  get(file: string, key: string): Entry | undefined {
    const e = this.entries.get(file);
    return e && e.key === key ? e : undefined;
  }

  /** Remember a file's English summary (a translated one is never kept: it would be
   *  shown to whoever reads the cache next, in whatever language they speak). */
  set(file: string, key: string, summary: LessonSummary, endLine?: number): void {
    if (summary.lang !== 'en') return;
    this.entries.set(file, endLine === undefined ? { key, summary } : { key, summary, endLine });
    this.changed = true;
  }

  /** Entries of files gone from the course (those under root that are not in files,
   *  and any that no longer exist) are dropped; the file is written (a new file renamed
   *  over the old) only when something changed. A cache that cannot be written is only
   *  a slower start next time: errors are ignored. */
  save(root?: string, files: readonly string[] = []): void {
    const keep = new Set(files);
    const under = root && (root.endsWith('/') ? root : `${root}/`);
    for (const f of [...this.entries.keys()]) {
      if (under && f.startsWith(under) ? keep.has(f) : existsSync(f)) continue;
      this.entries.delete(f);
      this.changed = true;
    }
    if (!this.changed) return;
    const tmp = join(this.dir, `${NAME}.${process.pid}.tmp`);
    try {
      mkdirSync(this.dir, { recursive: true, mode: 0o755 });
      const st = lstatSync(this.dir);
      if (!st.isDirectory() || st.uid !== process.geteuid?.() || (st.mode & 0o022) !== 0) return;
      const body = JSON.stringify({ format: FORMAT, build: this.build, files: Object.fromEntries(this.entries) });
      writeFileSync(tmp, body, { flag: 'wx', mode: 0o644 });
      renameSync(tmp, join(this.dir, NAME));
      this.changed = false;
    } catch {
      try { unlinkSync(tmp); } catch { /* never made */ }
    }
  }
}

/** A regular file of ours, not a link, that no one else may write, of bounded size. */
function readOwnFile(file: string): string {
  const fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  try {
    const st = fstatSync(fd);
    if (!st.isFile() || st.uid !== process.geteuid?.() || (st.mode & 0o022) !== 0 || st.size > MAX_BYTES) throw new Error('not ours');
    return readFileSync(fd, 'utf8');
  } finally {
    closeSync(fd);
  }
}

const isInt = (x: unknown) => Number.isSafeInteger(x) && (x as number) >= 0;
const isStr = (x: unknown) => typeof x === 'string';

/** The entries of a parsed cache file, each checked; any flaw throws (rebuild it all). */
function checked(data: unknown, build: string): Map<string, Entry> {
  const d = data as { format?: unknown; build?: unknown; files?: unknown };
  if (!d || d.format !== FORMAT || d.build !== build || typeof d.files !== 'object' || d.files === null) throw new Error('stale');
  const out = new Map<string, Entry>();
  for (const [file, e] of Object.entries(d.files as Record<string, unknown>)) {
    const { key, summary: s, endLine } = (e ?? {}) as { key?: unknown; summary?: Record<string, unknown>; endLine?: unknown };
    const ok = isStr(key) && s && typeof s === 'object'
      && ['id', 'title', 'chapter', 'summary', 'file'].every((k) => isStr(s[k]))
      && ['chapterNumber', 'number', 'steps', 'checks', 'tasks', 'predictions'].every((k) => isInt(s[k]))
      && (s.needs === 'root' || s.needs === 'rootless')
      && Array.isArray(s.features) && s.features.every((f) => (FEATURES as readonly unknown[]).includes(f))
      && (s.kind === undefined || (LESSON_KINDS as readonly unknown[]).includes(s.kind))
      && s.lang === 'en' // English only: a translation's words are laid over it on each read
      && Object.keys(s).length === (s.kind === undefined ? 14 : 15)
      && (endLine === undefined || isInt(endLine));
    if (!ok) throw new Error(`corrupt entry for ${file}`);
    out.set(file, { key: key as string, summary: s as unknown as LessonSummary, ...(endLine === undefined ? {} : { endLine: endLine as number }) });
  }
  return out;
}
