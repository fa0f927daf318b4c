/**
 * What the fakes of Apple's APIs share — App Store Connect (fake-asc.ts, and fake-apple.ts for `keys verify`) and the
 * Notary API (fake-notary.ts): Apple's error format and its 401 for a token it refuses, and the server itself: on
 * loopback, every bearer token checked as Apple checks it (test/helpers/apple-token.ts) plus the fake's own scope
 * rule, tokens older than N seconds refused, each request recorded with the scope and the SHA-256 of its token,
 * and everything that breaks Apple's contract recorded in `problems` (tests assert it stays empty).
 */
import { randomUUID, type KeyObject } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { checkAppleToken } from './apple-token.ts';
import { listenOnLoopback, stopServer } from './loopback.ts';

/** An answer in Apple's error format: `{"errors": [{id, status, code, title, detail}]}`. */
export function appleError(status: number, code: string, title: string, detail: string) {
  return { errors: [{ id: randomUUID(), status: String(status), code, title, detail }] };
}

/** Apple's 401 for a missing, invalid or expired token. */
export function notAuthorized() {
  return appleError(
    401,
    'NOT_AUTHORIZED',
    'Authentication credentials are missing or invalid.',
    'Provide a properly configured and signed bearer token, and make sure that it has not expired. Learn more about Generating Tokens for API Requests https://developer.apple.com/go/?id=api-generating-tokens',
  );
}

export function sendJson(res: ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(value));
}

export interface AppleApiOptions {
  /** The public half of the API key, and its ID and issuer: tokens must verify against them. */
  publicKey: KeyObject;
  keyId: string;
  /** Absent for an individual key (`sub: "user"`). */
  issuerId?: string | undefined;
  now?: () => number;
  /** Answer 401 to a token whose `iat` is more than this many seconds ago. */
  maxTokenAgeSeconds?: number;
  /** Awaited before each API answer: tests move clocks here, the benchmark samples memory. */
  onApiRequest?: (request: { method: string; path: string }) => void | Promise<void>;
}

export interface AppleRecordedRequest {
  method: string;
  path: string;
  status: number;
  scope?: string[] | undefined;
  iat?: number;
  tokenSha256?: string;
}

export abstract class FakeAppleApi<Options extends AppleApiOptions, Recorded extends AppleRecordedRequest> {
  url = '';
  readonly requests: Recorded[] = [];
  /** Contract violations seen: each a request or answer that breaks Apple's spec or rules. */
  readonly problems: string[] = [];
  /** Tokens refused for their age (maxTokenAgeSeconds): expected, so not problems. */
  rejectedAsOld = 0;
  readonly options: Options;
  readonly #server = createServer((req, res) => void this.handle(req, res).catch((error) => this.#fail(res, error)));

  constructor(options: Options) {
    this.options = options;
  }

  async start(): Promise<this> {
    this.url = await listenOnLoopback(this.#server);
    return this;
  }

  stop(): void {
    stopServer(this.#server);
  }

  protected now(): number {
    return (this.options.now ?? Date.now)();
  }

  protected abstract handle(req: IncomingMessage, res: ServerResponse): Promise<void>;

  /**
   * Apple's checks of the request's bearer token, then `scopeRefusal` (why the token's scope claim does not cover
   * this call, or undefined), then its age. Apple's 401 body, or undefined when the token passes.
   */
  protected authorize(req: IncomingMessage, url: URL, record: Recorded, scopeRefusal: (claims: Record<string, any>) => string | undefined): unknown {
    const unauthorized = (why: string, expected = false) => {
      if (!expected) this.problems.push(`${record.method} ${url.pathname}: token refused: ${why}`);
      return notAuthorized();
    };
    const now = Math.floor(this.now() / 1000);
    const checked = checkAppleToken(req.headers.authorization, this.options, now);
    if (checked.claims) {
      record.scope = checked.claims.scope;
      record.iat = checked.claims.iat;
    }
    if (checked.tokenSha256) record.tokenSha256 = checked.tokenSha256;
    if (!checked.ok) return unauthorized(checked.why);
    const refused = scopeRefusal(checked.claims);
    if (refused !== undefined) return unauthorized(refused);
    if (this.options.maxTokenAgeSeconds !== undefined && now - checked.claims.iat > this.options.maxTokenAgeSeconds) {
      this.rejectedAsOld++;
      return unauthorized(`token ${now - checked.claims.iat} s old`, true);
    }
    return undefined;
  }

  #fail(res: ServerResponse, error: unknown): void {
    this.problems.push(`the fake failed: ${(error as Error).stack}`);
    if (!res.headersSent) res.writeHead(500);
    res.end();
  }
}
