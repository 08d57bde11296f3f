#!/usr/bin/env node
// A boxcore that dies mid-run, for tests of what boxlab does when its core is killed:
// `boxcore serve` runs behind this relay, which passes requests and replies through and,
// when request number BOXLAB_TEST_CORE_DIES_AT arrives, SIGKILLs the real core and
// itself instead of passing it on (so that request is never answered, and the next
// write boxlab makes breaks its pipe). Every other boxcore command runs as it is.
//   BOXCORE=test/helpers/dying-core.mjs BOXLAB_TEST_REAL_BOXCORE=native/boxcore ...
import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { Socket } from 'node:net';
import { createInterface } from 'node:readline';

const real = process.env.BOXLAB_TEST_REAL_BOXCORE;
const dieAt = Number(process.env.BOXLAB_TEST_CORE_DIES_AT ?? 0);
const args = process.argv.slice(2);
if (args[0] !== 'serve') {
  const r = spawnSync(real, args, { stdio: 'inherit' });
  process.exit(r.status ?? 1);
}
const core = spawn(real, args, { stdio: ['inherit', 'inherit', 'inherit', 'pipe', 'pipe'] });
const requests = new Socket({ fd: 3, readable: true, writable: false });
const replies = new Socket({ fd: 4, readable: false, writable: true });
let n = 0;
createInterface({ input: requests }).on('line', (line) => {
  if (++n === dieAt) {
    core.kill('SIGKILL');
    core.once('exit', () => process.kill(process.pid, 'SIGKILL'));
    return;
  }
  core.stdio[3].write(line + '\n');
});
requests.on('end', () => {
  // How many requests the run made, for a test to know how many points it has.
  if (process.env.BOXLAB_TEST_CORE_COUNT_FILE) writeFileSync(process.env.BOXLAB_TEST_CORE_COUNT_FILE, String(n));
  core.stdio[3].end();
});
createInterface({ input: core.stdio[4] }).on('line', (line) => replies.write(line + '\n'));
core.on('exit', (code) => { if (n !== dieAt) process.exit(code ?? 1); });
