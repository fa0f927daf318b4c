import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TokenVendingError } from '../../src/core/errors.ts';
import { isLongLivedEligible } from '../../src/core/long-lived.ts';
import { NON_CANONICAL_SCOPES } from '../helpers/attacks.ts';
import { canonicalScope, parseRequestedScope, parseScopeEntry, scopeCovers, type ScopeEntry } from '../../src/core/scope.ts';

const entry = (text: string, allowWildcards = false): ScopeEntry => {
  const parsed = parseScopeEntry(text, { allowWildcards });
  if (typeof parsed === 'string') assert.fail(`${text}: ${parsed}`);
  return parsed;
};

describe('parseScopeEntry', () => {
  it('accepts Apple scope strings', () => {
    for (const text of ['GET /v1/apps', 'GET /v1/apps?filter[platform]=IOS', 'GET /v1/apps/123/builds', 'PATCH /v1/builds/abc-123', 'GET /v2/inAppPurchases/1', 'GET /v1/apps?filter[platform]=IOS,MAC_OS&fields[apps]=name']) {
      assert.equal(entry(text).text, text);
    }
  });

  it('refuses what is not one', () => {
    const bad: Array<[unknown, RegExp]> = [
      [42, /must be a string/],
      ['', /empty/],
      ['/v1/apps', /METHOD \/path/],
      ['get /v1/apps', /method "get"/],
      ['PUT /v1/apps', /method "PUT"/],
      ['GET  /v1/apps', /exactly one space|must start with "\/"/],
      ['GET v1/apps', /must start with "\/"/],
      ['GET /apps', /API version/],
      ['GET /v1', /name a resource/],
      ['GET /v1/apps/', /empty segment/],
      ['GET /v1//apps', /empty segment/],
      ['GET /v1/apps/*', /wildcards are for policy/],
      ['GET /v1/apps?', /empty query/],
      ['GET /v1/apps?x', /name=value/],
      ['GET /v1/apps?a=1&a=2', /appears twice/],
      ['GET /v1/apps?a=<script>', /not allowed in its value/],
      ['GET /v1/app s', /exactly one space/],
      ['GET /v1/ap\u0000ps', /not allowed/],
      [`GET /v1/${'a'.repeat(600)}`, /longer than/],
      ['GET /v1/apps#frag', /not allowed/],
      ['GET /v1/apps/1:2/builds', /not allowed/],
      ['GET /v1/apps/1\\2/builds', /not allowed/],
    ];
    for (const [input, reason] of bad) {
      const result = parseScopeEntry(input);
      assert.equal(typeof result, 'string', `${JSON.stringify(input)} was accepted`);
      assert.match(result as string, reason, JSON.stringify(input));
    }
  });

  it('ignores query order and Apple\'s paging parameters when comparing', () => {
    assert.equal(canonicalScope(entry('GET /v1/apps?b=2&a=1&limit=5&cursor=x&sort=name')), 'GET /v1/apps?a=1&b=2');
  });
});

describe('scope entries are canonical paths', () => {
  it('refuses dot segments, percent-escapes and characters outside the path alphabet, naming why', () => {
    for (const text of NON_CANONICAL_SCOPES) {
      const result = parseScopeEntry(text);
      assert.equal(typeof result, 'string', `${text} was accepted`);
      assert.match(result as string, /canonical|not allowed|name=value/, text);
    }
    assert.match(parseScopeEntry('GET /v1/apps/../builds') as string, /"\.\." segment/);
    assert.match(parseScopeEntry('GET /v1/apps/%2E%2E/builds') as string, /percent-escape/);
    assert.match(parseScopeEntry('GET /v1/apps?filter[bundleId]=%2E%2E') as string, /no percent-escapes/);
  });

  it('refuses them in policy patterns too', () => {
    for (const text of ['GET /v1/apps/../*', 'GET /v1/apps/*/%2E%2E', 'GET /v1/./apps']) {
      assert.equal(typeof parseScopeEntry(text, { allowWildcards: true }), 'string', text);
    }
  });

  it('refuses them in a request, whatever the pattern would have matched', () => {
    for (const text of NON_CANONICAL_SCOPES) {
      assert.throws(() => parseRequestedScope([text]), (e: unknown) => e instanceof TokenVendingError && e.code === 'invalid_scope', text);
    }
  });

  it('still accepts every character Apple\'s paths and IDs use', () => {
    for (const text of ['GET /v1/apps/1234567890/builds', 'GET /v1/builds/6f1a2b3c-4d5e-6f70-8192-a3b4c5d6e7f8', 'GET /v1/bundleIds/AB_cd.e~f-1', 'GET /v1/apps?filter[bundleId]=com.example.app-1&fields[apps]=name,bundleId']) {
      assert.equal(typeof parseScopeEntry(text), 'object', text);
    }
  });
});

describe('parseRequestedScope', () => {
  it('refuses an empty list and names the bad entry', () => {
    assert.throws(() => parseRequestedScope([]), (e: unknown) => e instanceof TokenVendingError && e.code === 'invalid_scope');
    assert.throws(() => parseRequestedScope(['GET /v1/apps', 'nope']), (e: unknown) => e instanceof TokenVendingError && e.code === 'invalid_scope' && /scope\[1\]/.test(e.detail));
    assert.throws(() => parseRequestedScope(Array(51).fill('GET /v1/apps')), (e: unknown) => e instanceof TokenVendingError && /more than 50/.test(e.detail));
  });

  it('drops duplicates that differ only in query order', () => {
    assert.equal(parseRequestedScope(['GET /v1/apps?a=1&b=2', 'GET /v1/apps?b=2&a=1']).length, 1);
  });
});

describe('scopeCovers', () => {
  const covers = (pattern: string, request: string) => scopeCovers(entry(pattern, true), entry(request));
  it('matches * against exactly one segment', () => {
    assert.equal(covers('GET /v1/apps/*/builds', 'GET /v1/apps/123/builds'), true);
    assert.equal(covers('GET /v1/apps/*/builds', 'GET /v1/apps/builds'), false);
    assert.equal(covers('GET /v1/apps/*/builds', 'GET /v1/apps/1/2/builds'), false);
    assert.equal(covers('GET /v1/apps/*', 'GET /v1/apps'), false);
  });
  it('requires the same method', () => {
    assert.equal(covers('GET /v1/apps', 'PATCH /v1/apps'), false);
  });
  it('lets a request add filters but not drop the pattern\'s', () => {
    assert.equal(covers('GET /v1/apps', 'GET /v1/apps?filter[platform]=IOS'), true);
    assert.equal(covers('GET /v1/apps?filter[platform]=IOS', 'GET /v1/apps'), false);
    assert.equal(covers('GET /v1/apps?filter[platform]=IOS', 'GET /v1/apps?filter[platform]=MAC_OS'), false);
    assert.equal(covers('GET /v1/apps?filter[platform]=IOS&limit=1', 'GET /v1/apps?limit=200&filter[platform]=IOS'), true);
  });
});

describe('long-lived eligibility (Apple\'s three conditions)', () => {
  const eligible = (...texts: string[]) => isLongLivedEligible(texts.map((t) => entry(t, true)));
  it('holds for GET-only scopes on Apple\'s long-lived resources', () => {
    assert.equal(eligible('GET /v1/ciProducts', 'GET /v1/ciBuildRuns/*/actions', 'GET /v1/scmRepositories'), true);
    assert.equal(eligible('GET /v1/apps/123/perfPowerMetrics', 'GET /v1/builds/*/diagnosticSignatures', 'GET /v1/diagnosticSignatures/1/logs'), true);
  });
  it('fails without a scope, with a non-GET, or with any other resource', () => {
    assert.equal(isLongLivedEligible(null), false);
    assert.equal(isLongLivedEligible([]), false);
    assert.equal(eligible('POST /v1/ciBuildRuns'), false);
    assert.equal(eligible('GET /v1/ciBuildRuns', 'GET /v1/apps'), false);
    assert.equal(eligible('GET /v1/apps/1/builds'), false);
    assert.equal(eligible('GET /v1/*/perfPowerMetrics'), false);
  });
  it('is never reached by a path that leaves a long-lived resource: such entries are refused first', () => {
    for (const text of ['GET /v1/ciBuildRuns/../apps', 'GET /v1/ciProducts/%2E%2E/users', 'GET /v1/apps/1/perfPowerMetrics/..', 'GET /v1/builds/1/diagnosticSignatures/%2E%2E/..']) {
      assert.equal(typeof parseScopeEntry(text), 'string', text);
    }
  });
});
