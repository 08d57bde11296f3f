// The running kernel's version, for what came with one (clone3's CLONE_INTO_CGROUP in
// 5.7, cgroup.kill in 5.14) and what the course is tested on (5.10 and later).
import { release } from 'node:os';

/** Is the kernel (`uname -r`: 6.1.0-26-amd64) at least major.minor? */
export function kernelAtLeast(major: number, minor: number, rel = release()): boolean {
  const [a = 0, b = 0] = rel.split(/[.-]/).map(Number);
  return a > major || (a === major && b >= minor);
}
