/**
 * Apple's developer keys through the real handler (docs/design.md#token-kinds): a developer key in Secrets Manager and
 * one in KMS (wire-protocol fakes on loopback, the real SDK clients), real API Gateway events. Shared tokens cost one
 * key load and one signature however many callers ask at once on a cold instance; every other kind mints exactly
 * its header and claims; refusals name what to fix.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { createHandler } from '../../src/handler.ts';
import { TAGS } from '../../src/key-sources/kms-fetcher.ts';
import { createRuntime, type Runtime } from '../../src/runtime.ts';
import { FakeKms } from '../helpers/fake-kms.ts';
import { FakeSecretsManager } from '../helpers/fake-secrets-manager.ts';
import { withRequest } from '../helpers/fixtures.ts';
import { DEVELOPER_KEY_ID, TEAM_ID, assertNoMaterial, developerSecretJson, generateP256, secretJson, verifyEs256 } from '../helpers/keys.ts';
import { trackOutput } from '../helpers/leaks.ts';
import { captureLogs } from '../helpers/logs.ts';

const REST = 'rest-v1-iam-auth.captured.powertools-ts.json';
const V2 = 'http-v2-iam-auth.captured.powertools-ts.json';
const ADMIN = 'arn:aws:iam::123456789012:role/Admin';
const pushKey = generateP256();
const kmsPushKey = generateP256();
const ascKey = generateP256();
const POLICY = {
  version: 1,
  keys: {
    push: { secretId: 'apple/push', services: ['apns', 'devicecheck', 'sign-in-with-apple', 'weatherkit', 'musickit'] },
    'kms-push': { kmsKeyId: 'alias/apple/push', keyId: 'KMSPUSH123', teamId: TEAM_ID },
    asc: { secretId: 'asc/main' },
  },
  profiles: {
    notify: { key: 'push', api: 'apns', callers: [ADMIN] },
    'notify-kms': { key: 'kms-push', api: 'apns', refreshWindow: 1200, callers: [ADMIN] },
    check: { key: 'push', api: 'devicecheck', callers: [ADMIN] },
    login: { key: 'push', api: 'sign-in-with-apple', clientIds: ['com.example.web', 'com.example.ios'], ttl: { default: 86400, max: 15_777_000 }, callers: [ADMIN] },
    'login-web': { key: 'push', api: 'sign-in-with-apple', clientIds: ['com.example.web'], callers: [ADMIN] },
    weather: { key: 'push', api: 'weatherkit', serviceId: 'com.example.weatherkit-client', callers: [ADMIN] },
    music: { key: 'push', api: 'musickit', origins: ['https://music.example.com'], ttl: { max: 15_777_000 }, callers: [ADMIN] },
    'wrong-key': { key: 'asc', api: 'apns', callers: [ADMIN] },
  },
};

let sm: FakeSecretsManager;
let kms: FakeKms;
let dir: string;
before(async () => {
  sm = await new FakeSecretsManager().start();
  kms = await new FakeKms().start();
  dir = mkdtempSync(join(tmpdir(), 'asc-developer-'));
  writeFileSync(join(dir, 'policy.json'), JSON.stringify(POLICY));
});
after(async () => {
  await sm.stop();
  await kms.stop();
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => {
  sm.secrets.clear();
  sm.calls.length = 0;
  kms.keys.clear();
  kms.aliases.clear();
  kms.calls.length = 0;
  sm.create('apple/push', developerSecretJson(pushKey));
  sm.create('asc/main', secretJson(ascKey));
  kms.importDirectly(kms.createKey({ alias: 'alias/apple/push' }), kmsPushKey.privateKey, { [TAGS.keyId]: 'KMSPUSH123', [TAGS.teamId]: TEAM_ID });
});

const aws = (endpoint: string) => ({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'test' } });

/** A cold instance: a new runtime, with a clock the test moves. */
function instance(clock: { now: number }) {
  const logs = captureLogs();
  let runtime: Runtime | undefined;
  const handler = createHandler({
    init: () =>
      (runtime = createRuntime({
        env: { POLICY_FILE: join(dir, 'policy.json'), KEY_SOURCE: 'policy' },
        sink: logs.sink,
        metricsSink: () => {},
        clientConfig: { secretsmanager: aws(sm.endpoint), kms: aws(kms.endpoint) },
        now: () => clock.now,
      })),
  });
  const call = async (path: string, body?: unknown, fixture = REST) => {
    const response = await handler(withRequest(fixture, { method: 'POST', path, body: body === undefined ? null : JSON.stringify(body), headers: { 'content-type': 'application/json' } }), { awsRequestId: 'r-dev' });
    if (response.statusCode !== 200) trackOutput(response.body);
    for (const key of [pushKey, kmsPushKey, ascKey]) assertNoMaterial(response.statusCode === 200 ? response.body.replace(/"token":"[^"]*"/, '') : response.body, key);
    return { ...response, json: JSON.parse(response.body) };
  };
  return { call, logs, runtime: () => runtime as Runtime };
}

const NOW = Date.UTC(2026, 10, 22, 10, 17, 42);
const WINDOW_START = Date.UTC(2026, 10, 22, 10, 0, 0) / 1000;

describe('APNs and DeviceCheck: shared tokens through the handler', () => {
  it('200 concurrent requests on a cold instance: one key load, one signature, one token for every caller', async () => {
    const clock = { now: NOW };
    const { call, logs, runtime } = instance(clock);
    const answers = await Promise.all(Array.from({ length: 200 }, (_, i) => call('/v1/tokens/notify', undefined, i % 2 ? REST : V2)));
    for (const answer of answers) assert.equal(answer.statusCode, 200, answer.body);
    assert.equal(sm.count('GetSecretValue'), 1);
    assert.equal(runtime().sharedTokens.signatures, 1);
    assert.equal(new Set(answers.map((a) => a.json.token)).size, 1);
    const [first] = answers;
    const { header, payload } = verifyEs256(first?.json.token, pushKey.publicKey);
    assert.deepEqual(header, { alg: 'ES256', kid: DEVELOPER_KEY_ID });
    assert.deepEqual(payload, { iss: TEAM_ID, iat: WINDOW_START });
    assert.deepEqual(
      { ...first?.json, token: undefined, tokenSha256: undefined },
      {
        token: undefined,
        tokenType: 'Bearer',
        profile: 'notify',
        keyId: DEVELOPER_KEY_ID,
        audience: null,
        scope: null,
        issuedAt: new Date(WINDOW_START * 1000).toISOString().replace('.000Z', 'Z'),
        expiresAt: new Date((WINDOW_START + 3600) * 1000).toISOString().replace('.000Z', 'Z'),
        expiresIn: WINDOW_START + 3600 - NOW / 1000,
        refreshAfter: new Date((WINDOW_START + 2400 + 30) * 1000).toISOString().replace('.000Z', 'Z'),
        tokenSha256: undefined,
      },
    );
    // Every decision is still audited, each with the shared token's hash and its kind.
    const audits = logs.audits().filter((a) => a.profile === 'notify');
    assert.equal(audits.length, 200);
    assert.ok(audits.every((a) => a.decision === 'issued' && a.kind === 'apns' && a.tokenSha256 === first?.json.tokenSha256), 'every audit record: issued, apns, the shared token');
    // DeviceCheck on the same key and window: the same token, no new signature.
    const check = await call('/v1/tokens/check');
    assert.equal(check.json.token, first?.json.token);
    assert.equal(runtime().sharedTokens.signatures, 1);
  });

  it('the next window, and only the next window, signs again', async () => {
    const clock = { now: NOW };
    const { call, runtime } = instance(clock);
    const first = await call('/v1/tokens/notify');
    clock.now = Date.parse(first.json.refreshAfter) - 1000;
    assert.equal((await call('/v1/tokens/notify')).json.token, first.json.token);
    clock.now = Date.parse(first.json.refreshAfter);
    const next = await call('/v1/tokens/notify');
    assert.notEqual(next.json.token, first.json.token);
    assert.equal(Date.parse(next.json.issuedAt) / 1000, WINDOW_START + 2400);
    assert.equal(runtime().sharedTokens.signatures, 2);
  });

  it('with KMS: one kms:Sign per window per instance, however many ask', async () => {
    const clock = { now: NOW };
    const { call } = instance(clock);
    const answers = await Promise.all(Array.from({ length: 200 }, () => call('/v1/tokens/notify-kms')));
    for (const answer of answers) assert.equal(answer.statusCode, 200, answer.body);
    assert.equal(kms.calls.filter((c) => c.target === 'Sign').length, 1);
    const { header, payload } = verifyEs256(answers[0]?.json.token, kmsPushKey.publicKey);
    assert.deepEqual(header, { alg: 'ES256', kid: 'KMSPUSH123' });
    assert.deepEqual(payload, { iss: TEAM_ID, iat: Date.UTC(2026, 10, 22, 10, 0, 0) / 1000 }); // 10:17:12 is in the 1200 s window from 10:00
    clock.now = Date.parse(answers[0]?.json.refreshAfter);
    await Promise.all(Array.from({ length: 50 }, () => call('/v1/tokens/notify-kms')));
    assert.equal(kms.calls.filter((c) => c.target === 'Sign').length, 2);
  });

  it('refuse a scope or a ttl: invalid_request', async () => {
    const { call } = instance({ now: NOW });
    for (const body of [{ scope: ['GET /v1/apps'] }, { ttl: 600 }]) {
      const answer = await call('/v1/tokens/notify', body);
      assert.equal(answer.statusCode, 400);
      assert.equal(answer.json.code, 'invalid_request');
      assert.match(answer.json.detail, /Apple Push Notification service tokens take no scope and no ttl/);
    }
  });
});

describe('Sign in with Apple, WeatherKit, MusicKit through the handler', () => {
  it('sign-in-with-apple: the client ID asked for, or the profile\'s only one; refusals say what to fix', async () => {
    const { call, logs } = instance({ now: NOW });
    const asked = await call('/v1/tokens/login', { clientId: 'com.example.ios', ttl: 15_777_000 });
    assert.equal(asked.statusCode, 200, asked.body);
    const { header, payload } = verifyEs256(asked.json.token, pushKey.publicKey);
    assert.deepEqual(header, { alg: 'ES256', kid: DEVELOPER_KEY_ID });
    assert.deepEqual(payload, { iss: TEAM_ID, iat: NOW / 1000 - 30, exp: NOW / 1000 - 30 + 15_777_000, aud: 'https://appleid.apple.com', sub: 'com.example.ios' });
    assert.equal(asked.json.audience, 'https://appleid.apple.com');
    const only = await call('/v1/tokens/login-web');
    assert.equal(verifyEs256(only.json.token, pushKey.publicKey).payload.sub, 'com.example.web');

    const refusals: Array<[string, unknown, number, string, RegExp]> = [
      ['/v1/tokens/login', undefined, 400, 'invalid_request', /several client IDs: name one with "clientId"/],
      ['/v1/tokens/login', { clientId: 'com.attacker.app' }, 403, 'scope_not_allowed', /does not sign for this clientId/],
      ['/v1/tokens/login', { clientId: 'not a client id' }, 400, 'invalid_request', /clientId must be a Services ID/],
      ['/v1/tokens/login', { clientId: 42 }, 400, 'invalid_request', /clientId must be a string/],
      ['/v1/tokens/login', { clientId: 'com.example.web', ttl: 15_777_001 }, 400, 'ttl_out_of_range', /ttl must be/],
      ['/v1/tokens/weather', { clientId: 'com.example.web' }, 400, 'invalid_request', /WeatherKit REST API tokens take no "clientId"/],
      ['/v1/tokens/login', { clientId: 'com.example.web', scope: ['GET /v1/apps'] }, 400, 'invalid_scope', /take no scope/],
    ];
    for (const [path, body, status, code, detail] of refusals) {
      const answer = await call(path, body);
      assert.equal(answer.statusCode, status, `${path} ${JSON.stringify(body)}: ${answer.body}`);
      assert.equal(answer.json.code, code);
      assert.match(answer.json.detail, detail, `${path} ${JSON.stringify(body)}: ${answer.json.detail}`);
    }
    const refused = logs.audits().filter((a) => a.decision === 'refused' && a.profile === 'login');
    assert.ok(refused.some((a) => a.reason === 'clientId_not_granted' && a.kind === 'sign-in-with-apple'), JSON.stringify(refused.map((a) => [a.reason, a.kind])));
  });

  it('weatherkit: the id header; musickit: origin', async () => {
    const { call } = instance({ now: NOW });
    const weather = verifyEs256((await call('/v1/tokens/weather')).json.token, pushKey.publicKey);
    assert.deepEqual(weather.header, { alg: 'ES256', kid: DEVELOPER_KEY_ID, id: `${TEAM_ID}.com.example.weatherkit-client` });
    assert.deepEqual(weather.payload, { iss: TEAM_ID, iat: NOW / 1000 - 30, exp: NOW / 1000 - 30 + 3600, sub: 'com.example.weatherkit-client' });
    const music = verifyEs256((await call('/v1/tokens/music', { ttl: 15_777_000 })).json.token, pushKey.publicKey);
    assert.deepEqual(music.payload, { iss: TEAM_ID, iat: NOW / 1000 - 30, exp: NOW / 1000 - 30 + 15_777_000, origin: ['https://music.example.com'] });
  });

  it('a profile whose secret turns out to be an App Store Connect key: key_invalid saying so', async () => {
    const { call } = instance({ now: NOW });
    const answer = await call('/v1/tokens/wrong-key');
    assert.equal(answer.statusCode, 500);
    assert.equal(answer.json.code, 'key_invalid');
    assert.match(answer.json.detail, /Key "asc" has no teamId; apns tokens need a developer key/);
  });

  it('GET /v1/profiles shows each kind\'s fields', async () => {
    const clock = { now: NOW };
    const logs = captureLogs();
    const handler = createHandler({ init: () => createRuntime({ env: { POLICY_FILE: join(dir, 'policy.json'), KEY_SOURCE: 'policy' }, sink: logs.sink, metricsSink: () => {}, clientConfig: { secretsmanager: aws(sm.endpoint), kms: aws(kms.endpoint) }, now: () => clock.now }) });
    const response = await handler(withRequest(REST, { method: 'GET', path: '/v1/profiles' }), { awsRequestId: 'r-profiles' });
    const profiles = Object.fromEntries((JSON.parse(response.body).profiles as Array<Record<string, unknown>>).map((p) => [p.name, p]));
    assert.deepEqual(profiles.login, { name: 'login', description: null, api: 'sign-in-with-apple', key: 'push', scope: 'any', ttl: { default: 86400, max: 15_777_000 }, clientIds: ['com.example.web', 'com.example.ios'] });
    assert.deepEqual(profiles['notify-kms'], { name: 'notify-kms', description: null, api: 'apns', key: 'kms-push', scope: 'any', ttl: { default: 3600, max: 3600 }, refreshWindow: 1200 });
    assert.equal((profiles.weather as { serviceId: string }).serviceId, 'com.example.weatherkit-client');
  });
});
