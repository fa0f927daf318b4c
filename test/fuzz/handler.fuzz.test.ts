/**
 * Property-based tests: random bodies, headers, paths, identities and encodings through the real handler, and
 * random requests through the pure policy decision. Every answer must be a documented status with a problem+json
 * body and a documented code (or a verifiable token); nothing throws, nothing hangs, nothing leaks.
 * FUZZ_RUNS sets the number of cases (npm run fuzz and npm run test:all run 10,000).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { ERROR_CODES, TokenVendingError } from '../../src/core/errors.ts';
import { KeyParseError, parsePrivateKey } from '../../src/core/private-key.ts';
import { normalisePrincipal } from '../../src/core/principal.ts';
import { canonicalScope, parseScopeEntry, scopeCovers, type ScopeEntry } from '../../src/core/scope.ts';
import { authorize } from '../../src/policy/authorize.ts';
import { loadPolicyFile } from '../../src/policy/load.ts';
import { withRequest } from '../helpers/fixtures.ts';
import { assertNoMaterial, verifyEs256 } from '../helpers/keys.ts';
import { createService, type Service } from '../helpers/setup.ts';
import { trackOutput } from '../helpers/leaks.ts';

const RUNS = Number(process.env.FUZZ_RUNS ?? 300);
const FIXTURES = ['rest-v1-iam-auth.captured.powertools-ts.json', 'http-v2-iam-auth.captured.powertools-ts.json', 'function-url-iam.docs-example.powertools-ts.json', 'rest-v1-console-test-invoke.captured.powertools-ts.json'];
const DOCUMENTED = new Set(Object.keys(ERROR_CODES));

let service: Service;
before(() => {
  service = createService();
});
after(() => service.cleanup());

const segment = fc.oneof(fc.constantFrom('v1', 'tokens', 'profiles', 'health', 'ci', 'release', 'storekit', '..', '.', '%2F', '__proto__', 'constructor', ''), fc.string({ maxLength: 12 }), fc.webSegment());
const path = fc.oneof(
  fc.constantFrom('/v1/tokens/ci', '/v1/tokens/release', '/v1/tokens/storekit', '/v1/profiles', '/v1/health', '/v1/tokens/', '/'),
  fc.array(segment, { maxLength: 5 }).map((parts) => `/${parts.join('/')}`),
);
const method = fc.constantFrom('POST', 'GET', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD', 'post', '', 'BREW');
const scopeEntry = fc.oneof(fc.constantFrom('GET /v1/builds', 'GET /v1/apps/1/builds', 'GET /v1/apps/*/builds', 'POST /v1/builds', 'GET /v1/users', 'GET  /v1/builds', 'GET /v1/apps?filter[platform]=IOS&limit=2'), fc.string({ maxLength: 40 }));
const jsonBody = fc.oneof(
  fc.record({ scope: fc.option(fc.array(scopeEntry, { maxLength: 4 }), { nil: undefined }), ttl: fc.option(fc.oneof(fc.integer({ min: -10, max: 4000 }), fc.double(), fc.string({ maxLength: 5 })), { nil: undefined }) }, { requiredKeys: [] }),
  fc.jsonValue({ maxDepth: 6 }),
  fc.dictionary(fc.constantFrom('__proto__', 'constructor', 'prototype', 'scope', 'ttl', 'toString'), fc.jsonValue({ maxDepth: 2 })),
);
const body = fc.oneof(
  jsonBody.map((value) => ({ body: JSON.stringify(value) ?? 'null', isBase64Encoded: false })),
  jsonBody.map((value) => ({ body: Buffer.from(JSON.stringify(value) ?? 'null').toString('base64'), isBase64Encoded: true })),
  fc.string({ maxLength: 200 }).map((text) => ({ body: text, isBase64Encoded: false })),
  fc.uint8Array({ maxLength: 200 }).map((bytes) => ({ body: Buffer.from(bytes).toString('base64'), isBase64Encoded: true })),
  fc.string({ maxLength: 50 }).map((text) => ({ body: text, isBase64Encoded: true })),
  fc.constantFrom(
    { body: '{"ttl":60,"ttl":1200}', isBase64Encoded: false },
    { body: `${'['.repeat(3000)}${']'.repeat(3000)}`, isBase64Encoded: false },
    { body: `{"scope":["${'A'.repeat(9000)}"]}`, isBase64Encoded: false },
    { body: '{"__proto__":{"polluted":true}}', isBase64Encoded: false },
    { body: null, isBase64Encoded: false },
  ),
);
const headers = fc.oneof(
  fc.constant(null),
  fc.dictionary(fc.oneof(fc.constantFrom('content-type', 'Content-Type', 'CONTENT-TYPE', 'x-amz-date', 'authorization'), fc.string({ maxLength: 10 })), fc.oneof(fc.constantFrom('application/json', 'application/json; charset=utf-8', 'text/plain', 'application/x-www-form-urlencoded', 'application/vnd.api+json', ''), fc.string({ maxLength: 30 })), { maxKeys: 4 }),
);
const callerArn = fc.oneof(
  fc.constantFrom(undefined, null, 'arn:aws:sts::123456789012:assumed-role/Admin/fuzz', 'arn:aws:iam::111122223333:user/example-user', 'arn:aws:iam::123456789012:root', 'theUserArn', ''),
  fc.tuple(fc.constantFrom('aws', 'aws-cn', 'aws-us-gov', 'evil'), fc.constantFrom('iam', 'sts'), fc.stringMatching(/^[0-9]{12}$/), fc.string({ maxLength: 30 })).map(([p, s, a, r]) => `arn:${p}:${s}::${a}:${r}`),
);

describe('the handler under random input', () => {
  it('answers every input with a documented status and code, a verifiable token on 200, never throwing or leaking', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...FIXTURES), method, path, headers, body, callerArn, async (fixture, m, p, h, b, arn) => {
        const event = withRequest(fixture, { method: m, path: p, headers: h, body: b.body, isBase64Encoded: b.isBase64Encoded, ...(arn === undefined ? {} : { userArn: arn }) });
        const response = await service.handler(event, { awsRequestId: 'fuzz' });
        const parsed = JSON.parse(response.body);
        if (response.statusCode !== 200) trackOutput(response.body);
        assert.equal(response.headers['cache-control'], 'no-store');
        if (response.statusCode === 200) {
          if ('token' in parsed) verifyEs256(parsed.token, service.key.publicKey);
          return;
        }
        if (response.statusCode === 503 && Array.isArray(parsed.keys)) {
          assert.equal(parsed.status, 'degraded'); // GET /v1/health with an unusable key (the test service has two)
          return;
        }
        assert.ok(DOCUMENTED.has(parsed.code), `undocumented code ${parsed.code}`);
        assert.notEqual(parsed.code, 'internal', `internal error for ${JSON.stringify(event).slice(0, 300)}`);
        assert.equal(response.statusCode, ERROR_CODES[parsed.code as keyof typeof ERROR_CODES].status);
        assert.equal(parsed.status, response.statusCode);
        assert.equal(response.headers['content-type'], 'application/problem+json');
        assertNoMaterial(response.body, service.key);
      }),
      { numRuns: RUNS },
    );
    assert.equal(({} as Record<string, unknown>).polluted, undefined, 'Object.prototype was polluted');
    assertNoMaterial(service.logs.lines.join('\n'), service.key);
  });
});

describe('the policy decision under random requests', () => {
  const policy = loadPolicyFile('infra/policy.yaml');
  const profile = policy.profiles.get('testflight-readonly')!;
  const patterns = profile.scope as ScopeEntry[];
  const caller = normalisePrincipal('arn:aws:sts::111122223333:assumed-role/github-ios-build/fuzz');
  const concrete = fc.tuple(fc.constantFrom(...patterns), fc.stringMatching(/^[A-Za-z0-9]{1,12}$/)).map(([pattern, id]) => pattern.text.replace(/\*/g, id));

  it('grants only what a pattern covers, within the ttl range; refuses everything else with a documented code', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(concrete, scopeEntry), { minLength: 1, maxLength: 4 }), fc.option(fc.integer({ min: -100, max: 5000 }), { nil: undefined }), (texts, ttl) => {
        const entries = texts.map((t) => parseScopeEntry(t));
        if (entries.some((e) => typeof e === 'string')) return; // syntax errors are the body parser's (tested above)
        try {
          const grant = authorize(policy, caller, profile.name, { scope: entries as ScopeEntry[], ttl });
          for (const entry of grant.scope ?? []) assert.ok(patterns.some((p) => scopeCovers(p, entry)), `granted uncovered ${entry.text}`);
          assert.ok(grant.ttl >= 60 && grant.ttl <= profile.ttl.max);
        } catch (error) {
          assert.ok(error instanceof TokenVendingError, String(error));
          assert.ok(['scope_not_allowed', 'ttl_out_of_range'].includes(error.code), error.code);
        }
      }),
      { numRuns: RUNS * 3 },
    );
  });

  it('refuses any caller the policy does not list, whatever the request', () => {
    fc.assert(
      fc.property(callerArn, fc.constantFrom(...policy.profiles.keys(), 'nope'), (arn, name) => {
        const who = normalisePrincipal(arn);
        const listed = who !== undefined && policy.profiles.get(name)?.callers.some((c) => c.matches(who));
        if (listed) return;
        assert.throws(() => authorize(policy, who, name, {}), (e: unknown) => e instanceof TokenVendingError && e.code === 'forbidden');
      }),
      { numRuns: RUNS * 3 },
    );
  });
});

describe('scope canonicalisation under generated dot segments and escapes (finding #12.2)', () => {
  // Segments an attacker would try: dot segments, their escapes in any case and doubly encoded, encoded slashes
  // and backslashes, mixed with ordinary IDs.
  const dots = fc.constantFrom('.', '..', '...', '%2e', '%2E', '%2e%2e', '%2E%2E', '.%2e', '%2e.', '%252e%252e', '%2f', '%2F', '%5c', '%5C', '..%2f', '%2f..', ';', '%00', '%3F', '%23');
  const id = fc.stringMatching(/^[A-Za-z0-9_-]{1,8}$/);
  const attackSegment = fc.oneof(dots, id, fc.tuple(id, dots, id).map(([a, d, b]) => `${a}${d}${b}`), fc.webSegment());
  const attackPath = fc.array(attackSegment, { minLength: 1, maxLength: 5 }).map((parts) => `/v1/apps/${parts.join('/')}`);
  const patterns = ['GET /v1/apps/*/builds', 'GET /v1/apps/*', 'GET /v1/apps/*/*/builds', 'GET /v1/ciBuildRuns/*'].map((text) => parseScopeEntry(text, { allowWildcards: true }) as ScopeEntry);

  it('accepts only paths that a server resolves to themselves, so a covered path is the path granted', () => {
    fc.assert(
      fc.property(attackPath, fc.option(fc.tuple(fc.constantFrom('filter[id]', 'fields[apps]'), attackSegment), { nil: undefined }), (path, query) => {
        const text = `GET ${path}${query ? `?${query[0]}=${query[1]}` : ''}`;
        const parsed = parseScopeEntry(text);
        if (typeof parsed === 'string') return;
        // Nothing to decode, nothing to resolve: the text is its own canonical form.
        assert.equal(decodeURIComponent(path), path, text);
        assert.equal(new URL(path, 'https://api.appstoreconnect.apple.com').pathname, path, text);
        for (const segment of parsed.segments) assert.ok(!/^\.+$/.test(segment) && !segment.includes('%'), text);
        for (const [, value] of parsed.query) assert.ok(!value.includes('%') && !value.includes('+'), text);
        for (const pattern of patterns) {
          if (scopeCovers(pattern, parsed)) assert.equal(parsed.segments.length, pattern.segments.length);
        }
      }),
      { numRuns: RUNS * 3 },
    );
  });

  it('refuses every request that carries a dot segment or an escape, through the handler', async () => {
    await fc.assert(
      fc.asyncProperty(fc.tuple(id, dots, fc.constantFrom('builds', 'preReleaseVersions', '')), async ([appId, attack, tail]) => {
        const entry = `GET /v1/apps/${appId}/${attack}${tail ? `/${tail}` : ''}`;
        const event = withRequest(FIXTURES[0]!, { method: 'POST', path: '/v1/tokens/ci', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ scope: [entry] }) });
        const response = await service.handler(event, { awsRequestId: 'fuzz-scope' });
        trackOutput(response.body);
        assert.equal(response.statusCode, 400, `${entry} → ${response.body}`);
        assert.equal(JSON.parse(response.body).code, 'invalid_scope');
      }),
      { numRuns: RUNS },
    );
  });
});

describe('parsers under random input', () => {
  it('scope parsing never throws, and canonical forms are stable', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), scopeEntry, fc.anything()), (input) => {
        const parsed = parseScopeEntry(input, { allowWildcards: true });
        if (typeof parsed === 'string') return;
        const again = parseScopeEntry(canonicalScope(parsed), { allowWildcards: true });
        assert.ok(typeof again !== 'string');
        assert.equal(canonicalScope(again), canonicalScope(parsed));
      }),
      { numRuns: RUNS * 3 },
    );
  });

  it('key parsing fails only with KeyParseError, whose message never repeats the input', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 300 }), fc.base64String({ maxLength: 300 }), fc.uint8Array({ maxLength: 200 }).map((b) => `-----BEGIN PRIVATE KEY-----\n${Buffer.from(b).toString('base64')}\n-----END PRIVATE KEY-----`)), (input) => {
        try {
          parsePrivateKey(input);
        } catch (error) {
          assert.ok(error instanceof KeyParseError, String(error));
          const body = input.replace(/-----[A-Z ]+-----/g, '').trim();
          if (body.length >= 16) assert.ok(!error.message.includes(body.slice(0, 16)));
        }
      }),
      { numRuns: RUNS * 3 },
    );
  });
});
