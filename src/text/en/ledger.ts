// Every word the host-safety code (src/ledger) says: what the ledgers list, why a place
// is not trusted and how to make it so, and why the lab refuses to remove or write
// something a ledger names.

export const ledger = {
  /** An entry of a ledger, as `boxlab cleanup` lists it. */
  entry: {
    dir: (path: string, user?: number) => `directory ${path}${user ? ` (uid ${user}'s inside)` : ''}`,
    process: (pid: number) => `process ${pid}`,
    mount: (path: string) => `mount ${path}`,
    cgroup: (path: string) => `cgroup ${path}`,
    loop: (file: string) => `loop device of ${file}`,
    link: (name: string, netns?: string) => `link ${name}${netns ? ` in netns ${netns}` : ''}`,
    netns: (name: string) => `network namespace ${name}`,
    sysctl: (path: string, restore: string) => `sysctl ${path} (restore to ${restore})`,
    netShare: (holder: string) => `a share of the host's bridge network (bl0, ip_forward, an address) held by ${holder}`,
    oci: (name: string, root: string) => `container ${name} of boxcore (${root})`,
    ociRoot: (path: string) => `OCI state root ${path} and every container in it`,
    nat: (table: string, tool?: string, netns?: string) => `NAT table ${table}${tool ? ` (${tool})` : ''}${netns ? ` in netns ${netns}` : ''}`,
  },

  /** Why a place is not trusted (trust.ts). */
  distrust: {
    missing: (path: string) => `${path} does not exist`,
    link: (path: string) => `${path} is a symbolic link`,
    notDir: (path: string) => `${path} is not a directory`,
    notFile: (path: string) => `${path} is not a regular file`,
    notPlain: (path: string) => `${path} is not a plain absolute path (no ., .., // or trailing /)`,
    owner: (path: string, uid: number, me: number) => `${path} belongs to uid ${uid}, not to you (uid ${me})${me === 0 ? '' : ' or root'}`,
    writable: (path: string, mode: string, othersWrite: boolean) => `${path} has mode ${mode}: ${othersWrite ? 'others can write it' : 'others can read it'}`,
  },
  /** How to make it trusted again. */
  trustFix: {
    owner: (path: string) => `remove it if a stranger made it (sudo rm -rf ${path}), or choose a directory of your own`,
    othersWrite: (path: string) => `chmod go-w ${path}`,
    othersRead: (path: string) => `chmod 700 ${path}`,
    link: (path: string) => `name the real path (realpath ${path})`,
    other: 'choose a directory of your own',
  },
  stateRoot: (root: string, why: string, fix: string) =>
    `will not keep ledgers (the lists of what to remove after a crash) in ${root}: ${why}, ` +
    `so another user could forge what boxlab removes. ${fix}; or set BOXLAB_STATE_DIR to a directory of yours with mode 0700.`,
  ledgerWrite: (file: string, code: string, message: string) =>
    `cannot write the ledger ${file}: ${code === 'ENOSPC' ? 'no space left on device' : message}. boxlab writes down what it makes before making it, so nothing was made. ` +
    'Free space there, or set BOXLAB_STATE_DIR to a directory on another filesystem.',
  ledgerFile: (file: string, why: string) => `left alone: the ledger ${file}, since ${why}; remove it by hand if you know it`,
  ledgerTooBig: (file: string, max: number) => `left alone: the ledger ${file} is larger than ${max >> 20} MiB, which no boxlab writes; remove it by hand if you know it`,
  rootfsPlace: (dir: string, why: string) =>
    `boxlab will not build a rootfs in ${dir}: ${why}, and root builds only where no one else can write. ` +
    'Build it in a directory owned by root (the default is /var/cache/boxlab/rootfs), or run boxlab rootfs as the user who owns the directory.',
  lessonsUntrusted: (root: string, asRoot: boolean) =>
    `the lessons in ${root} are not the built-in course, and a lesson runs its commands ${asRoot ? 'as root' : 'as you'}. ` +
    `If you trust them, say so: --trust ${root}`,
  lessonsDistrusted: (root: string, why: string, fix: string) =>
    `the lessons in ${root} are not safe to run: ${why}, so someone other than you or root could change what they run. ` +
    `Lesson files, their directories and the directories above must be owned by you or root and writable by no one else: ${fix}.`,
  lessonsFix: {
    writable: (path: string) => `chmod go-w ${path}`,
    owner: (who: string, path: string) => `chown ${who} ${path}, or copy the lessons somewhere of yours`,
    other: 'copy them somewhere of yours',
  },

  // refusals (resources.ts)
  refuseRemove: (what: string, why: string) => `refusing to remove ${what}: ${why}`,
  notPlainPath: 'not a plain absolute path (no ., .., // or trailing /)',
  notPlainPathShort: 'not a plain absolute path',
  outsideBase: (base: string) => `outside ${base}, where the lab keeps what it makes`,
  notBlPath: 'not a bl- path the lab made',
  notUid: (user: string) => `not a uid: ${user}`,
  rootfsOutside: (path: string) => `a rootfs build outside the state root, in a directory that is not root's or yours alone (${path})`,
  notBlName: (what: string, name: string) => `refusing to remove ${what} ${name}: not a bl- name the lab gives`,
  notNetSysctl: (value: string, path: string) => `refusing to write ${value} to ${path}: the lab restores only network sysctls under /proc/sys/net`,
  notKillable: (pid: number) => `refusing to kill pid ${pid}`,
  startedBefore: (pid: number) => `refusing to kill pid ${pid}: it started before the boxlab whose ledger names it`,
  badHolder: (holder: string) => `refusing a bridge holder named ${holder}: not PID-START-N`,
  ociRootNotOurs: (path: string) => `its state root is not root's or yours alone (${path})`,
  unknownKind: (kind: string) => `refusing an entry of unknown kind ${kind}`,

  /** What an unwind could not remove, each with its reason. */
  leftBehind: (reasons: string[]) => `could not remove what it made: ${reasons.join('; ')} (it stays in the ledger: boxlab cleanup tries again)`,

  // the host's shared bridge network (host-net.ts)
  lockTimeout: (lock: string, seconds: number) => `could not take the lock ${lock} within ${seconds} s: another boxlab holds it (flock(1) is in util-linux)`,
  lockReplaced: (lock: string) => `the lock ${lock} keeps being replaced: is another program removing it?`,
};
