// `npm run soak [-- ROUNDS]`: the whole course, in this process, round after round.
// After each round it reports this process's open fds and RSS and the kernel objects the
// lab makes (processes, mounts, namespaces, cgroups, ledgers, state dirs). None may grow:
// a leak shows as a number that climbs. Exit 1 if one does.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { Writable } from 'node:stream';
import { ledgerDir, stateRoot } from '../../src/ledger/index.ts';
import { listLessons, runLessonPlain } from '../../src/lessons/plain.ts';

const rounds = Number(process.argv[2] ?? process.env.SOAK_ROUNDS ?? 5);
const sink = new Writable({ write: (_c, _e, cb) => cb() });

const count = (dir: string, filter: (n: string) => boolean = () => true) => {
  try { return readdirSync(dir).filter(filter).length; } catch { return 0; }
};

/** Distinct namespaces held by any process on the machine. */
function namespaces(): number {
  const seen = new Set<string>();
  for (const pid of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    for (const ns of ['mnt', 'uts', 'ipc', 'pid', 'net', 'user', 'cgroup']) {
      try { seen.add(readlinkSync(`/proc/${pid}/ns/${ns}`)); } catch { /* gone or not ours to read */ }
    }
  }
  return seen.size;
}

function boxcores(): number {
  return readdirSync('/proc').filter((n) => /^\d+$/.test(n)).filter((pid) => {
    try { return readFileSync(`/proc/${pid}/comm`, 'utf8').startsWith('boxcore'); } catch { return false; }
  }).length;
}

function blCgroups(): number {
  let n = 0;
  const walk = (dir: string, depth: number) => {
    if (depth > 6) return;
    let entries: string[] = [];
    try { entries = readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name); } catch { return; }
    for (const e of entries) {
      if (e.startsWith('bl-')) n++;
      walk(`${dir}/${e}`, depth + 1);
    }
  };
  walk('/sys/fs/cgroup', 0);
  return n;
}

function measure() {
  const rss = Math.round(process.memoryUsage().rss / (1 << 20));
  return {
    fds: count('/proc/self/fd'),
    rssMiB: rss,
    boxcores: boxcores(),
    mounts: readFileSync('/proc/self/mountinfo', 'utf8').trim().split('\n').length,
    namespaces: namespaces(),
    blCgroups: blCgroups(),
    ledgers: count(ledgerDir(), (n) => n.startsWith('bl-')),
    stateDirs: count(stateRoot(), (n) => n.startsWith('bl-')),
  };
}

const lessons = await listLessons();
const rows: ReturnType<typeof measure>[] = [measure()];
console.log(`soak: ${lessons.length} lessons x ${rounds} rounds`);
console.log(['round', ...Object.keys(rows[0]!)].join('\t'));
console.log(['start', ...Object.values(rows[0]!)].join('\t'));
let failedLessons = 0;
for (let round = 1; round <= rounds; round++) {
  for (const l of lessons) {
    const code = await runLessonPlain(l.id, { yes: true, format: 'text', color: false, out: sink });
    if (code !== 0) { failedLessons++; console.log(`  round ${round}: lesson ${l.id} exited ${code}`); }
  }
  global.gc?.();
  const m = measure();
  rows.push(m);
  console.log([round, ...Object.values(m)].join('\t'));
}

// Round 1 warms caches (modules, the rootfs); from then on nothing may climb.
const first = rows[1]!;
const last = rows.at(-1)!;
const grew = (Object.keys(first) as (keyof typeof first)[]).filter((k) =>
  k === 'rssMiB' ? last[k] > first[k] * 1.25 + 10 : last[k] > first[k]);
if (grew.length || failedLessons) {
  console.log(`soak: FAILED: ${grew.length ? `grew: ${grew.join(', ')}` : ''}${failedLessons ? ` ${failedLessons} lesson runs failed` : ''}`);
  process.exit(1);
}
console.log('soak: nothing grew');
