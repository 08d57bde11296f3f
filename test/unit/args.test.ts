import { describe, expect, it } from 'vitest';
import { parseOptions, UsageError } from '../../src/cli/args.ts';
import { parseNamespaces, parseRunArgs } from '../../src/cli/run.ts';
import { rootlessIds } from '../../src/runtime/rootless.ts';
import { capMask, DOCKER_CAPS, keptCaps, type Security } from '../../src/runtime/security.ts';

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

describe('boxlab run security flags', () => {
  const sec = (args: string[]) => {
    const spec = parseRunArgs([...args, '--', 'true']);
    if (spec === 'help') throw new Error('help');
    return spec.security;
  };

  it("defaults to Docker's: nothing added or dropped, not privileged, no no_new_privs", () => {
    expect(sec([])).toEqual({ privileged: false, capAdd: [], capDrop: [], noNewPrivileges: false });
  });

  it("takes Docker's spellings of capability names and of no-new-privileges", () => {
    expect(sec(['--cap-add', 'sys_admin', '--cap-add', 'CAP_NET_ADMIN', '--cap-drop', 'all'])).toMatchObject({
      capAdd: ['CAP_SYS_ADMIN', 'CAP_NET_ADMIN'], capDrop: ['ALL'],
    });
    expect(sec(['--security-opt', 'no-new-privileges']).noNewPrivileges).toBe(true);
    expect(sec(['--security-opt', 'no-new-privileges:true']).noNewPrivileges).toBe(true);
    expect(sec(['--security-opt', 'no-new-privileges=false']).noNewPrivileges).toBe(false);
    expect(sec(['--privileged']).privileged).toBe(true);
  });

  it('refuses unknown names with the flag, a near name and what is accepted', () => {
    expect(() => sec(['--cap-add', 'SYS_ADMN'])).toThrow(/--cap-add SYS_ADMN: unknown capability \(did you mean "SYS_ADMIN"\?\).*capabilities\(7\)/);
    expect(() => sec(['--cap-drop', 'bogus'])).toThrow(/--cap-drop bogus: unknown capability/);
    expect(() => sec(['--security-opt', 'seccomp=unconfined'])).toThrow(/--security-opt seccomp=unconfined: boxlab run knows no-new-privileges .* and apparmor=PROFILE; seccomp profiles are not supported/);
  });

  it("keeps capabilities by Docker's rule (moby's TweakCapabilities), never beyond what can be given", () => {
    const all = ['CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FOWNER', 'CAP_KILL', 'CAP_SYS_ADMIN', 'CAP_NET_ADMIN', ...DOCKER_CAPS];
    const grantable = [...new Set(all)];
    const kept = (s: Partial<Security>) => keptCaps({ privileged: false, capAdd: [], capDrop: [], noNewPrivileges: false, ...s }, grantable);
    expect(kept({}).sort()).toEqual([...DOCKER_CAPS].sort());
    expect(capMask(kept({}))).toBe('00000000a80425fb');
    expect(kept({ capDrop: ['ALL'] })).toEqual([]);
    expect(kept({ capDrop: ['ALL'], capAdd: ['CAP_KILL'] })).toEqual(['CAP_KILL']);
    expect(kept({ capAdd: ['CAP_SYS_ADMIN'], capDrop: ['CAP_CHOWN'] })).toContain('CAP_SYS_ADMIN');
    expect(kept({ capAdd: ['CAP_SYS_ADMIN'], capDrop: ['CAP_CHOWN'] })).not.toContain('CAP_CHOWN');
    expect(kept({ capAdd: ['ALL'], capDrop: ['CAP_NET_ADMIN'] }).sort()).toEqual(grantable.filter((c) => c !== 'CAP_NET_ADMIN').sort());
    expect(kept({ privileged: true, capDrop: ['ALL'] }).sort()).toEqual(grantable.sort());
    // What the machine cannot give is left out, not asked of the kernel.
    expect(keptCaps({ privileged: false, capAdd: [], capDrop: [], noNewPrivileges: false }, ['CAP_KILL', 'CAP_SYS_ADMIN'])).toEqual(['CAP_KILL']);
  });
});

describe('rootless ids', () => {
  it.runIf(process.getuid?.() === 0)('maps root to the user behind sudo, or to nobody, never to root', () => {
    expect(rootlessIds({ SUDO_UID: '1000', SUDO_GID: '1001' })).toEqual({ uid: 1000, gid: 1001 });
    expect(rootlessIds({ SUDO_UID: '0', SUDO_GID: '0' })).toEqual({ uid: 65534, gid: 65534 });
    expect(rootlessIds({})).toEqual({ uid: 65534, gid: 65534 });
  });
});
