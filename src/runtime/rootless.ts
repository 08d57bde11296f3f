// Who a rootless container (`boxlab run --user`, a rootless lesson) runs as.

/** The person behind sudo, or nobody (when root itself asks, or sudo was run by root);
 *  not root: the caller. */
export function rootlessIds(env = process.env): { uid: number; gid: number } {
  if (process.getuid!() !== 0) return { uid: process.getuid!(), gid: process.getgid!() };
  const sudoUid = Number(env.SUDO_UID);
  if (sudoUid > 0) return { uid: sudoUid, gid: Number(env.SUDO_GID ?? sudoUid) };
  return { uid: 65534, gid: 65534 };
}
