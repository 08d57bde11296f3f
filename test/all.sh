#!/usr/bin/env bash
# test/all.sh -- the tests of `npm test`, once it has built and typechecked: vitest on
# this host and, at the same time, the cgroup-v2 guest (test/vm/v2.sh).
#
# The guest changes nothing of the host's kernel state (its kernel is its own, its
# writes go to a tmpfs), so the host's fingerprint checks do not see it; it runs at a
# lower CPU priority (nice) so that the host's tests that measure time (a CPU quota,
# weights, a throttled write) still get the CPU they expect. Its output is kept and
# printed after vitest's, in one piece. Exit status: vitest's, else the guest's.
#
#   bash test/all.sh [VITEST_ARG...]     (npm test -- ARG...: the host's vitest only)
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 1

guest_log=$(mktemp /tmp/boxlab-guest.XXXXXX)
GUEST=''
# Stopping the guest: SIGTERM to its job and everything the job started (run.sh then
# stops qemu), by process id.
descendants() { local c; for c in $(pgrep -P "$1"); do echo "$c"; descendants "$c"; done; }
stop_guest() {
  [[ -n $GUEST ]] || return 0
  kill -TERM "$GUEST" $(descendants "$GUEST") 2>/dev/null
  wait "$GUEST" 2>/dev/null
}
trap 'stop_guest; rm -f -- "$guest_log"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

start=$SECONDS
BOXLAB_V2_BUILT=1 nice -n 10 bash test/vm/v2.sh >"$guest_log" 2>&1 &
GUEST=$!
echo "npm test: the cgroup-v2 guest runs beside vitest (its output follows vitest's)"

node_modules/.bin/vitest run --dir test --no-file-parallelism --testTimeout=30000 --hookTimeout=30000 "$@"
host=$?
echo "npm test: vitest on this host: exit status $host after $((SECONDS - start)) s"

wait "$GUEST"
guest=$?
GUEST=''
echo
echo "---------------------------------------------------------------- the cgroup-v2 guest"
cat "$guest_log"
echo "npm test: host vitest exit status $host; cgroup-v2 guest exit status $guest; $((SECONDS - start)) s in all"
(( host != 0 )) && exit "$host"
exit "$guest"
