/**
 * Key pools (docs/design.md#key-pools) through the real handler: a profile naming three keys of one team spreads its
 * tokens over them (fewest issued here in the last hour first), names the key used in the answer and the audit record,
 * shows each key's count in /v1/health, and rides out one key that cannot be loaded. The policy refuses a pool that
 * mixes teams, issuers or kinds.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { KeyPool } from '../../src/key-sources/pool.ts';
import { PolicyError, compilePolicy } from '../../src/policy/policy.ts';
import { withRequest } from '../helpers/fixtures.ts';
import { generateP256, secretJson, verifyEs256, type TestKey } from '../helpers/keys.ts';
import { createService, type Service } from '../helpers/setup.ts';

const REST = 'rest-v1-iam-auth.captured.powertools-ts.json';
const POLICY = `
version: 1
keys:
  main: { secretId: asc/main }
  second: { secretId: asc/second }
  third: { secretId: asc/third }
  gone: { secretId: asc/gone }
profiles:
  upload:
    key: [main, second, third]
    scope: any
    callers: [arn:aws:iam::123456789012:role/Admin]
  sturdy:
    key: [gone, second]
    scope: any
    callers: [arn:aws:iam::123456789012:role/Admin]
`;
const KEY_IDS: Record<string, string> = { main: '2X9R4HXF34', second: 'SECOND0002', third: 'THIRDKEY03' };

let service: Service;
const keys: Record<string, TestKey> = {};
before(() => {
  service = createService({ policy: POLICY });
  for (const name of ['second', 'third']) {
    keys[name] = generateP256();
    writeFileSync(join(service.dir, 'keys', `${name}.json`), secretJson(keys[name] as TestKey, { keyId: KEY_IDS[name] }));
  }
  keys.main = service.key;
});
after(() => service.cleanup());

const call = async (method: string, path: string) => {
  const response = await service.handler(withRequest(REST, { method, path }), { awsRequestId: 'r-pool' });
  return { ...response, json: JSON.parse(response.body) };
};

describe('a pool of three keys', () => {
  it('300 concurrent requests spread within ±20 % of even; each answer and audit record names the key that signed', async () => {
    const before = service.logs.audits().length;
    const answers = await Promise.all(Array.from({ length: 300 }, () => call('POST', '/v1/tokens/upload')));
    const byKey: Record<string, number> = {};
    for (const answer of answers) {
      assert.equal(answer.statusCode, 200, answer.body);
      const name = Object.keys(KEY_IDS).find((n) => KEY_IDS[n] === answer.json.keyId) as string;
      verifyEs256(answer.json.token, (keys[name] as TestKey).publicKey);
      byKey[name] = (byKey[name] ?? 0) + 1;
    }
    for (const name of ['main', 'second', 'third']) assert.ok((byKey[name] ?? 0) >= 80 && (byKey[name] ?? 0) <= 120, JSON.stringify(byKey));
    const audits = service.logs.audits().slice(before);
    assert.equal(audits.length, 300);
    for (const audit of audits) assert.equal(KEY_IDS[audit.keyName as string], audit.keyId, 'the audit record names the key and its ID');
  });

  it('sequential requests go round the pool: the least used key next', async () => {
    const sequence: string[] = [];
    for (let i = 0; i < 6; i++) sequence.push((await call('POST', '/v1/tokens/upload')).json.keyId);
    assert.deepEqual(new Set(sequence.slice(0, 3)).size, 3, sequence.join(' '));
    assert.deepEqual(new Set(sequence.slice(3)).size, 3, sequence.join(' '));
  });

  it('/v1/health shows each key of the pool with its tokens of the last hour', async () => {
    const health = await call('GET', '/v1/health');
    const shown = Object.fromEntries((health.json.keys as Array<{ name: string; issuedLastHour: number; keyId: string }>).map((k) => [k.name, k]));
    for (const name of ['main', 'second', 'third']) {
      assert.equal(shown[name]?.keyId, KEY_IDS[name]);
      assert.ok((shown[name]?.issuedLastHour ?? 0) >= 80, JSON.stringify(shown[name]));
    }
  });

  it('a key of the pool that cannot be loaded hands its tokens to the next', async () => {
    for (let i = 0; i < 4; i++) {
      const answer = await call('POST', '/v1/tokens/sturdy');
      assert.equal(answer.statusCode, 200, answer.body);
      assert.equal(answer.json.keyId, KEY_IDS.second);
    }
  });
});

describe('the pool counter', () => {
  it('counts the last hour only, in minute buckets, and breaks ties at random', () => {
    const pool = new KeyPool({ random: () => 0.5 });
    const t0 = Date.UTC(2026, 0, 1, 12, 0, 0);
    pool.record('a', t0);
    pool.record('a', t0 + 30 * 60_000);
    assert.equal(pool.issuedLastHour('a', t0 + 59 * 60_000), 2);
    assert.equal(pool.issuedLastHour('a', t0 + 60 * 60_000), 1, 'the first minute has left the hour');
    assert.deepEqual(pool.order(['a', 'b'], t0 + 60 * 60_000), ['b', 'a']);
    pool.record('b', t0 + 61 * 60_000, 1);
    pool.record('b', t0 + 61 * 60_000, -1);
    assert.equal(pool.issuedLastHour('b', t0 + 61 * 60_000), 0, 'a count taken back');
    const coin = [0.9, 0.1];
    const random = new KeyPool({ random: () => coin.shift() ?? 0 });
    assert.deepEqual(random.order(['x', 'y'], t0), ['y', 'x']);
  });
});

describe('the policy of pools', () => {
  const problems = (keysYaml: Record<string, unknown>, key: unknown, api?: string) => {
    try {
      compilePolicy({ version: 1, keys: keysYaml, profiles: { p: { key, ...(api ? { api } : {}), scope: 'any', callers: ['account:111122223333'] } } });
      return [];
    } catch (error) {
      assert.ok(error instanceof PolicyError, String(error));
      return error.problems;
    }
  };
  const kms = (fields: Record<string, unknown>) => ({ kmsKeyId: 'alias/asc/x', keyId: 'KMSKEY0001', ...fields });
  const ISSUER_A = '57246542-96fe-1a63-e053-0824d011072a';
  const ISSUER_B = '69a6de70-96fe-1a63-e053-0824d011072a';

  it('refuses a pool that mixes issuers, teams or kinds, repeats a key or names none', () => {
    assert.deepEqual(problems({ a: kms({ issuerId: ISSUER_A }), b: kms({ issuerId: ISSUER_B }) }, ['a', 'b']), [
      `profiles.p.key: a pool's keys must be of one team and one issuer: a (issuer:${ISSUER_A}), b (issuer:${ISSUER_B})`,
    ]);
    assert.deepEqual(problems({ a: kms({ teamId: 'A1B2C3D4E5' }), b: kms({ teamId: 'Z9Y8X7W6V5' }) }, ['a', 'b'], 'apns'), [
      "profiles.p.key: a pool's keys must be of one team and one issuer: a (team:A1B2C3D4E5), b (team:Z9Y8X7W6V5)",
    ]);
    assert.deepEqual(problems({ a: { secretId: 'x/a', services: ['apns'] }, b: { secretId: 'x/b', services: ['apns', 'devicecheck'] } }, ['a', 'b'], 'apns'), [
      "profiles.p.key: a pool's keys must sign the same kinds: a (apns), b (apns,devicecheck)",
    ]);
    assert.deepEqual(problems({ a: { secretId: 'x/a' } }, ['a', 'a']), ['profiles.p.key: names a key twice in its pool']);
    for (const key of [[], [42], 'x'.repeat(0), Array.from({ length: 11 }, (_, i) => `k${i}`)]) {
      assert.match(problems({ a: { secretId: 'x/a' } }, key)[0] ?? '', /^profiles\.p\.key: (must name a key under keys, or a pool of them|names no key)/, JSON.stringify(key));
    }
    assert.deepEqual(problems({ a: { secretId: 'x/a' } }, ['a', 'nope']), ['profiles.p.key: names no key under keys: "nope"']);
  });

  it('compiles a pool of secrets, and of KMS keys of one issuer', () => {
    assert.deepEqual(problems({ a: { secretId: 'x/a' }, b: { secretId: 'x/b' } }, ['a', 'b']), []);
    assert.deepEqual(problems({ a: kms({ issuerId: ISSUER_A }), b: kms({ issuerId: ISSUER_A }), c: { secretId: 'x/c' } }, ['a', 'b', 'c']), []);
  });
});
