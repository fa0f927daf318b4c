/**
 * A fake APNs: HTTP/2 over TLS on loopback, checking provider tokens as Apple documents ("Establishing a token-based
 * connection to APNs"; "Handling notification responses from APNs"): the JWT's ES256 signature against the key's
 * public key, `alg` ES256, `kid` the key ID, `iss` the Team ID, `iat` neither in the future nor older than an hour
 * (403 ExpiredProviderToken), and per connection no change of token within 20 minutes of the last change
 * (429 TooManyProviderTokenUpdates). The clock is the test's.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createSecureServer, type Http2SecureServer, type Http2Session, type ServerHttp2Stream } from 'node:http2';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verify, type KeyObject } from 'node:crypto';
import type { AddressInfo } from 'node:net';

export interface FakeApnsOptions {
  publicKey: KeyObject;
  keyId: string;
  teamId: string;
  /** The server's clock, in milliseconds. */
  now: () => number;
}

/** A self-signed certificate for 127.0.0.1 and localhost, made at test time (no key material is committed). */
export function selfSignedCertificate(): { key: string; cert: string } {
  const dir = mkdtempSync(join(tmpdir(), 'asc-tls-'));
  try {
    const [key, cert] = [join(dir, 'key.pem'), join(dir, 'cert.pem')];
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'], { stdio: 'ignore' });
    return { key: readFileSync(key, 'utf8'), cert: readFileSync(cert, 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

interface ConnectionState {
  token?: string;
  changedAt?: number;
}

export class FakeApns {
  readonly tls = selfSignedCertificate();
  /** Every answer: the status and Apple's reason (none for 200). */
  readonly answers: Array<{ status: number; reason?: string; iat?: number }> = [];
  /** How often a connection switched to a new token. */
  tokenChanges = 0;
  #server: Http2SecureServer | undefined;
  readonly #connections = new WeakMap<Http2Session, ConnectionState>();

  constructor(readonly options: FakeApnsOptions) {}

  get url(): string {
    return `https://127.0.0.1:${(this.#server?.address() as AddressInfo).port}`;
  }

  async start(): Promise<this> {
    this.#server = createSecureServer({ key: this.tls.key, cert: this.tls.cert, allowHTTP1: false });
    this.#server.on('stream', (stream, headers) => this.#handle(stream, headers));
    await new Promise<void>((resolve) => this.#server?.listen(0, '127.0.0.1', resolve));
    return this;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.#server ? this.#server.close(() => resolve()) : resolve()));
  }

  #answer(stream: ServerHttp2Stream, status: number, reason?: string, iat?: number): void {
    this.answers.push({ status, ...(reason ? { reason } : {}), ...(iat === undefined ? {} : { iat }) });
    stream.respond({ ':status': status, 'apns-id': '00000000-0000-0000-0000-000000000000', ...(reason ? { 'content-type': 'application/json' } : {}) });
    stream.end(reason ? JSON.stringify({ reason }) : undefined);
  }

  #handle(stream: ServerHttp2Stream, headers: Record<string, unknown>): void {
    stream.resume();
    stream.on('end', () => {
      if (headers[':method'] !== 'POST' || !/^\/3\/device\/[0-9a-f]{64}$/.test(String(headers[':path']))) return this.#answer(stream, 404, 'BadPath');
      if (typeof headers['apns-topic'] !== 'string') return this.#answer(stream, 400, 'MissingTopic');
      const authorization = String(headers.authorization ?? '');
      if (!authorization.startsWith('bearer ')) return this.#answer(stream, 403, 'MissingProviderToken');
      const token = authorization.slice('bearer '.length);
      const checked = this.#check(token);
      if (typeof checked === 'string') return this.#answer(stream, 403, checked);
      const nowSeconds = Math.floor(this.options.now() / 1000);
      if (checked.iat > nowSeconds) return this.#answer(stream, 403, 'InvalidProviderToken', checked.iat);
      if (nowSeconds - checked.iat > 3600) return this.#answer(stream, 403, 'ExpiredProviderToken', checked.iat);
      const state = this.#connections.get(stream.session as Http2Session) ?? {};
      this.#connections.set(stream.session as Http2Session, state);
      if (state.token !== token) {
        if (state.changedAt !== undefined && nowSeconds - state.changedAt < 20 * 60) return this.#answer(stream, 429, 'TooManyProviderTokenUpdates', checked.iat);
        if (state.token !== undefined) this.tokenChanges++;
        state.token = token;
        state.changedAt = nowSeconds;
      }
      this.#answer(stream, 200, undefined, checked.iat);
    });
  }

  /** The token's iat, or the reason Apple gives for refusing it. */
  #check(token: string): { iat: number } | string {
    const parts = token.split('.');
    if (parts.length !== 3) return 'InvalidProviderToken';
    const [h, p, s] = parts as [string, string, string];
    let header: Record<string, unknown>;
    let payload: Record<string, unknown>;
    try {
      header = JSON.parse(Buffer.from(h, 'base64url').toString());
      payload = JSON.parse(Buffer.from(p, 'base64url').toString());
    } catch {
      return 'InvalidProviderToken';
    }
    if (header.alg !== 'ES256' || header.kid !== this.options.keyId || payload.iss !== this.options.teamId || !Number.isInteger(payload.iat)) return 'InvalidProviderToken';
    if (!verify('sha256', Buffer.from(`${h}.${p}`), { key: this.options.publicKey, dsaEncoding: 'ieee-p1363' }, Buffer.from(s, 'base64url'))) return 'InvalidProviderToken';
    return { iat: payload.iat as number };
  }
}
