import { readdirSync, readFileSync } from 'node:fs';
import { connect, Socket } from 'node:net';

/** One client TCP connection to the service, driven byte by byte. */
export interface RawConnection {
  readonly socket: Socket;
  /** Everything the server sent so far. */
  received(): string;
  /** True once the server (or the network) closed the connection. */
  readonly closed: boolean;
  /** Resolves when the connection is closed, or with false after `timeoutMs`. */
  waitClosed(timeoutMs: number): Promise<boolean>;
  /** Resolves when `pattern` appears in what was received, or with false after `timeoutMs`. */
  waitFor(pattern: RegExp, timeoutMs: number): Promise<boolean>;
  destroy(): void;
}

/** Opens a connection and resolves once it is established. */
export function rawConnect(url: string): Promise<RawConnection> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    let data = '';
    let closed = false;
    const waiters = new Set<() => void>();
    const notify = (): void => waiters.forEach((wake) => wake());
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      data += chunk.toString('latin1');
      notify();
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      closed = true;
      notify();
    });
    const until = (done: () => boolean, timeoutMs: number): Promise<boolean> =>
      new Promise((settle) => {
        if (done()) {
          settle(true);
          return;
        }
        const wake = (): void => {
          if (done()) {
            finish(true);
          }
        };
        const timer = setTimeout(() => finish(false), timeoutMs);
        const finish = (result: boolean): void => {
          clearTimeout(timer);
          waiters.delete(wake);
          settle(result);
        };
        waiters.add(wake);
      });
    socket.once('connect', () =>
      resolve({
        socket,
        received: () => data,
        get closed() {
          return closed;
        },
        waitClosed: (timeoutMs) => until(() => closed, timeoutMs),
        waitFor: (pattern, timeoutMs) => until(() => pattern.test(data), timeoutMs),
        destroy: () => socket.destroy(),
      }),
    );
    socket.once('error', reject);
  });
}

/** Opens `count` connections, `batch` at a time (a burst of thousands overflows the backlog). */
export async function rawConnectMany(
  url: string,
  count: number,
  batch = 100,
): Promise<RawConnection[]> {
  const all: RawConnection[] = [];
  for (let start = 0; start < count; start += batch) {
    const size = Math.min(batch, count - start);
    all.push(...(await Promise.all(Array.from({ length: size }, () => rawConnect(url)))));
  }
  return all;
}

/** Open file descriptors of a process (Linux). */
export function openFds(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).length;
}

/** Resident set size of a process in MiB (Linux). */
export function rssMiB(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Math.round(Number(match[1]) / 1024) : Number.NaN;
}

/** The status code of a raw HTTP/1.1 answer, or null when there is none (yet). */
export function statusOf(received: string): number | null {
  const match = /^HTTP\/1\.1 (\d{3})/.exec(received);
  return match ? Number(match[1]) : null;
}

/** The header block of a raw HTTP/1.1 answer, names lower-cased. */
export function headersOf(received: string): Record<string, string> {
  const head = received.split('\r\n\r\n')[0] ?? '';
  const headers: Record<string, string> = {};
  for (const line of head.split('\r\n').slice(1)) {
    const colon = line.indexOf(':');
    if (colon > 0) {
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
  }
  return headers;
}

/** The body of a raw HTTP/1.1 answer (not de-chunked: only for Content-Length answers). */
export function bodyOf(received: string): string {
  const at = received.indexOf('\r\n\r\n');
  return at < 0 ? '' : received.slice(at + 4);
}
