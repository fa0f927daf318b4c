/** What the local Apple's services share: Apple's error format, JSON answers, bodies read with a bound. */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { printable } from '../../client/ci-text.ts';

/** An answer in Apple's error format: `{"errors": [{id, status, code, title, detail}]}`. */
export function appleError(status: number, code: string, title: string, detail: string) {
  return { errors: [{ id: randomUUID(), status: String(status), code, title, detail }] };
}

export const notFound = (detail: string) => appleError(404, 'NOT_FOUND', 'The specified resource does not exist', detail);

/** Apple's 401 for a missing, invalid or expired token; `why` goes to the local server's log, not the answer. */
export const notAuthorized = () =>
  appleError(401, 'NOT_AUTHORIZED', 'Authentication credentials are missing or invalid.', 'Provide a properly configured and signed bearer token, and make sure that it has not expired.');

export function sendJson(res: ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(value));
}

/** The body as JSON (at most 64 KiB, as no API body of Apple's is larger); undefined when it is not JSON. */
export async function readJson(req: IncomingMessage): Promise<Record<string, any> | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > 64 * 1024) return undefined;
    chunks.push(chunk as Buffer);
  }
  try {
    const value: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    return typeof value === 'object' && value !== null ? (value as Record<string, any>) : undefined;
  } catch {
    return undefined;
  }
}

/** One line of the local server's log for a call to the local Apple. */
export function logCall(service: string, method: string, path: string, status: number, note?: string): void {
  // The caller's words (a path, a token's kid) made one printable line a CI runner reads no command in.
  const line = { localApple: service, method: printable(method, 16), path: printable(path, 300), status, ...(note ? { note: printable(note, 300) } : {}) };
  process.stdout.write(`${JSON.stringify(line)}\n`);
}
