/**
 * The real handler with a policy that holds keys in Secrets Manager and in KMS at once, each source a
 * wire-protocol fake on loopback driven by the real SDK clients. The built Lambda bundle with AWS_ENDPOINT_URL_KMS:
 * test/handler/kms.dist.test.ts.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { createHandler } from '../../src/handler.ts';
import { TAGS } from '../../src/key-sources/kms-fetcher.ts';
import { createRuntime } from '../../src/runtime.ts';
import { FakeKms, type FakeKey } from '../helpers/fake-kms.ts';
import { FakeSecretsManager } from '../helpers/fake-secrets-manager.ts';
import { withRequest } from '../helpers/fixtures.ts';
import { ISSUER_ID, assertNoMaterial, generateP256, secretJson, verifyEs256 } from '../helpers/keys.ts';
import { trackOutput } from '../helpers/leaks.ts';
import { captureLogs } from '../helpers/logs.ts';

const REST = 'rest-v1-iam-auth.captured.powertools-ts.json';
const ADMIN = 'arn:aws:iam::123456789012:role/Admin';
const smKey = generateP256();
const kmsKeyA = generateP256();
const kmsKeyB = generateP256();
const POLICY = {
  version: 1,
  keys: {
    main: { secretId: 'asc/main' },
    signer: { kmsKeyId: 'alias/asc/signer', keyId: 'POLICYKEY1', issuerId: ISSUER_ID },
  },
  profiles: {
    'via-secret': { key: 'main', scope: ['GET /v1/builds'], callers: [ADMIN] },
    'via-kms': { key: 'signer', scope: ['GET /v1/builds'], callers: [ADMIN] },
    'kms-only': { key: 'signer', scope: 'any', callers: ['arn:aws:iam::111122223333:user/example-user'] },
  },
};

let sm: FakeSecretsManager;
let kms: FakeKms;
let kmsA: FakeKey;
let dir: string;
before(async () => {
  sm = await new FakeSecretsManager().start();
  kms = await new FakeKms().start();
  dir = mkdtempSync(join(tmpdir(), 'asc-kms-'));
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
  kms.faults.length = 0;
  kms.persistentFault = undefined;
  sm.create('asc/main', secretJson(smKey, { keyId: 'SECRETKEY1' }));
  kmsA = kms.importDirectly(kms.createKey({ alias: 'alias/asc/signer' }), kmsKeyA.privateKey, { [TAGS.keyId]: 'KMSKEYAAAA', [TAGS.issuerId]: ISSUER_ID });
});

const aws = (endpoint: string) => ({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'test' } });

function service(options: { ttl?: number; now?: () => number } = {}) {
  const logs = captureLogs();
  const metrics: string[] = [];
  const handler = createHandler({
    init: () =>
      createRuntime({
        env: { POLICY_FILE: join(dir, 'policy.json'), KEY_SOURCE: 'policy', KEY_CACHE_TTL_SECONDS: String(options.ttl ?? 300) },
        sink: logs.sink,
        metricsSink: (line) => metrics.push(line),
        clientConfig: { secretsmanager: aws(sm.endpoint), kms: aws(kms.endpoint) },
        ...(options.now ? { now: options.now } : {}),
      }),
  });
  const call = async (method: string, path: string) => {
    const response = await handler(withRequest(REST, { method, path }), { awsRequestId: 'r-kms' });
    if (response.statusCode !== 200) trackOutput(response.body);
    for (const key of [smKey, kmsKeyA, kmsKeyB]) assertNoMaterial(response.statusCode === 200 && path.startsWith('/v1/tokens') ? '' : response.body, key);
    return { ...response, json: JSON.parse(response.body) };
  };
  return { call, logs, metrics };
}

const kidOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[0] as string, 'base64url').toString()).kid as string;

describe('the handler with Secrets Manager and KMS keys in one policy', () => {
  it('mints through KMS tokens that verify against the .p8; the response and the audit record have the Secrets Manager path\'s shape', async () => {
    const { call, logs } = service();
    const viaSecret = await call('POST', '/v1/tokens/via-secret');
    const viaKms = await call('POST', '/v1/tokens/via-kms');
    assert.equal(viaSecret.statusCode, 200, viaSecret.body);
    assert.equal(viaKms.statusCode, 200, viaKms.body);
    verifyEs256(viaSecret.json.token, smKey.publicKey);
    const { header, payload } = verifyEs256(viaKms.json.token, kmsKeyA.publicKey);
    assert.deepEqual(header, { alg: 'ES256', kid: 'KMSKEYAAAA', typ: 'JWT' });
    assert.equal(payload.iss, ISSUER_ID);
    assert.deepEqual(payload.scope, ['GET /v1/builds']);
    assert.equal(viaKms.json.keyId, 'KMSKEYAAAA');
    assert.deepEqual(Object.keys(viaKms.json), Object.keys(viaSecret.json));
    assert.deepEqual(viaKms.headers, viaSecret.headers);
    const [auditSecret, auditKms] = logs.audits();
    assert.deepEqual(Object.keys(auditKms ?? {}), Object.keys(auditSecret ?? {}));
    assert.equal(auditKms?.decision, 'issued');
    assert.equal(auditKms?.keyName, 'signer');
    assert.equal(auditKms?.keyId, 'KMSKEYAAAA');
    assert.equal(auditKms?.tokenSha256, viaKms.json.tokenSha256);
    assert.equal(sm.count('GetSecretValue'), 1);
    assert.equal(kms.count('Sign'), 1);
    assert.equal(kms.count('GetSecretValue'), 0);
  });

  it('each source is loaded only for its own keys, and the metrics and logs name it', async () => {
    const { call, logs, metrics } = service();
    await call('POST', '/v1/tokens/via-kms');
    assert.equal(sm.calls.length, 0, 'a KMS key does not touch Secrets Manager');
    await call('POST', '/v1/tokens/via-secret');
    assert.equal(sm.count('GetSecretValue'), 1);
    const loaded = logs.records().filter((r) => r.message === 'key loaded');
    assert.deepEqual(loaded.map((r) => [r.key, r.source]), [['signer', 'kms'], ['main', 'secretsmanager']]);
    const metric = (name: string) => metrics.map((line) => JSON.parse(line)).filter((m) => m[name] !== undefined);
    assert.deepEqual(metric('KeyFetchLatency').map((m) => m.source), ['kms', 'secretsmanager']);
    assert.deepEqual(metric('KeySignLatency').map((m) => m.source), ['kms']);
  });

  it('logs once per load that the key\'s tags and the policy disagree', async () => {
    const { call, logs } = service();
    await call('POST', '/v1/tokens/via-kms');
    await call('POST', '/v1/tokens/via-kms');
    const warnings = logs.records().filter((r) => r.level === 'WARN');
    assert.equal(warnings.length, 1);
    assert.equal(warnings[0]?.message, 'key needs attention');
    assert.equal(warnings[0]?.key, 'signer');
    assert.match(warnings[0]?.warning, /is tagged key KMSKEYAAAA, issuer .* but the policy says key POLICYKEY1/);
  });

  it('/v1/health names each key\'s source and shows the KMS key\'s state and the tag warning, without signing', async () => {
    const { call } = service();
    const health = await call('GET', '/v1/health');
    assert.equal(health.statusCode, 200, health.body);
    assert.equal(health.json.status, 'ok');
    assert.equal(health.json.keySource, 'secretsmanager+kms');
    const byName = Object.fromEntries(health.json.keys.map((k: { name: string }) => [k.name, k]));
    assert.equal(byName.main.source, 'secretsmanager');
    assert.equal(byName.main.kms, undefined);
    assert.equal(byName.signer.source, 'kms');
    assert.equal(byName.signer.keyId, 'KMSKEYAAAA');
    assert.equal(byName.signer.kms.keyState, 'Enabled');
    assert.equal(byName.signer.kms.keyArn, kmsA.arn);
    assert.equal(byName.signer.kms.identityFrom, 'tags');
    assert.match(byName.signer.warnings[0], /but the policy says key POLICYKEY1/);
    for (const field of ['name', 'keyId', 'loadedAt', 'age', 'stale', 'status']) assert.ok(field in byName.signer, field);
    assert.equal(kms.count('Sign'), 0, 'health never signs');
  });

  it('a disabled KMS key: 500 key_invalid naming the key on mint, 503 degraded health showing the state, the secret\'s profile unaffected', async () => {
    kmsA.state = 'Disabled';
    const { call, logs } = service();
    const minted = await call('POST', '/v1/tokens/via-kms');
    assert.equal(minted.statusCode, 500);
    assert.equal(minted.json.code, 'key_invalid');
    assert.match(minted.json.detail, /^Key "signer" is not usable: KMS key arn:aws:kms:\S+ is Disabled/);
    const health = await call('GET', '/v1/health');
    assert.equal(health.statusCode, 503);
    const signer = health.json.keys.find((k: { name: string }) => k.name === 'signer');
    assert.equal(signer.status, 'invalid');
    assert.equal(signer.kms.keyState, 'Disabled');
    assert.equal((await call('POST', '/v1/tokens/via-secret')).statusCode, 200);
    const refused = logs.audits().find((a) => a.decision === 'refused');
    assert.equal(refused?.code, 'key_invalid');
    assert.equal(refused?.reason, 'kms:state:Disabled');
  });

  it('KMS throttling Sign beyond the retry: 503 key_unavailable with Retry-After, audited as refused; the next request succeeds', async () => {
    const { call, logs, metrics } = service();
    await call('POST', '/v1/tokens/via-kms');
    kms.faults.push({ kind: 'throttle', operation: 'Sign' }, { kind: 'throttle', operation: 'Sign' });
    const throttled = await call('POST', '/v1/tokens/via-kms');
    assert.equal(throttled.statusCode, 503);
    assert.equal(throttled.json.code, 'key_unavailable');
    assert.equal(throttled.headers['retry-after'], '1');
    const refused = logs.audits().at(-1);
    assert.equal(refused?.decision, 'refused');
    assert.equal(refused?.reason, 'kms:Sign:ThrottlingException');
    assert.equal(refused?.keyId, 'KMSKEYAAAA');
    assert.equal(metrics.map((line) => JSON.parse(line)).filter((m) => m.KeySignFailures !== undefined).length, 1);
    assert.equal((await call('POST', '/v1/tokens/via-kms')).statusCode, 200);
  });

  it('a malformed signature from KMS never reaches the caller: 500 key_invalid', async () => {
    const { call } = service();
    kms.faults.push({ kind: 'malformedSignature' });
    const response = await call('POST', '/v1/tokens/via-kms');
    assert.equal(response.statusCode, 500);
    assert.equal(response.json.code, 'key_invalid');
    assert.doesNotMatch(response.body, /eyJ/);
  });

  it('rotation by moving the alias under continuous load: every request answers 200, the new kid within one TTL', async () => {
    const kmsB = kms.importDirectly(kms.createKey(), kmsKeyB.privateKey, { [TAGS.keyId]: 'KMSKEYBBBB', [TAGS.issuerId]: ISSUER_ID });
    const now = { value: Date.now() };
    const { call } = service({ ttl: 5, now: () => now.value });
    const kids: string[] = [];
    for (let round = 0; round < 40; round++) {
      if (round === 14) kms.aliases.set('alias/asc/signer', kmsB.id);
      const responses = await Promise.all(Array.from({ length: 20 }, () => call('POST', '/v1/tokens/via-kms')));
      for (const response of responses) {
        assert.equal(response.statusCode, 200, response.body);
        const kid = kidOf(response.json.token);
        verifyEs256(response.json.token, kid === 'KMSKEYAAAA' ? kmsKeyA.publicKey : kmsKeyB.publicKey);
        kids.push(kid);
      }
      now.value += 500;
    }
    assert.equal(kids.length, 800);
    assert.ok(kids.lastIndexOf('KMSKEYAAAA') < kids.indexOf('KMSKEYBBBB'));
    assert.ok(kids.indexOf('KMSKEYBBBB') <= 20 * (14 + 10), 'within one TTL (10 rounds) of the alias move');
    assert.ok(kms.count('DescribeKey') <= 6, `${kms.count('DescribeKey')} DescribeKey calls for 800 tokens`);
  });
});

