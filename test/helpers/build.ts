// What the builder's tests share: a base image made of a static busybox and two users,
// built by boxlab itself (no image is downloaded anywhere in the tests).
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { findStaticBusybox } from '../../src/runtime/rootfs.ts';

export const BASE_FILE = [
  'FROM scratch',
  'COPY busybox /bin/busybox',
  'RUN ["/bin/busybox", "--install", "-s", "/bin"]',
  "RUN mkdir -p /etc /root /tmp && chmod 1777 /tmp && printf 'root:x:0:0:root:/root:/bin/sh\\napp:x:1000:1000::/home/app:/bin/sh\\n' > /etc/passwd"
    + " && printf 'root:x:0:\\napp:x:1000:\\nstaff:x:50:app\\n' > /etc/group",
].join('\n');

/** A build context holding the host's static busybox (the base image's only program). */
export function busyboxContext(dir: string): string {
  mkdirSync(dir, { recursive: true });
  copyFileSync(findStaticBusybox()!, join(dir, 'busybox'));
  return dir;
}
