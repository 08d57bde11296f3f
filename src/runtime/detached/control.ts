// The supervisor's control socket: a Unix socket in the container's directory (mode
// 0700, so only its owner can connect), one JSON request and one JSON reply per
// connection, each a line. `boxlab stop` and `boxlab rm` speak it; everything else
// reads container.json.
import { createConnection, createServer, type Server } from 'node:net';
import { containers as t } from '../../text/index.ts';

export type Request = { op: 'stop'; timeoutS: number } | { op: 'remove'; force: boolean };
export type Reply = { ok: true } | { ok: false; error: string };

const MAX_LINE = 4096;
/** sockaddr_un's sun_path: 108 bytes with the terminating NUL. */
const MAX_PATH = 107;

export class ControlError extends Error {}

function parseRequest(line: string): Request | undefined {
  let v: unknown;
  try { v = JSON.parse(line); } catch { return undefined; }
  const r = v as Record<string, unknown>;
  if (r?.op === 'stop' && Number.isInteger(r.timeoutS) && (r.timeoutS as number) >= 0 && (r.timeoutS as number) <= 86400) return { op: 'stop', timeoutS: r.timeoutS as number };
  if (r?.op === 'remove' && typeof r.force === 'boolean') return { op: 'remove', force: r.force };
  return undefined;
}

/** Read one line (at most MAX_LINE bytes) from a socket. */
function oneLine(sock: NodeJS.ReadableStream & { destroy(): void }): Promise<string | undefined> {
  return new Promise((resolve) => {
    let buf = '';
    sock.on('data', (d: Buffer) => {
      buf += d.toString();
      const nl = buf.indexOf('\n');
      if (nl >= 0) resolve(buf.slice(0, nl));
      else if (buf.length > MAX_LINE) { resolve(undefined); sock.destroy(); }
    });
    sock.on('end', () => resolve(undefined));
    sock.on('error', () => resolve(undefined));
  });
}

/** Listen at PATH; each request goes to HANDLE, whose reply is sent back. */
export function serveControl(path: string, handle: (r: Request) => Promise<Reply>): Promise<Server> {
  if (Buffer.byteLength(path) > MAX_PATH) return Promise.reject(new ControlError(t.control.pathTooLong(path, MAX_PATH)));
  const server = createServer((sock) => {
    void (async () => {
      const line = await oneLine(sock);
      const req = line === undefined ? undefined : parseRequest(line);
      const reply: Reply = req ? await handle(req).catch((err: Error) => ({ ok: false as const, error: err.message })) : { ok: false, error: t.control.badRequest };
      sock.end(JSON.stringify(reply) + '\n');
    })();
    sock.on('error', () => undefined);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => resolve(server));
  });
}

/** Send one request to the supervisor at PATH and wait for its reply (up to TIMEOUT ms). */
export function askSupervisor(path: string, req: Request, timeoutMs: number): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const sock = createConnection(path);
    const timer = setTimeout(() => { sock.destroy(); reject(new ControlError(t.control.noAnswer(timeoutMs / 1000))); }, timeoutMs);
    sock.once('error', (err: NodeJS.ErrnoException) => { clearTimeout(timer); reject(new ControlError(t.control.unreachable(err.code ?? err.message))); });
    sock.once('connect', () => sock.write(JSON.stringify(req) + '\n'));
    void oneLine(sock).then((line) => {
      clearTimeout(timer);
      sock.destroy();
      let v: Reply | undefined;
      try { v = line === undefined ? undefined : JSON.parse(line) as Reply; } catch { v = undefined; }
      if (!v || typeof v.ok !== 'boolean') return reject(new ControlError(t.control.badReply));
      resolve(v.ok ? { ok: true } : { ok: false, error: String((v as { error?: unknown }).error ?? '') });
    });
  });
}
