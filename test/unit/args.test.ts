import { describe, expect, it } from 'vitest';
import { parseOptions, UsageError } from '../../src/cli/args.ts';
import { parseNamespaces, parseRunArgs, rootlessIds } from '../../src/cli/run.ts';

describe('option parsing', () => {
  const spec = { json: { value: false }, view: { value: true }, volume: { value: true, short: 'v', repeat: true } };

  it('stops at the first word so the command keeps its own flags', () => {
    const p = parseOptions(['--json', 'sh', '-c', 'echo hi'], spec);
    expect(p.options).toEqual({ json: true });
    expect(p.rest).toEqual(['sh', '-c', 'echo hi']);
  });

  it('stops at --', () => {
    expect(parseOptions(['--view', 'ns', '--', '--json'], spec).rest).toEqual(['--json']);
  });

  it('takes --opt=value, short options and repeats', () => {
    const p = parseOptions(['--view=ns,uts', '-v', 'a:/a', '--volume', 'b:/b'], spec);
    expect(p.options).toEqual({ view: 'ns,uts', volume: ['a:/a', 'b:/b'] });
  });

  it('refuses unknown options and missing values, naming them', () => {
    expect(() => parseOptions(['--nope'], spec)).toThrow(new UsageError('unknown option --nope'));
    expect(() => parseOptions(['--view'], spec)).toThrow(/--view needs a value/);
  });
});

describe('boxlab run flags', () => {
  it('defaults to every namespace but user, and --user adds it', () => {
    const spec = parseRunArgs(['--', 'true']);
    expect(spec !== 'help' && spec.ns.sort()).toEqual(['cgroup', 'ipc', 'mnt', 'net', 'pid', 'uts']);
    const rootless = parseRunArgs(['--user', 'true']);
    expect(rootless !== 'help' && rootless.ns).toContain('user');
  });

  it('names an unknown namespace and lists the accepted ones', () => {
    expect(() => parseNamespaces('pid,pidd')).toThrow("unknown namespace 'pidd' in --ns: choose from pid,uts,mnt,ipc,net,user,cgroup");
  });

  it('parses volumes and refuses malformed ones', () => {
    const spec = parseRunArgs(['-v', '/tmp:/data:ro', '--', 'true']);
    expect(spec !== 'help' && spec.volumes).toEqual([{ source: '/tmp', target: '/data', readonly: true }]);
    expect(() => parseRunArgs(['-v', '/tmp', 'true'])).toThrow(/expected SRC:DST/);
    expect(() => parseRunArgs(['-v', '/tmp:/d:rx', 'true'])).toThrow(/expected SRC:DST/);
    expect(() => parseRunArgs(['-e', 'NOEQUALS', 'true'])).toThrow(/expected K=V/);
  });
});

describe('rootless ids', () => {
  it.runIf(process.getuid?.() === 0)('maps root to the user behind sudo, or to nobody, never to root', () => {
    expect(rootlessIds({ SUDO_UID: '1000', SUDO_GID: '1001' })).toEqual({ uid: 1000, gid: 1001 });
    expect(rootlessIds({ SUDO_UID: '0', SUDO_GID: '0' })).toEqual({ uid: 65534, gid: 65534 });
    expect(rootlessIds({})).toEqual({ uid: 65534, gid: 65534 });
  });
});
