/**
 * Apple's developer-key token kinds (docs/design.md#token-kinds): APNs, DeviceCheck, Sign in with Apple, WeatherKit,
 * MusicKit — exactly the header and claims each service documents, verified with the key's public key by a verifier
 * independent of the code under test; and the shared-token rule of APNs and DeviceCheck.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildClaims, issuedAt, type MintRequest } from '../../src/core/claims.ts';
import { TokenVendingError } from '../../src/core/errors.ts';
import { KINDS, KIND_NAMES, kindsIssuedBy } from '../../src/core/kinds.ts';
import { parseSecret } from '../../src/core/secret.ts';
import { SharedTokens } from '../../src/core/shared-tokens.ts';
import { mintToken, startMint } from '../../src/core/sign.ts';
import { parseRequestedScope } from '../../src/core/scope.ts';
import { DEVELOPER_KEY_ID, ISSUER_ID, TEAM_ID, TEAM_KEY_ID, developerSecretJson, generateP256, signingKey, verifyEs256 } from '../helpers/keys.ts';

const NOW = Date.UTC(2026, 10, 22, 10, 17, 42); // 2026-11-22T10:17:42Z
const NOW_S = NOW / 1000;
const key = generateP256();
const developer = parseSecret('push', developerSecretJson(key));
const appStoreConnect = signingKey(key);

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof TokenVendingError, `expected TokenVendingError, got ${error}`);
    return error.code;
  }
  assert.fail('expected a refusal');
}

const request = (kind: MintRequest['kind'], overrides: Partial<MintRequest> = {}): MintRequest => ({ kind, scope: null, ttl: KINDS[kind].ttl.default, ...overrides });

describe('developer keys', () => {
  it('a secret with teamId is a developer key; issuerId and teamId together are refused', () => {
    assert.deepEqual([developer.keyId, developer.issuerId, developer.teamId], [DEVELOPER_KEY_ID, undefined, TEAM_ID]);
    assert.throws(() => parseSecret('x', JSON.stringify({ keyId: DEVELOPER_KEY_ID, teamId: TEAM_ID, issuerId: ISSUER_ID, privateKey: key.pem })), /issuerId .* or a teamId .*, not both/);
    for (const teamId of ['A1B2C3D4E', 'a1b2c3d4e5', 42, ['A1B2C3D4E5']]) {
      assert.throws(() => parseSecret('x', JSON.stringify({ keyId: DEVELOPER_KEY_ID, teamId, privateKey: key.pem })), /teamId must be the 10-character Team ID/, String(teamId));
    }
  });

  it('cannot sign App Store Connect tokens, and an App Store Connect key cannot sign developer tokens', () => {
    for (const kind of kindsIssuedBy('issuer-id')) {
      const extra = kind === 'app-store-server' ? { fields: { bundleId: 'com.example.app' } } : {};
      assert.equal(code(() => buildClaims(developer, request(kind, extra), { now: NOW })), 'key_invalid', kind);
    }
    for (const kind of kindsIssuedBy('team-id')) {
      const fields = { clientIds: ['com.example.web'], clientId: 'com.example.web', serviceId: 'com.example.weather' };
      assert.equal(code(() => buildClaims(appStoreConnect, request(kind, { fields }), { now: NOW })), 'key_invalid', kind);
    }
    assert.deepEqual(kindsIssuedBy('team-id'), ['apns', 'devicecheck', 'sign-in-with-apple', 'weatherkit', 'musickit']);
  });
});

describe('APNs and DeviceCheck: shared tokens', () => {
  for (const kind of ['apns', 'devicecheck'] as const) {
    it(`${kind}: header alg and kid, claims iss (the Team ID) and iat only`, async () => {
      const minted = await mintToken(developer, request(kind), { now: NOW });
      const { header, payload } = verifyEs256(minted.token, key.publicKey);
      assert.deepEqual(header, { alg: 'ES256', kid: DEVELOPER_KEY_ID });
      // The window holding now − skew (10:17:12) is 10:00:00–10:40:00 for the default 2400 s.
      const windowStart = Date.UTC(2026, 10, 22, 10, 0, 0) / 1000;
      assert.deepEqual(payload, { iss: TEAM_ID, iat: windowStart });
      assert.equal(minted.audience, null);
      assert.equal(minted.scope, null);
      assert.equal(minted.exp, windowStart + 3600, 'expiresAt: Apple accepts the token for an hour after iat');
      assert.equal(minted.refreshAfter, windowStart + 2400 + 30, 'refreshAfter: the next window, once its token exists');
      assert.equal(minted.expiresIn, windowStart + 3600 - NOW_S);
    });
  }

  it('every caller and every instance agrees on iat: the start of the window of now − skew', () => {
    const apns = KINDS.apns;
    for (const [now, skew, window, expected] of [
      [Date.UTC(2026, 0, 1, 0, 0, 29), 30, 2400, Date.UTC(2025, 11, 31, 23, 20, 0)],
      [Date.UTC(2026, 0, 1, 0, 0, 30), 30, 2400, Date.UTC(2026, 0, 1, 0, 0, 0)],
      [Date.UTC(2026, 0, 1, 0, 39, 59), 0, 2400, Date.UTC(2026, 0, 1, 0, 0, 0)],
      [Date.UTC(2026, 0, 1, 0, 40, 0), 0, 2400, Date.UTC(2026, 0, 1, 0, 40, 0)],
      [Date.UTC(2026, 0, 1, 0, 25, 0), 0, 1200, Date.UTC(2026, 0, 1, 0, 20, 0)],
    ] as const) {
      assert.equal(issuedAt(apns, { refreshWindow: window }, now, skew), expected / 1000, new Date(now).toISOString());
    }
  });

  it('a token is never older than Apple accepts when refreshed at refreshAfter, and never replaced sooner than 20 minutes', () => {
    for (const window of [1200, 2400, 3300]) {
      for (let now = NOW; now < NOW + 3 * window * 1000; now += 97_000) {
        const pending = startMint(developer, request('apns', { fields: { refreshWindow: window } }), { now, skew: 30 });
        pending.token.catch(() => {});
        // Held from now until refreshAfter: at most an hour after iat at the end, and iat no later than now − skew.
        assert.ok(pending.refreshAfter - pending.iat <= 3600, `window ${window}: held past Apple's hour`);
        assert.ok(pending.iat <= now / 1000 - 30, 'iat is never after now − skew');
        const next = startMint(developer, request('apns', { fields: { refreshWindow: window } }), { now: pending.refreshAfter * 1000, skew: 30 });
        next.token.catch(() => {});
        assert.equal(next.iat, pending.iat + window, 'at refreshAfter the next window has begun');
        assert.ok(next.iat - pending.iat >= 1200, "Apple's 20 minutes between a connection's tokens");
      }
    }
  });

  it('one signature per key and window however many ask; a new window or key version signs anew', async () => {
    const shared = new SharedTokens();
    const tokens = await Promise.all(Array.from({ length: 200 }, () => startMint(developer, request('apns'), { now: NOW, shared }).token));
    assert.equal(new Set(tokens).size, 1);
    assert.equal(shared.signatures, 1);
    // DeviceCheck's token for the same key and window is the same JWS: still one signature.
    assert.equal(await startMint(developer, request('devicecheck'), { now: NOW + 1000, shared }).token, tokens[0]);
    assert.equal(shared.signatures, 1);
    await startMint(developer, request('apns'), { now: NOW + 2400_000, shared }).token;
    assert.equal(shared.signatures, 2);
    const rotated = parseSecret('push', developerSecretJson(generateP256()));
    await startMint(rotated, request('apns'), { now: NOW, shared }).token;
    assert.equal(shared.signatures, 3);
  });

  it('a signature that fails is not kept: the next request signs again', async () => {
    const shared = new SharedTokens();
    let calls = 0;
    const failing = { kind: 'remote' as const, source: 'kms', name: 'push', keyId: DEVELOPER_KEY_ID, issuerId: undefined, teamId: TEAM_ID, sign: async () => {
      calls++;
      throw new TokenVendingError('key_unavailable', 'KMS is down');
    } };
    await assert.rejects(startMint(failing, request('apns'), { now: NOW, shared }).token, /KMS is down/);
    await assert.rejects(startMint(failing, request('apns'), { now: NOW, shared }).token, /KMS is down/);
    assert.equal(calls, 2);
  });
});

describe('Sign in with Apple: the client secret', () => {
  it('iss, iat, exp, aud https://appleid.apple.com, sub = the client ID; up to 15,777,000 s', async () => {
    const minted = await mintToken(developer, request('sign-in-with-apple', { ttl: 15_777_000, fields: { clientIds: ['com.example.web'], clientId: 'com.example.web' } }), { now: NOW });
    const { header, payload } = verifyEs256(minted.token, key.publicKey);
    assert.deepEqual(header, { alg: 'ES256', kid: DEVELOPER_KEY_ID });
    assert.deepEqual(payload, { iss: TEAM_ID, iat: NOW_S - 30, exp: NOW_S - 30 + 15_777_000, aud: 'https://appleid.apple.com', sub: 'com.example.web' });
    assert.equal(minted.audience, 'https://appleid.apple.com');
    assert.equal(code(() => buildClaims(developer, request('sign-in-with-apple', { ttl: 15_777_001, fields: { clientId: 'com.example.web' } }), { now: NOW })), 'ttl_out_of_range');
    assert.equal(code(() => buildClaims(developer, request('sign-in-with-apple', { scope: parseRequestedScope(['GET /v1/apps']), fields: { clientId: 'a.b' } }), { now: NOW })), 'invalid_scope');
  });
});

describe('WeatherKit', () => {
  it('header id = TEAMID.SERVICEID; claims iss, iat, exp, sub = the service ID', async () => {
    const minted = await mintToken(developer, request('weatherkit', { fields: { serviceId: 'com.example.weatherkit-client' } }), { now: NOW });
    const { header, payload } = verifyEs256(minted.token, key.publicKey);
    assert.deepEqual(header, { alg: 'ES256', kid: DEVELOPER_KEY_ID, id: `${TEAM_ID}.com.example.weatherkit-client` });
    assert.deepEqual(payload, { iss: TEAM_ID, iat: NOW_S - 30, exp: NOW_S - 30 + 3600, sub: 'com.example.weatherkit-client' });
    assert.equal(code(() => buildClaims(developer, request('weatherkit'), { now: NOW })), 'internal', 'a profile always has its serviceId');
  });
});

describe('MusicKit: the developer token', () => {
  it('iss, iat, exp and, when the profile names them, origin', async () => {
    const plain = verifyEs256((await mintToken(developer, request('musickit', { ttl: 15_777_000 }), { now: NOW })).token, key.publicKey);
    assert.deepEqual(plain.header, { alg: 'ES256', kid: DEVELOPER_KEY_ID });
    assert.deepEqual(plain.payload, { iss: TEAM_ID, iat: NOW_S - 30, exp: NOW_S - 30 + 15_777_000 });
    const withOrigins = verifyEs256((await mintToken(developer, request('musickit', { fields: { origins: ['https://music.example.com'] } }), { now: NOW })).token, key.publicKey);
    assert.deepEqual(withOrigins.payload.origin, ['https://music.example.com']);
  });
});

describe('the kinds table', () => {
  it('every kind has what its minting and its answers need', () => {
    for (const name of KIND_NAMES) {
      const kind = KINDS[name];
      assert.equal(kind.name, name);
      assert.ok(kind.ttl.default <= kind.ttl.max, name);
      assert.equal(kind.shared === undefined ? true : !kind.exp && !kind.scoped, true, `${name}: a shared kind has neither exp nor scope`);
      if (kind.issuer === 'team-id') assert.equal(kind.individualKeys, false, name);
      for (const field of kind.tokenFields) assert.ok([...kind.profileFields.map((f) => f.name), ...kind.requestFields.map((f) => f.name)].includes(field.from), `${name}.${field.name} comes from a field the kind takes`);
    }
    assert.equal(TEAM_KEY_ID.length, 10);
  });
});
