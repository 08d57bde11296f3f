// Every word the core's client (src/core) says about the core itself: that it cannot
// start, has gone, or did not answer. (What the core says about the syscalls it makes
// comes from native/ in its replies.)

export const core = {
  cannotStart: (binary: string, why: string) => `cannot start the core (${binary}): ${why}`,
  buildIt: 'build it with: npm run build (or make -C native)',
  killed: (signal: string) => `the core was killed by ${signal}`,
  exited: (code: number | null) => `the core exited with status ${code}`,
  pipeBroke: (why: string) => `the core's pipe broke (${why})`,
  closing: 'the core is closing',
  gone: 'the core is gone',
  noReply: (ms: number) => `no reply within ${ms} ms`,
  writefileExited: (status: number | null) => `boxcore writefile exited ${status}`,
  /** A reply that failed without saying why. */
  failed: 'failed',
};
