#!/usr/bin/env bash
# test/vm/selftest.sh -- checks that test/vm/run.sh boots a pure cgroup-v2 guest and
# that what runs inside behaves: exit status, stdout/stderr, node, vitest, namespaces,
# the timeout. Exit 77 when the guest cannot run here (as run.sh says), else the
# number of failed checks (0 = all passed). Takes about a minute (software emulation).
set -uo pipefail
RUN=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)/run.sh
ROOT=$(cd "$(dirname "$RUN")/../.." && pwd -P)
TMP=$(mktemp -d /tmp/boxlab-vm-selftest.XXXXXX)
trap 'rm -rf -- "$TMP"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); printf 'ok   %s\n' "$1"; }
bad() { fail=$((fail + 1)); printf 'FAIL %s\n' "$1"; [[ -z ${2:-} ]] || printf '%s\n' "$2" | sed 's/^/     /'; }
vm() { BOXLAB_VM_QUIET=1 "$RUN" "$@" >"$TMP/out" 2>"$TMP/err"; }

# 1. pure cgroup v2, every controller, the exit status comes back
s=$EPOCHREALTIME
vm sh -c 'cat /sys/fs/cgroup/cgroup.controllers; stat -fc %T /sys/fs/cgroup; cat /sys/fs/cgroup/cgroup.subtree_control; exit 3'
rc=$?
if (( rc == 77 )); then cat "$TMP/err" >&2; echo "selftest: skipped (the guest cannot run here)"; exit 77; fi
printf 'info one boot + command: %.1f s\n' "$(bc <<<"$EPOCHREALTIME - $s")"
want='cpuset cpu io memory hugetlb pids rdma misc'
[[ $rc == 3 ]] && ok "exit status 3 comes back" || bad "exit status 3 comes back (got $rc)" "$(cat "$TMP/err")"
mapfile -t L <"$TMP/out"
[[ ${L[0]-} == "$want" ]] && ok "cgroup.controllers: $want" || bad "cgroup.controllers" "$(cat "$TMP/out")"
[[ ${L[1]-} == cgroup2fs ]] && ok "/sys/fs/cgroup is cgroup2fs" || bad "/sys/fs/cgroup is cgroup2fs" "${L[1]-}"
[[ ${L[2]-} == "$want" ]] && ok "every controller enabled in the root's subtree_control" || bad "subtree_control" "${L[2]-}"

# 2. stdout and stderr apart, env, cwd, node, user namespaces, overlay in /tmp, cgroups
vm bash -c '
  echo "to-stdout"; echo "to-stderr" >&2
  echo "cwd=$PWD vm=$BOXLAB_VM home=$HOME ci=${CI-unset}"
  node -e "console.log(\"node=\" + process.version)"
  unshare --user --map-root-user --pid --fork --mount-proc --uts --net --mount sh -c "hostname in; echo userns=\$(id -u)/\$\$/\$(hostname)"
  mkdir -p /tmp/o/l /tmp/o/u /tmp/o/w /tmp/o/m && echo x >/tmp/o/l/f &&
    mount -t overlay -o lowerdir=/tmp/o/l,upperdir=/tmp/o/u,workdir=/tmp/o/w o /tmp/o/m && echo overlay=$(cat /tmp/o/m/f)
  mkdir /sys/fs/cgroup/st && echo 3 >/sys/fs/cgroup/st/pids.max &&
    sh -c "echo \$\$ >/sys/fs/cgroup/st/cgroup.procs; for i in 1 2 3 4; do sleep 1 & done 2>/dev/null; wait" ;
    echo pids-max-events=$(grep max /sys/fs/cgroup/st/pids.events)
'
out=$(cat "$TMP/out") err=$(cat "$TMP/err")
grep -qx to-stdout <<<"$out" && ! grep -q to-stderr <<<"$out" && grep -qx to-stderr <<<"$err" \
  && ok "stdout and stderr come back apart" || bad "stdout and stderr come back apart" "$out"$'\n'"$err"
grep -qx "cwd=$ROOT vm=1 home=/root ci=${CI-unset}" <<<"$out" && ok "cwd is the repo, BOXLAB_VM=1, HOME, CI" \
  || bad "cwd/env" "$out"
grep -q '^node=v20\.' <<<"$out" && ok "the host's node runs: $(grep '^node=' <<<"$out")" || bad "node v20" "$out"
grep -qx 'userns=0/1/in' <<<"$out" && ok "user, pid, uts, net, mount namespaces" || bad "namespaces" "$out"$'\n'"$err"
grep -qx 'overlay=x' <<<"$out" && ok "overlayfs mounts in the guest's /tmp" || bad "overlay in /tmp" "$out"$'\n'"$err"
grep -qx 'pids-max-events=max [1-9]*' <<<"$out" && ok "a child cgroup's pids.max holds" || bad "pids.max" "$out"

# 3. vitest runs inside, on a test file outside the repo (shared because it is an argument)
mkdir "$TMP/t"
cat >"$TMP/t/vm.test.ts" <<'TS'
import { expect, it } from 'vitest';
import { readFileSync, statfsSync } from 'node:fs';
it('runs in the cgroup-v2 guest', () => {
  expect(process.env.BOXLAB_VM).toBe('1');
  expect(statfsSync('/sys/fs/cgroup').type).toBe(0x63677270);
  expect(readFileSync('/sys/fs/cgroup/cgroup.controllers', 'utf8')).toContain('memory');
});
TS
s=$EPOCHREALTIME
vm node_modules/.bin/vitest run --root "$ROOT" --dir "$TMP/t"
rc=$?
t=$(bc <<<"$EPOCHREALTIME - $s")
[[ $rc == 0 ]] && grep -q 'Tests  1 passed' "$TMP/out" && ok "vitest runs a test file inside ($(printf '%.1f' "$t") s in all)" \
  || bad "vitest inside (rc $rc)" "$(tail -n 20 "$TMP/out" "$TMP/err")"

# 4. the course's modules are loaded (bridge, vxlan, NAT) and nothing loads by itself;
#    a withheld module is missing, its neighbours are not; AppArmor on request
vm sh -c 'ip link add bl-b type bridge && ip link add bl-x type vxlan id 4 dstport 4789 && echo links=ok
  unshare -n nft "add table ip t; add chain ip t p { type nat hook postrouting priority 100; }; add rule ip t p masquerade" && echo nat=ok
  echo modprobe=$(cat /proc/sys/kernel/modprobe)'
grep -qx 'links=ok' "$TMP/out" && grep -qx 'nat=ok' "$TMP/out" && ok "the course's modules are loaded: a bridge, a VXLAN link, a NAT rule" \
  || bad "the course's modules" "$(cat "$TMP/out" "$TMP/err")"
grep -qx 'modprobe=/run/boxlab-vm/no-modprobe' "$TMP/out" && ok "module autoloading is off" || bad "autoloading off" "$(cat "$TMP/out")"
BOXLAB_VM_WITHHOLD=bridge vm sh -c 'echo "withheld=$BOXLAB_VM_WITHHELD"; ip link add bl-b type bridge; ip link add bl-v type veth peer name bl-w && echo veth=ok'
grep -qx 'withheld=bridge' "$TMP/out" && grep -q 'Unknown device type' "$TMP/err" && grep -qx 'veth=ok' "$TMP/out" \
  && ok "BOXLAB_VM_WITHHOLD=bridge: no bridges (Unknown device type), veth still there" || bad "withhold bridge" "$(cat "$TMP/out" "$TMP/err")"
BOXLAB_VM_APPARMOR=1 vm sh -c 'cat /proc/cmdline; cat /sys/kernel/security/lsm; echo; ls -d /sys/kernel/security/apparmor'
grep -q 'apparmor=1 security=apparmor' "$TMP/out" && grep -q '^/sys/kernel/security/apparmor$' "$TMP/out" && grep -q 'apparmor' <(sed -n 2p "$TMP/out") \
  && ok "BOXLAB_VM_APPARMOR=1: AppArmor is on, securityfs mounted" || bad "AppArmor" "$(cat "$TMP/out" "$TMP/err")"

# 5. a hanging guest is killed by the timeout, and said so
BOXLAB_VM_TIMEOUT=25 "$RUN" sh -c 'sleep 1000' >"$TMP/out" 2>"$TMP/err"
rc=$?
[[ $rc == 124 ]] && grep -q TIMEOUT "$TMP/err" && ok "a hang is killed after BOXLAB_VM_TIMEOUT (exit 124)" \
  || bad "timeout (rc $rc)" "$(cat "$TMP/err")"
# Left behind = a boxlab qemu whose run's temp dir is gone (run.sh removes it on exit);
# qemus of other runs going on at the same time still have theirs.
orphans=''
for pid in $(pgrep -f 'qemu-system-x86_64 .*-name boxlab-vm' || true); do
  dir=$(tr '\0' '\n' <"/proc/$pid/cmdline" 2>/dev/null | sed -n 's|^file:\(/tmp/boxlab-vm\.[^/]*\)/out$|\1|p')
  [[ -n $dir && ! -d $dir ]] && orphans+=" $pid"
done
[[ -z $orphans ]] && ok "no qemu left behind" || bad "no qemu left behind:$orphans"

echo "$pass passed, $fail failed"
exit "$fail"
