/**
 * App Store Connect on loopback, for `keys verify`: accepts a bearer token only when it verifies with a key it
 * knows (by kid) and passes Apple's checks (test/helpers/apple-token.ts), and answers in Apple's error format
 * otherwise. It knows keys, not accounts: a team key's token may name any issuer, an individual key's is `sub: "user"`.
 */
import { createServer } from 'node:http';
import type { KeyObject } from 'node:crypto';
import { checkAppleToken } from './apple-token.ts';
import { notAuthorized, sendJson } from './fake-apple-api.ts';
import { listenOnLoopback, stopServer } from './loopback.ts';

export async function startFakeApple(knownKeys: Map<string, KeyObject>) {
  const requests: Array<{ path: string; claims?: Record<string, unknown> }> = [];
  const server = createServer((req, res) => {
    const [header, payload] = (/^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '').split('.').map((part) => {
      try {
        return JSON.parse(Buffer.from(part, 'base64url').toString()) as Record<string, unknown>;
      } catch {
        return undefined;
      }
    });
    const kid = header?.kid;
    const key = typeof kid === 'string' ? knownKeys.get(kid) : undefined;
    if (!key) return sendJson(res, 401, notAuthorized());
    const issuerId = typeof payload?.iss === 'string' ? payload.iss : undefined;
    const checked = checkAppleToken(req.headers.authorization, { publicKey: key, keyId: kid as string, issuerId }, Math.floor(Date.now() / 1000));
    if (checked.claims) requests.push({ path: req.url ?? '', claims: checked.claims });
    if (!checked.ok) return sendJson(res, 401, notAuthorized());
    sendJson(res, 200, { data: [{ type: 'apps', id: '1' }] });
  });
  const url = await listenOnLoopback(server);
  return { url, requests, stop: () => stopServer(server) };
}
