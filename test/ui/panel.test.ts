// The syscall log's lines: each string one line on screen, so a region never draws
// more lines than it was given (a multi-line command in one string did).
import { describe, expect, it } from 'vitest';
import { logLines } from '../../src/ui/panel.ts';
import { stripAnsi } from '../../src/ui/draw.ts';

describe('the syscall log', () => {
  it('splits a multi-line shell command into lines, kept together under its $', () => {
    const shell = "nsenter -t 42 --mount -- /bin/sh -c 'id\ntouch /mnt/upload\nls -ln /mnt\n'";
    const lines = logLines([{ source: 'lesson', op: 'join', ok: true, syscalls: ['setns(7, CLONE_NEWNS) = 0'], shell, at: 0 }]).map(stripAnsi);
    expect(lines.filter((l) => l.includes('\n'))).toEqual([]);
    expect(lines.slice(2)).toEqual(["  $ nsenter -t 42 --mount -- /bin/sh -c 'id", '    touch /mnt/upload', '    ls -ln /mnt', "    '"]);
  });
});
