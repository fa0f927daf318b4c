/**
 * The security review's attacks (issue #12) through the real handler with real event shapes: each one must stay
 * refused. The pure parts are tested closer to their code too (scope, policy, authorize); this file shows the
 * whole path a request takes.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { KeyFetcher } from '../../src/key-sources/store.ts';
import { NON_CANONICAL_SCOPES } from '../helpers/attacks.ts';
import { loadFixture, withRequest, untrusted } from '../helpers/fixtures.ts';
import { generateP256, signingKey, verifyEs256 } from '../helpers/keys.ts';
import { trackOutput } from '../helpers/leaks.ts';
import { createService, type Service } from '../helpers/setup.ts';

const REST = 'rest-v1-iam-auth.captured.powertools-ts.json';
const V2 = 'http-v2-iam-auth.captured.powertools-ts.json';
const POOL = 'us-east-1:4f291106-8703-466b-8f2b-3ecee1ca56ce';
const ADMIN = 'arn:aws:sts::123456789012:assumed-role/Admin/aamorosi';

const POLICY = `
version: 1
keys:
  main: { secretId: asc/main }
  other: { secretId: asc/other }
profiles:
  ci:
    key: main
    scope: [GET /v1/builds, GET /v1/apps/*/builds, GET /v1/apps/*]
    callers: [account:123456789012, arn:aws:iam::111122223333:user/*]
  release:
    key: main
    scope: any
    callers: [arn:aws:iam::123456789012:role/Admin]
  dashboard:
    key: main
    scope: [GET /v1/ciBuildRuns/*]
    ttl: { default: 86400, max: 2592000 }
    callers: [arn:aws:iam::123456789012:role/Admin]
  app-users:
    key: main
    scope: [GET /v1/builds]
    callers: [cognito-authenticated:${POOL}]
  other-team:
    key: other
    scope: any
    callers: [arn:aws:iam::999999999999:role/other]
`;

let service: Service;
before(() => {
  service = createService({ policy: POLICY });
});
after(() => service.cleanup());

async function call(event: unknown, target = service) {
  const response = await target.handler(untrusted(event), { awsRequestId: 'security-test' });
  if (response.statusCode !== 200) trackOutput(response.body);
  return { ...response, json: JSON.parse(response.body) };
}
const post = (fixture: string, path: string, body?: unknown) =>
  withRequest(fixture, { method: 'POST', path, headers: { 'content-type': 'application/json' }, body: body === undefined ? null : JSON.stringify(body) });
const lastAudit = (target = service) => target.logs.audits().at(-1);

describe('#12.2 scope entries must be canonical paths', () => {
  for (const fixture of [REST, V2]) {
    it(`${fixture}: every dot segment, escape or smuggled separator is invalid_scope`, async () => {
      for (const entry of NON_CANONICAL_SCOPES) {
        const response = await call(post(fixture, '/v1/tokens/ci', { scope: [entry] }));
        assert.equal(response.statusCode, 400, `${entry} → ${response.body}`);
        assert.equal(response.json.code, 'invalid_scope', entry);
      }
    });
  }

  it('a long-lived profile grants no 30-day token for a path that leaves its resource', async () => {
    for (const entry of ['GET /v1/ciBuildRuns/../apps', 'GET /v1/ciBuildRuns/%2E%2E', 'GET /v1/ciBuildRuns/.']) {
      const response = await call(post(REST, '/v1/tokens/dashboard', { scope: [entry], ttl: 2_592_000 }));
      assert.equal(response.json.code, 'invalid_scope', entry);
    }
    const fine = await call(post(REST, '/v1/tokens/dashboard', { scope: ['GET /v1/ciBuildRuns/42'], ttl: 2_592_000 }));
    assert.equal(fine.statusCode, 200, fine.body);
  });
});

describe('#12.5 callers with Cognito identity-pool credentials', () => {
  const COGNITO_ARN = 'arn:aws:sts::123456789012:assumed-role/Cognito_AppAuth_Role/CognitoIdentityCredentials';
  const v2Cognito = (amr: string[]) => {
    const event = post('http-v2-iam-cognito-identity.synthetic.aws-lambda-go.json', '/v1/tokens/ci', { scope: ['GET /v1/builds'] });
    event.requestContext.authorizer.iam.userArn = COGNITO_ARN;
    event.requestContext.authorizer.iam.accountId = '123456789012';
    event.requestContext.authorizer.iam.cognitoIdentity = { amr, identityId: 'us-east-1:3f291106-8703-466b-8f2b-3ecee1ca56ce', identityPoolId: POOL };
    return event;
  };
  const v1Cognito = (type: string) => {
    const event = post('rest-v1-all-identity-fields.synthetic.aws-lambda-go.json', '/v1/tokens/ci', { scope: ['GET /v1/builds'] });
    Object.assign(event.requestContext.identity, { userArn: COGNITO_ARN, accountId: '123456789012', cognitoIdentityPoolId: POOL, cognitoAuthenticationType: type });
    event.requestContext.stage = 'prod';
    event.requestContext.identity.apiKey = null;
    return event;
  };

  it('match no account:, org: or ARN entry, in v1 and v2 events, signed in or guests', async () => {
    for (const event of [v2Cognito(['unauthenticated']), v2Cognito(['authenticated', 'cognito-idp.us-east-1.amazonaws.com/pool']), v2Cognito(['foo']), v1Cognito('unauthenticated'), v1Cognito('authenticated')]) {
      const response = await call(event);
      assert.equal(response.statusCode, 403, response.body);
      assert.equal(lastAudit()?.reason, 'caller_not_allowed');
      assert.equal(lastAudit()?.cognitoIdentityPoolId, POOL);
    }
  });

  it('without the Cognito marks, the same role and account would be allowed (so the refusal is the marks)', async () => {
    const event = v2Cognito(['unauthenticated']);
    event.requestContext.authorizer.iam.cognitoIdentity = null;
    assert.equal((await call(event)).statusCode, 200);
  });

  it('are trusted only by an explicit cognito-authenticated:POOL entry, and only when signed in', async () => {
    for (const [event, status] of [[v2Cognito(['authenticated']), 200], [v1Cognito('authenticated'), 200], [v2Cognito(['unauthenticated']), 403], [v1Cognito('unauthenticated'), 403]] as const) {
      event.path = '/v1/tokens/app-users';
      if (event.rawPath !== undefined) event.rawPath = '/v1/tokens/app-users';
      const response = await call(event);
      assert.equal(response.statusCode, status, response.body);
      if (status === 200) verifyEs256(response.json.token, service.key.publicKey);
    }
  });
});

describe('#12.6 /v1/health', () => {
  it('refuses a signed caller allowed no profile with the uniform 403, and fetches nothing for it', async () => {
    let fetches = 0;
    const counting: KeyFetcher = { kind: 'test', fetch: async (name) => (fetches++, { key: signingKey(generateP256(), { name }), versionId: '1' }) };
    const fresh = createService({ policy: POLICY, runtime: { fetcher: counting } });
    try {
      const stranger = withRequest(REST, { method: 'GET', path: '/v1/health', userArn: 'arn:aws:sts::555555555555:assumed-role/nobody/s' });
      const response = await call(stranger, fresh);
      assert.equal(response.statusCode, 403);
      assert.equal(response.json.code, 'forbidden');
      assert.equal(lastAudit(fresh)?.reason, 'no_profile');
      assert.equal(fetches, 0);
    } finally {
      fresh.cleanup();
    }
  });

  it('reports only the keys behind the caller\'s profiles, with no more fetches than the cache makes', async () => {
    let fetches = 0;
    const counting: KeyFetcher = { kind: 'test', fetch: async (name) => (fetches++, await new Promise((r) => setTimeout(r, 5)), { key: signingKey(generateP256(), { name }), versionId: '1' }) };
    const fresh = createService({ policy: POLICY, runtime: { fetcher: counting } });
    try {
      const responses = await Promise.all(Array.from({ length: 50 }, () => call(withRequest(REST, { method: 'GET', path: '/v1/health' }), fresh)));
      for (const response of responses) {
        assert.equal(response.statusCode, 200, response.body);
        assert.deepEqual(response.json.keys.map((k: { name: string }) => k.name), ['main']);
      }
      assert.equal(fetches, 1, 'one fetch for the one key, shared by 50 concurrent health checks');
      await call(post(REST, '/v1/tokens/release'), fresh);
      await call(withRequest(REST, { method: 'GET', path: '/v1/health' }), fresh);
      assert.equal(fetches, 1, 'within the TTL, health and minting reuse the cached key');
    } finally {
      fresh.cleanup();
    }
  });
});

describe('#12.7 caller patterns, through the handler', () => {
  it('* in a user pattern does not span a path', async () => {
    const nested = await call(withRequest('function-url-iam.docs-example.powertools-ts.json', { method: 'POST', path: '/v1/tokens/ci', userArn: 'arn:aws:iam::111122223333:user/ops/alice', body: JSON.stringify({ scope: ['GET /v1/builds'] }), headers: { 'content-type': 'application/json' } }));
    assert.equal(nested.statusCode, 403);
    assert.equal(lastAudit()?.reason, 'caller_not_allowed');
    const flat = await call(withRequest('function-url-iam.docs-example.powertools-ts.json', { method: 'POST', path: '/v1/tokens/ci', userArn: 'arn:aws:iam::111122223333:user/alice', body: JSON.stringify({ scope: ['GET /v1/builds'] }), headers: { 'content-type': 'application/json' } }));
    assert.equal(flat.statusCode, 200, flat.body);
  });

  it('account: compares the partition', async () => {
    const response = await call(withRequest(REST, { method: 'POST', path: '/v1/tokens/ci', userArn: 'arn:aws-cn:sts::123456789012:assumed-role/Admin/s', body: JSON.stringify({ scope: ['GET /v1/builds'] }), headers: { 'content-type': 'application/json' } }));
    assert.equal(response.statusCode, 403);
  });
});

describe('#12.8 the profile in the path is used as it arrived', () => {
  for (const fixture of [REST, V2]) {
    it(`${fixture}: an escaped profile name is refused, not decoded to another profile`, async () => {
      for (const path of ['/v1/tokens/%72elease', '/v1/tokens/releas%65', '/v1/tokens/%2E%2E', '/v1/tokens/release%00', '/v1/tokens/%252e']) {
        const response = await call(post(fixture, path));
        assert.equal(response.statusCode, 403, `${path} → ${response.body}`);
        assert.equal(lastAudit()?.reason, 'invalid_profile_name', path);
      }
      assert.equal((await call(post(fixture, '/v1/tokens/release'))).statusCode, 200);
    });
  }
});

describe('#12.9 API Gateway console test invocations', () => {
  const fixtures = ['rest-v1-console-test-invoke.captured.powertools-ts.json', 'rest-v1-console-test-invoke.captured.rust-runtime.json'];
  it('are refused on every route, though they carry a real caller ARN', async () => {
    for (const fixture of fixtures) {
      for (const [method, path] of [['POST', '/v1/tokens/release'], ['GET', '/v1/profiles'], ['GET', '/v1/health']] as const) {
        const event = withRequest(fixture, { method, path, userArn: ADMIN });
        const response = await call(event);
        assert.equal(response.statusCode, 403, `${fixture} ${method} ${path}: ${response.body}`);
        assert.equal(lastAudit()?.reason, 'console_test_invoke');
      }
    }
  });

  it('any one of the test-invoke marks is enough', async () => {
    const marks: Array<(e: Record<string, any>) => void> = [
      (e) => (e.requestContext.stage = 'test-invoke-stage'),
      (e) => (e.requestContext.identity.apiKey = 'test-invoke-api-key'),
      (e) => (e.requestContext.identity.sourceIp = 'test-invoke-source-ip'),
      (e) => (e.requestContext.extendedRequestId = 'test-invoke-extendedRequestId'),
    ];
    for (const mark of marks) {
      const event = post(REST, '/v1/tokens/release');
      mark(event);
      assert.equal((await call(event)).statusCode, 403);
      assert.equal(lastAudit()?.reason, 'console_test_invoke');
    }
    const untouched = loadFixture(REST);
    assert.equal(untouched.requestContext.stage, 'prod');
  });
});
