// Tab completion for the REPL: op names first, then for the op typed its arguments -
// the positional value due next (`clone p` -> pid, `mount o` -> overlay), argument names
// (`ty` -> `type=`), and values after `name=`: namespaces (in comma lists too), mount
// types and modes, signals, true/false, the session's containers (`ct=c1`), lab-made
// network namespaces, and ${dir}/${rootfs} where a path goes. Pure: a line in, a line out.
import { NAMESPACES } from '../core/index.ts';
import { ARG_CHOICES, MOUNT_TARGETS, OP_NAMES, OPS, type OpSpec } from '../lessons/ops.ts';
import { commonPrefix } from './draw.ts';
import type { LineState } from './line-edit.ts';

export interface CompletionContext {
  /** containers the session made (c1, c2, ...) */
  containers: string[];
  /** lab-made named network namespaces (bl-...) */
  netns: string[];
  /** session variables that have a value (dir, rootfs, ...) */
  vars: Record<string, string>;
}

export interface Completion extends LineState {
  /** what could follow, when more than one thing could: shown to the learner */
  candidates: string[];
}

const PATH_ARGS = new Set(['target', 'root', 'path', 'upper', 'work', 'source', 'cwd', 'lower']);
const KV = /^([a-z_]+)=(.*)$/s;

/** The values an argument takes here; `list`: a comma list (complete the last item). */
function valuesFor(spec: OpSpec, name: string, given: Map<string, string>, ctx: CompletionContext): { values: string[]; list: boolean } {
  const type = spec.args[name];
  if (type === 'ns') return { values: [...NAMESPACES], list: true };
  if (type === 'bool') return { values: ['true', 'false'], list: false };
  const base = name.replace(/^(peer|to)_/, '');
  if (base === 'ct') return { values: ctx.containers, list: false };
  if (base === 'netns') return { values: ctx.netns, list: false };
  if (ARG_CHOICES[name]) return { values: [...ARG_CHOICES[name]], list: type === 'strings' };
  if (PATH_ARGS.has(name)) {
    const target = name === 'target' ? MOUNT_TARGETS[given.get('type') ?? ''] : undefined;
    const vars = ['dir', 'rootfs'].filter((v) => ctx.vars[v]).map((v) => '${' + v + '}');
    return { values: [...(target ? [target] : []), ...vars], list: type === 'strings' };
  }
  return { values: [], list: false };
}

/** Complete the word before the cursor. */
export function complete(line: LineState, ctx: CompletionContext): Completion {
  const before = line.text.slice(0, line.cursor);
  const after = line.text.slice(line.cursor);
  const start = before.search(/\S*$/);
  const word = before.slice(start);
  const words = before.slice(0, start).trim().split(/\s+/).filter(Boolean);
  const none: Completion = { ...line, candidates: [] };

  // What the word may become, and what follows a single match.
  let options: string[];
  let head = ''; // kept in front of the part being completed (`type=`, `pid,uts,`)
  let prefix = word;
  let finished = ' ';
  if (words.length === 0) {
    options = OP_NAMES;
  } else {
    const spec = OPS[words[0]!];
    if (!spec) return none;
    // Read the words typed so far as parseOpLine does, to know which argument is next.
    const given = new Map<string, string>();
    const positional = [...spec.positional];
    const argvNext = () => spec.rest === true && positional.length === 1 && positional[0] === 'argv';
    let inCommand = false;
    words.slice(1).forEach((w, i) => {
      const kv = KV.exec(w);
      if (inCommand) return;
      if (kv && spec.args[kv[1]!] && !(argvNext() && i > 0)) { given.set(kv[1]!, kv[2]!); return; }
      const key = positional.shift();
      if (!key) return;
      given.set(key, w);
      if (spec.rest && positional.length === 0 && spec.args[key] === 'strings') inCommand = true;
    });
    if (inCommand) return none; // the words of `join CMD ...` are the command's
    const kv = KV.exec(word);
    let name: string | undefined;
    if (kv && spec.args[kv[1]!] && !(argvNext() && words.length > 1)) {
      name = kv[1]!;
      head = `${name}=`;
      prefix = kv[2]!;
      options = [];
    } else {
      name = positional[0];
      options = argvNext() && words.length > 1 ? [] : Object.keys(spec.args).filter((k) => !given.has(k)).map((k) => `${k}=`);
    }
    if (name) {
      const { values, list } = valuesFor(spec, name, given, ctx);
      let vals = values;
      if (list && prefix.includes(',')) {
        const cut = prefix.lastIndexOf(',') + 1;
        const chosen = prefix.slice(0, cut).split(',');
        head += prefix.slice(0, cut);
        prefix = prefix.slice(cut);
        vals = values.filter((v) => !chosen.includes(v));
      }
      if (list) finished = '';
      options = [...vals, ...(head.endsWith('=') || head.endsWith(',') ? [] : options)];
    }
  }
  const matches = [...new Set(options.filter((o) => o.startsWith(prefix)))];
  if (!matches.length) return none;
  const replace = (done: string) => {
    const text = before.slice(0, start) + head + done + after;
    return { text, cursor: start + head.length + done.length };
  };
  if (matches.length === 1) {
    const m = matches[0]!;
    return { ...replace(m + (m.endsWith('=') || after.startsWith(' ') ? '' : finished)), candidates: [] };
  }
  const common = commonPrefix(matches);
  return { ...(common.length > prefix.length ? replace(common) : line), candidates: matches };
}
