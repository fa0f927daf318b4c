/**
 * The policy for Apple's developer keys (docs/design.md#token-kinds): every problem listed — a teamId that is not
 * one, a profile kind its key's services do not list, fields a kind does not take, scope or ttl where a kind takes
 * none — and the profiles that compile.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PolicyError, compilePolicy } from '../../src/policy/policy.ts';

const KMS_ID = 'alias/asc/push';
const ISSUER = '57246542-96fe-1a63-e053-0824d011072a';

const policy = (keys: Record<string, unknown>, profiles: Record<string, Record<string, unknown>>) => ({
  version: 1,
  keys,
  profiles: Object.fromEntries(Object.entries(profiles).map(([name, profile]) => [name, { callers: ['account:111122223333'], ...profile }])),
});
const push = { push: { secretId: 'apple/push', services: ['apns', 'devicecheck'] } };

function problems(document: unknown): string[] {
  try {
    compilePolicy(document);
  } catch (error) {
    assert.ok(error instanceof PolicyError, String(error));
    return error.problems;
  }
  return [];
}

describe('developer-key profiles', () => {
  it('compile with their kinds\' fields, defaults and lifetimes', () => {
    const compiled = compilePolicy(
      policy(
        { push: { secretId: 'apple/push' }, dev: { kmsKeyId: KMS_ID, keyId: 'PUSHKEY123', teamId: 'A1B2C3D4E5' } },
        {
          notify: { key: 'push', api: 'apns' },
          'notify-fast': { key: 'dev', api: 'apns', refreshWindow: 1200 },
          check: { key: 'dev', api: 'devicecheck', scope: 'any' },
          login: { key: 'dev', api: 'sign-in-with-apple', clientIds: ['com.example.web', 'com.example.ios'], ttl: { default: 86400, max: 15_777_000 } },
          weather: { key: 'dev', api: 'weatherkit', serviceId: 'com.example.weatherkit-client' },
          music: { key: 'dev', api: 'musickit', origins: ['https://music.example.com'] },
        },
      ),
    );
    const profile = (name: string) => compiled.profiles.get(name);
    assert.deepEqual(profile('notify')?.fields, {});
    assert.deepEqual(profile('notify')?.ttl, { default: 3600, max: 3600 });
    assert.deepEqual(profile('notify-fast')?.fields, { refreshWindow: 1200 });
    assert.equal(profile('check')?.scope, 'any');
    assert.deepEqual(profile('login')?.fields, { clientIds: ['com.example.web', 'com.example.ios'] });
    assert.deepEqual(profile('login')?.ttl, { default: 86400, max: 15_777_000 });
    assert.deepEqual(profile('weather')?.fields, { serviceId: 'com.example.weatherkit-client' });
    assert.deepEqual(profile('weather')?.ttl, { default: 3600, max: 15_777_000 });
    assert.deepEqual(profile('music')?.fields, { origins: ['https://music.example.com'] });
    assert.deepEqual(compiled.keys.get('dev')?.services, ['apns', 'devicecheck', 'sign-in-with-apple', 'weatherkit', 'musickit']);
    assert.equal(compiled.keys.get('push')?.services, undefined, "a secret's kind is known only when it is read");
  });

  it('list every problem of a developer key entry', () => {
    assert.deepEqual(problems(policy({ dev: { kmsKeyId: KMS_ID, keyId: 'PUSHKEY123', teamId: 'a1b2c3d4e' } }, { n: { key: 'dev', api: 'apns' } })), [
      'keys.dev.teamId: must be the 10-character Team ID of the developer account',
    ]);
    assert.deepEqual(problems(policy({ dev: { kmsKeyId: KMS_ID, keyId: 'PUSHKEY123', teamId: 'A1B2C3D4E5', issuerId: ISSUER } }, { n: { key: 'dev', api: 'apns' } })), [
      'keys.dev: issuerId, individual and teamId exclude each other: an App Store Connect team key has an issuer, an individual key none, a developer key a team',
    ]);
    assert.deepEqual(problems(policy({ p: { secretId: 'apple/push', teamId: 'A1B2C3D4E5' } }, { n: { key: 'p', api: 'apns' } })), [
      'keys.p.teamId: only kmsKeyId entries take teamId (a secretId entry is { secretId: NAME_OR_ARN })',
    ]);
    for (const services of [[], 'apns', ['apns', 'push'], [42]]) {
      assert.deepEqual(problems(policy({ p: { secretId: 'apple/push', services } }, { n: { key: 'p', api: 'apns' } })), [
        'keys.p.services: must list the token kinds the key may sign: app-store-connect, enterprise, app-store-server, apns, devicecheck, sign-in-with-apple, weatherkit, musickit',
      ], JSON.stringify(services));
    }
  });

  it('refuse a profile whose kind its key does not serve', () => {
    assert.deepEqual(problems(policy(push, { ci: { key: 'push', scope: 'any' } })), ['profiles.ci.api: key push does not sign app-store-connect tokens: it serves apns, devicecheck (its services)']);
    assert.deepEqual(problems(policy({ asc: { kmsKeyId: KMS_ID, keyId: '2X9R4HXF34', issuerId: ISSUER } }, { n: { key: 'asc', api: 'apns' } })), [
      'profiles.n.api: key asc does not sign apns tokens: it serves app-store-connect, enterprise, app-store-server (its services, or what its issuer signs)',
    ]);
    assert.deepEqual(problems(policy({ dev: { kmsKeyId: KMS_ID, keyId: 'PUSHKEY123', teamId: 'A1B2C3D4E5', services: ['apns', 'app-store-connect'] } }, { n: { key: 'dev', api: 'apns' } })), [
      'keys.dev.services: app-store-connect: a developer key (teamId) signs only apns, devicecheck, sign-in-with-apple, weatherkit, musickit',
    ]);
  });

  it('refuse scope and ttl where a kind takes none, and fields of other kinds', () => {
    assert.deepEqual(problems(policy(push, { n: { key: 'push', api: 'apns', scope: ['GET /v1/apps'], ttl: { max: 3600 }, clientIds: ['com.example.web'] } })), [
      'profiles.n.scope: apns tokens take no scope; write "scope: any" or leave it out',
      'profiles.n.ttl: apns tokens take no ttl: every caller of a key shares one token per refreshWindow, and Apple accepts it for 3600 s',
      'profiles.n.clientIds: only sign-in-with-apple profiles take clientIds',
    ]);
    assert.deepEqual(problems(policy({ d: { secretId: 'apple/dev' } }, { w: { key: 'd', api: 'weatherkit', refreshWindow: 1200 } })), [
      'profiles.w.serviceId: weatherkit profiles need the WeatherKit Services ID (e.g. com.example.weatherkit-client); it becomes sub and part of the id header',
      'profiles.w.refreshWindow: only apns, devicecheck profiles take refreshWindow',
    ]);
  });

  it('check each kind\'s fields', () => {
    const one = (profile: Record<string, unknown>) => problems(policy({ d: { secretId: 'apple/dev' } }, { x: { key: 'd', ...profile } }));
    for (const refreshWindow of [1199, 3301, 2400.5, '2400']) {
      assert.match(one({ api: 'apns', refreshWindow })[0] ?? '', /^profiles\.x\.refreshWindow: apns profiles need refreshWindow: whole seconds from 1200 .* to 3300/, String(refreshWindow));
    }
    for (const clientIds of [undefined, [], 'not a client id', ['com.example.web', 'no'], Array.from({ length: 51 }, (_, i) => `com.example.c${i}`)]) {
      assert.match(one({ api: 'sign-in-with-apple', clientIds })[0] ?? '', /^profiles\.x\.clientIds: sign-in-with-apple profiles need clientIds: the Services IDs/, JSON.stringify(clientIds));
    }
    for (const origins of [[], ['music.example.com'], ['https://music.example.com/path'], ['ftp://x.example'], ['http://example.com']]) {
      assert.match(one({ api: 'musickit', origins })[0] ?? '', /^profiles\.x\.origins: musickit profiles need origins: the web origins/, JSON.stringify(origins));
    }
    assert.deepEqual(one({ api: 'musickit', origins: ['https://a.example.com:8443', 'http://localhost:3000'] }), []);
    assert.deepEqual(one({ api: 'sign-in-with-apple', clientIds: 'com.example.web', ttl: { max: 15_777_001 } }), ["profiles.x.ttl.max: 15777001 is over Apple's limit of 15777000 seconds for sign-in-with-apple tokens"]);
  });
});
