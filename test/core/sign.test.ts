import assert from 'node:assert/strict';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { describe, it } from 'node:test';
import { localKeyAuth } from '../../src/asc/local.ts';
import { TokenVendingError } from '../../src/core/errors.ts';
import { KeyParseError } from '../../src/core/private-key.ts';
import type { MintRequest } from '../../src/core/claims.ts';
import { startMint } from '../../src/core/sign.ts';
import { parseRequestedScope } from '../../src/core/scope.ts';
import { TEAM_KEY_ID, generateP256, signingKey, verifyEs256 } from '../helpers/keys.ts';

const NOW = Date.UTC(2026, 10, 22, 10, 0, 30); // 2026-11-22T10:00:30Z
const NOW_S = NOW / 1000;
const key = generateP256();
const team = signingKey(key);
const scope = (...entries: string[]) => parseRequestedScope(entries);
const request = (overrides: Partial<MintRequest> = {}): MintRequest => ({ kind: 'app-store-connect', scope: null, ttl: 600, ...overrides });

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof TokenVendingError, `expected TokenVendingError, got ${error}`);
    return error.code;
  }
  assert.fail('expected a refusal');
}

describe('startMint', () => {
  it('refuses synchronously, before any signature is started', () => {
    assert.equal(code(() => startMint(team, request({ ttl: 20 }), { now: NOW })), 'ttl_out_of_range');
  });

  it('knows everything about the token before the signature, and the token matches it', async () => {
    const pending = startMint(team, request({ scope: scope('GET /v1/builds'), ttl: 900 }), { now: NOW });
    assert.deepEqual({ ...pending, token: undefined }, { token: undefined, keyId: TEAM_KEY_ID, audience: 'appstoreconnect-v1', scope: ['GET /v1/builds'], iat: NOW_S - 30, exp: NOW_S + 870, expiresIn: 870, refreshAfter: NOW_S + 690 });
    const { payload } = verifyEs256(await pending.token, key.publicKey);
    assert.equal(payload.exp, pending.exp);
    assert.equal(payload.iat, pending.iat);
  });

  it('rejects the token, not the call, when the key cannot sign', async () => {
    const { privateKey: ed25519 } = generateKeyPairSync('ed25519');
    const pending = startMint({ ...team, privateKey: ed25519 }, request(), { now: NOW });
    await assert.rejects(pending.token);
  });

  it('never puts another curve\'s or an RSA key\'s signature under an ES256 header: internal, the reason naming the size', async () => {
    for (const [type, options] of [['ec', { namedCurve: 'P-384' }], ['rsa', { modulusLength: 2048 }]] as const) {
      const { privateKey } = generateKeyPairSync(type as 'ec', options as { namedCurve: string });
      await assert.rejects(startMint({ ...team, privateKey }, request(), { now: NOW }).token, (error: unknown) => {
        assert.ok(error instanceof TokenVendingError, `${type}: ${error}`);
        assert.equal(error.code, 'internal');
        assert.match(error.reason ?? '', /^local_signature_size:(96|256)$/);
        return true;
      });
    }
  });
});

describe('localKeyAuth with a KeyObject', () => {
  it('refuses any key but a P-256 private key before it signs anything (KeyParseError)', () => {
    const keys: Array<[string, KeyObject]> = [
      ['P-384', generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey],
      ['secp256k1', generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).privateKey],
      ['RSA', generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey],
      ['Ed25519', generateKeyPairSync('ed25519').privateKey],
      ['a P-256 public key', key.publicKey],
    ];
    for (const [what, privateKey] of keys) {
      assert.throws(() => localKeyAuth({ keyId: TEAM_KEY_ID, privateKey }), (error: unknown) => error instanceof KeyParseError, what);
    }
    assert.doesNotThrow(() => localKeyAuth({ keyId: TEAM_KEY_ID, privateKey: key.privateKey }));
  });
});

