import type { FastifyReply, FastifyRequest } from 'fastify';
import { setTimeout as sleep } from 'node:timers/promises';

/** Waits `ms`; resolves false instead when the simulator stops first. */
export async function pause(ms: number, signal: AbortSignal): Promise<boolean> {
  if (ms <= 0) {
    return !signal.aborted;
  }
  try {
    await sleep(ms, undefined, { signal });
    return true;
  } catch {
    return false;
  }
}

/** Takes the response away from Fastify and never answers; the socket stays open. */
export function neverAnswer(reply: FastifyReply): void {
  reply.hijack();
}

/** The token of an `Authorization: Bearer <token>` header, or null. */
export function bearerToken(request: FastifyRequest): string | null {
  const header = request.headers.authorization;
  if (!header) {
    return null;
  }
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match ? match[1] : null;
}

/** Calls `onAbort` when the client closes the connection before the answer was sent. */
export function onClientAbort(reply: FastifyReply, onAbort: () => void): void {
  reply.raw.once('close', () => {
    if (!reply.raw.writableFinished) {
      onAbort();
    }
  });
}
