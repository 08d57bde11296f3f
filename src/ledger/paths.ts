// Where boxlab keeps its runtime state: /run/boxlab as root, else the user's runtime dir.
// Everything it creates there is named bl-*, so a person can tell it apart at a glance.
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function stateRoot(): string {
  if (process.env.BOXLAB_STATE_DIR) return process.env.BOXLAB_STATE_DIR;
  if (process.getuid?.() === 0) return '/run/boxlab';
  return join(process.env.XDG_RUNTIME_DIR ?? tmpdir(), `boxlab-${process.getuid?.() ?? 'user'}`);
}

export function ledgerDir(): string {
  return join(stateRoot(), 'ledger');
}

/** A fresh, unique name for something this process makes: bl-<pid>-<n>. */
let counter = 0;
export function blName(tag = ''): string {
  counter += 1;
  return `bl-${tag ? tag + '-' : ''}${process.pid}-${counter}`;
}
