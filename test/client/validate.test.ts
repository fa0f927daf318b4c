/**
 * What a token service may hand back (src/client/validate.ts), field by field, at each shape's edges: what is
 * accepted comes back with the documented fields only; what is refused names the field and never quotes it. Held
 * to by mutation testing (`npm run mutate`); the CLI and the Action through their entry points are in
 * test/cli/hostile-server.test.ts and test/action/action.test.ts.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { TokenResponseError, checkProfilesResponse, checkTokenResponse } from '../../src/client/validate.ts';

const SIG = Buffer.alloc(64, 7).toString('base64url');
const TOKEN = `eyJhbGciOiJFUzI1NiJ9.eyJleHAiOjF9.${SIG}`;
const sha = (text: string) => createHash('sha256').update(text).digest('hex');
const GOOD = {
  token: TOKEN,
  tokenType: 'Bearer',
  profile: 'release',
  keyId: '2X9R4HXF34',
  audience: 'appstoreconnect-v1',
  scope: ['GET /v1/apps', 'PATCH /v1/buildUploadFiles/abc-1'],
  issuedAt: '2030-01-01T00:00:00Z',
  expiresAt: '2030-01-01T00:10:00.123Z',
  expiresIn: 570,
  refreshAfter: '2030-01-01T00:08:00Z',
  tokenSha256: sha(TOKEN),
};
const withToken = (token: string) => ({ ...GOOD, token, tokenSha256: sha(token) });

function refusedToken(value: unknown, message: string): void {
  assert.throws(
    () => checkTokenResponse(value),
    (error: unknown) => {
      assert.ok(error instanceof TokenResponseError, String(error));
      assert.equal(error.name, 'TokenResponseError');
      assert.equal(error.message, message);
      return true;
    },
    message,
  );
}

describe('checkTokenResponse', () => {
  it('a well-formed answer: the documented fields only, copied', () => {
    const answer = { ...GOOD, extra: 'x', __proto__: { polluted: true } };
    const checked = checkTokenResponse(answer);
    assert.deepEqual(checked, GOOD);
    assert.notEqual(checked.scope, GOOD.scope, 'the scope list is a copy');
    assert.deepEqual(Object.keys(checked), ['token', 'tokenType', 'profile', 'keyId', 'audience', 'scope', 'issuedAt', 'expiresAt', 'expiresIn', 'refreshAfter', 'tokenSha256']);
    const { profile: _, ...offline } = GOOD;
    assert.deepEqual(checkTokenResponse({ ...offline, scope: null }), { ...offline, scope: null }, 'no profile (mint), no scope');
    assert.equal(checkTokenResponse({ ...GOOD, audience: 'apple-developer-enterprise-v1' }).audience, 'apple-developer-enterprise-v1');
    assert.deepEqual(checkTokenResponse({ ...GOOD, scope: [] }).scope, []);
  });

  it('not an object', () => {
    for (const value of [null, undefined, 'x', 3, [GOOD]]) refusedToken(value, 'the answer is not a JSON object');
  });

  it('the token: an ES256 JWS — base64url parts within their lengths, a header naming ES256, a JSON payload, a 64-byte signature', () => {
    const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const header = b64({ alg: 'ES256', kid: '2X9R4HXF34', typ: 'JWT' });
    const payload = b64({ iss: 'x', exp: 1 });
    const long = (n: number, json: Record<string, unknown>) => b64({ ...json, pad: 'x'.repeat(Math.floor(((n - b64({ ...json, pad: '' }).length) * 3) / 4)) });
    for (const token of [`${header}.${payload}.${SIG}`, `${b64({ alg: 'ES256' })}.${b64({})}.${SIG}`, `${long(4096, { alg: 'ES256' })}.${long(16384, {})}.${SIG}`]) {
      assert.equal(checkTokenResponse(withToken(token)).token, token, `${token.length}`);
    }
    assert.ok(long(4096, { alg: 'ES256' }).length <= 4096 && long(4096, { alg: 'ES256' }).length > 4090);
    for (const token of [
      `${header}.${payload}.${SIG.slice(1)}`,
      `${header}.${payload}.${SIG}A`,
      `${header}.${payload}`,
      `${header}.${payload}.${SIG}.${SIG}`,
      `${b64({ alg: 'ES256', pad: 'x'.repeat(3100) })}.${payload}.${SIG}`,
      `${header}.${b64({ pad: 'x'.repeat(12300) })}.${SIG}`,
      `${b64({ alg: 'none' })}.${payload}.${SIG}`,
      `${b64({ alg: 'RS256' })}.${payload}.${SIG}`,
      `${b64({})}.${payload}.${SIG}`,
      `${b64(['ES256'])}.${payload}.${SIG}`,
      `${b64(null)}.${payload}.${SIG}`,
      `${header}.${b64([1])}.${SIG}`,
      `${header}.${b64('x')}.${SIG}`,
      `${header}.${b64(null)}.${SIG}`,
      `${header}.YnVpbGQ.${SIG}`,
      `YnVpbGQ.${payload}.${SIG}`,
      `a.${payload}.${SIG}`,
      `${header}.a.${SIG}`,
      `${header}.${payload}.${SIG.slice(0, -1)}=`,
      `${header}.${payload}.${SIG.slice(0, -1)}+`,
      ` ${header}.${payload}.${SIG}`,
      `${header}.${payload}.${SIG}\n`,
      'build',
      'com.example.app',
    ]) {
      refusedToken(withToken(token), 'the answer\'s "token" is not a JWT');
    }
    refusedToken({ ...GOOD, token: 5 }, 'the answer\'s "token" is not a JWT');
    refusedToken({ ...GOOD, token: undefined }, 'the answer\'s "token" is not a JWT');
  });

  it('tokenType, profile, keyId, audience', () => {
    refusedToken({ ...GOOD, tokenType: 'bearer' }, 'the answer\'s "tokenType" is not "Bearer"');
    refusedToken({ ...GOOD, tokenType: undefined }, 'the answer\'s "tokenType" is not "Bearer"');
    for (const profile of ['', 'a b', 'x\n', '-a', 'a'.repeat(65), 7, null]) refusedToken({ ...GOOD, profile }, 'the answer\'s "profile" is not a profile name');
    assert.equal(checkTokenResponse({ ...GOOD, profile: `A${'b'.repeat(63)}` }).profile, `A${'b'.repeat(63)}`);
    for (const keyId of ['2X9R4HXF3', '2X9R4HXF345', '2x9r4hxf34', '2X9R4HXF3-', undefined]) refusedToken({ ...GOOD, keyId }, 'the answer\'s "keyId" is not an App Store Connect key ID');
    for (const audience of ['appstoreconnect-v2', '', undefined, ['appstoreconnect-v1']]) refusedToken({ ...GOOD, audience }, 'the answer\'s "audience" is not an Apple audience');
  });

  it('scope: null or at most 50 entries of a scope entry\'s characters', () => {
    const entry = `GET /${'a'.repeat(511)}`;
    assert.deepEqual(checkTokenResponse({ ...GOOD, scope: [entry, 'DELETE /v1/x?a=b,c:d*[e]~f'] }).scope, [entry, 'DELETE /v1/x?a=b,c:d*[e]~f']);
    assert.equal(checkTokenResponse({ ...GOOD, scope: Array.from({ length: 50 }, () => 'GET /v1/apps') }).scope?.length, 50);
    for (const scope of [Array.from({ length: 51 }, () => 'GET /v1/apps'), 'GET /v1/apps', undefined, {}, ['GET /v1/apps', 5], [`GET /${'a'.repeat(512)}`], ['GE /v1/apps'], ['GETTING /v1/apps'], ['get /v1/apps'], ['GET v1/apps'], ['GET  /v1/apps'], ['GET /v1/apps\n::add-mask::x'], ['GET /v1/"apps'], ['GET /v1/\\apps'], ['GET /']]) {
      refusedToken({ ...GOOD, scope }, 'the answer\'s "scope" is not null or a list of scope entries');
    }
  });

  it('instants: ISO 8601 UTC to the millisecond, real dates', () => {
    for (const field of ['issuedAt', 'expiresAt', 'refreshAfter'] as const) {
      for (const value of ['2030-01-01T00:00:00', '2030-01-01 00:00:00Z', '2030-01-01T00:00:00+00:00', '2030-01-01T00:00:00.1234Z', '2030-13-01T00:00:00Z', '2030-01-01T25:00:00Z', ' 2030-01-01T00:00:00Z', '2030-01-01T00:00:00Z\nX=1', '30-01-01T00:00:00Z', 1893456000, undefined]) {
        refusedToken({ ...GOOD, [field]: value }, `the answer's "${field}" is not an ISO 8601 UTC time`);
      }
      for (const value of ['2030-01-01T00:00:00.1Z', '2030-01-01T00:00:00.12Z', '2030-01-01T00:00:00.123Z']) assert.equal(checkTokenResponse({ ...GOOD, [field]: value })[field], value);
    }
  });

  it('expiresIn: a whole number', () => {
    for (const expiresIn of [1.5, '570', undefined, Number.NaN]) refusedToken({ ...GOOD, expiresIn }, 'the answer\'s "expiresIn" is not a whole number of seconds');
    assert.equal(checkTokenResponse({ ...GOOD, expiresIn: 0 }).expiresIn, 0);
  });

  it('tokenSha256: the token\'s own', () => {
    for (const tokenSha256 of [sha('other'), sha(TOKEN).toUpperCase(), undefined, '']) refusedToken({ ...GOOD, tokenSha256 }, 'the answer\'s "tokenSha256" is not the token\'s SHA-256');
  });
});

const CALLER = { principal: 'arn:aws:iam::111122223333:role/ci', arn: 'arn:aws:sts::111122223333:assumed-role/ci/job', session: 'job', accountId: '111122223333', orgId: 'o-abcdefghij' };
const PROFILE = { name: 'release', description: 'Releases', api: 'app-store-connect', key: 'main', scope: 'any', ttl: { default: 600, max: 1200 } };

function refusedProfiles(value: unknown, message: string): void {
  assert.throws(
    () => checkProfilesResponse(value),
    (error: unknown) => {
      assert.ok(error instanceof TokenResponseError, String(error));
      assert.equal(error.message, message);
      return true;
    },
    message,
  );
}

describe('checkProfilesResponse', () => {
  it('a well-formed answer: documented fields only; free text printable; optional fields null when malformed', () => {
    const checked = checkProfilesResponse({ caller: { ...CALLER, extra: 1 }, profiles: [{ ...PROFILE, extra: 2 }, { ...PROFILE, name: 'store', api: 'app-store-server', scope: ['GET /v1/apps'], bundleId: 'com.example.app', description: undefined, key: undefined }], more: 3 });
    assert.deepEqual(checked, {
      caller: CALLER,
      profiles: [
        { ...PROFILE },
        { name: 'store', description: null, api: 'app-store-server', key: null, scope: ['GET /v1/apps'], ttl: { default: 600, max: 1200 }, bundleId: 'com.example.app' },
      ],
    });
    const loose = checkProfilesResponse({
      caller: { principal: CALLER.principal, arn: 'not an arn', session: 'a\nb\u202ec', accountId: '1111222233334', orgId: 'o-ABC' },
      profiles: [{ ...PROFILE, description: 'x\u001b[2Jy', key: 'a b', bundleId: 'com.example.app\n', api: 'enterprise' }],
    });
    assert.deepEqual(loose.caller, { principal: CALLER.principal, arn: null, session: 'a b c', accountId: null, orgId: null });
    assert.deepEqual(loose.profiles[0], { name: 'release', description: 'x [2Jy', api: 'enterprise', key: null, scope: 'any', ttl: { default: 600, max: 1200 } });
    assert.equal(checkProfilesResponse({ caller: { principal: CALLER.principal }, profiles: [] }).caller.session, null);
    assert.equal(checkProfilesResponse({ caller: CALLER, profiles: [{ ...PROFILE, description: 'd'.repeat(600) }] }).profiles[0]?.description, `${'d'.repeat(500)}…`);
    assert.equal(checkProfilesResponse({ caller: { ...CALLER, session: 's'.repeat(200) }, profiles: [] }).caller.session, `${'s'.repeat(128)}…`);
    assert.equal(checkProfilesResponse({ caller: CALLER, profiles: Array.from({ length: 1000 }, () => PROFILE) }).profiles.length, 1000);
    assert.equal(checkProfilesResponse({ caller: CALLER, profiles: [{ ...PROFILE, scope: Array.from({ length: 200 }, () => 'GET /v1/apps') }] }).profiles[0]?.scope.length, 200);
    // A kind's own fields are checked as the policy compiler checks them (src/core/kinds.ts), and only for that kind.
    const longest = `com.${'b'.repeat(151)}`;
    const store = { ...PROFILE, api: 'app-store-server' };
    assert.equal(checkProfilesResponse({ caller: CALLER, profiles: [{ ...store, bundleId: longest }] }).profiles[0]?.bundleId, longest);
    assert.equal(checkProfilesResponse({ caller: CALLER, profiles: [{ ...store, bundleId: `${longest}b` }] }).profiles[0]?.bundleId, undefined);
    assert.equal(checkProfilesResponse({ caller: CALLER, profiles: [{ ...store, bundleId: 'nodot' }] }).profiles[0]?.bundleId, undefined);
    assert.equal(checkProfilesResponse({ caller: CALLER, profiles: [{ ...PROFILE, bundleId: 'com.example.app' }] }).profiles[0]?.bundleId, undefined, 'not a field of its kind');
    assert.deepEqual(checkProfilesResponse({ caller: CALLER, profiles: [{ ...PROFILE, api: 'sign-in-with-apple', clientIds: ['com.example.web', 'evil\n'] }] }).profiles[0]?.clientIds, undefined);
    assert.deepEqual(checkProfilesResponse({ caller: CALLER, profiles: [{ ...PROFILE, key: ['main', 'second'] }] }).profiles[0]?.key, ['main', 'second']);
    assert.equal(checkProfilesResponse({ caller: CALLER, profiles: [{ ...PROFILE, key: ['main', 'a b'] }] }).profiles[0]?.key, null);
    assert.equal(checkProfilesResponse({ caller: { ...CALLER, orgId: `o-${'a'.repeat(32)}` }, profiles: [] }).caller.orgId, `o-${'a'.repeat(32)}`);
    assert.equal(checkProfilesResponse({ caller: { ...CALLER, orgId: `o-${'a'.repeat(33)}` }, profiles: [] }).caller.orgId, null);
    assert.equal(checkProfilesResponse({ caller: { ...CALLER, orgId: 'o-abcdefghi' }, profiles: [] }).caller.orgId, null);
    assert.equal(checkProfilesResponse({ caller: { ...CALLER, accountId: '11112222333' }, profiles: [] }).caller.accountId, null);
  });

  it('refusals name the field', () => {
    const cases: Array<[unknown, string]> = [
      [null, 'caller'],
      ['x', 'caller'],
      [{ profiles: [] }, 'caller.principal'],
      [{ caller: null, profiles: [] }, 'caller.principal'],
      [{ caller: { principal: 'role/ci' }, profiles: [] }, 'caller.principal'],
      [{ caller: { principal: 'arn:aws:iam::1:role/ci\n::x' }, profiles: [] }, 'caller.principal'],
      [{ caller: { principal: `arn:${'a'.repeat(2045)}` }, profiles: [] }, 'caller.principal'],
      [{ caller: CALLER }, 'profiles'],
      [{ caller: CALLER, profiles: 'all' }, 'profiles'],
      [{ caller: CALLER, profiles: Array.from({ length: 1001 }, () => PROFILE) }, 'profiles'],
      [{ caller: CALLER, profiles: [null] }, 'profiles[0]'],
      [{ caller: CALLER, profiles: [PROFILE, 'x'] }, 'profiles[1]'],
      [{ caller: CALLER, profiles: [{ ...PROFILE, name: 'a b' }] }, 'profiles[0].name'],
      [{ caller: CALLER, profiles: [{ ...PROFILE, name: 5 }] }, 'profiles[0].name'],
      [{ caller: CALLER, profiles: [{ ...PROFILE, api: 'other' }] }, 'profiles[0].api'],
      [{ caller: CALLER, profiles: [{ ...PROFILE, api: undefined }] }, 'profiles[0].api'],
      [{ caller: CALLER, profiles: [{ ...PROFILE, scope: 'all' }] }, 'profiles[0].scope'],
      [{ caller: CALLER, profiles: [{ ...PROFILE, scope: ['x'] }] }, 'profiles[0].scope'],
      [{ caller: CALLER, profiles: [{ ...PROFILE, scope: [7] }] }, 'profiles[0].scope'],
      [{ caller: CALLER, profiles: [{ ...PROFILE, scope: Array.from({ length: 201 }, () => 'GET /v1/apps') }] }, 'profiles[0].scope'],
      [{ caller: CALLER, profiles: [{ ...PROFILE, ttl: null }] }, 'profiles[0].ttl'],
      [{ caller: CALLER, profiles: [{ ...PROFILE, ttl: 600 }] }, 'profiles[0].ttl'],
      [{ caller: CALLER, profiles: [{ ...PROFILE, ttl: { default: 600 } }] }, 'profiles[0].ttl'],
      [{ caller: CALLER, profiles: [{ ...PROFILE, ttl: { max: 600 } }] }, 'profiles[0].ttl'],
      [{ caller: CALLER, profiles: [{ ...PROFILE, ttl: { default: 1.5, max: 600 } }] }, 'profiles[0].ttl'],
    ];
    const shapes: Record<string, string> = { caller: 'an object', 'caller.principal': 'an ARN', profiles: 'a list', name: 'a profile name', api: 'an API', scope: '"any" or a list of scope entries', ttl: '{ default, max } in whole seconds' };
    for (const [value, field] of cases) {
      const shape = shapes[field] ?? shapes[field.replace(/^profiles\[\d+\]\./, '')] ?? 'an object';
      refusedProfiles(value, `the answer's "${field}" is not ${shape}`);
    }
  });
});
