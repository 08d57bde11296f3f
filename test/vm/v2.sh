#!/usr/bin/env bash
# test/vm/v2.sh -- `npm run test:v2`: the cgroup tests and the whole course on a pure
# cgroup-v2 kernel, in the guest of test/vm/run.sh, as root; vitest's output and exit
# status come back here.
#
#   npm run test:v2 [-- VITEST_ARG...]
#
# What runs, in two boots of the guest:
#   1. with every module the course needs (run.sh loads them from the lessons' features):
#      test/cgroups/*.test.ts      every cgroup test
#      test/course/course.test.ts  every lesson, with --yes (BOXLAB_V2_COURSE=cgroup: only
#                                  the lessons whose front matter names a cgroup feature,
#                                  for a quicker look)
#   2. without the bridge, vxlan and nf_tables modules (BOXLAB_VM_WITHHOLD):
#      test/vm/withheld.test.ts    the doctor's verdict on every lesson against what runs
#
# When the guest cannot run here (not root, no qemu, no kernel package to download, no
# boot), it says SKIPPED and why, and exits 0, unless BOXLAB_VM_REQUIRED=1, which makes
# that a failure (exit 1). Otherwise the exit status is the first failing vitest's (124:
# the guest ran out of time, BOXLAB_VM_TIMEOUT, default 3000 s a boot here).
# BOXLAB_V2_BUILT=1 skips the build (npm test has built already, and builds nothing while
# the host's tests run beside this). The rig's own settings (BOXLAB_VM_*, e.g.
# BOXLAB_VM_INSTALL=1 to apt-get install its packages) are described in run.sh.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)
cd "$ROOT" || exit 1
export BOXLAB_VM_TIMEOUT=${BOXLAB_VM_TIMEOUT:-3000}

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
if [[ ${BOXLAB_V2_BUILT:-} != 1 ]]; then
  npm run -s build || { echo "test:v2: npm run build failed"; exit 1; }
fi

pattern='.*'
if [[ ${BOXLAB_V2_COURSE:-all} == cgroup ]]; then
  ids=$(node dist/boxlab.mjs list --json | node -e '
    const lessons = JSON.parse(require("node:fs").readFileSync(0, "utf8"));
    const cgroupy = (l) => l.features.some((f) => ["ns-cgroup", "cgroup-v1", "cgroup-v2"].includes(f));
    for (const l of lessons) if (cgroupy(l)) console.log(l.id);
  ') || { echo "test:v2: cannot list the lessons (node dist/boxlab.mjs list --json)"; exit 1; }
  ids=$(echo $ids)
  echo "test:v2: lessons in the guest: ${ids:-none}"
  # course.test.ts names a lesson's test "the course lesson ID (NEEDS) passes ...": leave
  # out those of the other lessons, keep every other test.
  pattern="^(?!the course lesson (?!(${ids// /|}) \())"
fi

out=$(mktemp /tmp/boxlab-v2.XXXXXX)
trap 'rm -f -- "$out"' EXIT
VITEST=(node_modules/.bin/vitest run --reporter=verbose --no-file-parallelism --testTimeout=120000 --hookTimeout=300000)

# One boot: vitest on FILES in the guest; its output on ours, and summed up in a line.
boot() {
  local what=$1; shift
  local start=$SECONDS rc
  test/vm/run.sh "${VITEST[@]}" "$@" 2>&1 | tee "$out"
  rc=${PIPESTATUS[0]}
  if (( rc == 77 )); then
    skipped "$(grep -o 'SKIPPED (cannot run the cgroup-v2 guest here): .*' "$out" | tail -n1 | cut -d: -f2- | sed 's/^ //')"
  fi
  # vitest's summary, "Tests  1 failed | 34 passed | 12 skipped (47)", as one plain line.
  local summary passed failed skipped
  summary=$(grep -E '^ +Tests +[0-9]' "$out" | tail -n1)
  count() { grep -oE "[0-9]+ $1" <<<"$summary" | cut -d' ' -f1 || true; }
  passed=$(count passed) failed=$(count failed) skipped=$(count skipped)
  echo "cgroup-v2, $what: ${passed:-0} passed, ${failed:-0} failed, ${skipped:-0} skipped; exit status $rc after $((SECONDS - start)) s"
  return "$rc"
}

start=$SECONDS
boot "the cgroup tests and the course" test/cgroups test/course/course.test.ts --testNamePattern "$pattern" "$@"
rc=$?
BOXLAB_VM_WITHHOLD="bridge vxlan nf_tables" boot "the doctor without bridge, vxlan and nf_tables" test/vm/withheld.test.ts "$@"
rc2=$?
(( rc == 0 )) && rc=$rc2
echo "test:v2: exit status $rc after $((SECONDS - start)) s in the cgroup-v2 guest"
exit "$rc"
