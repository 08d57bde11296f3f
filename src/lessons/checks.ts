// A check reads one thing - a cell of a kernel view, the core's probe, a host file, or
// what a command prints - and compares it with what it expects (expect.ts).
import { readFile } from 'node:fs/promises';
import type { Snapshot, ViewName } from '../kernel/types.ts';
import { lessons as text } from '../text/index.ts';
import type { CommandRunner } from './commands.ts';
import { describeExpect, holds, isMeasured } from './expect.ts';
import type { OpGateway } from './gateway.ts';
import { failure, type CheckResult, type LogEntry } from './port.ts';
import type { VariableScope } from './scope.ts';
import type { CheckSpec } from './schema.ts';

export interface CheckReaders {
  vars: VariableScope;
  gateway: OpGateway;
  commands: CommandRunner;
  observe: (views: ViewName[]) => Promise<Snapshot>;
}

export async function evaluate(check: CheckSpec, r: CheckReaders): Promise<CheckResult> {
  const subst = (s: string) => r.vars.subst(s);
  const expected = describeExpect(check.expect, subst);
  const measured = isMeasured(check.expect);
  let found: string | undefined;
  let code: number | undefined;
  try {
    const src = check.source;
    const log: LogEntry[] = [];
    switch (src.kind) {
      case 'probe': {
        if (!r.vars.get('pid')) throw new Error(text.noContainer);
        const fields: Record<string, string> | undefined = (await r.gateway.probe('check', Number(r.vars.get('pid')), src.what, log))[src.what];
        found = fields?.[src.field]?.trim();
        break;
      }
      case 'view': {
        const snap = await r.observe([src.view]);
        const view = snap.views[src.view];
        const row = view?.rows.find((row) => src.row !== undefined ? row.key === subst(src.row) : Object.entries(src.where ?? {}).every(([c, v]) => row.cells[c] === subst(v)));
        found = row?.cells[src.cell];
        break;
      }
      case 'file': {
        const body = await readFile(subst(src.path), 'utf8');
        if (src.field) {
          const line = body.split('\n').find((l) => l.startsWith(src.field + ':'));
          found = line?.slice(src.field.length + 1).trim().replace(/\s+/g, ' ');
        } else found = body.trim();
        break;
      }
      case 'inside':
      case 'spawn':
      case 'shell': {
        if (src.kind !== 'shell' && !r.vars.get('ct')) throw new Error(text.noContainer);
        const ran = await r.commands.run('check', src.kind, src.command, log);
        found = ran.stdout.trim();
        code = ran.code;
        break;
      }
    }
    return { pass: holds(check.expect, found, code, subst), found, code, expected, measured };
  } catch (err) {
    return { pass: false, found, code, expected, measured, error: failure(err).message };
  }
}
