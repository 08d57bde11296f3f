// `npm run soak [-- ROUNDS]`: the whole course, in this process, round after round.
// After each round it reports this process's open fds, RSS, threads and the listeners
// left on the stream the lessons write to, and the kernel objects
// the lab makes, counted from the host fingerprint (test/helpers/host.ts): mounts,
// links, addresses, routes, netfilter rules, network namespaces, bl- cgroups, loop
// devices, core processes, ledgers, state dirs, and the namespaces this process's
// children hold. None may grow: a leak shows as a number that climbs. Exit 1 if one does.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { Writable } from 'node:stream';
import { runLessonPlain } from '../../src/cli/lesson.ts';
import { listLessons } from '../../src/lessons/loader.ts';
import { fingerprint, ownedHere } from '../helpers/host.ts';

const rounds = Number(process.argv[2] ?? process.env.SOAK_ROUNDS ?? 5);
const sink = new Writable({ write: (_c, _e, cb) => cb() });

const count = (dir: string) => {
  try { return readdirSync(dir).length; } catch { return 0; }
};

const NAMESPACES = ['mnt', 'uts', 'ipc', 'pid', 'net', 'user', 'cgroup'];

/** Distinct namespaces held by processes below this one (a container left running). */
function childNamespaces(): number {
  const seen = new Set<string>();
  const own = new Set(NAMESPACES.map((ns) => readlinkSync(`/proc/self/ns/${ns}`)));
  for (const pid of readdirSync('/proc').filter((n) => /^\d+$/.test(n) && Number(n) !== process.pid)) {
    try {
      if (!ownedHere(Number(pid))) continue;
      for (const ns of NAMESPACES) {
        const id = readlinkSync(`/proc/${pid}/ns/${ns}`);
        if (!own.has(id)) seen.add(id);
      }
    } catch { /* gone, or not ours to read */ }
  }
  return seen.size;
}

/** Kernel objects of the lab: how many of each kind the fingerprint lists. */
function kernelObjects() {
  const f = fingerprint();
  return {
    mounts: f.mounts.length,
    links: f.links.length,
    addresses: f.addresses.length,
    routes: f.routes.length,
    nfRules: f.netfilter.length,
    netns: f.netns?.length ?? 0,
    cgroups: f.cgroups.length,
    loops: f.loops.length,
    cores: f.processes.length,
    ledgers: f.ledgers.length,
    stateDirs: f.stateDirs.length,
    childNs: childNamespaces(),
  };
}

function measure() {
  return {
    fds: count('/proc/self/fd'),
    rssMiB: Math.round(process.memoryUsage().rss / (1 << 20)),
    threads: Number(/^Threads:\s*(\d+)/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? 0),
    // Listeners the lessons leave on the stream they all write to.
    listeners: sink.eventNames().reduce((n, e) => n + sink.listenerCount(e), 0),
    ...kernelObjects(),
  };
}
type Row = ReturnType<typeof measure>;

const lessons = await listLessons();
const start = measure();
const rows: Row[] = [];
console.log(`soak: ${lessons.length} lessons x ${rounds} rounds`);
console.log(['round', ...Object.keys(start)].join('\t'));
console.log(['start', ...Object.values(start)].join('\t'));
let failedLessons = 0;
for (let round = 1; round <= rounds; round++) {
  const t0 = Date.now();
  for (const l of lessons) {
    const code = await runLessonPlain(l.id, { yes: true, format: 'text', color: false, out: sink });
    if (code !== 0) { failedLessons++; console.log(`  round ${round}: lesson ${l.id} exited ${code}`); }
  }
  global.gc?.();
  const m = measure();
  rows.push(m);
  console.log([round, ...Object.values(m), `(${((Date.now() - t0) / 1000).toFixed(1)} s)`].join('\t'));
}

// The process's own figures: round 1 warms caches (modules, the rootfs), so from then on
// nothing may climb. The kernel's: each round must leave the host as it was at the start.
const first = rows[0]!;
const last = rows.at(-1)!;
const processFigures = ['fds', 'rssMiB', 'threads', 'listeners'] as const;
const grew = (Object.keys(start) as (keyof Row)[]).filter((k) => {
  if (k === 'rssMiB') return last[k] > first[k] * 1.25 + 10;
  if ((processFigures as readonly string[]).includes(k)) return last[k] > first[k];
  return rows.some((r) => r[k] !== start[k]);
});
if (grew.length || failedLessons) {
  console.log(`soak: FAILED:${grew.length ? ` grew: ${grew.join(', ')}` : ''}${failedLessons ? ` ${failedLessons} lesson runs failed` : ''}`);
  process.exit(1);
}
console.log('soak: nothing grew');
