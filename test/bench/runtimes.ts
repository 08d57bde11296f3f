// The contestants of the container benchmark: boxcore's OCI runtime, crun and runc on
// one OCI bundle, `boxlab run` (node plus the core), and the floor: what the kernel
// itself costs (unshare + chroot, no runtime at all).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { boxcorePath, repoRoot } from '../../src/core/index.ts';

export interface Contestant { name: string; run: () => number }

/** Times a command; outlives: it leaves a process behind that holds its stdio. */
type Timer = (cmd: string, args: string[], opts?: { outlives?: boolean }) => number;

function which(cmd: string): string | undefined {
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

/** Does this boxcore speak the OCI command line yet? */
function boxcoreSpeaksOci(): boolean {
  const r = spawnSync(boxcorePath(), ['--help'], { encoding: 'utf8' });
  return /\bcreate\b/.test(r.stdout + r.stderr) && /\bspec\b/.test(r.stdout + r.stderr);
}

/** One bundle for every runtime: the spec runc (or boxcore) writes, running /bin/true
 *  without a terminal on our rootfs. */
function makeBundle(work: string, rootfs: string, specTool: string): string {
  const bundle = join(work, 'bundle');
  mkdirSync(bundle, { recursive: true });
  execFileSync(specTool, ['spec'], { cwd: bundle });
  const config = JSON.parse(readFileSync(join(bundle, 'config.json'), 'utf8'));
  config.process.terminal = false;
  config.process.args = ['/bin/true'];
  config.root = { path: rootfs, readonly: true };
  writeFileSync(join(bundle, 'config.json'), JSON.stringify(config, null, 2));
  return bundle;
}

export function runtimeContestants(rootfs: string, work: string, time: Timer) {
  const absent: string[] = [];
  const run: Contestant[] = [];
  const lifecycle: Contestant[] = [];
  const cli = join(repoRoot(), 'dist', 'boxlab.mjs');
  let n = 0;

  const oci = boxcoreSpeaksOci();
  if (!oci) absent.push('boxcore run: the core does not speak the OCI command line yet');
  const runc = which('runc');
  if (!runc) absent.push('runc: apt-get install runc');
  const crun = which('crun');
  if (!crun) absent.push('crun: apt-get install crun');
  const specTool = runc ?? (oci ? boxcorePath() : undefined);
  const bundle = specTool ? makeBundle(work, rootfs, specTool) : undefined;

  const ociRuntime = (name: string, bin: string) => {
    const root = join(work, `state-${name}`);
    run.push({ name: `${name} run`, run: () => time(bin, ['--root', root, 'run', '--bundle', bundle!, `bl-bench-${++n}`]) });
    lifecycle.push({
      name: `${name} create+start+delete`,
      run: () => {
        const id = `bl-bench-${++n}`;
        return time(bin, ['--root', root, 'create', '--bundle', bundle!, id], { outlives: true })
          + time(bin, ['--root', root, 'start', id])
          + waitStopped(bin, root, id)
          + time(bin, ['--root', root, 'delete', id]);
      },
    });
  };
  if (bundle && oci) ociRuntime('boxcore', boxcorePath());
  if (bundle && crun) ociRuntime('crun', crun);
  if (bundle && runc) ociRuntime('runc', runc);

  run.push({ name: 'boxlab run (node + core)', run: () => time('node', [cli, 'run', '--rootfs', rootfs, '--', '/bin/true']) });
  run.push({
    name: 'floor: unshare + chroot',
    run: () => time('unshare', ['--pid', '--uts', '--ipc', '--mount', '--net', '--fork', 'chroot', rootfs, '/bin/true']),
  });
  return { run, lifecycle, absent };
}

/** After start, /bin/true ends at once; delete wants it stopped. */
function waitStopped(bin: string, root: string, id: string): number {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < 200; i++) {
    const state = spawnSync(bin, ['--root', root, 'state', id], { encoding: 'utf8' });
    if (!state.stdout.includes('"running"')) break;
  }
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

export const hasCrun = () => which('crun') !== undefined;
export const haveCgroupUnified = () => existsSync('/sys/fs/cgroup/unified/cgroup.controllers');
