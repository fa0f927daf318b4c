/**
 * App Store Connect on loopback, for `keys verify`: accepts a bearer token only when it verifies with a key it
 * knows (by kid) and meets Apple's rules, and answers in Apple's error format otherwise.
 */
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { KeyObject } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { verifyEs256 } from './keys.ts';

export async function startFakeApple(knownKeys: Map<string, KeyObject>) {
  const requests: Array<{ path: string; claims?: Record<string, unknown> }> = [];
  const server = createServer((req, res) => {
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const unauthorized = () => {
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ errors: [{ status: '401', code: 'NOT_AUTHORIZED', title: 'Authentication credentials are missing or invalid.', detail: 'Provide a properly configured and signed bearer token, and make sure that it has not expired.' }] }));
    };
    if (!token) return unauthorized();
    try {
      const kid = JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString()).kid;
      const key = knownKeys.get(kid);
      if (!key) return unauthorized();
      const { payload } = verifyEs256(token, key);
      requests.push({ path: req.url ?? '', claims: payload });
      const now = Date.now() / 1000;
      if ((payload.exp as number) - (payload.iat as number) > 1200 || (payload.iat as number) > now + 60 || payload.aud !== 'appstoreconnect-v1') return unauthorized();
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ data: [{ type: 'apps', id: '1' }] }));
    } catch {
      unauthorized();
    }
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    stop: () => {
      server.closeAllConnections();
      server.close();
    },
  };
}
