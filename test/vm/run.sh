#!/usr/bin/env bash
# test/vm/run.sh -- run one command as root inside a pure cgroup-v2 guest.
#
#   test/vm/run.sh [--] CMD [ARG...]
#
# Boots Debian's own kernel under qemu (software emulation: -accel tcg -cpu max) with
# cgroup_no_v1=all. The guest's userspace is this host's own /, shared read-only over
# 9p with an overlay on tmpfs for writes (all writes are thrown away). In the guest:
# proc, sys, devtmpfs, devpts, a fresh tmpfs on /tmp and /run, cgroup2 on
# /sys/fs/cgroup with every controller enabled in the root's cgroup.subtree_control,
# loopback up, hostname boxlab-vm. CMD runs as root in the repo root (the directory
# two levels above this script), with stdin /dev/null and a clean environment:
# PATH, HOME=/root, USER, LANG, BOXLAB_VM=1, and, when set here: CI, TERM, NO_COLOR,
# FORCE_COLOR, every BOXLAB_* variable other than BOXLAB_VM_*, and the variables
# named in BOXLAB_VM_ENV. CMD's stdout and stderr come back live on this script's
# stdout and stderr (two serial ports; kernel noise goes to a third, the console,
# kept in a log shown only when something goes wrong).
#
# Exit status: CMD's own; 77 when the guest cannot run here (missing packages, no
# kernel to download, qemu cannot boot); 124 when BOXLAB_VM_TIMEOUT ran out (the
# guest is killed); 125 when the rig itself failed; 130/143 on Ctrl-C/SIGTERM.
#
# Settings (environment):
#   BOXLAB_VM_TIMEOUT=600       seconds for boot + CMD; then qemu is killed (exit 124)
#   BOXLAB_VM_BOOT_TIMEOUT=180  seconds for the guest to reach CMD; else exit 77
#   BOXLAB_VM_INSTALL=1         apt-get install missing packages instead of exit 77
#   BOXLAB_VM_CACHE=/var/cache/boxlab/vm   kernel + initramfs cache (reused)
#   BOXLAB_VM_KERNEL=6.1.0-NN-amd64        pin a kernel (default: what
#                               linux-image-amd64 depends on, else newest cached)
#   BOXLAB_VM_MODULES="m1 m2"   more modules to load at boot. The default set: the
#                               rig's own (virtio, 9p, overlay) and what the course
#                               needs (test/vm/course-kernel.mjs: the modules of every
#                               feature a lesson names, src/doctor/kernel-needs.json).
#                               Each comes with its dependencies, in the order of the
#                               kernel package's modules.dep (made with depmod -b).
#                               Nothing else loads: the guest's module autoloading is off
#   BOXLAB_VM_WITHHOLD="m1 m2"  modules NOT to load (nor any module needing them), to
#                               see the course on a kernel without them; in the guest
#                               BOXLAB_VM_WITHHELD names them
#   BOXLAB_VM_APPARMOR=1        boot with AppArmor on (apparmor=1 security=apparmor, as
#                               a lesson's feature with boot parameters also asks);
#                               securityfs is mounted at /sys/kernel/security anyway
#   BOXLAB_VM_SHARE=/tmp/a:/tmp/b  host paths under /tmp (hidden by the guest's fresh
#                               /tmp) to show at the same path: directories writable
#                               (overlay, writes discarded), files read-only. Shared
#                               without asking: the repo if under /tmp, and any CMD
#                               argument naming an existing path under /tmp (also in
#                               --opt=/tmp/... form), e.g. vitest's --dir /tmp/t
#   BOXLAB_VM_ENV="A B"         more variables to pass into the guest
#   BOXLAB_VM_MEM=2048 BOXLAB_VM_SMP=2     guest size
#   BOXLAB_VM_CPU=max           qemu -cpu model (tcg)
#   BOXLAB_VM_9P_CACHE=loose    9p cache mode of the shared /: loose is ~1.5-2x faster
#                               at node startup, but a host file changed during the
#                               run may look stale in the guest; 'none' is coherent
#   BOXLAB_VM_QUIET=1           no status lines on stderr
#   BOXLAB_VM_DEBUG=1           kernel messages and the console live on stderr
#
# Inside the guest: BOXLAB_VM=1, BOXLAB_VM_WITHHELD (the modules left out); the pristine
# host / is also at /run/boxlab-vm/host.

set -euo pipefail
shopt -s nullglob

say() { [[ ${BOXLAB_VM_QUIET:-} == 1 ]] || printf 'boxlab-vm: %s\n' "$*" >&2; }
warn() { printf 'boxlab-vm: %s\n' "$*" >&2; }
skip() { warn "SKIPPED (cannot run the cgroup-v2 guest here): $*"; exit 77; }
die() { warn "ERROR: $*"; exit 125; }

usage() {
  sed -n '2,/^$/{s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}" >&2
  exit "${1:-2}"
}

case ${1-} in
  -h|--help) usage 0 ;;
  --) shift ;;
esac
(( $# > 0 )) || usage 2

SELF_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
PROJECT=$(cd "$SELF_DIR/../.." && pwd -P)
CACHE=${BOXLAB_VM_CACHE:-/var/cache/boxlab/vm}
TIMEOUT=${BOXLAB_VM_TIMEOUT:-600}
BOOT_TIMEOUT=${BOXLAB_VM_BOOT_TIMEOUT:-180}
MEM=${BOXLAB_VM_MEM:-2048}
SMP=${BOXLAB_VM_SMP:-2}
INSTALL_HINT='apt-get install -y qemu-system-x86 busybox-static cpio kmod'
[[ $TIMEOUT =~ ^[0-9]+$ && $BOOT_TIMEOUT =~ ^[0-9]+$ ]] || die "BOXLAB_VM_TIMEOUT and BOXLAB_VM_BOOT_TIMEOUT must be whole seconds"
(( EUID == 0 )) || skip "must run as root (writes $CACHE, serves / to the guest)"
[[ $(uname -m) == x86_64 ]] || skip "needs an x86_64 host (found $(uname -m))"
command -v apt-get >/dev/null && command -v dpkg-deb >/dev/null || skip "needs a Debian host (apt-get, dpkg-deb)"

# ---------------------------------------------------------------- cleanup / signals
T=''          # per-run temp dir (job export, fifos, logs)
BUILD=''      # cache build dir while building
QPID=''       # qemu
READERS=()    # host-side fifo readers
cleanup() {
  local rc=$?
  trap - EXIT INT TERM HUP
  if [[ -n $QPID ]] && kill -0 "$QPID" 2>/dev/null; then
    kill -TERM "$QPID" 2>/dev/null || true
    for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$QPID" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$QPID" 2>/dev/null || true
    wait "$QPID" 2>/dev/null || true
  fi
  local p
  for p in "${READERS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${READERS[@]}"; do wait "$p" 2>/dev/null || true; done
  [[ -n $T ]] && rm -rf -- "$T"
  [[ -n $BUILD ]] && rm -rf -- "$BUILD"
  exit "$rc"
}
on_signal() {
  warn "interrupted by SIG$1: killing the guest"
  case $1 in INT) exit 130 ;; TERM) exit 143 ;; *) exit 129 ;; esac
}
trap cleanup EXIT
trap 'on_signal INT' INT
trap 'on_signal TERM' TERM
trap 'on_signal HUP' HUP

# ---------------------------------------------------------------- packages
APT_UPDATED=''
apt_update() {
  [[ -n $APT_UPDATED ]] && return 0
  say "apt-get update"
  apt-get update -qq >&2 || return 1
  APT_UPDATED=1
}
missing=()
command -v qemu-system-x86_64 >/dev/null || missing+=(qemu-system-x86)
[[ $(dpkg-query -W -f='${db:Status-Abbrev}' busybox-static 2>/dev/null) == ii* && -x /bin/busybox ]] \
  || missing+=(busybox-static)
command -v cpio >/dev/null || missing+=(cpio)
[[ -x /sbin/depmod || -x /usr/sbin/depmod ]] || missing+=(kmod)   # depmod: the modules' order
if (( ${#missing[@]} )); then
  if [[ ${BOXLAB_VM_INSTALL:-} == 1 ]]; then
    say "installing: ${missing[*]}"
    apt_update || die "apt-get update failed"
    log=$(mktemp /tmp/boxlab-vm-apt.XXXXXX)
    if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >"$log" 2>&1; then
      tail -n 30 "$log" >&2; rm -f "$log"
      die "apt-get install ${missing[*]} failed"
    fi
    rm -f "$log"
  else
    skip "missing package(s): ${missing[*]}. Install with: $INSTALL_HINT (or set BOXLAB_VM_INSTALL=1)"
  fi
fi

# ---------------------------------------------------------------- kernel (cached)
mkdir -p "$CACHE"
kernel_from_apt() {
  apt-cache depends linux-image-amd64 2>/dev/null \
    | awk '$1 ~ /Depends:$/ && $2 ~ /^linux-image-[0-9]/ { print $2; exit }'
}
if [[ -n ${BOXLAB_VM_KERNEL:-} ]]; then
  KPKG=linux-image-${BOXLAB_VM_KERNEL#linux-image-}
else
  # apt-cache takes most of a second: remember its answer until the package lists change.
  lists_stamp=$(stat -c %Y /var/lib/apt/lists 2>/dev/null || echo none)
  KPKG=''
  if [[ -r $CACHE/apt-kernel ]]; then
    read -r stamp pkg <"$CACHE/apt-kernel" || true
    [[ ${stamp:-} == "$lists_stamp" ]] && KPKG=${pkg:-}
  fi
  if [[ -z $KPKG ]]; then
    KPKG=$(kernel_from_apt)
    if [[ -z $KPKG && ${BOXLAB_VM_INSTALL:-} == 1 ]]; then
      apt_update && KPKG=$(kernel_from_apt)
      lists_stamp=$(stat -c %Y /var/lib/apt/lists 2>/dev/null || echo none)
    fi
    [[ -n $KPKG ]] && printf '%s %s\n' "$lists_stamp" "$KPKG" >"$CACHE/apt-kernel"
  fi
  if [[ -z $KPKG ]]; then   # no package lists (offline?): newest kernel already cached
    cached=("$CACHE"/linux-image-*/.complete)
    if (( ${#cached[@]} )); then
      KPKG=$(printf '%s\n' "${cached[@]}" | sed 's|/\.complete$||; s|.*/||' | sort -V | tail -n1)
    else
      skip "cannot tell which Debian kernel to use: 'apt-cache depends linux-image-amd64' found none. Run apt-get update (or set BOXLAB_VM_INSTALL=1)"
    fi
  fi
fi
KDIR=$CACHE/$KPKG

exec 9>"$CACHE/.lock"
flock 9   # one builder at a time; held only while the cache is checked or built
rm -rf -- "$CACHE"/.build.*   # left by a builder that was killed: none runs now
if [[ ! -e $KDIR/.complete ]]; then
  say "fetching $KPKG into $CACHE (once)"
  BUILD=$(mktemp -d "$CACHE/.build.XXXXXX")
  dl() { (cd "$BUILD" && apt-get download -q "$KPKG" >"$BUILD/apt.log" 2>&1); }
  if ! dl; then
    # Stale package lists name a kernel the mirror no longer has: update, ask again.
    if [[ ${BOXLAB_VM_INSTALL:-} == 1 ]] && apt_update; then
      if [[ -z ${BOXLAB_VM_KERNEL:-} ]]; then
        new=$(kernel_from_apt)
        if [[ -n $new && $new != "$KPKG" ]]; then
          KPKG=$new; KDIR=$CACHE/$KPKG
          printf '%s %s\n' "$(stat -c %Y /var/lib/apt/lists)" "$KPKG" >"$CACHE/apt-kernel"
          say "the current kernel is $KPKG"
        fi
      fi
      [[ -e $KDIR/.complete ]] || dl || { cat "$BUILD/apt.log" >&2; skip "cannot download $KPKG"; }
    else
      cat "$BUILD/apt.log" >&2 || true
      skip "cannot download $KPKG (run apt-get update, or set BOXLAB_VM_INSTALL=1)"
    fi
  fi
fi
if [[ ! -e $KDIR/.complete ]]; then
  debs=("$BUILD"/*.deb)
  (( ${#debs[@]} == 1 )) || die "apt-get download gave no .deb for $KPKG"
  dpkg-deb -x "${debs[0]}" "$BUILD/x"
  mkdir -p "$BUILD/k"
  vmlinuz=("$BUILD"/x/boot/vmlinuz-*)
  (( ${#vmlinuz[@]} == 1 )) || die "$KPKG has no single boot/vmlinuz-*"
  mv "${vmlinuz[0]}" "$BUILD/k/vmlinuz"
  configs=("$BUILD"/x/boot/config-*)
  (( ${#configs[@]} == 1 )) && mv "${configs[0]}" "$BUILD/k/config"
  # With CONFIG_PVH, qemu can start the uncompressed ELF vmlinux directly: under tcg
  # that skips ~3 s of the bzImage unpacking itself. Fall back to vmlinuz otherwise.
  if [[ -r $BUILD/k/config ]] && grep -qx 'CONFIG_PVH=y' "$BUILD/k/config"; then
    case $(grep -o '^CONFIG_KERNEL_\(XZ\|GZIP\|ZSTD\)=y' "$BUILD/k/config") in
      CONFIG_KERNEL_XZ=y) magic='\xFD7zXZ\x00'; unz=(xz -dc --single-stream) ;;
      CONFIG_KERNEL_GZIP=y) magic='\x1F\x8B\x08'; unz=(gzip -dc) ;;
      CONFIG_KERNEL_ZSTD=y) magic='\x28\xB5\x2F\xFD'; unz=(zstd -qdc) ;;
      *) magic='' ;;
    esac
    if [[ -n $magic ]]; then
      off=$(LC_ALL=C grep -obUaP "$magic" "$BUILD/k/vmlinuz" | head -n1 | cut -d: -f1 || true)
      if [[ -n $off ]]; then
        "${unz[@]}" < <(tail -c "+$((off + 1))" "$BUILD/k/vmlinuz") >"$BUILD/k/vmlinux" 2>/dev/null || true
        [[ $(head -c4 "$BUILD/k/vmlinux" | od -An -c | tr -d ' ') == 177ELF ]] || rm -f "$BUILD/k/vmlinux"
      fi
    fi
  fi
  mods=("$BUILD"/x/lib/modules/* "$BUILD"/x/usr/lib/modules/*)
  (( ${#mods[@]} == 1 )) || die "$KPKG has no single lib/modules/VERSION"
  basename "${mods[0]}" >"$BUILD/k/kver"
  mkdir -p "$BUILD/k/modules"
  mv "${mods[0]}" "$BUILD/k/modules/"
  rm -rf -- "$KDIR"
  mv "$BUILD/k" "$KDIR"
  touch "$KDIR/.complete"
  rm -rf -- "$BUILD"; BUILD=''
fi
KVER=$(<"$KDIR/kver")
KERNEL=$KDIR/vmlinuz
[[ -r $KDIR/vmlinux ]] && KERNEL=$KDIR/vmlinux
MODROOT=$KDIR/modules/$KVER

# ---------------------------------------------------------------- initramfs (cached)
# Stage 1 (/init in the initramfs, busybox sh): load modules, mount the host's / (9p,
# read-only) under an overlay on tmpfs, move /dev /proc /sys into it, switch_root (a
# real root, not a chroot, so user namespaces and pivot_root work) into stage 2.
read -r -d '' STAGE1 <<'EOF' || true
#!/bin/sh
export PATH=/bin
/bin/busybox --install -s /bin
mount -t devtmpfs dev /dev
exec </dev/console >/dev/console 2>&1
mount -t proc proc /proc
mount -t sysfs sys /sys
fail() {
  echo "boxlab-vm stage1: FAILED: $*"
  sleep 1; reboot -f
}
# Some modules are alternatives (crc32c_intel or crc32c_generic, a soft dependency of
# libcrc32c): one that does not fit this CPU may fail, as long as each module asked
# for is loaded in the end.
while read -r m; do insmod "/lib/modules/$m.ko" 2>/dev/null || echo "boxlab-vm stage1: insmod $m failed"; done </lib/modules/order
while read -r m; do [ -d "/sys/module/$m" ] || fail "module $m did not load"; done </lib/modules/wanted
o=trans=virtio,version=9p2000.L,msize=512000
mkdir -p /host /rw /newroot
mount -t 9p -o "$o,ro,cache=${boxlab_9p_cache:-loose}" hostroot /host || fail "mount 9p hostroot"
mount -t tmpfs -o mode=0755 rw /rw
mkdir /rw/upper /rw/work
mount -t overlay -o lowerdir=/host,upperdir=/rw/upper,workdir=/rw/work overlay /newroot \
  || fail "mount overlay root"
mount -t tmpfs -o mode=0755,nosuid,nodev run /newroot/run
R=/newroot/run/boxlab-vm
mkdir -p $R/job $R/host
mount -t 9p -o "$o" job $R/job || fail "mount 9p job"
mount --move /host $R/host
cp /bin/busybox /stage2 $R/
for d in dev proc sys; do mount --move /$d /newroot/$d; done
exec switch_root /newroot /run/boxlab-vm/busybox sh /run/boxlab-vm/stage2
EOF

# Stage 2 (PID 1 in the host's userspace): the rest of the mounts, cgroup2 with every
# controller, then CMD (job.sh, written by this script) with stdout/stderr on
# ttyS1/ttyS2 through fifos (CMD sees pipes, as under CI, not a tty).
read -r -d '' STAGE2 <<'EOF' || true
B=/run/boxlab-vm/busybox
R=/run/boxlab-vm
J=$R/job
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
fail() {
  echo "boxlab-vm stage2: FAILED: $*"
  echo "stage2: $*" >$J/failed
  $B sync; $B sleep 1; $B reboot -f
}
$B mkdir -p /dev/pts /dev/shm /dev/mqueue
$B mount -t devpts -o gid=5,mode=620,ptmxmode=666 devpts /dev/pts || fail "mount devpts"
$B mount -t tmpfs -o mode=1777,nosuid,nodev shm /dev/shm
$B mount -t mqueue mqueue /dev/mqueue 2>/dev/null
$B ln -sfn /proc/self/fd /dev/fd
$B ln -sfn /proc/self/fd/0 /dev/stdin
$B ln -sfn /proc/self/fd/1 /dev/stdout
$B ln -sfn /proc/self/fd/2 /dev/stderr
$B mount -t tmpfs -o mode=1777,nosuid,nodev tmp /tmp || fail "mount /tmp"
$B mount -t cgroup2 none /sys/fs/cgroup || fail "mount cgroup2"
$B mount -t securityfs securityfs /sys/kernel/security 2>/dev/null
# The kernel loads a module it lacks by running kernel.modprobe; point that nowhere, so
# the guest has exactly the modules stage 1 loaded (the host's /lib/modules is of
# another kernel, or, worse, of this one) and a withheld module stays missing.
echo /run/boxlab-vm/no-modprobe >/proc/sys/kernel/modprobe || fail "cannot turn off module autoloading"
for c in $($B cat /sys/fs/cgroup/cgroup.controllers); do
  echo "+$c" >/sys/fs/cgroup/cgroup.subtree_control || fail "cannot enable +$c in the root cgroup"
done
$B hostname boxlab-vm
$B ip link set lo up 2>/dev/null
n=0
while IFS=' ' read -r kind p; do
  [ -n "$p" ] || continue
  if [ "$kind" = d ]; then
    n=$((n+1)); $B mkdir -p "$R/share/$n/u" "$R/share/$n/w" "$p"
    $B mount -t overlay -o "lowerdir=$R/host$p,upperdir=$R/share/$n/u,workdir=$R/share/$n/w" overlay "$p" \
      || fail "cannot share $p"
  else
    $B mkdir -p "${p%/*}" && : >>"$p" && $B mount --bind "$R/host$p" "$p" || fail "cannot share $p"
  fi
done <$J/shares
$B stty -F /dev/ttyS1 raw -echo || fail "no ttyS1"
$B stty -F /dev/ttyS2 raw -echo || fail "no ttyS2"
$B mkfifo $R/out $R/err
$B cat $R/out >/dev/ttyS1 & op=$!
$B cat $R/err >/dev/ttyS2 & ep=$!
echo "BOXLAB-VM-BEGIN"
: >$J/booted
$B env -i /bin/bash --noprofile --norc $J/job.sh </dev/null >$R/out 2>$R/err
rc=$?
# Wait for the output to drain; a daemon left holding stdout open gets 5 s.
( $B sleep 5; kill $op $ep 2>/dev/null ) & kp=$!
wait $op $ep
kill $kp 2>/dev/null
echo "$rc" >$J/rc.tmp && $B mv $J/rc.tmp $J/rc
echo "BOXLAB-VM-END rc=$rc"
$B sync
$B reboot -f
EOF

# modules.dep: which modules each module needs. Debian's package ships none (its
# postinst runs depmod), so it is made here once, from the modules themselves. kmod's
# tools want BASE/lib/modules/VERSION: $KDIR/base is that, a link to the modules.
KMOD_BASE=$KDIR/base
if [[ ! -s $MODROOT/modules.dep || ! -e $KMOD_BASE/lib/modules/$KVER ]]; then
  say "depmod: the modules' dependencies (once)"
  mkdir -p "$KMOD_BASE/lib/modules"
  ln -sfn "$MODROOT" "$KMOD_BASE/lib/modules/$KVER"
  log=$(mktemp /tmp/boxlab-vm-depmod.XXXXXX)
  PATH=$PATH:/usr/sbin:/sbin depmod -b "$KMOD_BASE" "$KVER" >"$log" 2>&1 \
    || { cat "$log" >&2; rm -f "$log"; die "depmod -b failed for $KVER"; }
  rm -f "$log"
  [[ -s $MODROOT/modules.dep ]] || die "depmod -b made no modules.dep for $KVER"
fi

# The modules to load: the rig's own, what the course needs, and BOXLAB_VM_MODULES; less
# what BOXLAB_VM_WITHHOLD keeps out. The kernel's boot parameters the course needs too.
node=$(command -v node) || die "node is needed to read what the lessons need (test/vm/course-kernel.mjs)"
course=$("$node" "$SELF_DIR/course-kernel.mjs") || die "cannot tell what the course needs of the kernel (test/vm/course-kernel.mjs)"
read -r -a COURSE_MODULES <<<"$(sed -n 's/^modules//p' <<<"$course")"
read -r -a BOOT_PARAMS <<<"$(sed -n 's/^boot//p' <<<"$course")"
[[ ${BOXLAB_VM_APPARMOR:-} == 1 ]] && BOOT_PARAMS+=(apparmor=1 security=apparmor)
RIG_MODULES=(virtio_pci 9pnet_virtio 9p overlay)
WANT=("${RIG_MODULES[@]}" "${COURSE_MODULES[@]}" ${BOXLAB_VM_MODULES:-})
declare -A HOLD=()
for m in ${BOXLAB_VM_WITHHOLD:-}; do HOLD[${m//-/_}]=1; done
WITHHELD=$(printf '%s\n' "${!HOLD[@]}" | LC_ALL=C sort | xargs)

ko_cat() {
  case $1 in
    *.ko.xz) xz -dc -- "$1" ;;
    *.ko.zst) zstd -qdc -- "$1" ;;
    *.ko.gz) gzip -dc -- "$1" ;;
    *) cat -- "$1" ;;
  esac
}
# The load order: modprobe --show-depends reads modules.dep (and the soft dependencies
# and aliases depmod wrote beside it; never the host's /etc/modprobe.d) and prints
# what it would insmod, each module after those it needs. A wanted module that is
# withheld, or needs a withheld one, is left out with all it would bring.
declare -A LOADED=()
ORDER=() LEFT_OUT=()
order_modules() {
  local m deps line path name held names paths i
  for m in "${WANT[@]}"; do
    m=${m//-/_}
    deps=$(PATH=$PATH:/usr/sbin:/sbin modprobe -C /dev/null -d "$KMOD_BASE" -S "$KVER" --show-depends "$m" 2>&1) \
      || die "module $m is neither in $KPKG nor built in (modprobe: ${deps##*: })"
    held='' names=() paths=()
    [[ -n ${HOLD[$m]:-} ]] && held=$m
    while read -r line; do
      [[ $line == builtin\ * && -n ${HOLD[${line#builtin }]:-} ]] && die "BOXLAB_VM_WITHHOLD: ${line#builtin } is built into $KPKG, it cannot be left out"
      [[ $line == insmod\ * ]] || continue
      path=${line#insmod }; path=${path%% *}; name=${path##*/}; name=${name%%.ko*}; name=${name//-/_}
      [[ -n ${HOLD[$name]:-} ]] && held=$name
      names+=("$name") paths+=("$path")
    done <<<"$deps"
    if [[ -n $held ]]; then LEFT_OUT+=("$m"); continue; fi
    for i in "${!names[@]}"; do
      [[ -n ${LOADED[${names[$i]}]:-} ]] && continue
      LOADED[${names[$i]}]=${paths[$i]}
      ORDER+=("${names[$i]}")
    done
  done
}

KEY=$( { printf '%s\n' "$STAGE1" "$STAGE2" "${WANT[@]}" "withhold: $WITHHELD"; sha256sum </bin/busybox; } | sha256sum | cut -c1-16)
INITRD=$KDIR/initramfs-$KEY.cpio.gz
if [[ ! -e $INITRD ]]; then
  for m in "${RIG_MODULES[@]}"; do [[ -z ${HOLD[$m]:-} ]] || die "BOXLAB_VM_WITHHOLD: the guest itself needs $m"; done
  order_modules
  say "building initramfs (modules: ${ORDER[*]})"
  (( ${#LEFT_OUT[@]} )) && say "withheld: $WITHHELD; so not loaded: ${LEFT_OUT[*]}"
  BUILD=$(mktemp -d "$CACHE/.build.XXXXXX")
  R=$BUILD/root
  mkdir -p "$R"/{bin,dev,proc,sys,lib/modules}
  cp /bin/busybox "$R/bin/busybox"
  ln -s busybox "$R/bin/sh"
  mknod -m 600 "$R/dev/console" c 5 1
  for m in "${ORDER[@]}"; do
    ko_cat "${LOADED[$m]}" >"$R/lib/modules/$m.ko"
    echo "$m" >>"$R/lib/modules/order"
  done
  for m in "${WANT[@]}"; do
    m=${m//-/_}
    if [[ -n ${LOADED[$m]:-} && ! " ${LEFT_OUT[*]} " =~ " $m " ]]; then echo "$m"; fi
  done | LC_ALL=C sort -u >"$R/lib/modules/wanted"
  printf '%s\n' "$STAGE1" >"$R/init"
  printf '%s\n' "$STAGE2" >"$R/stage2"
  chmod 755 "$R/init"
  (cd "$R" && find . -print0 | LC_ALL=C sort -z | cpio --null -o -H newc --quiet -R 0:0) | gzip -1 >"$BUILD/initrd"
  mv "$BUILD/initrd" "$INITRD"
  rm -rf -- "$BUILD"; BUILD=''
fi
flock -u 9
exec 9>&-

# ---------------------------------------------------------------- the job
T=$(mktemp -d /tmp/boxlab-vm.XXXXXX)
mkdir "$T/job"
{
  echo '# written by test/vm/run.sh'
  q() { printf 'export %s=%q\n' "$1" "$2"; }
  q PATH /usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
  q HOME /root; q USER root; q LOGNAME root; q SHELL /bin/bash; q LANG C.UTF-8
  q BOXLAB_VM 1
  q BOXLAB_VM_WITHHELD "$WITHHELD"
  pass=(CI TERM NO_COLOR FORCE_COLOR ${BOXLAB_VM_ENV:-})
  while IFS= read -r v; do [[ $v == BOXLAB_VM* ]] || pass+=("$v"); done < <(compgen -e | grep '^BOXLAB_' || true)
  for v in "${pass[@]}"; do
    [[ $v =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] || die "BOXLAB_VM_ENV: bad variable name '$v'"
    [[ -n ${!v+x} ]] && q "$v" "${!v}"
  done
  echo 'umask 022'
  printf 'cd -- %q || exit 125\n' "$PROJECT"
  printf 'exec'; printf ' %q' "$@"; printf '\n'
} >"$T/job/job.sh"
# Host paths to show in the guest although its fresh /tmp hides them: the repo if it
# lives under /tmp, BOXLAB_VM_SHARE, and every argument of CMD naming an existing path
# under /tmp (also as --opt=/tmp/...). Directories get an overlay (writable, writes
# discarded), files a read-only bind mount.
{
  cands=("$PROJECT")
  IFS=: read -r -a extra <<<"${BOXLAB_VM_SHARE:-}"
  for p in "${extra[@]}"; do
    [[ -z $p ]] && continue
    [[ -e $p ]] || die "BOXLAB_VM_SHARE: $p does not exist"
    cands+=("$p")
  done
  for a in "$@"; do
    [[ $a == --*=/tmp/* ]] && a=${a#*=}
    [[ $a == /tmp/?* && -e $a ]] && cands+=("$a")
  done
  for p in "${cands[@]}"; do
    p=$(realpath -e -- "$p") || continue
    [[ $p == /tmp/?* ]] || continue   # elsewhere the guest sees the host's / anyway
    [[ $p == *[,:]* || $p == *$'\n'* ]] && die "cannot share a path with ',', ':' or a newline in it: $p"
    printf '%s\n' "$p"
  done | LC_ALL=C sort -u | {
    kept=()
    while IFS= read -r p; do
      for k in "${kept[@]}"; do [[ $p == "$k"/* ]] && continue 2; done
      if [[ -d $p ]]; then kept+=("$p"); echo "d $p"; else echo "f $p"; fi
    done
  }
} >"$T/job/shares"

mkfifo "$T/out" "$T/err"
cat "$T/out" & READERS+=($!)
cat "$T/err" >&2 & READERS+=($!)
CONSOLE=file:$T/console.log
CMDLINE="console=ttyS0 cgroup_no_v1=all panic=-1 edd=off mitigations=off 8250.nr_uarts=4"
CMDLINE+=" boxlab_9p_cache=${BOXLAB_VM_9P_CACHE:-loose}"   # reaches stage 1 as a variable
(( ${#BOOT_PARAMS[@]} )) && CMDLINE+=" ${BOOT_PARAMS[*]}"
if [[ ${BOXLAB_VM_DEBUG:-} == 1 ]]; then
  mkfifo "$T/con"
  tee "$T/console.log" <"$T/con" >&2 & READERS+=($!)
  CONSOLE=file:$T/con
else
  CMDLINE+=" quiet loglevel=0"
fi

QEMU=(qemu-system-x86_64 -nodefaults -no-user-config -name boxlab-vm
  -machine pc -accel tcg -cpu "${BOXLAB_VM_CPU:-max}" -smp "$SMP" -m "$MEM"
  -display none -no-reboot -nic none
  -kernel "$KERNEL" -initrd "$INITRD" -append "$CMDLINE"
  -serial "$CONSOLE" -serial "file:$T/out" -serial "file:$T/err"
  -virtfs "local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap"
  -virtfs "local,path=$T/job,mount_tag=job,security_model=none,multidevs=remap")

say "booting linux $KVER (tcg, ${SMP} cpus, ${MEM} MiB) for: $*"
START=$SECONDS
T0=$EPOCHREALTIME
since() { local us=$(( ${EPOCHREALTIME//[.,]/} - ${T0//[.,]/} )); printf '%d.%d' $((us / 1000000)) $((us % 1000000 / 100000)); }
"${QEMU[@]}" </dev/null >"$T/qemu.log" 2>&1 & QPID=$!

booted='' timedout='' bootfailed=''
while kill -0 "$QPID" 2>/dev/null; do
  if [[ -z $booted && -e $T/job/booted ]]; then
    booted=1
    say "guest up after $(since) s; running the command"
  fi
  if (( SECONDS - START >= TIMEOUT )); then timedout=1; break; fi
  if [[ -z $booted ]] && (( SECONDS - START >= BOOT_TIMEOUT )); then bootfailed=1; break; fi
  sleep 0.2
done
if [[ -n $timedout || -n $bootfailed ]]; then
  kill -TERM "$QPID" 2>/dev/null || true
  sleep 1; kill -KILL "$QPID" 2>/dev/null || true
fi
qrc=0; wait "$QPID" || qrc=$?
QPID=''
# Readers still blocked opening their fifo (qemu died before opening it) get a writer
# that closes at once, so they end; an O_RDWR open of a fifo never blocks.
for f in "$T/out" "$T/err" "$T/con"; do
  [[ -p $f ]] && { exec {fd}<>"$f"; exec {fd}>&-; }
done
for p in "${READERS[@]}"; do wait "$p" 2>/dev/null || true; done
READERS=()
[[ -z $booted && -e $T/job/booted ]] && booted=1
ELAPSED=$(since)

show_logs() {
  if [[ -s $T/qemu.log ]]; then warn "--- qemu said:"; tail -n 20 "$T/qemu.log" >&2; fi
  if [[ -s $T/console.log ]]; then warn "--- guest console (last 30 lines):"; tail -n 30 "$T/console.log" | tr -d '\r' >&2; fi
  warn "--- (rerun with BOXLAB_VM_DEBUG=1 to see the kernel's messages live)"
}
if [[ -n $timedout ]]; then
  show_logs
  warn "TIMEOUT: the guest was still running after ${TIMEOUT} s (BOXLAB_VM_TIMEOUT) and was killed"
  exit 124
fi
if [[ -e $T/job/rc ]]; then
  rc=$(<"$T/job/rc")
  say "command exited $rc; guest ran ${ELAPSED} s"
  exit "$rc"
fi
if [[ -e $T/job/failed ]]; then
  show_logs
  die "the guest's setup failed: $(<"$T/job/failed")"
fi
if [[ -z $booted ]]; then
  show_logs
  if [[ -n $bootfailed ]]; then
    skip "qemu did not boot the guest within ${BOOT_TIMEOUT} s (BOXLAB_VM_BOOT_TIMEOUT)"
  fi
  skip "qemu could not boot the guest (qemu exit status $qrc)"
fi
show_logs
die "the guest stopped without reporting the command's exit status (crash or kernel panic?)"
