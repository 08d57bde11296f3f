// The embedded DNS resolver of a container on a user-defined network, as Docker's
// 127.0.0.11 is: inside the container, /etc/resolv.conf says `nameserver 127.0.0.11`,
// and a DNAT rule in the container's own network namespace sends what it asks there
// on port 53 to this resolver, a UDP socket of the process that holds the container
// (`boxlab run`, or whatever supervises it), bound to the network's gateway address:
// the bridge the lab made, so the traffic never leaves the host's lab-made links.
//
// It answers A queries for the names of the containers on the same network (NAME, or
// NAME.NETWORK), and nothing else: a name on another network, or anywhere else, is
// NXDOMAIN - nothing is forwarded to the host's resolvers, so no traffic leaves the
// machine. AAAA and other types of a known name are answered with no records (its
// containers have IPv4 only); other opcodes NOTIMP, other classes REFUSED, a malformed
// query FORMERR. Only its own container is answered: a query from any other address
// is dropped unanswered.
import { createSocket, type Socket } from 'node:dgram';
import { answer, CLASS_IN, DnsFormatError, formatError, parseQuery, RCODE, TYPE_A, TYPE_ANY } from './dns.ts';

export interface Resolver {
  /** the UDP port it listens on, at the bind address */
  port: number;
  close: () => Promise<void>;
}

/** What a name is, on the network: its address, or undefined. */
export type Lookup = (name: string) => string | undefined;

/** The answer (bytes) to one message, or undefined when none is due. */
export function respond(msg: Uint8Array, lookup: Lookup): Uint8Array | undefined {
  let q;
  try {
    q = parseQuery(msg);
  } catch (err) {
    const id = (err as DnsFormatError).id;
    return id === undefined ? undefined : formatError(id);
  }
  if (q.opcode !== 0) return answer(q, RCODE.NOTIMP);
  if (q.class !== CLASS_IN) return answer(q, RCODE.REFUSED);
  const ip = lookup(q.name);
  if (ip === undefined) return answer(q, RCODE.NXDOMAIN);
  return answer(q, RCODE.NOERROR, q.type === TYPE_A || q.type === TYPE_ANY ? [ip] : []);
}

/** Listen at ADDRESS (a random port) and answer queries from CLIENT alone. */
export function startResolver(address: string, client: string, lookup: Lookup): Promise<Resolver> {
  const socket: Socket = createSocket({ type: 'udp4', recvBufferSize: 64 << 10 });
  socket.on('message', (msg, from) => {
    if (from.address !== client) return;
    const reply = respond(msg, lookup);
    if (reply) socket.send(reply, from.port, from.address);
  });
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(0, address, () => {
      socket.off('error', reject);
      socket.on('error', () => undefined); // a reply that cannot be sent is dropped
      resolve({ port: socket.address().port, close: () => new Promise((r) => socket.close(() => r())) });
    });
  });
}
