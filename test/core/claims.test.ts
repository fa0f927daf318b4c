import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TokenVendingError } from '../../src/core/errors.ts';
import { buildClaims, refreshAfter, type MintRequest } from '../../src/core/claims.ts';
import { mintToken } from '../../src/core/sign.ts';
import { parseRequestedScope } from '../../src/core/scope.ts';
import { ISSUER_ID, TEAM_KEY_ID, generateP256, signingKey, verifyEs256 } from '../helpers/keys.ts';

const NOW = Date.UTC(2026, 10, 22, 10, 0, 30); // 2026-11-22T10:00:30Z
const NOW_S = NOW / 1000;
const key = generateP256();
const team = signingKey(key);
const individual = signingKey(key, { issuerId: null, keyId: 'ABCDEF1234' });
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

describe('team key tokens (App Store Connect API)', () => {
  it('carries exactly the header and claims Apple specifies, verifiable by an independent ES256 verifier', async () => {
    const minted = await mintToken(team, request({ scope: scope('GET /v1/apps?filter[platform]=IOS') }), { now: NOW });
    const { header, payload } = verifyEs256(minted.token, key.publicKey);
    assert.deepEqual(header, { alg: 'ES256', kid: TEAM_KEY_ID, typ: 'JWT' });
    assert.deepEqual(payload, {
      iss: ISSUER_ID,
      iat: NOW_S - 30,
      exp: NOW_S - 30 + 600,
      aud: 'appstoreconnect-v1',
      scope: ['GET /v1/apps?filter[platform]=IOS'],
    });
  });

  it('sets iat = now − skew and exp = iat + ttl, so exp − iat is the ttl whatever the skew', () => {
    for (const skew of [0, 30, 300]) {
      const { claims } = buildClaims(team, request({ ttl: 1200 }), { now: NOW + 999, skew });
      assert.equal(claims.iat, Math.floor((NOW + 999) / 1000) - skew);
      assert.equal((claims.exp as number) - claims.iat, 1200);
      assert.ok(Number.isInteger(claims.iat) && Number.isInteger(claims.exp));
    }
  });

  it('omits the scope claim for an unscoped token', () => {
    const { claims } = buildClaims(team, request(), { now: NOW });
    assert.equal('scope' in claims, false);
    assert.equal('sub' in claims, false);
  });

  it('reports expiresIn, refreshAfter and the token hash', async () => {
    const minted = await mintToken(team, request(), { now: NOW });
    assert.equal(minted.expiresIn, 570);
    assert.equal(minted.refreshAfter, minted.exp - 120);
    assert.match(minted.tokenSha256, /^[0-9a-f]{64}$/);
    assert.notEqual(minted.tokenSha256, minted.token);
  });

  it('refuses a lifetime over 1200 s unless the scope qualifies for a long-lived token', () => {
    assert.equal(code(() => buildClaims(team, request({ ttl: 1201 }), { now: NOW })), 'ttl_out_of_range');
    assert.equal(code(() => buildClaims(team, request({ ttl: 1201, scope: scope('GET /v1/apps') }), { now: NOW })), 'ttl_out_of_range');
    assert.equal(code(() => buildClaims(team, request({ ttl: 1201, scope: scope('GET /v1/ciBuildRuns', 'POST /v1/ciBuildRuns') }), { now: NOW })), 'ttl_out_of_range');
    assert.equal(code(() => buildClaims(team, request({ ttl: 15_552_001, scope: scope('GET /v1/ciBuildRuns') }), { now: NOW })), 'ttl_out_of_range');
    const { claims } = buildClaims(team, request({ ttl: 15_552_000, scope: scope('GET /v1/ciBuildRuns', 'GET /v1/apps/1/perfPowerMetrics') }), { now: NOW });
    assert.equal((claims.exp as number) - claims.iat, 15_552_000);
  });

  it('refuses a ttl that is not a positive whole number, or not longer than the skew', () => {
    for (const ttl of [0, -1, 1.5, Number.NaN]) assert.equal(code(() => buildClaims(team, request({ ttl }), { now: NOW })), 'ttl_out_of_range');
    assert.equal(code(() => buildClaims(team, request({ ttl: 30 }), { now: NOW, skew: 30 })), 'ttl_out_of_range');
  });

  it('rejects a skew outside 0–300 as a programming error', () => {
    assert.throws(() => buildClaims(team, request(), { now: NOW, skew: 301 }), RangeError);
    assert.throws(() => buildClaims(team, request(), { now: NOW, skew: -1 }), RangeError);
  });
});

describe('individual key tokens', () => {
  it('use sub "user" and no iss', async () => {
    const minted = await mintToken(individual, request({ scope: scope('GET /v1/builds') }), { now: NOW });
    const { header, payload } = verifyEs256(minted.token, key.publicKey);
    assert.equal(header.kid, 'ABCDEF1234');
    assert.deepEqual(payload, { sub: 'user', iat: NOW_S - 30, exp: NOW_S + 570, aud: 'appstoreconnect-v1', scope: ['GET /v1/builds'] });
  });

  it('cannot sign Enterprise or App Store Server tokens', () => {
    assert.equal(code(() => buildClaims(individual, request({ kind: 'enterprise' }), { now: NOW })), 'key_invalid');
    assert.equal(code(() => buildClaims(individual, request({ kind: 'app-store-server', fields: { bundleId: 'com.example.app' } }), { now: NOW })), 'key_invalid');
  });
});

describe('Enterprise Program API tokens', () => {
  it('use the enterprise audience and the 20-minute limit', async () => {
    const minted = await mintToken(team, request({ kind: 'enterprise', ttl: 1200 }), { now: NOW });
    const { payload } = verifyEs256(minted.token, key.publicKey);
    assert.deepEqual(payload, { iss: ISSUER_ID, iat: NOW_S - 30, exp: NOW_S + 1170, aud: 'apple-developer-enterprise-v1' });
    assert.equal(code(() => buildClaims(team, request({ kind: 'enterprise', ttl: 1201, scope: scope('GET /v1/ciBuildRuns') }), { now: NOW })), 'ttl_out_of_range');
  });
});

describe('App Store Server API tokens', () => {
  it('carry bid, allow up to 3600 s, and take no scope', async () => {
    const minted = await mintToken(team, request({ kind: 'app-store-server', ttl: 3600, fields: { bundleId: 'com.example.app' } }), { now: NOW });
    const { header, payload } = verifyEs256(minted.token, key.publicKey);
    assert.deepEqual(header, { alg: 'ES256', kid: TEAM_KEY_ID, typ: 'JWT' });
    assert.deepEqual(payload, { iss: ISSUER_ID, iat: NOW_S - 30, exp: NOW_S + 3570, aud: 'appstoreconnect-v1', bid: 'com.example.app' });
    assert.equal(code(() => buildClaims(team, request({ kind: 'app-store-server', ttl: 3601, fields: { bundleId: 'com.example.app' } }), { now: NOW })), 'ttl_out_of_range');
    assert.equal(code(() => buildClaims(team, request({ kind: 'app-store-server', scope: scope('GET /v1/apps'), fields: { bundleId: 'com.example.app' } }), { now: NOW })), 'invalid_scope');
  });

  it('refuses to mint without a bundle ID', () => {
    assert.equal(code(() => buildClaims(team, request({ kind: 'app-store-server' }), { now: NOW })), 'internal');
  });
});

describe('refreshAfter', () => {
  it('is 80 % into the lifetime, never before now', () => {
    assert.equal(refreshAfter(1000, 1600, 1030), 1480);
    assert.equal(refreshAfter(1000, 1060, 1059), 1059);
  });
});

