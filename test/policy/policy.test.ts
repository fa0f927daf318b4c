import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PolicyError, compilePolicy } from '../../src/policy/policy.ts';
import { loadPolicyFile, parsePolicyText } from '../../src/policy/load.ts';

const base = () => ({
  version: 1,
  keys: { main: { secretId: 'asc/main' } },
  profiles: { ci: { key: 'main', scope: ['GET /v1/builds'], callers: ['arn:aws:iam::111122223333:role/ci'] } },
});

function problems(document: unknown): string[] {
  try {
    compilePolicy(document);
  } catch (error) {
    assert.ok(error instanceof PolicyError);
    return error.problems;
  }
  assert.fail('the policy was accepted');
}

describe('compilePolicy', () => {
  it('accepts the shipped example', () => {
    const policy = loadPolicyFile('infra/policy.yaml');
    assert.deepEqual([...policy.profiles.keys()], ['testflight-readonly', 'testflight-upload', 'release', 'xcode-cloud-dashboard', 'storekit-server']);
    assert.equal(policy.profiles.get('xcode-cloud-dashboard')?.longLived, true);
    assert.equal(policy.profiles.get('storekit-server')?.bundleId, 'com.example.app');
  });

  it('fills defaults: api app-store-connect, ttl 600 of 1200', () => {
    const profile = compilePolicy(base()).profiles.get('ci');
    assert.equal(profile?.api, 'app-store-connect');
    assert.deepEqual(profile?.ttl, { default: 600, max: 1200 });
  });

  it('lists every problem at once', () => {
    const document = {
      version: 2,
      extra: true,
      keys: { main: { secretId: 'asc/main', kms: 'x' }, 'bad name': { secretId: 'x' } },
      profiles: {
        a: { key: 'nope', scope: ['GET /apps'], callers: [] },
        b: { key: 'main', api: 'store', scope: 'all', ttl: { default: 10, max: 99999, min: 1 }, callers: ['arn:aws:sts::111122223333:assumed-role/x/y', 'account:12'] },
        c: { key: 'main', api: 'app-store-server', scope: ['GET /v1/apps'], callers: ['*'] },
        d: { key: 'main', scope: any(), bundleId: 'com.example.app', callers: ['arn:*:iam::*:*'], colour: 'red' },
        e: { key: 'main', scope: ['GET /v1/apps'], ttl: { default: 1200, max: 600 }, callers: ['arn:aws:iam::111122223333:role/path/x'] },
      },
    };
    const found = problems(document);
    const expect = [
      /^extra: unknown field/,
      /^version: must be 1/,
      /^keys.main.kms: unknown field/,
      /^keys.bad name: key names/,
      /^profiles.a.key: names no key under keys: "nope"/,
      /^profiles.a.scope\[0\]: path must start with an API version/,
      /^profiles.a.callers: must list at least one caller/,
      /^profiles.b.api: must be/,
      /^profiles.b.scope: must be a non-empty list/,
      /^profiles.b.ttl.min: unknown field/,
      /^profiles.b.ttl.default: must be a whole number of seconds, at least 60/,
      /^profiles.b.ttl.max: 99999 is over Apple's limit of 1200/,
      /^profiles.b.callers\[0\]: assumed-role ARNs are normalised/,
      /^profiles.b.callers\[1\]: must be an IAM ARN pattern/,
      /^profiles.c.scope: app-store-server tokens take no scope/,
      /^profiles.c.bundleId: app-store-server profiles need/,
      /^profiles.c.callers\[0\]: must be an IAM ARN pattern/,
      /^profiles.d.colour: unknown field/,
      /^profiles.d.bundleId: only app-store-server profiles/,
      /^profiles.d.callers\[0\]: matches every principal/,
      /^profiles.e.ttl.default: 1200 is more than ttl.max/,
      /^profiles.e.callers\[0\]: role paths are not visible/,
    ];
    for (const pattern of expect) assert.ok(found.some((p) => pattern.test(p)), `missing ${pattern}\n${found.join('\n')}`);
    assert.equal(found.length, expect.length, found.join('\n'));
  });

  it('allows six months only where Apple does', () => {
    const longLived = (scope: unknown, api = 'app-store-connect') => ({ ...base(), profiles: { x: { key: 'main', api, scope, ttl: { max: 15_552_000 }, callers: ['account:111122223333'] } } });
    assert.equal(compilePolicy(longLived(['GET /v1/ciBuildRuns', 'GET /v1/scmRepositories/*'])).profiles.get('x')?.ttl.max, 15_552_000);
    assert.match(problems(longLived(['GET /v1/ciBuildRuns', 'GET /v1/apps']))[0] ?? '', /over Apple's limit of 1200.*GET-only/);
    assert.match(problems(longLived(['POST /v1/ciBuildRuns']))[0] ?? '', /over Apple's limit of 1200/);
    assert.match(problems(longLived('any'))[0] ?? '', /over Apple's limit of 1200/);
    assert.match(problems(longLived(['GET /v1/ciBuildRuns'], 'enterprise'))[0] ?? '', /over Apple's limit of 1200 seconds for enterprise/);
    assert.match(problems({ ...base(), profiles: { x: { key: 'main', scope: ['GET /v1/ciBuildRuns'], ttl: { max: 15_552_001 }, callers: ['account:111122223333'] } } })[0] ?? '', /six-month limit/);
    assert.match(problems({ ...base(), profiles: { x: { key: 'main', api: 'app-store-server', bundleId: 'a.b', scope: 'any', ttl: { max: 3601 }, callers: ['account:111122223333'] } } })[0] ?? '', /limit of 3600/);
  });

  it('refuses documents that are not policies', () => {
    assert.deepEqual(problems(null), ['the document must be a mapping with version, keys and profiles']);
    assert.deepEqual(problems([]), ['the document must be a mapping with version, keys and profiles']);
    assert.ok(problems({ version: 1 }).length === 2);
  });
});

describe('policy files', () => {
  it('refuse YAML errors and duplicate keys with the file name', () => {
    assert.throws(() => parsePolicyText('version: 1\nversion: 1\n', 'p.yaml'), (e: unknown) => e instanceof PolicyError && /p.yaml/.test(e.message) && /not valid YAML/.test(e.message));
    assert.throws(() => parsePolicyText('a: [', 'p.yaml'), PolicyError);
  });
  it('name a missing file', () => {
    assert.throws(() => loadPolicyFile('/nonexistent/policy.yaml'), (e: unknown) => e instanceof PolicyError && /file not found/.test(e.message));
  });
});

function any() {
  return 'any';
}
