// The DNS wire format and the resolver's answers, without a network: queries as stub
// resolvers send them (busybox's nslookup: RD set, one question, no EDNS), answers
// read back, and hostile messages (truncated, oversized, compressed, several
// questions) refused with FORMERR or dropped. Then the resolver on a UDP socket of
// loopback, answering its one client and no one else.
import { createSocket } from 'node:dgram';
import { describe, expect, it } from 'vitest';
import { answer, DNS_MAX, formatError, parseQuery, query, RCODE, readAnswer, TYPE_A, TYPE_AAAA } from '../../src/runtime/dns.ts';
import { respond, startResolver } from '../../src/runtime/resolver.ts';

// What `nslookup web` sends for A: id 0x1a2b, RD, one question, class IN.
const BUSYBOX_A = Uint8Array.from([
  0x1a, 0x2b, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
  0x03, 0x77, 0x65, 0x62, 0x00, 0x00, 0x01, 0x00, 0x01,
]);

const names: Record<string, string> = { web: '10.89.0.2', db: '10.89.0.3' };
const lookup = (n: string) => names[n];

describe('parseQuery', () => {
  it('reads the question of a stub resolver', () => {
    const q = parseQuery(BUSYBOX_A);
    expect(q).toMatchObject({ id: 0x1a2b, opcode: 0, rd: true, name: 'web', type: TYPE_A, class: 1 });
    expect([...q.raw]).toEqual([...BUSYBOX_A.subarray(12)]);
    expect(parseQuery(query(7, 'Web.Lab.', TYPE_AAAA))).toMatchObject({ id: 7, name: 'web.lab', type: TYPE_AAAA });
  });

  it('refuses what a query is not, naming the header id when it has one', () => {
    const bad = (msg: Uint8Array) => { try { parseQuery(msg); return 'read'; } catch (e) { return `${(e as Error).message} ${(e as { id?: number }).id}`; } };
    expect(bad(BUSYBOX_A.subarray(0, 11))).toBe('shorter than a header undefined');
    expect(bad(BUSYBOX_A.subarray(0, 16))).toBe('the name runs past the end 6699');
    expect(bad(BUSYBOX_A.subarray(0, 19))).toBe('the question has no type and class 6699');
    const long = new Uint8Array(DNS_MAX + 1);
    long.set(BUSYBOX_A);
    expect(bad(long)).toContain(`longer than ${DNS_MAX} bytes`);
    const pointer = Uint8Array.from([...BUSYBOX_A.subarray(0, 12), 0xc0, 0x0c, 0, 1, 0, 1]);
    expect(bad(pointer)).toContain('compression pointer');
    const two = Uint8Array.from(BUSYBOX_A);
    two[5] = 2;
    expect(bad(two)).toContain('not exactly one question');
    const reply = Uint8Array.from(BUSYBOX_A);
    reply[2] = reply[2]! | 0x80;
    expect(bad(reply)).toContain('a response');
    const labels = Array.from({ length: 5 }, () => [63, ...new Array(63).fill(0x61)]).flat();
    expect(bad(Uint8Array.from([...BUSYBOX_A.subarray(0, 12), ...labels, 0, 0, 1, 0, 1]))).toContain('longer than 255');
  });
});

describe('answer', () => {
  it('writes a header, the question and an A record per address, read back the same', () => {
    const q = parseQuery(BUSYBOX_A);
    const a = answer(q, RCODE.NOERROR, ['10.89.0.2'], 600);
    expect([...a.subarray(0, 12)]).toEqual([0x1a, 0x2b, 0x85, 0x00, 0, 1, 0, 1, 0, 0, 0, 0]); // QR AA RD, 1 question, 1 answer
    expect([...a.subarray(12 + q.raw.length)]).toEqual([0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0x02, 0x58, 0, 4, 10, 89, 0, 2]);
    expect(readAnswer(a)).toEqual({ id: 0x1a2b, rcode: 0, addresses: ['10.89.0.2'] });
    expect([...formatError(9)]).toEqual([0, 9, 0x80, 1, 0, 0, 0, 0, 0, 0, 0, 0]);
  });
});

describe('respond', () => {
  const rcode = (msg: Uint8Array) => readAnswer(respond(msg, lookup)!);
  it('answers A for a name it knows, nothing for AAAA, NXDOMAIN for any other name', () => {
    expect(rcode(query(1, 'db'))).toEqual({ id: 1, rcode: RCODE.NOERROR, addresses: ['10.89.0.3'] });
    expect(rcode(query(2, 'db', TYPE_AAAA))).toEqual({ id: 2, rcode: RCODE.NOERROR, addresses: [] });
    expect(rcode(query(3, 'example.com'))).toEqual({ id: 3, rcode: RCODE.NXDOMAIN, addresses: [] });
  });

  it('refuses other classes, does not do other opcodes, FORMERRs what it cannot read and drops what has no header', () => {
    const chaos = query(4, 'web');
    chaos[chaos.length - 1] = 3;
    expect(rcode(chaos).rcode).toBe(RCODE.REFUSED);
    const status = query(5, 'web');
    status[2] = 0x10; // opcode 2 (STATUS)
    expect(rcode(status).rcode).toBe(RCODE.NOTIMP);
    expect(rcode(BUSYBOX_A.subarray(0, 15))).toEqual({ id: 0x1a2b, rcode: RCODE.FORMERR, addresses: [] });
    expect(respond(BUSYBOX_A.subarray(0, 5), lookup)).toBeUndefined();
  });
});

describe('startResolver', () => {
  it('answers its client on loopback, and no one else', async () => {
    const resolver = await startResolver('127.0.0.1', '127.0.0.1', lookup);
    const ask = (from: string, msg: Uint8Array) => new Promise<Uint8Array | undefined>((resolve, reject) => {
      const s = createSocket('udp4');
      const timer = setTimeout(() => { s.close(); resolve(undefined); }, 300);
      s.once('message', (m) => { clearTimeout(timer); s.close(); resolve(new Uint8Array(m)); });
      s.bind(0, from, () => s.send(msg, resolver.port, '127.0.0.1', (err) => err && reject(err)));
    });
    try {
      expect(readAnswer((await ask('127.0.0.1', query(9, 'web')))!)).toEqual({ id: 9, rcode: 0, addresses: ['10.89.0.2'] });
      expect(await ask('127.0.0.2', query(10, 'web'))).toBeUndefined();
    } finally {
      await resolver.close();
    }
  });
});
