// Records the kernel views the picture tests draw (test/fixtures/ui/*.json), from real
// runs on this machine: the net lesson's steps (namespaces, a veth pair, addresses), the
// overlay lesson's (layers, copy-up, whiteouts, an opaque directory), the pid lesson's
// and the setns lesson's (PIDs inside and outside), and the cgroup, proc and net views
// of a `boxlab run` container with limits on a bridge. Not a test: run it by hand, as
// root, under the kernel lock, when a view changes shape:
//   flock /tmp/boxlab-kernel.lock npx vite-node test/ui/record-pictures.ts
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { findLesson } from '../../src/lessons/loader.ts';
import { substitute } from '../../src/lessons/scope.ts';
import { LessonSession, closeProcessLedger } from '../../src/lessons/session.ts';
import { snapshot } from '../../src/kernel/index.ts';
import type { Snapshot, SnapshotDiff, ViewName } from '../../src/kernel/types.ts';

const OUT = join(import.meta.dirname, '..', 'fixtures', 'ui');

interface Recorded { lesson: string; step: string; before?: Snapshot; after?: Snapshot; diff?: SnapshotDiff }

/** Every stop of a lesson, task solutions applied; the steps that show `want`. */
async function recordLesson(id: string, want: ViewName): Promise<Recorded[]> {
  const s = await LessonSession.open(await findLesson(id));
  const out: Recorded[] = [];
  try {
    const stops = s.state.lesson.stops;
    for (let i = 0; i < stops.length; i++) {
      const st = await s.runStop(i);
      const stop = stops[i]!;
      if (stop.kind === 'task' && !st.check?.pass) await s.solve(i);
      const r = stop.kind === 'task' ? s.state.stops[i]!.step : st.step;
      if (r?.after?.views[want]) out.push({ lesson: id, step: substitute(stop.title, s.state.vars), before: r.before, after: r.after, diff: r.diff });
    }
  } finally {
    await s.close();
  }
  return out;
}

/** The cgroup, proc and net views of a container with limits on a bridge, made by
 *  `boxlab run --net bridge` (bl0 and its veth are the lab's, in its ledger). */
async function recordRun(): Promise<Snapshot> {
  const cli = join(import.meta.dirname, '..', '..', 'dist', 'boxlab.mjs');
  const child = spawn('node', [cli, 'run', '--memory', '64m', '--pids-limit', '32', '--cpus', '0.5', '--net', 'bridge', '--', 'sh', '-c', 'sleep 30 & sleep 30 & echo ready; wait'], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve) => child.stdout.on('data', (d: Buffer) => { if (d.toString().includes('ready')) resolve(); }));
  // The container's init: the child of boxcore whose command is `sh -c ...`.
  const init = Number(readFileSync('/proc/' + child.pid + '/task/' + child.pid + '/children', 'utf8').trim().split(/\s+/)
    .flatMap((p) => readFileSync(`/proc/${p}/task/${p}/children`, 'utf8').trim().split(/\s+/))[0]);
  const snap = await snapshot(init, ['cgroup', 'proc', 'net']);
  child.kill('SIGTERM');
  await new Promise((r) => child.on('exit', r));
  return snap;
}

mkdirSync(OUT, { recursive: true });
const write = (name: string, data: unknown) => writeFileSync(join(OUT, name), JSON.stringify(data, null, 1) + '\n');
write('net.json', await recordLesson('net', 'net'));
write('fs.json', await recordLesson('overlay', 'fs'));
write('proc.json', [...await recordLesson('pid', 'proc'), ...await recordLesson('setns', 'proc')]);
write('run.json', await recordRun());
await closeProcessLedger();
console.log(`recorded into ${OUT}`);
