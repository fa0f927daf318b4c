/**
 * The key store on Secrets Manager, through the real SDK client against a loopback endpoint that speaks the
 * wire protocol, with faults injected. Caching is proven by counting GetSecretValue calls.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { after, before, beforeEach, describe, it } from 'node:test';
import { TokenVendingError } from '../../src/core/errors.ts';
import { SecretsManagerKeyFetcher } from '../../src/key-sources/secrets-manager.ts';
import { KeyStore } from '../../src/key-sources/store.ts';
import { FakeSecretsManager, type Fault } from '../helpers/fake-secrets-manager.ts';
import { assertNoMaterial, generateP256, secretJson } from '../helpers/keys.ts';
import { trackOutput } from '../helpers/leaks.ts';

const keyA = generateP256();
const keyB = generateP256();
let fake: FakeSecretsManager;
let clock: number;

before(async () => {
  fake = await new FakeSecretsManager().start();
});
after(() => fake.stop());
beforeEach(() => {
  fake.secrets.clear();
  fake.calls.length = 0;
  fake.faults.length = 0;
  fake.persistentFault = undefined;
  clock = Date.UTC(2026, 10, 22, 10, 0, 0);
  fake.create('asc/main', secretJson(keyA, { keyId: 'AAAAAAAAAA' }));
});

/**
 * Timeouts for the tests of a slow or hanging Secrets Manager: the SDK's own timeout machinery, as the fetcher
 * configures it, with its production values (1 s connect, 1.5 s per attempt) scaled down so that no test waits
 * seconds; one test below keeps the production values.
 */
const SHORT_TIMEOUTS = { connectTimeoutMs: 200, requestTimeoutMs: 300 };

function store(options: { ttl?: number; grace?: number; names?: string[]; secretIds?: Record<string, string>; timeouts?: typeof SHORT_TIMEOUTS } = {}) {
  const failures: unknown[] = [];
  const fetcher = new SecretsManagerKeyFetcher({
    secretIds: new Map(Object.entries(options.secretIds ?? { main: 'asc/main' })),
    clientConfig: { endpoint: fake.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'test' } },
    ...options.timeouts,
  });
  const keys = new KeyStore({
    fetcher,
    names: options.names ?? Object.keys(options.secretIds ?? { main: 1 }),
    ttlSeconds: options.ttl ?? 300,
    staleGraceSeconds: options.grace ?? 3600,
    now: () => clock,
    onFetch: (event) => {
      if (!event.ok) failures.push(event.error);
    },
  });
  return { keys, failures };
}

async function refusal(promise: Promise<unknown>): Promise<TokenVendingError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof TokenVendingError, String(error));
    assertNoMaterial(`${error.message} ${error.detail}`, keyA);
    trackOutput(`${error.message} ${error.detail} ${String(error.cause ?? '')}`);
    return error;
  }
  assert.fail('expected a refusal');
}

describe('caching', () => {
  it('200 concurrent cold requests cause exactly one fetch, of AWSCURRENT', async () => {
    const { keys } = store();
    const results = await Promise.all(Array.from({ length: 200 }, () => keys.get('main')));
    assert.equal(fake.count(), 1);
    assert.equal(fake.calls[0]?.body.VersionStage, 'AWSCURRENT');
    assert.equal(fake.calls[0]?.body.SecretId, 'asc/main');
    assert.ok(results.every((k) => k === results[0] && k.keyId === 'AAAAAAAAAA'));
  });

  it('fetches once per TTL', async () => {
    const { keys } = store({ ttl: 300 });
    await keys.get('main');
    clock += 299_000;
    await keys.get('main');
    assert.equal(fake.count(), 1);
    clock += 1_000;
    await keys.get('main');
    assert.equal(fake.count(), 2);
  });

  it('does not re-import an unchanged version', async () => {
    const { keys } = store({ ttl: 1 });
    const first = await keys.get('main');
    clock += 2_000;
    const second = await keys.get('main');
    assert.equal(fake.count(), 2);
    assert.equal(second, first);
  });
});

describe('rotation', () => {
  it('a new AWSCURRENT version is used within one TTL, with no failed request', async () => {
    const { keys } = store({ ttl: 300 });
    assert.equal((await keys.get('main')).keyId, 'AAAAAAAAAA');
    fake.put('asc/main', secretJson(keyB, { keyId: 'BBBBBBBBBB' }), ['AWSCURRENT']);
    clock += 100_000;
    assert.equal((await keys.get('main')).keyId, 'AAAAAAAAAA', 'the cached key serves until the TTL');
    clock += 200_000;
    assert.equal((await keys.get('main')).keyId, 'BBBBBBBBBB');
  });

  it('an AWSPENDING version is not used', async () => {
    const { keys } = store({ ttl: 1 });
    fake.put('asc/main', secretJson(keyB, { keyId: 'BBBBBBBBBB' }), ['AWSPENDING']);
    assert.equal((await keys.get('main')).keyId, 'AAAAAAAAAA');
  });

  it('continuous requests across a rotation all succeed and switch keys', async () => {
    const { keys } = store({ ttl: 5 });
    const seen: string[] = [];
    for (let i = 0; i < 300; i++) {
      if (i === 150) fake.put('asc/main', secretJson(keyB, { keyId: 'BBBBBBBBBB' }), ['AWSCURRENT']);
      const batch = await Promise.all(Array.from({ length: 5 }, () => keys.get('main')));
      seen.push(...batch.map((k) => k.keyId));
      clock += 100;
    }
    assert.equal(seen.length, 1500);
    assert.ok(seen.lastIndexOf('AAAAAAAAAA') < seen.indexOf('BBBBBBBBBB'));
    assert.equal(seen.at(-1), 'BBBBBBBBBB');
    assert.ok(fake.count() <= 8, `${fake.count()} fetches`);
  });

  it('a rotation to an unusable value keeps serving the cached key and reports it', async () => {
    const { keys, failures } = store({ ttl: 1 });
    await keys.get('main');
    fake.put('asc/main', JSON.stringify({ keyId: 'BBBBBBBBBB', privateKey: 'garbage' }), ['AWSCURRENT']);
    clock += 2_000;
    assert.equal((await keys.get('main')).keyId, 'AAAAAAAAAA');
    assert.equal((failures[0] as TokenVendingError).code, 'key_invalid');
    const [health] = await keys.health();
    assert.equal(health?.stale, true);
    assert.equal(health?.status, 'stale');
  });
});

describe('failures', () => {
  it('retries a throttled call within the same request', async () => {
    fake.faults.push({ kind: 'throttle' });
    const { keys } = store();
    assert.equal((await keys.get('main')).keyId, 'AAAAAAAAAA');
    assert.equal(fake.count(), 2);
  });

  it('retries a 5xx once, then answers key_unavailable with Retry-After', async () => {
    fake.persistentFault = { kind: 'error5xx' };
    const { keys } = store();
    const error = await refusal(keys.get('main'));
    assert.equal(error.code, 'key_unavailable');
    assert.equal(error.status, 503);
    assert.ok((error.retryAfter ?? 0) >= 1);
    assert.equal(fake.count(), 2);
  });

  // Refused and garbage answers fail at once; a hanging or slow one waits for the (short) timeouts.
  for (const [name, fault, attempts, timeouts] of [
    ['refused connections', { kind: 'refuse' }, 2, undefined],
    ['a hanging endpoint', { kind: 'hang' }, 2, SHORT_TIMEOUTS],
    ['a slow endpoint (5 s)', { kind: 'delay', ms: 5000 }, 2, SHORT_TIMEOUTS],
    ['a garbage response', { kind: 'garbage' }, 1, undefined],
  ] as Array<[string, Fault, number, typeof SHORT_TIMEOUTS | undefined]>) {
    it(`a cold start with ${name} answers key_unavailable, bounded by the SDK timeouts`, async () => {
      fake.persistentFault = fault;
      const { keys } = store(timeouts ? { timeouts } : {});
      const started = Date.now();
      const error = await refusal(keys.get('main'));
      assert.equal(error.code, 'key_unavailable');
      assert.equal(fake.count(), attempts, 'attempts');
      // Not a speed assertion: a liveness bound far above the configured timeouts (2 attempts).
      assert.ok(Date.now() - started < 10_000, 'the fetch did not give up');
    });
  }

  it('with the production timeouts (1 s connect, 1.5 s per attempt, 2 attempts) a hanging endpoint is cut off after both attempts', async () => {
    fake.persistentFault = { kind: 'hang' };
    const { keys } = store();
    const started = Date.now();
    assert.equal((await refusal(keys.get('main'))).code, 'key_unavailable');
    const waited = Date.now() - started;
    assert.equal(fake.count(), 2);
    // The configured request timeout, twice, and a liveness bound (not a speed assertion).
    assert.ok(waited >= 2 * 1500 - 50 && waited < 10_000, `gave up after ${waited} ms`);
  });

  it('backs off after a failure with nothing cached, then recovers', async () => {
    fake.persistentFault = { kind: 'error5xx' };
    const { keys } = store();
    await refusal(keys.get('main'));
    const calls = fake.count();
    await refusal(keys.get('main'));
    assert.equal(fake.count(), calls, 'no call during the back-off');
    fake.persistentFault = undefined;
    clock += 3_000;
    assert.equal((await keys.get('main')).keyId, 'AAAAAAAAAA');
  });

  it('while serving a stale key, retries the source only every 30 s', async () => {
    const { keys } = store({ ttl: 300 });
    await keys.get('main');
    fake.persistentFault = { kind: 'error5xx' };
    clock += 301_000;
    await keys.get('main');
    const calls = fake.count();
    clock += 29_000;
    assert.equal((await keys.get('main')).keyId, 'AAAAAAAAAA');
    assert.equal(fake.count(), calls, 'no call within 30 s of the failure');
    clock += 2_000;
    fake.persistentFault = undefined;
    fake.put('asc/main', secretJson(keyB, { keyId: 'BBBBBBBBBB' }), ['AWSCURRENT']);
    assert.equal((await keys.get('main')).keyId, 'BBBBBBBBBB', 'tried again after 30 s, and recovered');
  });

  it('serves the cached key while Secrets Manager is down, within the grace period only', async () => {
    const { keys } = store({ ttl: 300, grace: 3600 });
    await keys.get('main');
    fake.persistentFault = { kind: 'error5xx' };
    clock += 3_000_000;
    assert.equal((await keys.get('main')).keyId, 'AAAAAAAAAA');
    clock += 900_000; // now 3900 s after loading: past TTL + grace (and past the 30 s stale retry interval)
    assert.equal((await refusal(keys.get('main'))).code, 'key_unavailable');
    fake.persistentFault = undefined;
    clock += 3_000;
    assert.equal((await keys.get('main')).keyId, 'AAAAAAAAAA');
  });

  const invalid: Array<[string, () => void, RegExp]> = [
    ['missing secret', () => fake.secrets.clear(), /ResourceNotFoundException/],
    ['access denied', () => (fake.persistentFault = { kind: 'accessDenied' }), /AccessDeniedException/],
    ['KMS decryption failure', () => (fake.persistentFault = { kind: 'decryptionFailure' }), /DecryptionFailure/],
    ['not JSON', () => fake.put('asc/main', 'not json'), /not JSON/],
    ['a binary secret', () => fake.put('asc/main', undefined), /no SecretString/],
    ['no keyId', () => fake.put('asc/main', JSON.stringify({ privateKey: keyA.pem })), /keyId/],
    ['wrong curve', () => fake.put('asc/main', JSON.stringify({ keyId: 'AAAAAAAAAA', privateKey: generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey.export({ format: 'pem', type: 'pkcs8' }) })), /curve/],
    ['SEC1 key', () => fake.put('asc/main', JSON.stringify({ keyId: 'AAAAAAAAAA', privateKey: keyA.privateKey.export({ format: 'pem', type: 'sec1' }) })), /SEC1/],
    ['encrypted key', () => fake.put('asc/main', JSON.stringify({ keyId: 'AAAAAAAAAA', privateKey: keyA.privateKey.export({ format: 'pem', type: 'pkcs8', cipher: 'aes-128-cbc', passphrase: 'p' }) })), /encrypted/],
  ];
  for (const [name, arrange, reason] of invalid) {
    it(`${name}: key_invalid naming the key and the reason`, async () => {
      arrange();
      const { keys } = store();
      const error = await refusal(keys.get('main'));
      assert.equal(error.code, 'key_invalid');
      assert.equal(error.status, 500);
      assert.match(error.detail, /^Key "main" is not usable: /);
      assert.match(error.detail, reason);
    });
  }
});

describe('the handler on Secrets Manager, rotating under load', () => {
  it('keeps answering 200 through a rotation, switching to the new key', async () => {
    const { createHandler } = await import('../../src/handler.ts');
    const { createRuntime } = await import('../../src/runtime.ts');
    const { createService } = await import('../helpers/setup.ts');
    const { withRequest } = await import('../helpers/fixtures.ts');
    const { verifyEs256 } = await import('../helpers/keys.ts');
    const scaffold = createService(); // for its policy file and log capture
    const now = { value: Date.now() };
    try {
      const handler = createHandler({
        init: () =>
          createRuntime({
            env: { POLICY_FILE: `${scaffold.dir}/policy.yaml`, KEY_CACHE_TTL_SECONDS: '5' },
            sink: scaffold.logs.sink,
            now: () => now.value,
            fetcher: new SecretsManagerKeyFetcher({
              secretIds: new Map([['main', 'asc/main'], ['broken', 'asc/broken'], ['missing', 'asc/missing']]),
              clientConfig: { endpoint: fake.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'test' } },
            }),
          }),
      });
      const event = () => withRequest('rest-v1-iam-auth.captured.powertools-ts.json', { method: 'POST', path: '/v1/tokens/release' });
      const kids = new Map<string, number>();
      for (let round = 0; round < 40; round++) {
        if (round === 20) fake.put('asc/main', secretJson(keyB, { keyId: 'BBBBBBBBBB' }), ['AWSCURRENT']);
        const responses = await Promise.all(Array.from({ length: 25 }, () => handler(event())));
        for (const response of responses) {
          assert.equal(response.statusCode, 200, response.body);
          const { token } = JSON.parse(response.body);
          const kid = JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString()).kid as string;
          verifyEs256(token, kid === 'AAAAAAAAAA' ? keyA.publicKey : keyB.publicKey);
          kids.set(kid, (kids.get(kid) ?? 0) + 1);
        }
        now.value += 500;
      }
      assert.equal((kids.get('AAAAAAAAAA') ?? 0) + (kids.get('BBBBBBBBBB') ?? 0), 1000);
      assert.ok((kids.get('BBBBBBBBBB') ?? 0) >= 25 * 10, 'the new key took over within one TTL');
      assert.ok(fake.count() <= 6, `${fake.count()} fetches for 1000 requests`);
    } finally {
      scaffold.cleanup();
    }
  });
});
