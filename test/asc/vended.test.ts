/**
 * The vended-token strategy over the real service (the handler behind the local server, SigV4): per-call scope
 * for profiles with scope patterns, one reused token for unscoped ones, forced refresh after a 401.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TokenClient, TokenClientError } from '../../src/client/token-client.ts';
import { AppStoreConnectClient } from '../../src/asc/api.ts';
import { scopeOf, type ApiCall } from '../../src/asc/auth.ts';
import { vendedTokenAuth } from '../../src/asc/vended.ts';
import { FakeAppStoreConnect } from '../helpers/fake-asc.ts';
import { credentials, startTokenService, type TokenService } from '../helpers/fake-asc-service.ts';
import { ISSUER_ID, TEAM_KEY_ID, verifyEs256 } from '../helpers/keys.ts';

let service: TokenService;
before(async () => {
  service = await startTokenService();
});
after(() => service.close());

const claims = (token: string) => verifyEs256(token, service.service.key.publicKey).payload;
const APPS: ApiCall = { method: 'GET', path: '/v1/apps', query: [['filter[bundleId]', 'com.example.app']] };
const COMMIT: ApiCall = { method: 'PATCH', path: '/v1/buildUploadFiles/f-1' };

describe('vendedTokenAuth', () => {
  it('a profile with wildcard patterns: per-call tokens, each scoped to exactly its call', async () => {
    const auth = vendedTokenAuth({ tokens: new TokenClient({ url: service.url, credentials }), profile: 'testflight-upload' });
    assert.equal(auth.mode, 'auto');
    const apps = await auth.getToken(APPS);
    assert.equal(auth.mode, 'per-call');
    assert.deepEqual(claims(apps).scope, ['GET /v1/apps?filter[bundleId]=com.example.app']);
    assert.deepEqual(claims(await auth.getToken(COMMIT)).scope, ['PATCH /v1/buildUploadFiles/f-1']);
    assert.equal(await auth.getToken(APPS), apps, 'the same call reuses its token until refreshAfter');
  });

  it('a profile with patterns but no wildcards: per-call too (its first token shows a scope)', async () => {
    const auth = vendedTokenAuth({ tokens: new TokenClient({ url: service.url, credentials }), profile: 'flat' });
    const token = await auth.getToken({ method: 'GET', path: '/v1/apps' });
    assert.equal(auth.mode, 'per-call');
    assert.deepEqual(claims(token).scope, ['GET /v1/apps']);
  });

  it('an unscoped profile: one token without a scope claim, reused for every call until refreshAfter', async () => {
    const before = service.minted.length;
    const auth = vendedTokenAuth({ tokens: new TokenClient({ url: service.url, credentials }), profile: 'release' });
    const tokens = await Promise.all([auth.getToken(APPS), auth.getToken(COMMIT), auth.getToken(APPS)]);
    assert.equal(auth.mode, 'profile');
    assert.equal(new Set(tokens).size, 1);
    assert.equal(claims(tokens[0]!).scope, undefined);
    assert.equal(service.minted.length - before, 1);
  });

  it('forceRefresh gets a new token even before refreshAfter, in either mode', async () => {
    for (const profile of ['release', 'testflight-upload']) {
      const auth = vendedTokenAuth({ tokens: new TokenClient({ url: service.url, credentials }), profile });
      const first = await auth.getToken(COMMIT);
      const again = await auth.getToken(COMMIT);
      const forced = await auth.getToken(COMMIT, { forceRefresh: true });
      assert.equal(again, first, profile);
      assert.notEqual(forced, first, profile);
      assert.equal(await auth.getToken(COMMIT), forced, `${profile}: the new token replaces the cached one`);
    }
  });

  it('the service’s refusals reach the caller with their code; a failed probe is asked again', async () => {
    const auth = vendedTokenAuth({ tokens: new TokenClient({ url: service.url, credentials }), profile: 'testflight-upload' });
    await assert.rejects(auth.getToken({ method: 'DELETE', path: '/v1/buildUploads/x' }), (error: unknown) => error instanceof TokenClientError && error.code === 'scope_not_allowed');
    const nobody = vendedTokenAuth({ tokens: new TokenClient({ url: service.url, credentials, attempts: 1 }), profile: 'no-such-profile' });
    await assert.rejects(nobody.getToken(APPS), (error: unknown) => error instanceof TokenClientError && error.code === 'forbidden');
    await assert.rejects(nobody.getToken(APPS), (error: unknown) => error instanceof TokenClientError && error.code === 'forbidden');
    assert.equal(nobody.mode, 'auto');
  });

  it('end to end with the client: Apple’s 401 for an old token brings one vended refresh', async () => {
    const asc = await new FakeAppStoreConnect({ publicKey: service.service.key.publicKey, keyId: TEAM_KEY_ID, issuerId: ISSUER_ID, apps: [{ id: '7', bundleId: 'com.example.app' }], requireScope: true, maxTokenAgeSeconds: 300, now: service.clock.now }).start();
    try {
      const client = new AppStoreConnectClient({ auth: vendedTokenAuth({ tokens: new TokenClient({ url: service.url, credentials }), profile: 'testflight-upload' }), baseUrl: asc.url });
      await client.request(APPS);
      service.clock.offset += 400_000; // Apple's clock and the service's move on; this process's cached token is still before its refreshAfter
      await client.request(APPS);
      assert.deepEqual(asc.requests.map((r) => r.status), [200, 401, 200]);
      assert.deepEqual(asc.requests.map((r) => r.scope), [[scopeOf(APPS)], [scopeOf(APPS)], [scopeOf(APPS)]]);
      assert.deepEqual(asc.problems, []);
    } finally {
      service.clock.offset = 0;
      asc.stop();
    }
  });
});
