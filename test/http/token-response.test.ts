import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { MintRequest } from '../../src/core/claims.ts';
import { mintToken } from '../../src/core/sign.ts';
import { renderTokenResponse, tokenResponse } from '../../src/http/token-response.ts';
import { parseRequestedScope } from '../../src/core/scope.ts';
import { generateP256, signingKey } from '../helpers/keys.ts';

const NOW = Date.UTC(2026, 10, 22, 10, 0, 30); // 2026-11-22T10:00:30Z
const key = generateP256();
const team = signingKey(key);
const scope = (...entries: string[]) => parseRequestedScope(entries);
const request = (overrides: Partial<MintRequest> = {}): MintRequest => ({ kind: 'app-store-connect', scope: null, ttl: 600, ...overrides });


describe('renderTokenResponse', () => {
  it('renders exactly what serialising the token response would, for every shape of response', async () => {
    const cases: Array<[MintRequest, string | undefined]> = [
      [request(), undefined],
      [request({ scope: scope('GET /v1/apps?filter[platform]=IOS', 'GET /v1/builds') }), 'release'],
      [request({ kind: 'app-store-server', fields: { bundleId: 'com.example.app' } }), 'store "kit" \\ \u2028'],
    ];
    for (const [mintRequest, profile] of cases) {
      const minted = await mintToken(team, mintRequest, { now: NOW });
      const { token, tokenSha256, ...pending } = minted;
      const rendered = renderTokenResponse(pending, profile)(token, tokenSha256);
      assert.equal(rendered, JSON.stringify(tokenResponse(minted, profile)));
      assert.equal(JSON.parse(rendered).token, token);
    }
    // The fields that may be null or absent, and timestamps far apart (each rendered, none taken from another).
    const pending = { keyId: 'K"1', audience: null, scope: null, iat: 0, exp: 253402300799, expiresIn: 0, refreshAfter: 1796686263 };
    for (let i = 0; i < 70; i++) renderTokenResponse({ ...pending, iat: i }, 'p')('t', 'h');
    for (const profile of [undefined, 'p']) assert.equal(renderTokenResponse(pending, profile)('t', 'h'), JSON.stringify(tokenResponse({ ...pending, token: 't', tokenSha256: 'h' }, profile)));
    assert.match(renderTokenResponse(pending)('t', 'h'), /"issuedAt":"1970-01-01T00:00:00Z","expiresAt":"9999-12-31T23:59:59Z",.*"refreshAfter":"2026-12-07T23:31:03Z"/);
  });
});
