#!/usr/bin/env bash
# test/vm/v2.sh -- `npm run test:v2`: the cgroup tests and the course on a pure cgroup-v2
# kernel, in the guest of test/vm/run.sh, as root; vitest's output and exit status come
# back here.
#
#   npm run test:v2 [-- VITEST_ARG...]
#
# What runs (one boot, one vitest run):
#   test/cgroups/*.test.ts        every cgroup test
#   test/kernel/apparmor.test.ts  boxlab run under AppArmor: Debian's kernel runs it, this
#                                 machine's may not
#   test/course/course.test.ts    the lessons whose front matter names a cgroup feature
#                                 (ns-cgroup, cgroup-v1, cgroup-v2): the cgroup chapter,
#                                 the cgroup namespace, the welcome lesson's look at the
#                                 layout. The others take the same code paths on every
#                                 layout and are left to `npm test` on the host: under
#                                 software emulation a lesson takes 15-40 s, and the whole
#                                 course would make this run 10 minutes instead of 4.
#                                 BOXLAB_V2_COURSE=all runs them all.
#
# When the guest cannot run here (not root, no qemu, no kernel package to download, no
# boot), it says SKIPPED and why, and exits 0, unless BOXLAB_VM_REQUIRED=1, which makes
# that a failure (exit 1). Otherwise the exit status is vitest's (124: the guest ran out
# of time, BOXLAB_VM_TIMEOUT, default 1500 s here). The rig's own settings (BOXLAB_VM_*,
# e.g. BOXLAB_VM_INSTALL=1 to apt-get install its packages) are described in run.sh.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
cd "$ROOT" || exit 1
export BOXLAB_VM_TIMEOUT=${BOXLAB_VM_TIMEOUT:-1500}

skipped() {
  if [[ ${BOXLAB_VM_REQUIRED:-} == 1 ]]; then
    echo "test:v2 FAILED: the cgroup-v2 guest cannot run here ($1), and BOXLAB_VM_REQUIRED=1 says it must"
    exit 1
  fi
  echo "test:v2 SKIPPED: the cgroup-v2 tests did not run ($1); set BOXLAB_VM_REQUIRED=1 to make this a failure"
  exit 0
}

(( EUID == 0 )) || skipped "they need root: sudo npm run test:v2"

# The guest runs this tree's files: build them first (quick when nothing changed).
npm run -s build || { echo "test:v2: npm run build failed"; exit 1; }

# The lessons to run: from the CLI's own list, those with a cgroup feature.
ids=$(node dist/boxlab.mjs list --json | node -e '
  const all = process.argv[1] === "all";
  const lessons = JSON.parse(require("node:fs").readFileSync(0, "utf8"));
  const cgroupy = (l) => l.features.some((f) => ["ns-cgroup", "cgroup-v1", "cgroup-v2"].includes(f));
  for (const l of lessons) if (all || cgroupy(l)) console.log(l.id);
' "${BOXLAB_V2_COURSE:-}") || { echo "test:v2: cannot list the lessons (node dist/boxlab.mjs list --json)"; exit 1; }
ids=$(echo $ids)
echo "test:v2: lessons in the guest: ${ids:-none}"
# course.test.ts names a lesson's test "the course lesson ID (NEEDS) passes ...": leave
# out those of the other lessons, keep every other test.
pattern="^(?!the course lesson (?!(${ids// /|}) \())"
[[ -n $ids ]] || pattern='^(?!the course lesson )'

out=$(mktemp /tmp/boxlab-v2.XXXXXX)
trap 'rm -f -- "$out"' EXIT
start=$SECONDS
test/vm/run.sh node_modules/.bin/vitest run test/cgroups test/kernel/apparmor.test.ts test/course/course.test.ts \
  --testNamePattern "$pattern" --reporter=verbose --no-file-parallelism \
  --testTimeout=120000 --hookTimeout=300000 "$@" 2>&1 | tee "$out"
rc=${PIPESTATUS[0]}

if (( rc == 77 )); then
  skipped "$(grep -o 'SKIPPED (cannot run the cgroup-v2 guest here): .*' "$out" | tail -n1 | cut -d: -f2- | sed 's/^ //')"
fi
# vitest's summary, "Tests  1 failed | 34 passed | 12 skipped (47)", as one plain line.
summary=$(grep -E '^ +Tests +[0-9]' "$out" | tail -n1)
count() { grep -oE "[0-9]+ $1" <<<"$summary" | cut -d' ' -f1 || true; }
if [[ -n $summary ]]; then
  passed=$(count passed) failed=$(count failed) skipped=$(count skipped)
  echo "cgroup-v2: ${passed:-0} passed, ${failed:-0} failed, ${skipped:-0} skipped"
fi
echo "test:v2: exit status $rc after $((SECONDS - start)) s in the cgroup-v2 guest"
exit "$rc"
