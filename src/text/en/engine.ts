// Every word the sandboxed Docker engine (src/engine) says.

export const engine = {
  error: (message: string) => `boxlab engine: ${message}`,
  needsRoot: 'boxlab engine needs root: dockerd makes namespaces, mounts, cgroups and firewall rules. Run it with sudo.',
  running: (i: { pid: number; socket: string; dir: string; netns: string; docker: string }) =>
    `dockerd runs as pid ${i.pid} in its own network namespace (${i.netns}); state in ${i.dir}.\n`
    + `Use it with: ${i.docker} -H unix://${i.socket} ...\nCtrl-C stops it and removes everything it made.`,
  missing: (program: string, pkg: string) => `${program} is not installed: the engine lessons run Debian's Docker engine (apt-get install ${pkg})`,
  exitedAtStart: (log: string, last: string) => `dockerd exited while starting (its log: ${log})${last ? `: ${last}` : ''}`,
  noAnswer: (seconds: number, log: string, last: string) => `dockerd did not answer on its socket within ${seconds} s (its log: ${log})${last ? `: ${last}` : ''}`,
};
