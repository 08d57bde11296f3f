// The commands of a lesson's blocks, wherever they run: `shell:` on the host, `inside:`
// in a new process that enters the container's namespaces, `spawn:` as a child of the
// container's init. What they print is captured; their exit status is the caller's to
// judge. Host commands are written to the syscall log as the shell command they are.
import { join } from 'node:path';
import { $ } from 'zx';
import { repoRoot } from '../core/index.ts';
import { lessons as text } from '../text/index.ts';
import type { OpGateway } from './gateway.ts';
import type { SyscallLog } from './log.ts';
import type { LogEntry, LogSource } from './port.ts';
import { commandEnv, envList } from './programs.ts';
import type { VariableScope } from './scope.ts';

export interface Ran { code: number; stdout: string; stderr: string }

export type Where = 'shell' | 'inside' | 'spawn';

/** Host commands may call the lab itself (`boxlab image ls ${dir}/oci`): `boxlab` is a
 *  shell function running this very CLI with this very node, whatever PATH holds. */
const SHELL_PRELUDE = 'boxlab() { "$BOXLAB_NODE" "$BOXLAB_CLI" "$@"; }\n';

function boxlabItself(): { BOXLAB_NODE: string; BOXLAB_CLI: string } {
  const running = process.argv[1] ?? '';
  const cli = /boxlab\.mjs$/.test(running) ? running : join(repoRoot(), 'dist', 'boxlab.mjs');
  return { BOXLAB_NODE: process.execPath, BOXLAB_CLI: cli };
}

/** A host command run by the lab itself (with zx, `sh -c`). stdin is /dev/null: a
 *  lesson's command reads no input, must not take the learner's keys from the terminal,
 *  and must not look like a remote shell (zx runs bash, and bash with a socket on stdin,
 *  as node's pipes are, sources ~/.bashrc, whose output or PATH would then leak into
 *  the lesson). */
async function runHere(cmd: string, env: NodeJS.ProcessEnv): Promise<Ran> {
  const out = await $({ quiet: true, nothrow: true, verbose: false, stdio: ['ignore', 'pipe', 'pipe'], env })`sh -c ${cmd}`;
  return { code: out.exitCode ?? 1, stdout: out.stdout, stderr: out.stderr };
}

const captured = (r: { code: number; stdout?: string; stderr?: string }): Ran => ({ code: r.code, stdout: r.stdout ?? '', stderr: r.stderr ?? '' });

export class CommandRunner {
  /** `env`: what the lesson's workspace adds to its host commands' environment (the
   *  docker client pointed at ${docker}). */
  constructor(private gateway: OpGateway, private vars: VariableScope, private log: SyscallLog, private env: () => Record<string, string> = () => ({})) {}

  /** Run a block's command (its ${variables} filled in) and capture what it printed. */
  async run(source: LogSource, where: Where, command: string, log: LogEntry[]): Promise<Ran> {
    const cmd = this.vars.subst(command);
    if (where === 'inside') return captured(await this.gateway.join(source, cmd, log));
    if (where === 'spawn') return captured(await this.gateway.spawn(source, cmd, log));
    const env = commandEnv({ ...this.env(), BOXLAB_CT: this.vars.get('ct'), BOXLAB_PID: this.vars.get('pid'), ...boxlabItself() });
    const script = SHELL_PRELUDE + cmd;
    const r = this.vars.get('oci') ? await this.underCore(script, env) : await runHere(script, env);
    this.log.add(source, { op: 'shell', ok: r.code === 0, syscalls: [], shell: cmd, error: r.code === 0 ? undefined : { message: text.exitCode(r.code) } }, log);
    return r;
  }

  /** A lesson that drives OCI runtimes (it uses ${oci}) runs its host commands as
   *  children of its core, a child subreaper: when `create` returns, the container's
   *  init is adopted by the core, which reaps it when it ends and kills it when the
   *  lesson does - the job containerd-shim does for runc. Run by a shell of the lab
   *  instead, the init would go to the host's init, which may never reap it. */
  private async underCore(script: string, env: NodeJS.ProcessEnv): Promise<Ran> {
    return captured(await this.gateway.childOfCore(['/bin/sh', '-c', script], envList(env), script));
  }
}
