import { describe, expect, it } from 'vitest';
import { sharedEnter, snapshot, type EnterWhat, type Probe, type View } from '../../src/kernel/index.ts';
import { kernel as words } from '../../src/text/index.ts';

const fake = (name: View['name'], rows = 1): View => ({
  name,
  title: name,
  columns: ['k'],
  rows: Array.from({ length: rows }, (_, i) => ({ key: String(i), cells: { k: String(i) } })),
});

describe('snapshot', () => {
  it('runs probes concurrently', async () => {
    // each probe waits until both have started: run one after the other, they would hang
    let started = 0;
    let release!: () => void;
    const both = new Promise<void>((r) => (release = r));
    const probe =
      (name: View['name']): Probe =>
      async () => {
        if (++started === 2) release();
        await both;
        return fake(name);
      };
    const s = await snapshot(1234, ['ns', 'mounts'], { probes: { ns: probe('ns'), mounts: probe('mounts') } });
    expect(s.pid).toBe(1234);
    expect(Object.keys(s.views)).toEqual(['ns', 'mounts']);
    expect(typeof s.takenAt).toBe('number');
  });

  it('turns a failing probe into a view with a note, keeps the others', async () => {
    const s = await snapshot(1, ['ns', 'uts'], {
      probes: {
        ns: async () => fake('ns', 2),
        uts: async () => {
          throw new Error('boxcore not built');
        },
      },
    });
    expect(s.views.ns!.rows).toHaveLength(2);
    expect(s.views.uts).toEqual({
      name: 'uts',
      title: words.titles.uts,
      columns: [],
      rows: [],
      notes: [words.probeFailed('uts', 'boxcore not built')],
    });
  });

  it('ignores repeated and unknown view names', async () => {
    const s = await snapshot(1, ['ns', 'ns', 'bogus' as never], { probes: { ns: async () => fake('ns') } });
    expect(Object.keys(s.views)).toEqual(['ns']);
  });

  it('passes hostPid and one shared enter to the probes', async () => {
    const calls: EnterWhat[][] = [];
    const seen: (number | undefined)[] = [];
    const probe =
      (name: 'uts' | 'ipc'): Probe =>
      async (t) => {
        seen.push(t.hostPid);
        const r = await t.enter!(t.pid, [name]);
        return { ...fake(name, 0), notes: [JSON.stringify(r)] };
      };
    const s = await snapshot(5, ['uts', 'ipc'], {
      hostPid: 77,
      enter: async (pid, what) => {
        calls.push(what);
        return { uts: { hostname: `h${pid}`, domainname: '' }, ipc: { msg: '', sem: '', shm: '' } };
      },
      probes: { uts: probe('uts'), ipc: probe('ipc') },
    });
    expect(calls).toEqual([['uts', 'ipc']]);
    expect(seen).toEqual([77, 77]);
    expect(s.views.uts!.notes![0]).toContain('h5');
  });
});

describe('sharedEnter', () => {
  it('asks once per pid for everything, again for another pid', async () => {
    const calls: string[] = [];
    const e = sharedEnter(async (pid, what) => {
      calls.push(`${pid}:${what.join(',')}`);
      return {};
    }, ['uts', 'ipc']);
    await Promise.all([e(1, ['uts']), e(1, ['ipc']), e(1, ['uts', 'ipc'])]);
    await e(2, ['ipc']);
    expect(calls).toEqual(['1:uts,ipc', '2:uts,ipc']);
  });
});
