// Which programs a lesson runs: read from its blocks' commands (steps, checks, task
// checks and solutions: `shell:`, `inside:`, `spawn:`, and the argv of `join`/`spawn`
// ops) as a shell reads them - the word in command position of each simple command,
// inside pipelines, lists, `$(...)`, `sh -c '...'` and the commands that run another
// (`timeout 5 wget`, `nsenter -t 1 -m findmnt`, `ip netns exec bl-x ping`) - and from
// `requires:`. `boxlab doctor` looks for every one of them, so what a lesson needs is
// known from the lesson itself, never from a list kept by hand.
import type { Action, CheckSource, Lesson } from './schema.ts';
import { substitute } from './scope.ts';

/** Words a shell runs itself (builtins, keywords), and the lab's own commands (the
 *  `boxlab` function, `boxcore` on the commands' PATH): no program to look for. */
const NOT_PROGRAMS = new Set([
  '.', ':', '[', '[[', ']]', '!', '{', '}', 'alias', 'break', 'case', 'cd', 'command', 'continue', 'do', 'done', 'echo', 'elif',
  'else', 'esac', 'eval', 'exec', 'exit', 'export', 'false', 'fi', 'for', 'function', 'getopts', 'hash', 'if', 'in', 'kill',
  'let', 'local', 'printf', 'pwd', 'read', 'readonly', 'return', 'set', 'shift', 'source', 'test', 'then', 'times', 'trap',
  'true', 'type', 'ulimit', 'umask', 'unalias', 'unset', 'until', 'wait', 'while',
  'boxlab', 'boxcore',
]);

/** Keywords after which the next word is a command again. */
const COMMAND_KEYWORDS = new Set(['if', 'then', 'else', 'elif', 'do', 'while', 'until', '!', '{', 'exec', 'time']);

const OPERATOR = /^(\|\||&&|;;|[|;&()\n])$/;
/** A redirection: `>`, `2>>`, `<<`, `2>&1`, `>&-` (with its target when it holds one). */
const REDIRECT = /^\d*(?:>>|<<-?|<<<|>&|<&|>\||[<>])(?:&?\d+|-)?/;

/** Programs that run another: how many words of their own to pass over first. Options
 *  (`-x`, `--long`, `--key=value`) are passed over; `valued` options take the next word. */
const RUNNERS: Record<string, { valued?: string[]; operands?: number; sub?: string[]; runsNothing?: RegExp }> = {
  sudo: { valued: ['-u', '-g'] },
  env: { valued: ['-u', '-C'] },
  nice: { valued: ['-n'] },
  timeout: { valued: ['-s', '-k', '--signal', '--kill-after'], operands: 1 },
  xargs: { valued: ['-n', '-I', '-P', '-L', '-d', '-s', '-E'] },
  nsenter: { valued: ['-t', '--target', '-S', '--setuid', '-G', '--setgid', '-w', '--wd', '-r', '--root'] },
  unshare: { valued: ['--map-user', '--map-group', '-S', '--setuid', '-G', '--setgid', '--propagation'] },
  setpriv: { valued: ['--reuid', '--regid', '--groups', '--inh-caps', '--ambient-caps', '--bounding-set', '--securebits'] },
  chroot: { operands: 1 },
  taskset: { operands: 1, runsNothing: /^-\w*p/ }, // taskset [-c] MASK CMD; -p: of a running process
  chrt: { operands: 1 },
  ip: { sub: ['netns', 'exec'] },
};

const SHELLS = new Set(['sh', 'bash', 'dash']);

/** The words of a script as a shell splits them (quotes kept together, `$(...)` and
 *  backquotes as one word, a redirection as one word), with operators (| || && ; & ( )
 *  and newlines) as words. A here-document's lines are left out: they are data. */
function tokens(script: string): string[] {
  const out: string[] = [];
  let word = '';
  let i = 0;
  let heredoc: string | undefined;
  const flush = () => { if (word) out.push(word); word = ''; };
  while (i < script.length) {
    const c = script[i]!;
    if (c === '\n' && heredoc !== undefined) {
      // skip to the line that ends the here-document
      const lines = script.slice(i + 1).split('\n');
      const end = lines.findIndex((l) => l.trim() === heredoc);
      i += 1 + (end < 0 ? script.length : lines.slice(0, end + 1).join('\n').length);
      heredoc = undefined;
      flush();
      out.push('\n');
      continue;
    }
    const redirect = (!word || /^\d+$/.test(word)) ? REDIRECT.exec(script.slice(i)) : null;
    if (redirect) {
      word += redirect[0];
      i += redirect[0].length;
      if (/<<-?$/.test(word)) {
        const delim = /^\s*(['"]?)(\w+)\1/.exec(script.slice(i));
        if (delim) { heredoc = delim[2]; i += delim[0].length; }
      }
      flush();
      continue;
    }
    if (c === '\\') { word += script.slice(i, i + 2); i += 2; continue; }
    if (c === "'" || c === '"') {
      const end = script.indexOf(c, i + 1);
      const j = end < 0 ? script.length : end;
      word += script.slice(i, j + 1);
      i = j + 1;
      continue;
    }
    if (c === '$' && script[i + 1] === '(') {
      let depth = 0;
      let j = i + 1;
      for (; j < script.length; j++) {
        if (script[j] === '(') depth++;
        else if (script[j] === ')' && --depth === 0) break;
      }
      word += script.slice(i, j + 1);
      i = j + 1;
      continue;
    }
    if (c === '`') {
      const end = script.indexOf('`', i + 1);
      const j = end < 0 ? script.length : end;
      word += script.slice(i, j + 1);
      i = j + 1;
      continue;
    }
    if (c === '#' && !word) { while (i < script.length && script[i] !== '\n') i++; continue; }
    if (/\s/.test(c) && c !== '\n') { flush(); i++; continue; }
    const op = /^(\|\||&&|;;|[|;&()\n])/.exec(script.slice(i))?.[1];
    if (op) { flush(); out.push(op); i += op.length; continue; }
    word += c;
    i++;
  }
  flush();
  return out;
}

const unquote = (w: string) => w.replace(/^(['"])([\s\S]*)\1$/, '$2');

/** Scripts nested in a word: `$(...)` and backquotes, anywhere in it (not in '...',
 *  and not arithmetic, `$((...))`). */
function nested(word: string): string[] {
  if (word.startsWith("'")) return [];
  const out: string[] = [];
  for (let i = word.indexOf('$('); i >= 0; i = word.indexOf('$(', i + 2)) {
    if (word[i + 2] === '(') continue;
    let depth = 0;
    let j = i + 1;
    for (; j < word.length; j++) {
      if (word[j] === '(') depth++;
      else if (word[j] === ')' && --depth === 0) break;
    }
    out.push(word.slice(i + 2, j));
  }
  for (const m of word.matchAll(/`([^`]*)`/g)) out.push(m[1]!);
  return out;
}

/** The programs a shell script runs, in order of appearance, each once. `guarded`
 *  collects those it first asks about (`command -v nft`): it has a way without them. */
export function scriptPrograms(script: string, guarded = new Set<string>(), outer: ReadonlySet<string> = new Set()): string[] {
  const found: string[] = [];
  const words = tokens(script);
  // functions the script defines (`used() { ... }`) are its own, not programs
  const own = new Set([...outer, ...[...script.matchAll(/(?:^|[\s;])(?:function\s+)?([\w-]+)\s*\(\)\s*\{/g)].map((m) => m[1]!)]);
  for (const m of script.matchAll(/\bcommand\s+-[vV]\s+([\w.-]+)/g)) guarded.add(m[1]!);
  // `if command -v nft ...; then nft ...; else iptables-save ...; fi`: the else branch
  // is the way without nft, so what it runs is optional too.
  const ifs: { asks: boolean; orElse: boolean }[] = [];
  let cases = 0;
  let atCommand = true;
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    for (const inner of nested(w)) found.push(...scriptPrograms(inner, guarded, own));
    if (OPERATOR.test(w)) { atCommand = true; continue; }
    if (REDIRECT.exec(w)?.[0] === w) { if (/^\d*(?:>>|<<<|>\||[<>])$/.test(w)) i++; continue; } // and its target
    if (!atCommand) continue;
    if (w === 'case') { cases++; while (i < words.length && words[i] !== 'in') i++; continue; }
    if (w === 'esac') { cases--; continue; }
    if (cases > 0) {
      // a pattern of a case (`*.txt)`, `a|b)`) comes before its commands
      let j = i;
      while (j < words.length && !/^(\)|;;|\n)$/.test(words[j]!)) j++;
      if (words[j] === ')') { i = j; continue; }
    }
    if (w === 'if') ifs.push({ asks: false, orElse: false });
    else if (w === 'else' && ifs.length) ifs.at(-1)!.orElse = true;
    else if (w === 'fi') ifs.pop();
    if (/^\w+=/.test(w) || COMMAND_KEYWORDS.has(w)) continue; // assignments before the command
    atCommand = false;
    if (w === 'command' && /^-[vV]$/.test(words[i + 1] ?? '')) { if (ifs.length) ifs.at(-1)!.asks = true; continue; } // runs nothing
    if (own.has(w)) continue;
    const ran: string[] = [];
    argv(unquote(w === 'command' ? words[++i] ?? '' : w), words.slice(i + 1), ran, guarded);
    if (ifs.some((f) => f.asks && f.orElse)) for (const p of ran) guarded.add(p);
    found.push(...ran);
  }
  return [...new Set(found)];
}

/** The program of an argv (`name`, then `rest` up to the next operator), and what it
 *  runs in turn. */
function argv(name: string, rest: string[], found: string[], guarded: Set<string>): void {
  if (!name || /^[$"'`]/.test(name) || name.includes('/') || NOT_PROGRAMS.has(name)) {
    if (name.startsWith('/')) found.push(name); // a path: looked for as it is
    return;
  }
  found.push(name);
  const end = rest.findIndex((w) => OPERATOR.test(w));
  const args = (end < 0 ? rest : rest.slice(0, end)).map(unquote);
  if (SHELLS.has(name)) {
    const c = args.indexOf('-c');
    if (c >= 0 && args[c + 1] !== undefined) found.push(...scriptPrograms(args[c + 1]!, guarded));
    return;
  }
  const runner = RUNNERS[name];
  if (!runner || (runner.runsNothing && args.some((a) => runner.runsNothing!.test(a)))) return;
  let j = 0;
  if (runner.sub) {
    if (runner.sub.some((s, k) => args[k] !== s)) return;
    j = runner.sub.length + 1; // ip netns exec NAME
  }
  for (; j < args.length; j++) {
    const a = args[j]!;
    if (a === '--') { j++; break; }
    if (!a.startsWith('-') && !/^\w+=/.test(a)) break;
    if (runner.valued?.includes(a)) j++;
  }
  j += runner.operands ?? 0;
  if (j < args.length) argv(args[j]!, args.slice(j + 1), found, guarded);
}

function actionPrograms(a: Action | CheckSource | undefined, guarded: Set<string>): string[] {
  if (!a) return [];
  if (a.kind === 'shell' || a.kind === 'inside' || a.kind === 'spawn') return scriptPrograms(a.command, guarded);
  if (a.kind !== 'ops') return [];
  const found: string[] = [];
  for (const call of a.ops) {
    const v = call.args.argv;
    if ((call.op === 'join' || call.op === 'spawn' || call.op === 'exec') && Array.isArray(v) && typeof v[0] === 'string') {
      argv(v[0], v.slice(1).map(String).map((x) => `'${x.replace(/'/g, '')}'`), found, guarded);
    }
  }
  return found;
}

/** Every program a lesson runs (`needed`), and those it can do without (`optional`):
 *  what only its `requires:` blocks run (skipped where a program is missing), and what
 *  a command asks for before it runs it (`command -v nft`, else iptables). A program
 *  named by a `${variable}` is the lab's to provide. */
export function lessonPrograms(lesson: Lesson): { needed: string[]; optional: string[] } {
  const needed = new Set<string>();
  const optional = new Set<string>();
  // The lesson's own constants are part of its commands (a shell function in a var);
  // the session's (${dir}) are left as they are.
  const own = (a: Action | CheckSource | undefined): typeof a => {
    if (!a || !('command' in a)) return a;
    let command = a.command;
    for (let n = 0; n < 5 && command.includes('${'); n++) command = substitute(command, lesson.meta.vars, true);
    return { ...a, command };
  };
  for (const s of lesson.stops) {
    const guarded = new Set<string>();
    const runs = [
      ...actionPrograms(own(s.kind === 'step' ? s.action : undefined), guarded),
      ...actionPrograms(own(s.kind !== 'step' ? s.check.source : undefined), guarded),
      ...actionPrograms(own(s.kind === 'task' ? s.solution : undefined), guarded),
    ].filter((p) => !p.includes('${'));
    for (const p of [...runs, ...s.requires]) (s.requires.length || guarded.has(p) ? optional : needed).add(p);
  }
  for (const p of needed) optional.delete(p);
  return { needed: [...needed].sort(), optional: [...optional].sort() };
}
