/**
 * The key store on AWS KMS, through the real SDK client against a loopback endpoint that speaks the wire protocol
 * (test/helpers/fake-kms.ts), with faults injected. Caching is proven by counting calls; every token is checked
 * with node:crypto against the public key of the `.p8` that was imported.
 */
import assert from 'node:assert/strict';
import { KeyObject, createHash } from 'node:crypto';
import { after, before, beforeEach, describe, it } from 'node:test';
import { TokenVendingError } from '../../src/core/errors.ts';
import { mintToken } from '../../src/core/sign.ts';
import { parseRequestedScope } from '../../src/core/scope.ts';
import { KmsKeyFetcher, TAGS, type AppleIdentity } from '../../src/key-sources/kms-fetcher.ts';
import { KeyStore } from '../../src/key-sources/store.ts';
import { FakeKms, type FakeKey, type KmsFault } from '../helpers/fake-kms.ts';
import { ISSUER_ID, assertNoMaterial, generateP256, verifyEs256 } from '../helpers/keys.ts';
import { trackOutput } from '../helpers/leaks.ts';

const keyA = generateP256();
const keyB = generateP256();
const OTHER_ISSUER = '69a6de70-03db-47e3-e053-5b8c7c11a4d1';
const POLICY: AppleIdentity = { keyId: 'POLICYKEY1', issuerId: ISSUER_ID };
let fake: FakeKms;
let clock: number;
let kmsA: FakeKey;

const teamTags = (keyId: string, issuerId = ISSUER_ID) => ({ [TAGS.keyId]: keyId, [TAGS.issuerId]: issuerId });

before(async () => {
  fake = await new FakeKms().start();
});
after(() => fake.stop());
beforeEach(() => {
  fake.keys.clear();
  fake.aliases.clear();
  fake.calls.length = 0;
  fake.faults.length = 0;
  fake.persistentFault = undefined;
  clock = Date.UTC(2026, 10, 22, 10, 0, 0);
  kmsA = fake.importDirectly(fake.createKey({ alias: 'alias/asc/main' }), keyA.privateKey, teamTags('AAAAAAAAAA'));
});

/**
 * Timeouts for the tests of a slow or hanging KMS: the SDK's own timeout machinery, as the fetcher configures it,
 * with its production values (1 s connect, 1.5 s per attempt) scaled down so that no test waits seconds; one test
 * below keeps the production values.
 */
const SHORT_TIMEOUTS = { connectTimeoutMs: 200, requestTimeoutMs: 300 };

function store(options: { ttl?: number; grace?: number; kmsKeyId?: string; identity?: AppleIdentity | null; timeouts?: typeof SHORT_TIMEOUTS } = {}) {
  const failures: unknown[] = [];
  const signs: Array<{ ok: boolean }> = [];
  const fetcher = new KmsKeyFetcher({
    keys: new Map([['main', { kmsKeyId: options.kmsKeyId ?? 'alias/asc/main', identity: options.identity === null ? undefined : (options.identity ?? POLICY) }]]),
    clientConfig: { endpoint: fake.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'test' } },
    ...options.timeouts,
    now: () => clock,
    onSign: (event) => signs.push(event),
  });
  const keys = new KeyStore({
    fetcher,
    names: ['main'],
    ttlSeconds: options.ttl ?? 300,
    staleGraceSeconds: options.grace ?? 3600,
    now: () => clock,
    onFetch: (event) => {
      if (!event.ok) failures.push(event.error);
    },
  });
  return { keys, failures, signs };
}

const request = (scope: string[] | null = ['GET /v1/apps'], ttl = 600) => ({ kind: 'app-store-connect' as const, scope: scope === null ? null : parseRequestedScope(scope), ttl });

async function mint(keys: KeyStore, scope?: string[] | null, ttl?: number) {
  return mintToken(await keys.get('main'), request(scope, ttl), { now: clock });
}

async function refusal(promise: Promise<unknown>): Promise<TokenVendingError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof TokenVendingError, String(error));
    for (const key of [keyA, keyB]) assertNoMaterial(`${error.message} ${error.detail} ${error.reason}`, key);
    trackOutput(`${error.message} ${error.detail} ${error.reason} ${String(error.cause ?? '')}`);
    return error;
  }
  assert.fail('expected a refusal');
}

describe('KMS: signing', () => {
  it('mints tokens that verify against the imported .p8\'s public key, one Sign per token, by key ARN over the digest', async () => {
    const { keys } = store();
    for (let i = 0; i < 5; i++) {
      const minted = await mint(keys);
      const { header, payload } = verifyEs256(minted.token, keyA.publicKey);
      assert.deepEqual(header, { alg: 'ES256', kid: 'AAAAAAAAAA', typ: 'JWT' });
      assert.equal(payload.iss, ISSUER_ID);
      assert.equal(minted.keyId, 'AAAAAAAAAA');
    }
    assert.equal(fake.count('Sign'), 5);
    const sign = fake.calls.find((c) => c.target === 'Sign')?.body;
    assert.equal(sign?.KeyId, kmsA.arn, 'signed by the ARN the alias resolved to, not by the alias');
    assert.equal(sign?.MessageType, 'DIGEST');
    assert.equal(sign?.SigningAlgorithm, 'ECDSA_SHA_256');
    const last = (await mint(keys)).token;
    const input = last.split('.').slice(0, 2).join('.');
    assert.equal(fake.calls.filter((c) => c.target === 'Sign').at(-1)?.body.Message, createHash('sha256').update(input).digest('base64'));
  });

  it('the loaded key is remote: nothing in it is private key material', async () => {
    const { keys } = store();
    const key = await keys.get('main');
    assert.equal(key.kind, 'remote');
    assert.ok(!('privateKey' in key));
    for (const value of Object.values(key)) assert.ok(!(value instanceof KeyObject && value.type === 'private'), 'a private KeyObject in the signing key');
    assert.deepEqual(Object.keys(key).sort(), ['issuerId', 'keyId', 'kind', 'name', 'sign', 'source']);
  });

  it('signs a long-lived token with 50 scope entries, whose signing input is over KMS\'s 4096-byte RAW limit', async () => {
    const { keys } = store();
    const scope = Array.from({ length: 50 }, (_, i) => `GET /v1/ciProducts/${String(i).padStart(20, '0')}/workflows?filter[name]=nightly-build-for-the-release-branch-${i}`);
    const minted = await mint(keys, scope, 15_552_000);
    assert.ok(minted.token.split('.').slice(0, 2).join('.').length > 4096);
    const { payload } = verifyEs256(minted.token, keyA.publicKey);
    assert.equal((payload.scope as string[]).length, 50);
  });

  it('an individual key: tokens carry sub "user" and no iss', async () => {
    kmsA.tags.clear();
    kmsA.tags.set(TAGS.keyId, 'INDIVIDUAL');
    kmsA.tags.set(TAGS.individual, 'true');
    const { keys } = store();
    const { header, payload } = verifyEs256((await mint(keys)).token, keyA.publicKey);
    assert.equal(header.kid, 'INDIVIDUAL');
    assert.equal(payload.sub, 'user');
    assert.equal(payload.iss, undefined);
  });
});

describe('KMS: caching', () => {
  it('200 concurrent cold requests cause one DescribeKey (by the alias), one GetPublicKey and one ListResourceTags (by ARN)', async () => {
    const { keys } = store();
    const results = await Promise.all(Array.from({ length: 200 }, () => keys.get('main')));
    assert.deepEqual([fake.count('DescribeKey'), fake.count('GetPublicKey'), fake.count('ListResourceTags')], [1, 1, 1]);
    assert.equal(fake.calls.find((c) => c.target === 'DescribeKey')?.body.KeyId, 'alias/asc/main');
    assert.equal(fake.calls.find((c) => c.target === 'GetPublicKey')?.body.KeyId, kmsA.arn);
    assert.equal(fake.calls.find((c) => c.target === 'ListResourceTags')?.body.KeyId, kmsA.arn);
    assert.ok(results.every((k) => k === results[0]));
    assert.equal(fake.count('Sign'), 0, 'loading a key signs nothing');
  });

  it('describes and lists tags once per TTL; the public key of an unchanged ARN is not fetched again', async () => {
    const { keys } = store({ ttl: 300 });
    const first = await keys.get('main');
    clock += 299_000;
    await keys.get('main');
    assert.equal(fake.count('DescribeKey'), 1);
    clock += 1_000;
    const second = await keys.get('main');
    assert.deepEqual([fake.count('DescribeKey'), fake.count('ListResourceTags'), fake.count('GetPublicKey')], [2, 2, 1]);
    assert.equal(second, first, 'the same key object: nothing changed');
  });
});

describe('KMS: the token identity (kid, iss)', () => {
  it('comes from the key\'s AscTokenVending tags, and a policy that says otherwise is a warning shown in health', async () => {
    const { keys } = store();
    assert.equal((await keys.get('main')).keyId, 'AAAAAAAAAA');
    const [health] = await keys.health();
    assert.equal(health?.source, 'kms');
    assert.deepEqual(health?.kms, { kmsKeyId: 'alias/asc/main', keyArn: kmsA.arn, keyState: 'Enabled', keySpec: 'ECC_NIST_P256', identityFrom: 'tags', checkedAt: new Date(clock).toISOString() });
    assert.equal(health?.warnings?.length, 1);
    assert.match(health?.warnings?.[0] ?? '', /^KMS key arn:aws:kms:.* is tagged key AAAAAAAAAA, issuer 57246542-.* but the policy says key POLICYKEY1, issuer 57246542-.*: tokens carry the tags' identity; update the policy's keyId\/issuerId\/teamId at the next deploy$/);
  });

  it('no warning when the tags and the policy agree', async () => {
    const { keys } = store({ identity: { keyId: 'AAAAAAAAAA', issuerId: ISSUER_ID } });
    await keys.get('main');
    assert.equal((await keys.health())[0]?.warnings, undefined);
  });

  it('a different issuer in the tags is a difference too', async () => {
    const { keys } = store({ identity: { keyId: 'AAAAAAAAAA', issuerId: OTHER_ISSUER } });
    await keys.get('main');
    assert.match((await keys.health())[0]?.warnings?.[0] ?? '', /tagged key AAAAAAAAAA, issuer 57246542.* but the policy says key AAAAAAAAAA, issuer 69a6de70/);
  });

  it('comes from the policy when the key has no tags', async () => {
    kmsA.tags.clear();
    const { keys } = store();
    const { header, payload } = verifyEs256((await mint(keys)).token, keyA.publicKey);
    assert.equal(header.kid, 'POLICYKEY1');
    assert.equal(payload.iss, ISSUER_ID);
    const [health] = await keys.health();
    assert.equal((health?.kms as { identityFrom: string }).identityFrom, 'policy');
    assert.equal(health?.warnings, undefined);
  });

  it('a developer key: its AscTokenVending:TeamId tag is its iss, for an APNs token', async () => {
    kmsA.tags = new Map(Object.entries({ [TAGS.keyId]: 'AAAAAAAAAA', [TAGS.teamId]: 'TEAM123456' }));
    const { keys } = store({ identity: { keyId: 'AAAAAAAAAA', issuerId: undefined, teamId: 'TEAM123456' } });
    const key = await keys.get('main');
    assert.deepEqual([key.keyId, key.issuerId, key.teamId], ['AAAAAAAAAA', undefined, 'TEAM123456']);
    const minted = await mintToken(key, { kind: 'apns', scope: null, ttl: 3600 }, { now: clock });
    const { header, payload } = verifyEs256(minted.token, keyA.publicKey);
    assert.deepEqual(header, { alg: 'ES256', kid: 'AAAAAAAAAA' });
    assert.deepEqual(Object.keys(payload).sort(), ['iat', 'iss']);
    assert.equal(payload.iss, 'TEAM123456');
    assert.equal((await keys.health())[0]?.warnings, undefined);
  });

  const badTags: Array<[string, Record<string, string>, RegExp]> = [
    ['a key ID that is not one', { [TAGS.keyId]: 'short', [TAGS.issuerId]: ISSUER_ID }, /AscTokenVending:KeyId tag that is not a 10-character key ID/],
    ['only an issuer', { [TAGS.issuerId]: ISSUER_ID }, /AscTokenVending:KeyId tag that is not/],
    ['a key ID without issuer, individual or team', { [TAGS.keyId]: 'AAAAAAAAAA' }, /no valid AscTokenVending:IssuerId tag \(or AscTokenVending:Individual=true, or AscTokenVending:TeamId\)/],
    ['an issuer that is not one', { [TAGS.keyId]: 'AAAAAAAAAA', [TAGS.issuerId]: 'nope' }, /no valid AscTokenVending:IssuerId tag/],
    ['both issuer and individual', { [TAGS.keyId]: 'AAAAAAAAAA', [TAGS.issuerId]: ISSUER_ID, [TAGS.individual]: 'true' }, /more than one of the AscTokenVending:IssuerId, AscTokenVending:Individual and AscTokenVending:TeamId tags/],
    ['both issuer and team', { [TAGS.keyId]: 'AAAAAAAAAA', [TAGS.issuerId]: ISSUER_ID, [TAGS.teamId]: 'TEAM123456' }, /more than one of the AscTokenVending:IssuerId/],
    ['a team that is not one', { [TAGS.keyId]: 'AAAAAAAAAA', [TAGS.teamId]: 'team' }, /AscTokenVending:TeamId tag that is not a 10-character Team ID/],
    ['individual other than true', { [TAGS.keyId]: 'AAAAAAAAAA', [TAGS.individual]: 'yes' }, /AscTokenVending:Individual tag other than "true"/],
  ];
  for (const [name, tags, reason] of badTags) {
    it(`malformed tags (${name}): key_invalid naming the key, never a guess`, async () => {
      kmsA.tags = new Map(Object.entries(tags));
      const error = await refusal(store().keys.get('main'));
      assert.equal(error.code, 'key_invalid');
      assert.match(error.detail, /^Key "main" is not usable: KMS key arn:aws:kms:.* has /);
      assert.match(error.detail, reason);
      assert.match(error.detail, /tag it again with asc-token keys import --kms-key-id/);
    });
  }

  it('no tags and no keyId configured: key_invalid saying how to tag it', async () => {
    kmsA.tags.clear();
    const error = await refusal(store({ identity: null }).keys.get('main'));
    assert.equal(error.code, 'key_invalid');
    assert.match(error.detail, /has no AscTokenVending:KeyId tag and no keyId is configured for it: import the key with asc-token keys import --kms-key-id/);
  });
});

describe('KMS: rotation by moving the alias', () => {
  it('tokens switch to the new key within one TTL; the kid and the signature always come from the same key', async () => {
    const kmsB = fake.importDirectly(fake.createKey(), keyB.privateKey, teamTags('BBBBBBBBBB'));
    const { keys } = store({ ttl: 5 });
    const kids: string[] = [];
    for (let round = 0; round < 100; round++) {
      // Mid-TTL (the cache was loaded at round 25): the cached key keeps signing with its own ARN until round 50.
      if (round === 40) fake.aliases.set('alias/asc/main', kmsB.id);
      const batch = await Promise.all(Array.from({ length: 4 }, () => mint(keys)));
      for (const minted of batch) {
        const kid = JSON.parse(Buffer.from(minted.token.split('.')[0] as string, 'base64url').toString()).kid as string;
        verifyEs256(minted.token, kid === 'AAAAAAAAAA' ? keyA.publicKey : keyB.publicKey);
        kids.push(kid);
      }
      clock += 200;
    }
    assert.equal(kids.length, 400);
    assert.ok(kids.lastIndexOf('AAAAAAAAAA') < kids.indexOf('BBBBBBBBBB'), 'no flapping');
    assert.ok(kids.indexOf('BBBBBBBBBB') <= 4 * (40 + 25), 'the new key took over within one TTL (25 rounds)');
    assert.ok(kids.indexOf('BBBBBBBBBB') > 4 * 40, 'the cached key served until its TTL');
    assert.ok(fake.count('DescribeKey') <= 6, `${fake.count('DescribeKey')} DescribeKey calls`);
    assert.equal(fake.count('GetPublicKey'), 2, 'one public key per key ARN');
  });
});

describe('KMS: failures', () => {
  it('retries a throttled Sign within the same request', async () => {
    const { keys } = store();
    await keys.get('main');
    fake.faults.push({ kind: 'throttle', operation: 'Sign' });
    verifyEs256((await mint(keys)).token, keyA.publicKey);
    assert.equal(fake.count('Sign'), 2);
  });

  it('Sign throttled on every attempt (the account\'s request quota): key_unavailable with Retry-After, reported to onSign', async () => {
    const { keys, signs } = store();
    await keys.get('main');
    fake.persistentFault = { kind: 'throttle', operation: 'Sign' };
    const error = await refusal(mint(keys));
    assert.equal(error.code, 'key_unavailable');
    assert.equal(error.status, 503);
    assert.equal(error.retryAfter, 1);
    assert.equal(error.reason, 'kms:Sign:ThrottlingException');
    assert.equal(fake.count('Sign'), 2, 'one retry, then give up');
    assert.deepEqual(signs.map((s) => s.ok), [false]);
  });

  it('Sign failing with 5xx: key_unavailable', async () => {
    const { keys } = store();
    await keys.get('main');
    fake.persistentFault = { kind: 'error5xx', operation: 'Sign' };
    const error = await refusal(mint(keys));
    assert.equal(error.code, 'key_unavailable');
    assert.equal(error.reason, 'kms:Sign:KMSInternalException');
  });

  // Refused, garbage and throttled answers fail at once; a hanging or slow one waits for the (short) timeouts.
  for (const [name, fault, attempts, timeouts] of [
    ['refused connections', { kind: 'refuse' }, 2, undefined],
    ['a hanging endpoint', { kind: 'hang' }, 2, SHORT_TIMEOUTS],
    ['a slow endpoint (5 s)', { kind: 'delay', ms: 5000 }, 2, SHORT_TIMEOUTS],
    ['a garbage response', { kind: 'garbage' }, 1, undefined],
    ['throttling', { kind: 'throttle' }, 2, undefined],
  ] as Array<[string, KmsFault, number, typeof SHORT_TIMEOUTS | undefined]>) {
    it(`a cold start with ${name} answers key_unavailable, bounded by the SDK timeouts`, async () => {
      fake.persistentFault = fault;
      const started = Date.now();
      const error = await refusal(store(timeouts ? { timeouts } : {}).keys.get('main'));
      assert.equal(error.code, 'key_unavailable');
      assert.match(error.reason, /^kms:DescribeKey:/);
      assert.equal(fake.count('DescribeKey'), attempts, 'attempts');
      // Not a speed assertion: a liveness bound far above the configured timeouts (2 attempts).
      assert.ok(Date.now() - started < 10_000, 'the fetch did not give up');
    });
  }

  it('a hanging Sign answers key_unavailable, cut off by the production timeouts (1 s connect, 1.5 s per attempt, 2 attempts)', async () => {
    const { keys } = store();
    await keys.get('main');
    fake.persistentFault = { kind: 'hang', operation: 'Sign' };
    const started = Date.now();
    assert.equal((await refusal(mint(keys))).code, 'key_unavailable');
    const waited = Date.now() - started;
    assert.equal(fake.count('Sign'), 2, 'attempts');
    // The configured request timeout, twice, and a liveness bound (not a speed assertion).
    assert.ok(waited >= 2 * 1500 - 50 && waited < 10_000, `gave up after ${waited} ms`);
  });

  it('a malformed DER signature is refused, never put in a token', async () => {
    const { keys } = store();
    await keys.get('main');
    fake.faults.push({ kind: 'malformedSignature' });
    const error = await refusal(mint(keys));
    assert.equal(error.code, 'key_invalid');
    assert.equal(error.reason, 'kms:sign:malformed');
    assert.match(error.detail, /^Key "main" is not usable: KMS key arn:aws:kms:.* returned a malformed signature \(DER signature uses a long-form length where DER requires the short form\)\.$/);
    verifyEs256((await mint(keys)).token, keyA.publicKey);
  });

  it('a signature that does not verify against the key\'s public key is refused', async () => {
    const { keys } = store();
    await keys.get('main');
    fake.faults.push({ kind: 'foreignSignature' });
    const error = await refusal(mint(keys));
    assert.equal(error.code, 'key_invalid');
    assert.equal(error.reason, 'kms:sign:does_not_verify');
    assert.match(error.detail, /returned a signature that does not verify against its public key/);
  });

  it('a key disabled after it was loaded: Sign is refused as key_invalid, naming the key', async () => {
    const { keys } = store();
    await keys.get('main');
    kmsA.state = 'Disabled';
    const error = await refusal(mint(keys));
    assert.equal(error.code, 'key_invalid');
    assert.match(error.detail, /^Key "main" is not usable: KMS answered DisabledException to Sign on arn:aws:kms:.* \(the key is disabled\)\.$/);
  });

  const invalid: Array<[string, () => void, RegExp, string?]> = [
    ['a disabled key', () => (kmsA.state = 'Disabled'), /KMS key arn:aws:kms:\S+ is Disabled: enable it \(aws kms enable-key\)/],
    ['a key waiting for its import', () => (kmsA.state = 'PendingImport'), /is PendingImport: it has no key material yet: import the \.p8 with asc-token keys import --kms-key-id/],
    ['a key pending deletion', () => (kmsA.state = 'PendingDeletion'), /is PendingDeletion: it is scheduled for deletion: cancel that/],
    ['an RSA key', () => fake.aliases.set('alias/asc/main', fake.createKey({ keySpec: 'RSA_2048', origin: 'AWS_KMS' }).id), /is RSA_2048 for SIGN_VERIFY; an App Store Connect key needs ECC_NIST_P256 for SIGN_VERIFY with ECDSA_SHA_256/],
    ['an encryption key', () => fake.aliases.set('alias/asc/main', fake.createKey({ keyUsage: 'ENCRYPT_DECRYPT', keySpec: 'SYMMETRIC_DEFAULT', origin: 'AWS_KMS' }).id), /is SYMMETRIC_DEFAULT for ENCRYPT_DECRYPT/],
    ['a P-384 key', () => fake.aliases.set('alias/asc/main', fake.createKey({ keySpec: 'ECC_NIST_P384', origin: 'AWS_KMS' }).id), /is ECC_NIST_P384 for SIGN_VERIFY/],
    ['an alias that names no key', () => fake.aliases.clear(), /KMS answered NotFoundException to DescribeKey on alias\/asc\/main/],
    ['access denied', () => (fake.persistentFault = { kind: 'accessDenied' }), /KMS answered AccessDeniedException to DescribeKey on alias\/asc\/main/],
    ['access denied to ListResourceTags only', () => (fake.persistentFault = { kind: 'accessDenied', operation: 'ListResourceTags' }), /KMS answered AccessDeniedException to ListResourceTags on arn:aws:kms:/],
  ];
  for (const [name, arrange, reason] of invalid) {
    it(`${name}: key_invalid naming the key and the reason`, async () => {
      arrange();
      const error = await refusal(store().keys.get('main'));
      assert.equal(error.code, 'key_invalid');
      assert.equal(error.status, 500);
      assert.match(error.detail, /^Key "main" is not usable: /);
      assert.match(error.detail, reason);
      assert.equal(fake.count('Sign'), 0);
    });
  }

  it('health shows the key state DescribeKey reported, and never signs to find out', async () => {
    kmsA.state = 'Disabled';
    const { keys } = store();
    const [health] = await keys.health();
    assert.equal(health?.status, 'invalid');
    assert.equal(health?.source, 'kms');
    assert.deepEqual({ ...(health?.kms as object), checkedAt: undefined }, { kmsKeyId: 'alias/asc/main', keyArn: kmsA.arn, keyState: 'Disabled', keySpec: 'ECC_NIST_P256', identityFrom: null, checkedAt: undefined });
    assert.match(health?.error ?? '', /is Disabled/);
    kmsA.state = 'Enabled';
    clock += 3_000;
    const [again] = await keys.health();
    assert.equal(again?.status, 'ok');
    assert.equal((again?.kms as { keyState: string }).keyState, 'Enabled');
    assert.equal(fake.count('Sign'), 0);
  });

  it('serves the cached key while KMS cannot describe it, within the grace period, and it still signs', async () => {
    const { keys } = store({ ttl: 300, grace: 3600 });
    await keys.get('main');
    fake.persistentFault = { kind: 'error5xx', operation: 'DescribeKey' };
    clock += 1_000_000;
    verifyEs256((await mint(keys)).token, keyA.publicKey);
    assert.equal((await keys.health())[0]?.status, 'stale');
  });
});
