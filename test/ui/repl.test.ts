// The REPL's pieces, pure: tab completion of ops and of their arguments (names, values,
// comma lists, the session's containers), the line editor, history, and splitting keys
// that arrive in one chunk.
import { describe, expect, it } from 'vitest';
import type { Key } from 'ink';
import { complete, type CompletionContext } from '../../src/ui/complete.ts';
import { editLine, historyAdd, historyMove, historyOf, lineOf, type LineState } from '../../src/ui/line-edit.ts';
import { lessonAction, splitKeys } from '../../src/ui/keys.ts';
import { parseOpLine } from '../../src/lessons/ops.ts';

const ctx: CompletionContext = { containers: ['c1', 'c2'], netns: ['bl-hostA', 'bl-hostB'], vars: { dir: '/run/boxlab/bl-lesson-x', rootfs: '/var/cache/boxlab/rootfs', ct: 'c2' } };
const tab = (text: string) => complete(lineOf(text), ctx);

describe('completion', () => {
  it('completes op names, and lists them when several match', () => {
    expect(tab('seth').text).toBe('sethostname ');
    const r = tab('link_');
    expect(r.text).toBe('link_');
    expect(r.candidates).toEqual(['link_up', 'link_down', 'link_move', 'link_rename', 'link_master', 'link_del']);
    expect(tab('no_such').candidates).toEqual([]);
  });

  it('completes namespace names, one after another in a comma list', () => {
    expect(tab('clone p').text).toBe('clone pid');
    const u = tab('clone pid,u');
    expect(u.text).toBe('clone pid,u');
    expect(u.candidates).toEqual(['uts', 'user']);
    expect(tab('clone pid,ut').text).toBe('clone pid,uts');
    // names already in the list are not offered again
    expect(tab('clone pid,uts,').candidates).toEqual(['mnt', 'ipc', 'net', 'user', 'cgroup']);
  });

  it('completes mount types, then where that type goes, then the session\'s paths', () => {
    expect(tab('mount ov').text).toBe('mount overlay ');
    expect(tab('mount proc ').candidates).toContain('/proc');
    expect(tab('mount proc /').text).toBe('mount proc /proc ');
    expect(tab('mount tmpfs ${d').text).toBe('mount tmpfs ${dir} ');
    expect(tab('propagation p').candidates).toEqual(['private', 'path=']);
  });

  it('completes argument names, and values after name=', () => {
    expect(tab('mount overlay /m lo').text).toBe('mount overlay /m lower=');
    expect(tab('mount overlay /m lower=${r').text).toBe('mount overlay /m lower=${rootfs}');
    expect(tab('sethostname c').text).toBe('sethostname ct=');
    expect(tab('sethostname ct=').candidates).toEqual(['c1', 'c2']);
    expect(tab('sethostname ct=c2').text).toBe('sethostname ct=c2 ');
    expect(tab('link_up lo netns=bl-').candidates).toEqual(['bl-hostA', 'bl-hostB']);
    expect(tab('veth_add a b peer_ct=c').candidates).toEqual(['c1', 'c2']);
    expect(tab('mount bind /a /b readonly=t').text).toBe('mount bind /a /b readonly=true ');
    expect(tab('signal K').text).toBe('signal KILL ');
    expect(tab('idmap setgroups=d').text).toBe('idmap setgroups=deny ');
  });

  it('offers nothing inside a command (join CMD ...), and never a name given already', () => {
    expect(tab('join ls -').candidates).toEqual([]);
    expect(tab('sethostname name=x n').candidates).toEqual([]);
  });

  it('completes at the cursor, leaving what follows it', () => {
    const line: LineState = { text: 'clone p uts', cursor: 7 };
    const r = complete(line, ctx);
    expect(r.text).toBe('clone pid uts');
    expect(r.cursor).toBe(9);
  });

  it('what it completes parses', () => {
    for (const typed of ['clone pid,ut', 'mount ov', 'sethostname ct=c']) {
      let t = tab(typed).text;
      if (t.startsWith('mount overlay')) t += '/m lower=/a upper=/b work=/c';
      if (t.startsWith('sethostname')) t = tab(t).text.replace(/ct=$/, 'ct=c1') + ' box';
      expect(() => parseOpLine(t), t).not.toThrow();
    }
  });
});

const key = (k: Partial<Key> = {}): Key => ({
  upArrow: false, downArrow: false, leftArrow: false, rightArrow: false, pageDown: false, pageUp: false, home: false, end: false,
  return: false, escape: false, ctrl: false, shift: false, tab: false, backspace: false, delete: false, meta: false,
  super: false, hyper: false, capsLock: false, numLock: false, ...k,
});

describe('line editing', () => {
  it('inserts at the cursor, moves, and erases as a shell does', () => {
    let l = lineOf('clone uts');
    l = editLine(l, '', key({ home: true }))!;
    l = editLine(l, '', key({ rightArrow: true }))!;
    expect(l.cursor).toBe(1);
    l = editLine({ text: 'clone uts', cursor: 6 }, 'pid,', key())!;
    expect(l).toEqual({ text: 'clone pid,uts', cursor: 10 });
    l = editLine(l, '', key({ backspace: true }))!;
    expect(l).toEqual({ text: 'clone piduts', cursor: 9 });
    expect(editLine(lineOf('mount tmpfs /mnt'), 'w', key({ ctrl: true }))).toEqual({ text: 'mount tmpfs ', cursor: 12 });
    expect(editLine({ text: 'abc def', cursor: 4 }, 'u', key({ ctrl: true }))).toEqual({ text: 'def', cursor: 0 });
    expect(editLine({ text: 'abc def', cursor: 3 }, 'k', key({ ctrl: true }))).toEqual({ text: 'abc', cursor: 3 });
    expect(editLine(lineOf('x'), '', key({ return: true }))).toBeUndefined();
  });

  it('walks the history with ↑/↓, back to the line being typed', () => {
    let h = historyOf([]);
    h = historyAdd(h, 'clone uts');
    h = historyAdd(h, 'sethostname box');
    h = historyAdd(h, 'sethostname box'); // not twice in a row
    expect(h.lines).toEqual(['clone uts', 'sethostname box']);
    let m = historyMove(h, 'draft', -1);
    expect(m.text).toBe('sethostname box');
    m = historyMove(m.history, m.text, -1);
    expect(m.text).toBe('clone uts');
    m = historyMove(m.history, m.text, -1);
    expect(m.text).toBe('clone uts');
    m = historyMove(m.history, m.text, 1);
    m = historyMove(m.history, m.text, 1);
    expect(m.text).toBe('draft');
  });
});

describe('keys', () => {
  it('a chunk of keys is split into the keys it holds', () => {
    expect(splitKeys('n', key())).toEqual([['n', key()]]);
    const keys = splitKeys('j\rS\t\x7f', key());
    expect(keys.map(([i, k]) => [i, k.return, k.tab, k.backspace, k.shift])).toEqual([
      ['j', false, false, false, false], ['', true, false, false, false], ['S', false, false, false, true],
      ['', false, true, false, false], ['', false, false, true, false],
    ]);
    expect(splitKeys('\x1b[A', key({ upArrow: true }))).toHaveLength(1);
  });

  it('each key has one action, and Ctrl or Alt with a letter has none', () => {
    expect(lessonAction('n', key())).toBe('next');
    expect(lessonAction('v', key())).toBe('picture');
    expect(lessonAction('', key({ pageDown: true }))).toBe('pageDown');
    expect(lessonAction('n', key({ ctrl: true }))).toBeUndefined();
    expect(lessonAction('z', key())).toBeUndefined();
  });
});
