// test/vm/course-kernel.mjs -- what the course asks of the guest's kernel, for run.sh:
// the modules and boot parameters of every feature a lesson names in its front matter,
// looked up in src/doctor/kernel-needs.json (the table the doctor names modules and
// config options from). Prints two lines:
//   modules M1 M2 ...
//   boot P1 P2 ...
// The lessons come from the built CLI (`boxlab list --json`); before a build, every
// feature in the table counts.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const needs = JSON.parse(readFileSync(join(root, 'src/doctor/kernel-needs.json'), 'utf8'));
const cli = join(root, 'dist/boxlab.mjs');
let features = Object.keys(needs);
if (existsSync(cli)) {
  // A lesson that does not load makes `list` exit 1, and the others are still listed:
  // the guest is for them (the course test names the broken one).
  const listed = spawnSync(process.execPath, [cli, 'list', '--json'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const lessons = JSON.parse(listed.stdout);
  features = [...new Set(lessons.flatMap((l) => l.features))];
}
const of = (key) => [...new Set(features.flatMap((f) => needs[f]?.[key] ?? []))];
console.log(['modules', ...of('modules'), ...of('iptables')].join(' '));
console.log(['boot', ...of('boot')].join(' '));
