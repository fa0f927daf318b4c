/**
 * Tokens for Apple's other services, used as a service would use them, against fakes that check them by each
 * service's rules (docs/design.md#token-kinds): a push sender on one HTTP/2 connection to a fake APNs through three
 * refresh windows, getting its token from TokenClient (the real handler behind the local server, SigV4); a Sign in
 * with Apple client secret exchanged at a fake `/auth/token`; a WeatherKit request with its `id` header. One clock,
 * the test's, for the service, the client and the fakes.
 */
import assert from 'node:assert/strict';
import { verify } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { connect, type ClientHttp2Session } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { TokenClient } from '../../src/client/token-client.ts';
import { FakeApns } from '../helpers/fake-apns.ts';
import { DEVELOPER_KEY_ID, TEAM_ID, developerSecretJson, generateP256 } from '../helpers/keys.ts';
import { startLocalServer } from '../helpers/local-server.ts';
import { createService, type Service } from '../helpers/setup.ts';

const CALLER = { accessKeyId: 'AKIDAPPLESERVICES001', secretAccessKey: 'apple-services-secret', principalArn: 'arn:aws:sts::000000000000:assumed-role/push-sender/task' };
const POLICY = `
version: 1
keys:
  push: { secretId: apple/push, services: [apns, sign-in-with-apple, weatherkit] }
profiles:
  push:
    key: push
    api: apns
    callers: [arn:aws:iam::000000000000:role/push-sender]
  login:
    key: push
    api: sign-in-with-apple
    clientIds: [com.example.web]
    ttl: { default: 86400, max: 15777000 }
    callers: [arn:aws:iam::000000000000:role/push-sender]
  weather:
    key: push
    api: weatherkit
    serviceId: com.example.weatherkit-client
    callers: [arn:aws:iam::000000000000:role/push-sender]
`;
const DEVICE = 'a'.repeat(64);
const key = generateP256();
const clock = { offset: 0, now: () => Date.UTC(2026, 10, 22, 10, 17, 42) + clock.offset };

let service: Service;
let server: { url: string; close: () => void };
let tokens: TokenClient;
before(async () => {
  service = createService({ policy: POLICY, runtime: { now: clock.now } });
  writeFileSync(join(service.dir, 'keys', 'push.json'), developerSecretJson(key));
  server = await startLocalServer(service.handler, [CALLER]);
  tokens = new TokenClient({ url: server.url, credentials: async () => ({ accessKeyId: CALLER.accessKeyId, secretAccessKey: CALLER.secretAccessKey }), now: clock.now });
});
after(() => {
  server.close();
  service.cleanup();
});

function push(session: ClientHttp2Session, token: string): Promise<{ status: number; reason?: string }> {
  return new Promise((resolve, reject) => {
    const stream = session.request({ ':method': 'POST', ':path': `/3/device/${DEVICE}`, authorization: `bearer ${token}`, 'apns-topic': 'com.example.app', 'content-type': 'application/json' });
    let status = 0;
    const chunks: Buffer[] = [];
    stream.on('response', (headers) => (status = Number(headers[':status'])));
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => {
      const body = Buffer.concat(chunks).toString();
      resolve({ status, ...(body ? { reason: (JSON.parse(body) as { reason: string }).reason } : {}) });
    });
    stream.on('error', reject);
    stream.end(JSON.stringify({ aps: { alert: 'hello' } }));
  });
}

describe('APNs: a push sender through three refresh windows', () => {
  let apns: FakeApns;
  let session: ClientHttp2Session;
  before(async () => {
    apns = await new FakeApns({ publicKey: key.publicKey, keyId: DEVELOPER_KEY_ID, teamId: TEAM_ID, now: clock.now }).start();
    session = connect(apns.url, { ca: apns.tls.cert });
  });
  after(async () => {
    session.close();
    await apns.stop();
  });

  it('asks TokenClient before every push, on one connection: never 403, never 429, a new token once per window', async () => {
    const start = clock.offset;
    const used = new Set<string>();
    // Every 4 minutes for two and a half hours: more than three 40-minute windows.
    for (let step = 0; step <= 38; step++) {
      clock.offset = start + step * 4 * 60_000;
      const { token } = await tokens.getToken('push');
      used.add(token);
      const answer = await push(session, token);
      assert.deepEqual(answer, { status: 200 }, `push at +${step * 4} min`);
    }
    assert.ok(used.size >= 4, `tokens used: ${used.size}`);
    assert.equal(apns.tokenChanges, used.size - 1);
    assert.ok(apns.answers.every((a) => a.status === 200), 'no push refused');
  });

  it('the fake holds Apple\'s rules: a change within 20 minutes is 429, a token over an hour old 403', async () => {
    const fresh = connect(apns.url, { ca: apns.tls.cert });
    try {
      const first = await tokens.getToken('push');
      assert.equal((await push(fresh, first.token)).status, 200);
      clock.offset += 5 * 60_000;
      const other = await tokens.getToken('push', { forceRefresh: true });
      // The same window's token: the service signs once per window, so a forced refresh changes nothing here.
      assert.equal(other.token, first.token);
      clock.offset = Date.parse(first.refreshAfter) - Date.UTC(2026, 10, 22, 10, 17, 42);
      const next = await tokens.getToken('push');
      assert.notEqual(next.token, first.token);
      assert.deepEqual(await push(fresh, next.token), { status: 200 });
      clock.offset += 60_000;
      assert.deepEqual(await push(fresh, first.token), { status: 429, reason: 'TooManyProviderTokenUpdates' });
      clock.offset = (Date.parse(first.issuedAt) + 3601_000) - Date.UTC(2026, 10, 22, 10, 17, 42);
      const late = connect(apns.url, { ca: apns.tls.cert });
      assert.deepEqual(await push(late, first.token), { status: 403, reason: 'ExpiredProviderToken' });
      late.close();
    } finally {
      fresh.close();
    }
  });
});

/** A fake of Sign in with Apple's token endpoint: it checks the client secret as Apple does, then answers tokens. */
async function fakeAppleId(): Promise<{ server: Server; url: string; refused: string[] }> {
  const refused: string[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const form = new URLSearchParams(Buffer.concat(chunks).toString());
      const [h, p, s] = (form.get('client_secret') ?? '').split('.') as [string, string, string];
      const fail = (why: string) => {
        refused.push(why);
        res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'invalid_client' }));
      };
      try {
        const header = JSON.parse(Buffer.from(h, 'base64url').toString());
        const claims = JSON.parse(Buffer.from(p, 'base64url').toString());
        const now = Math.floor(clock.now() / 1000);
        if (!verify('sha256', Buffer.from(`${h}.${p}`), { key: key.publicKey, dsaEncoding: 'ieee-p1363' }, Buffer.from(s, 'base64url'))) return fail('signature');
        if (header.alg !== 'ES256' || header.kid !== DEVELOPER_KEY_ID) return fail('header');
        if (claims.iss !== TEAM_ID || claims.aud !== 'https://appleid.apple.com' || claims.sub !== form.get('client_id')) return fail('claims');
        if (!(claims.exp > now) || claims.iat > now || claims.exp - claims.iat > 15_777_000) return fail('lifetime');
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ access_token: 'a', token_type: 'Bearer', expires_in: 3600, id_token: 'i' }));
      } catch {
        fail('malformed');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, refused };
}

describe('Sign in with Apple: the client secret at /auth/token', () => {
  it('is accepted for its client ID and refused for another, and while it has not expired', async () => {
    const appleId = await fakeAppleId();
    try {
      const { token: secret, expiresAt } = await tokens.getToken('login');
      const exchange = (clientId: string) =>
        fetch(`${appleId.url}/auth/token`, { method: 'POST', body: new URLSearchParams({ client_id: clientId, client_secret: secret, code: 'c', grant_type: 'authorization_code' }) });
      assert.equal((await exchange('com.example.web')).status, 200);
      assert.equal((await exchange('com.example.other')).status, 400);
      assert.deepEqual(appleId.refused, ['claims']);
      const offset = clock.offset;
      clock.offset = Date.parse(expiresAt) - Date.UTC(2026, 10, 22, 10, 17, 42) + 1000;
      assert.equal((await exchange('com.example.web')).status, 400);
      assert.deepEqual(appleId.refused, ['claims', 'lifetime']);
      clock.offset = offset;
    } finally {
      appleId.server.close();
    }
  });
});

describe('WeatherKit: the id header', () => {
  it('a fake WeatherKit that checks id = TEAMID.SERVICEID, iss and sub accepts the token', async () => {
    const server = createServer((req, res) => {
      const [h, p, s] = String(req.headers.authorization ?? '').replace(/^Bearer /, '').split('.') as [string, string, string];
      const header = JSON.parse(Buffer.from(h, 'base64url').toString());
      const claims = JSON.parse(Buffer.from(p, 'base64url').toString());
      const ok =
        verify('sha256', Buffer.from(`${h}.${p}`), { key: key.publicKey, dsaEncoding: 'ieee-p1363' }, Buffer.from(s, 'base64url')) &&
        header.id === `${TEAM_ID}.com.example.weatherkit-client` &&
        claims.iss === TEAM_ID &&
        claims.sub === 'com.example.weatherkit-client' &&
        claims.exp > Math.floor(clock.now() / 1000);
      res.writeHead(ok ? 200 : 401).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { token } = await tokens.getToken('weather');
      const answer = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/weather/en/51.5/-0.1`, { headers: { authorization: `Bearer ${token}` } });
      assert.equal(answer.status, 200);
    } finally {
      server.close();
    }
  });
});
