// A real terminal for end-to-end tests: tmux makes the pseudo-terminal (so the test
// needs no terminal of its own, as in CI), runs one command in a pane of a fixed size,
// takes keys and shows what is on screen. Each Tmux is a server of its own, on a socket
// the test names (-S PATH: inside the test's own directory, so nothing is left in
// /tmp/tmux-UID) and without a config file; it ends when its only pane's command exits.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export const TMUX = ['/usr/bin/tmux', '/bin/tmux'].find((p) => existsSync(p));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class Tmux {
  /** the tmux server's pid, once started */
  server = 0;

  constructor(readonly socket: string) {}

  private run(args: string[]): string {
    return execFileSync(TMUX!, ['-S', this.socket, '-f', '/dev/null', ...args], { encoding: 'utf8', timeout: 10_000 });
  }

  /** Start `command` (run by sh) in a cols x rows pane. */
  start(command: string, cols: number, rows: number): void {
    this.run(['new-session', '-d', '-s', 'lab', '-x', String(cols), '-y', String(rows), command]);
    this.server = Number(this.run(['display-message', '-p', '-t', 'lab', '#{pid}']).trim());
  }

  /** Keys as tmux names them (Enter, Escape, C-c, Tab, Up) or single characters. */
  keys(...keys: string[]): void {
    for (const k of keys) this.run(['send-keys', '-t', 'lab', k]);
  }

  /** Text typed as it is (no key names). */
  type(text: string): void {
    this.run(['send-keys', '-t', 'lab', '-l', text]);
  }

  /** The screen as text (`escapes`: with its colour and style sequences). */
  screen(escapes = false): string {
    return this.run(['capture-pane', '-p', '-t', 'lab', ...(escapes ? ['-e'] : [])]);
  }

  resize(cols: number, rows: number): void {
    this.run(['resize-window', '-t', 'lab', '-x', String(cols), '-y', String(rows)]);
  }

  /** Wait until the screen satisfies `ok`; fail with what the screen shows. */
  async waitFor(ok: (screen: string) => boolean, what: string, ms = 20_000): Promise<string> {
    const end = Date.now() + ms;
    let s = '';
    while (Date.now() < end) {
      try { s = this.screen(); } catch { s = '(no screen: tmux is gone)'; }
      if (ok(s)) return s;
      await sleep(100);
    }
    throw new Error(`timed out waiting for ${what}; the screen:\n${s}`);
  }

  /** Is the server still there? */
  alive(): boolean {
    if (!TMUX) return false;
    return spawnSync(TMUX!, ['-S', this.socket, 'has-session'], { stdio: 'ignore' }).status === 0;
  }

  /** Take the server down, whatever runs in it (for after a failed test). */
  kill(): void {
    if (TMUX) spawnSync(TMUX!, ['-S', this.socket, 'kill-server'], { stdio: 'ignore' });
  }
}
