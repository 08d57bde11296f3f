// The lab in Chinese, end to end, in a real terminal (tmux, as test/e2e/tui.test.ts):
// `boxlab --lang zh-CN` at 80x24, the uts lesson (translated) opened from the home
// screen and stepped by keys, the diff on screen in Chinese, a hint shown in Chinese,
// then 120x40. Every screen fits its terminal counted in columns (a Chinese character
// takes two), and the host is as it was afterwards.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { repoRoot } from '../../src/core/index.ts';
import { LANGUAGES } from '../../src/text/index.ts';
import { textWidth } from '../../src/text/width.ts';
import { fingerprint, isRoot, type HostFingerprint } from '../helpers/host.ts';
import { TMUX, Tmux } from './tmux.ts';

const cli = join(repoRoot(), 'dist', 'boxlab.mjs');
const canRun = isRoot && TMUX !== undefined && existsSync(cli);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const zh = LANGUAGES['zh-CN'];

let tmux: Tmux;
let dir: string;
let before: HostFingerprint;
let hostName: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'bl-e2e-zh-'));
  tmux = new Tmux(join(dir, 'tmux.sock'));
  before = fingerprint();
  hostName = hostname();
});

afterEach(async () => {
  if (tmux.alive()) {
    tmux.kill(); // SIGHUP: the lab unwinds
    for (let i = 0; i < 100 && !existsSync(join(dir, 'exit')); i++) await sleep(100);
  }
  rmSync(dir, { recursive: true, force: true });
  expect(hostname()).toBe(hostName);
  expect(fingerprint()).toEqual(before);
});

/** The screen fits cols x rows: no line wider, counted in terminal columns. */
function fits(screen: string, cols: number, rows: number): void {
  const lines = screen.replace(/\n$/, '').split('\n');
  expect(lines.length).toBeLessThanOrEqual(rows);
  for (const l of lines) expect(textWidth(l), l).toBeLessThanOrEqual(cols);
}

describe.runIf(canRun)('the lab in Chinese in a real terminal (tmux)', () => {
  it('uts at 80x24 by keys: the diff and a hint in Chinese, then 120x40', async () => {
    const exitFile = join(dir, 'exit');
    tmux.start(`cd ${repoRoot()} && env CI=true XDG_STATE_HOME=${dir} node ${cli} --lang zh-CN; echo $? > ${exitFile}`, 80, 24);
    let s = await tmux.waitFor((x) => x.includes(zh.ui.homeKeys.slice(0, 20)), 'the home screen in Chinese');
    expect(s).toContain('容器就是进程'); // the welcome lesson's translated title
    fits(s, 80, 24);

    // to the uts lesson, one j at a time
    const selected = (x: string) => x.split('\n').find((l) => l.startsWith(zh.ui.selected)) ?? '';
    for (let i = 0; i < 10 && !selected(tmux.screen()).includes('UTS 命名空间'); i++) {
      const was = selected(tmux.screen());
      tmux.keys('j');
      await tmux.waitFor((x) => selected(x) !== was, 'the selection to move');
    }
    tmux.keys('Enter');
    s = await tmux.waitFor((x) => x.includes(zh.ui.notStarted.slice(0, 10)), 'the lesson, ready');
    expect(s).toContain('UTS 命名空间');

    tmux.keys('n');
    s = await tmux.waitFor((x) => /clone3\(.*\) = \d+/.test(x) && x.includes(zh.kernel.nsNew), 'the clone step and its diff in Chinese');
    expect(s).toContain('在一个新的 UTS 命名空间里创建进程');
    fits(s, 80, 24);
    tmux.keys('n');
    await tmux.waitFor((x) => x.includes('新命名空间一开始用的是宿主机的主机名'), 'the check');
    tmux.keys('n');
    s = await tmux.waitFor((x) => /hostname +\S+ -> box/.test(x), 'the diff of sethostname');
    fits(s, 80, 24);
    tmux.keys('n'); // check: hostname inside prints box
    await tmux.waitFor((x) => x.includes('容器里的 hostname 输出'), 'the check inside');
    tmux.keys('n'); // check: the host's name is unchanged
    await tmux.waitFor((x) => x.includes('宿主机的主机名没有变'), 'the check on the host');
    tmux.keys('n'); // the task
    await tmux.waitFor((x) => x.includes('给容器起主机名 lab-box') && x.includes(zh.ui.taskWaiting.slice(0, 10)), 'the task, waiting');
    tmux.keys('h');
    // the first of its three hints, in the message line (the prose lists it below, scrolled at 80x24)
    s = await tmux.waitFor((x) => x.includes(zh.ui.hintOf(1, 3, '容器还叫')), 'the hint in Chinese');
    expect(s).toContain('容器还叫 "box"');
    fits(s, 80, 24);

    tmux.resize(120, 40);
    s = await tmux.waitFor((x) => x.includes('│') && x.includes('UTS 命名空间'), 'the wide layout');
    fits(s, 120, 40);

    tmux.keys('q');
    await tmux.waitFor((x) => x.includes(zh.ui.homeKeys.slice(0, 20)), 'home, after the lesson');
    tmux.keys('q');
    for (let i = 0; i < 200 && !existsSync(exitFile); i++) await sleep(100);
    expect(Number(readFileSync(exitFile, 'utf8').trim())).toBe(0);
    for (let i = 0; i < 100 && tmux.alive(); i++) await sleep(100);
  }, 120_000);
});
