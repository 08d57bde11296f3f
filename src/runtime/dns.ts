// The DNS wire format (RFC 1035), as much of it as a resolver for container names
// needs: read one question from a query, and write the answer. Every message is
// hostile until read: it is bounded (512 bytes, the classic UDP limit), must hold
// exactly one question, and its name is read label by label with every length
// checked - no compression pointers, which a question has no use for.
//
//   header    ID (16 bits), flags (QR, opcode, AA, TC, RD, RA, rcode), and four
//             counts: questions, answers, authority and additional records
//   question  the name (length-prefixed labels, ending in 0), QTYPE, QCLASS
//   answer    the name (here a pointer back to the question's), TYPE, CLASS, TTL,
//             RDLENGTH and RDATA (an A record: the four bytes of the address)

export const DNS_MAX = 512;

export const TYPE_A = 1;
export const TYPE_AAAA = 28;
export const TYPE_ANY = 255;
export const CLASS_IN = 1;

export const RCODE = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 } as const;

export interface Question {
  id: number;
  /** the flags of the query: opcode and RD are echoed back */
  opcode: number;
  rd: boolean;
  /** lower case, without the final dot ("web" or "web.lab") */
  name: string;
  type: number;
  class: number;
  /** the question's bytes as they came, echoed in the answer */
  raw: Uint8Array;
}

/** Why a message could not be read: `id` is there when the header was (the answer is
 *  then FORMERR); a message too short for one is dropped. */
export class DnsFormatError extends Error {
  constructor(message: string, readonly id?: number) { super(message); }
}

/** Read the one question of a query. */
export function parseQuery(msg: Uint8Array): Question {
  if (msg.length < 12) throw new DnsFormatError('shorter than a header');
  const view = new DataView(msg.buffer, msg.byteOffset, msg.byteLength);
  const id = view.getUint16(0);
  if (msg.length > DNS_MAX) throw new DnsFormatError(`longer than ${DNS_MAX} bytes`, id);
  const flags = view.getUint16(2);
  if (flags & 0x8000) throw new DnsFormatError('a response, not a query', id);
  if (view.getUint16(4) !== 1) throw new DnsFormatError('not exactly one question', id);
  if (view.getUint16(6) !== 0 || view.getUint16(8) !== 0) throw new DnsFormatError('a query with answers', id);
  const labels: string[] = [];
  let at = 12;
  let length = 0;
  for (;;) {
    if (at >= msg.length) throw new DnsFormatError('the name runs past the end', id);
    const n = msg[at]!;
    if (n === 0) break;
    if (n > 63) throw new DnsFormatError('a label longer than 63 bytes, or a compression pointer', id);
    if (at + 1 + n > msg.length) throw new DnsFormatError('a label runs past the end', id);
    length += n + 1;
    if (length > 254) throw new DnsFormatError('a name longer than 255 bytes', id);
    labels.push(String.fromCharCode(...msg.subarray(at + 1, at + 1 + n)).toLowerCase());
    at += 1 + n;
  }
  at += 1;
  if (at + 4 > msg.length) throw new DnsFormatError('the question has no type and class', id);
  return {
    id, opcode: (flags >> 11) & 0xf, rd: (flags & 0x0100) !== 0, name: labels.join('.'),
    type: view.getUint16(at), class: view.getUint16(at + 2), raw: msg.slice(12, at + 4),
  };
}

/** The answer to `q`: RCODE, and an A record for each address (`ttl` seconds). The
 *  resolver is the authority for the names it knows (AA) and asks no one else (no RA). */
export function answer(q: Pick<Question, 'id' | 'opcode' | 'rd' | 'raw'>, rcode: number, addresses: string[] = [], ttl = 600): Uint8Array {
  const out = new Uint8Array(12 + q.raw.length + addresses.length * 16);
  const view = new DataView(out.buffer);
  view.setUint16(0, q.id);
  view.setUint16(2, 0x8000 | (q.opcode << 11) | 0x0400 | (q.rd ? 0x0100 : 0) | (rcode & 0xf));
  view.setUint16(4, 1);
  view.setUint16(6, addresses.length);
  out.set(q.raw, 12);
  let at = 12 + q.raw.length;
  for (const ip of addresses) {
    view.setUint16(at, 0xc00c); // the name: a pointer to the question's, at byte 12
    view.setUint16(at + 2, TYPE_A);
    view.setUint16(at + 4, CLASS_IN);
    view.setUint32(at + 6, ttl);
    view.setUint16(at + 10, 4);
    ip.split('.').forEach((o, i) => { out[at + 12 + i] = Number(o); });
    at += 16;
  }
  return out;
}

/** FORMERR for a query whose header was read but not the rest: the header alone. */
export function formatError(id: number): Uint8Array {
  const out = new Uint8Array(12);
  const view = new DataView(out.buffer);
  view.setUint16(0, id);
  view.setUint16(2, 0x8000 | RCODE.FORMERR);
  return out;
}

/** A query for NAME of TYPE, as a stub resolver sends one (for tests and the lab). */
export function query(id: number, name: string, type = TYPE_A): Uint8Array {
  const labels = name.split('.').filter(Boolean).map((l) => [l.length, ...[...l].map((c) => c.charCodeAt(0))]);
  const q = [...labels.flat(), 0, type >> 8, type & 0xff, 0, CLASS_IN];
  return new Uint8Array([id >> 8, id & 0xff, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, ...q]);
}

/** The rcode and A records of an answer (for tests and the lab). */
export function readAnswer(msg: Uint8Array): { id: number; rcode: number; addresses: string[] } {
  if (msg.length < 12) throw new DnsFormatError('shorter than a header');
  const view = new DataView(msg.buffer, msg.byteOffset, msg.byteLength);
  let at = 12;
  while (at < msg.length && msg[at] !== 0) at += msg[at]! + 1;
  at += 5; // the final 0, QTYPE, QCLASS
  const addresses: string[] = [];
  for (let i = 0; i < view.getUint16(6) && at + 12 <= msg.length; i++) {
    const rdlength = view.getUint16(at + 10);
    if (view.getUint16(at + 2) === TYPE_A && rdlength === 4 && at + 16 <= msg.length) addresses.push([...msg.subarray(at + 12, at + 16)].join('.'));
    at += 12 + rdlength;
  }
  return { id: view.getUint16(0), rcode: view.getUint16(2) & 0xf, addresses };
}
