import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { normalisePrincipal, type CognitoIdentity } from '../../src/core/principal.ts';
import { compileCaller } from '../../src/policy/callers.ts';
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
    assert.deepEqual([...policy.profiles.keys()], ['testflight-readonly', 'testflight-upload', 'notarize', 'release', 'xcode-cloud-dashboard', 'storekit-server']);
    assert.equal(policy.profiles.get('xcode-cloud-dashboard')?.longLived, true);
    assert.equal(policy.profiles.get('storekit-server')?.fields.bundleId, 'com.example.app');
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
      /^profiles.b.callers\[1\]: account:ID and org:o-ID name one account/,
      /^profiles.c.scope: app-store-server tokens take no scope/,
      /^profiles.c.bundleId: app-store-server profiles need/,
      /^profiles.c.callers\[0\]: must be an IAM ARN pattern/,
      /^profiles.d.colour: unknown field/,
      /^profiles.d.bundleId: only app-store-server profiles/,
      /^profiles.d.callers\[0\]: must be an IAM ARN pattern with a concrete partition and account/,
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

describe('compilePolicy, field by field', () => {
  const withKeys = (keys: unknown) => ({ ...base(), keys });
  const withProfile = (profile: Record<string, unknown>) => ({ ...base(), profiles: { p: { key: 'main', scope: ['GET /v1/builds'], callers: ['account:111122223333'], ...profile } } });
  const compiled = (profile: Record<string, unknown>) => compilePolicy(withProfile(profile)).profiles.get('p')!;

  it('reports with the source name and counts problems', () => {
    assert.throws(() => compilePolicy({ ...base(), version: 2 }), (e: unknown) => e instanceof PolicyError && e.message === 'policy: the policy has 1 problem:\n  - version: must be 1');
    assert.throws(() => compilePolicy({ ...base(), version: 2, extra: 1 }, 'x.yaml'), (e: unknown) => e instanceof PolicyError && e.message.startsWith('x.yaml: the policy has 2 problems:\n  - '));
  });

  const ASC_KINDS = ['app-store-connect', 'enterprise', 'app-store-server'];
  const SHAPES = '{ secretId: NAME_OR_ARN } or { kmsKeyId: ID_OR_ALIAS, keyId: KEY_ID, issuerId: ISSUER_ID | individual: true | teamId: TEAM_ID }';
  it('keys: a mapping of names to { secretId } with a secret name or ARN', () => {
    assert.deepEqual(problems(withKeys({})), [`keys: must map at least one key name to ${SHAPES}`, 'profiles.ci.key: names no key under keys: "main"']);
    assert.deepEqual(problems(withKeys([])), [`keys: must map at least one key name to ${SHAPES}`, 'profiles.ci.key: names no key under keys: "main"']);
    assert.deepEqual(problems(withKeys({ main: 'asc/main' })), [`keys.main: must be ${SHAPES}`]);
    assert.deepEqual(problems(withKeys({ main: {} })), [`keys.main.secretId: is missing: write ${SHAPES}`]);
    for (const secretId of [42, 'asc main', 'asc/main\n', ' asc/main', 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:', 'arn:aws:s3:::bucket']) {
      assert.deepEqual(problems(withKeys({ main: { secretId } }))[0], 'keys.main.secretId: must be a Secrets Manager secret name or ARN', String(secretId));
    }
    for (const secretId of ['asc/main', 'arn:aws-cn:secretsmanager:cn-north-1:111122223333:secret:asc/main-AbCdEf', 'arn:aws-us-gov:secretsmanager:us-gov-west-1:111122223333:secret:a']) {
      assert.deepEqual(compilePolicy(withKeys({ main: { secretId } })).keys.get('main'), { name: 'main', source: 'secretsmanager', secretId });
    }
  });

  const KMS_ID = '1234abcd-12ab-34cd-56ef-1234567890ab';
  const ISSUER = '57246542-96fe-1a63-e053-0824d011072a';
  const kms = (fields: Record<string, unknown>) => withKeys({ main: { kmsKeyId: 'alias/asc/main', keyId: '2X9R4HXF34', issuerId: ISSUER, ...fields } });

  it('keys: a KMS key by key ID, key ARN, alias or alias ARN, with the Apple key ID and issuer or individual', () => {
    const accepted = [
      KMS_ID,
      'mrk-1234abcd12ab34cd56ef1234567890ab',
      `arn:aws:kms:eu-west-1:111122223333:key/${KMS_ID}`,
      'arn:aws-us-gov:kms:us-gov-west-1:111122223333:key/mrk-1234abcd12ab34cd56ef1234567890ab',
      'alias/asc/main',
      'alias/asc-token_vending/MAIN-2',
      `alias/${'a'.repeat(250)}`,
      'arn:aws-cn:kms:cn-north-1:111122223333:alias/asc/main',
    ];
    for (const kmsKeyId of accepted) {
      assert.deepEqual(compilePolicy(kms({ kmsKeyId })).keys.get('main'), { name: 'main', source: 'kms', kmsKeyId, keyId: '2X9R4HXF34', issuerId: ISSUER, issuer: 'issuer-id', appleIdentity: `issuer:${ISSUER}`, services: ASC_KINDS }, kmsKeyId);
    }
    assert.deepEqual(compilePolicy(kms({ issuerId: undefined, individual: true })).keys.get('main'), { name: 'main', source: 'kms', kmsKeyId: 'alias/asc/main', keyId: '2X9R4HXF34', issuerId: undefined, issuer: 'issuer-id', appleIdentity: 'individual', services: ASC_KINDS });
    const mixed = compilePolicy(withKeys({ main: { secretId: 'asc/main' }, signer: { kmsKeyId: KMS_ID, keyId: 'ABCDE12345', individual: true } }));
    assert.deepEqual([...mixed.keys.values()].map((k) => k.source), ['secretsmanager', 'kms']);
  });

  it('keys: every problem of a KMS entry, each named', () => {
    const refusedIds = [
      42,
      '',
      'alias/',
      'alias/a b',
      `alias/${'a'.repeat(251)}`,
      'alias',
      'key/1234abcd-12ab-34cd-56ef-1234567890ab',
      '1234ABCD-12AB-34CD-56EF-1234567890AB',
      '1234abcd-12ab-34cd-56ef-1234567890a',
      ` ${KMS_ID}`,
      `${KMS_ID}\n`,
      'mrk-1234',
      `arn:aws:kms:eu-west-1:11112222333:key/${KMS_ID}`,
      `arn:aws:kms:eu-west-1:111122223333:key/alias/x`,
      `arn:aws:kms::111122223333:key/${KMS_ID}`,
      `arn:aws:kms:eu-west-1:111122223333:${KMS_ID}`,
      `arn:aws:secretsmanager:eu-west-1:111122223333:key/${KMS_ID}`,
      `arn:aws-xx:kms:eu-west-1:111122223333:key/${KMS_ID}`,
      `xarn:aws:kms:eu-west-1:111122223333:key/${KMS_ID}`,
    ];
    for (const kmsKeyId of refusedIds) {
      assert.deepEqual(problems(kms({ kmsKeyId })), ['keys.main.kmsKeyId: must be a KMS key ID, key ARN, alias name (alias/NAME) or alias ARN'], String(kmsKeyId));
    }
    for (const kmsKeyId of ['alias/aws/secretsmanager', 'arn:aws:kms:eu-west-1:111122223333:alias/aws/lambda']) {
      assert.deepEqual(problems(kms({ kmsKeyId }))[0], 'keys.main.kmsKeyId: alias/aws/… names a key AWS manages for a service, which cannot hold an imported signing key', kmsKeyId);
    }
    // A one-element list stringifies to its element: only a string is an ID.
    assert.deepEqual(problems(kms({ kmsKeyId: ['alias/asc/main'] }))[0], 'keys.main.kmsKeyId: must be a KMS key ID, key ARN, alias name (alias/NAME) or alias ARN');
    assert.match(problems(kms({ keyId: ['2X9R4HXF34'] }))[0] ?? '', /^keys\.main\.keyId: must be the 10-character key ID/);
    assert.deepEqual(problems(kms({ issuerId: [ISSUER] }))[0], 'keys.main.issuerId: must be the issuer ID from App Store Connect (8-4-4-4-12 hex)');
    assert.equal((compilePolicy(kms({ kmsKeyId: 'alias/awsome' })).keys.get('main') as { kmsKeyId?: string } | undefined)?.kmsKeyId, 'alias/awsome');
    assert.equal((compilePolicy(kms({ kmsKeyId: 'alias/team/aws/x' })).keys.get('main') as { kmsKeyId?: string } | undefined)?.kmsKeyId, 'alias/team/aws/x');
    for (const keyId of [undefined, 42, '2x9r4hxf34', '2X9R4HXF3', '2X9R4HXF345', ' 2X9R4HXF34']) {
      assert.deepEqual(problems(kms({ keyId }))[0], 'keys.main.keyId: must be the 10-character key ID from App Store Connect (the kid of tokens while the KMS key has no AscTokenVending tags)', String(keyId));
    }
    for (const issuerId of [42, '', 'not-an-issuer', `${ISSUER}x`, `x${ISSUER}`]) {
      assert.deepEqual(problems(kms({ issuerId }))[0], 'keys.main.issuerId: must be the issuer ID from App Store Connect (8-4-4-4-12 hex)', String(issuerId));
    }
    for (const individual of [false, 'true', 1, null]) {
      assert.deepEqual(problems(kms({ issuerId: undefined, individual })), ['keys.main.individual: must be true (an individual key), or left out for a team key with issuerId'], String(individual));
    }
    assert.deepEqual(problems(kms({ individual: true })), ['keys.main: issuerId, individual and teamId exclude each other: an App Store Connect team key has an issuer, an individual key none, a developer key a team']);
    assert.deepEqual(problems(kms({ issuerId: undefined })), ['keys.main: a kmsKeyId entry needs issuerId (an App Store Connect team key), individual: true, or teamId (a developer key: APNs, Sign in with Apple, …)']);
    assert.deepEqual(problems(kms({ kmsKeyId: 'nope', keyId: 'nope', issuerId: 'nope', colour: 'red' })), [
      `keys.main.colour: unknown field (expected ${SHAPES})`,
      'keys.main.kmsKeyId: must be a KMS key ID, key ARN, alias name (alias/NAME) or alias ARN',
      'keys.main.keyId: must be the 10-character key ID from App Store Connect (the kid of tokens while the KMS key has no AscTokenVending tags)',
      'keys.main.issuerId: must be the issuer ID from App Store Connect (8-4-4-4-12 hex)',
    ]);
  });

  it('keys: secretId and kmsKeyId exclude each other; the Apple identity belongs to KMS entries only', () => {
    assert.deepEqual(problems(kms({ secretId: 'asc/main' })), ['keys.main: secretId and kmsKeyId exclude each other: a key is kept in one place']);
    const only = (field: string) => `only kmsKeyId entries take ${field} (a secretId entry is { secretId: NAME_OR_ARN })`;
    assert.deepEqual(problems(withKeys({ main: { secretId: 'asc/main', keyId: '2X9R4HXF34' } })), [`keys.main.keyId: ${only('keyId')}`]);
    assert.deepEqual(problems(withKeys({ main: { secretId: 'asc/main', issuerId: ISSUER, individual: true } })), [`keys.main.issuerId: ${only('issuerId')}`, `keys.main.individual: ${only('individual')}`]);
    assert.deepEqual(problems(withKeys({ main: { secretId: 42, individual: false } })), [`keys.main.individual: ${only('individual')}`, 'keys.main.secretId: must be a Secrets Manager secret name or ARN']);
    assert.deepEqual(problems(withKeys({ main: { keyId: '2X9R4HXF34', issuerId: ISSUER } })), [`keys.main.secretId: is missing: write ${SHAPES}`]);
  });

  it('keys: names are letters, digits, "-" and "_", at most 64', () => {
    for (const name of ['bad name', '-x', 'a'.repeat(65), 'x.y']) {
      assert.deepEqual(problems(withKeys({ main: { secretId: 'asc/main' }, [name]: { secretId: 'asc/x' } })), [`keys.${name}: key names are letters, digits, "-" and "_" (at most 64)`], name);
    }
    assert.equal(compilePolicy(withKeys({ main: { secretId: 'asc/main' }, ['a'.repeat(64)]: { secretId: 'asc/x' }, A_b_1: { secretId: 'x' } })).keys.size, 3);
  });

  it('profiles: at least one, each a mapping with a valid name', () => {
    assert.deepEqual(problems({ ...base(), profiles: {} }), ['profiles: must define at least one profile']);
    assert.deepEqual(problems({ ...base(), profiles: { a: 'x' } }), ['profiles.a: must be a mapping with key, scope and callers']);
    const name = (profile: string) => problems({ ...base(), profiles: { [profile]: base().profiles.ci } });
    for (const bad of ['bad name', 'ci!', '-ci', 'ci/x', 'a'.repeat(65)]) {
      assert.deepEqual(name(bad), [`profiles.${bad}: profile names are letters, digits, ".", "-" and "_" (at most 64), as they appear in URL paths`], bad);
    }
    assert.equal(compilePolicy({ ...base(), profiles: { ['a'.repeat(64)]: base().profiles.ci } }).profiles.size, 1);
    assert.deepEqual(problems(withProfile({ colour: 'red' })), ['profiles.p.colour: unknown field (expected key, api, scope, ttl, bundleId, refreshWindow, clientIds, serviceId, origins, callers, description)']);
    assert.deepEqual(problems(withProfile({ key: undefined })), ['profiles.p.key: must name a key under keys, or a pool of them (key: [a, b], at most 10)']);
    assert.deepEqual(problems(withProfile({ key: 42 })), ['profiles.p.key: must name a key under keys, or a pool of them (key: [a, b], at most 10)']);
  });

  it('scope: "any" or a non-empty list', () => {
    for (const scope of [[], 'all', undefined, {}]) {
      assert.deepEqual(problems(withProfile({ scope })), ['profiles.p.scope: must be a non-empty list of scope entries ("GET /v1/builds"), or "any" for a token without a scope'], JSON.stringify(scope));
    }
    assert.equal(compiled({ scope: 'any' }).scope, 'any');
    assert.deepEqual((compiled({ scope: ['GET /v1/apps/*'] }).scope as Array<{ text: string }>).map((e) => e.text), ['GET /v1/apps/*']);
  });

  it('ttl: whole seconds from 60, default within max', () => {
    assert.deepEqual(problems(withProfile({ ttl: 600 })), ['profiles.p.ttl: must be { default: SECONDS, max: SECONDS }']);
    assert.deepEqual(problems(withProfile({ ttl: { default: '600' } })), ['profiles.p.ttl.default: must be a whole number of seconds, at least 60']);
    assert.deepEqual(problems(withProfile({ ttl: { max: 59 } })), ['profiles.p.ttl.max: must be a whole number of seconds, at least 60']);
    assert.deepEqual(compiled({ ttl: { default: 60, max: 60 } }).ttl, { default: 60, max: 60 });
    assert.deepEqual(compiled({ ttl: { default: 600, max: 600 } }).ttl, { default: 600, max: 600 });
    assert.deepEqual(compiled({ ttl: { default: 300 } }).ttl, { default: 300, max: 1200 });
    assert.deepEqual(compiled({ ttl: { max: 300 } }).ttl, { default: 300, max: 300 });
    assert.deepEqual(compiled({ ttl: { max: 900 } }).ttl, { default: 600, max: 900 });
    assert.deepEqual(compiled({}).ttl, { default: 600, max: 1200 });
    assert.deepEqual(compiled({ api: 'app-store-server', bundleId: 'a.b', scope: 'any' }).ttl, { default: 600, max: 3600 });
    assert.deepEqual(problems(withProfile({ api: 'enterprise', ttl: { max: 1201 } })), ["profiles.p.ttl.max: 1201 is over Apple's limit of 1200 seconds for enterprise tokens"]);
    assert.deepEqual(problems(withProfile({ ttl: { max: 1201 } })), ["profiles.p.ttl.max: 1201 is over Apple's limit of 1200 seconds for app-store-connect tokens (longer only for GET-only scopes on the resources Apple allows long-lived tokens for)"]);
  });

  it('long-lived only above Apple\'s ordinary limit', () => {
    assert.equal(compiled({ scope: ['GET /v1/ciBuildRuns'], ttl: { max: 1200 } }).longLived, false);
    assert.equal(compiled({ scope: ['GET /v1/ciBuildRuns'], ttl: { max: 1201 } }).longLived, true);
    assert.equal(compiled({ scope: ['GET /v1/ciBuildRuns'] }).longLived, false);
  });

  it('bundleId and description have their shapes', () => {
    const server = { api: 'app-store-server', scope: 'any' };
    assert.deepEqual(problems(withProfile({ ...server, bundleId: 42 })), ["profiles.p.bundleId: app-store-server profiles need the app's bundle ID (e.g. com.example.app); it becomes the bid claim"]);
    assert.equal(compiled({ ...server, bundleId: 'com.example.app' }).fields.bundleId, 'com.example.app');
    assert.equal(compiled({}).fields.bundleId, undefined);
    assert.deepEqual(problems(withProfile({ bundleId: 'com.example.app' })), ['profiles.p.bundleId: only app-store-server profiles take bundleId']);
    for (const description of [42, 'x'.repeat(501)]) assert.deepEqual(problems(withProfile({ description })), ['profiles.p.description: must be a string of at most 500 characters']);
    assert.equal(compiled({ description: 'x'.repeat(500) }).description, 'x'.repeat(500));
    assert.equal(compiled({}).description, undefined);
  });

  it('callers: a non-empty list of strings', () => {
    assert.deepEqual(problems(withProfile({ callers: [42] })), ['profiles.p.callers[0]: must be a string']);
    assert.deepEqual(problems(withProfile({ callers: 'account:111122223333' })), ['profiles.p.callers: must list at least one caller (an IAM ARN pattern, account:ID or org:ID)']);
  });
});

describe('caller patterns (finding #12.7)', () => {
  const caller = (arn: string, extra: { orgId?: string; cognito?: CognitoIdentity } = {}) => {
    const identity = normalisePrincipal(arn, extra.orgId, extra.cognito);
    assert.ok(identity, arn);
    return identity;
  };
  const matcher = (pattern: string) => {
    const compiled = compileCaller(pattern);
    assert.equal(typeof compiled, 'object', `${pattern}: ${String(compiled)}`);
    return compiled as Exclude<ReturnType<typeof compileCaller>, string>;
  };

  it('refuses patterns that could match principals of another account or partition, or everyone', () => {
    const refused: Array<[string, RegExp]> = [
      ['arn:*:iam::*:*e*', /concrete partition and account/],
      ['arn:aws:iam::*:role/github-ios-*', /concrete partition and account/],
      ['arn:*:iam::111122223333:role/ci', /concrete partition and account/],
      ['arn:aws:iam::11112222333?:role/ci', /concrete partition and account/],
      ['arn:aws:iam::111122223333:*', /iam pattern names role\/NAME/],
      ['arn:aws:iam::111122223333:*e*', /iam pattern names role\/NAME/],
      ['arn:aws:iam::111122223333:ro*', /iam pattern names role\/NAME/],
      ['arn:aws:iam::111122223333:role/', /iam pattern names role\/NAME/],
      ['arn:aws:iam::111122223333:role/a b', /iam pattern names role\/NAME/],
      ['arn:aws:iam::111122223333:group/admins', /iam pattern names role\/NAME/],
      ['arn:aws:iam::111122223333:role/path/ci', /role paths are not visible/],
      ['arn:aws:iam::111122223333:role/*/ci', /role paths are not visible/],
      ['arn:aws:sts::111122223333:*', /not a caller a policy can name/],
      ['arn:aws:sts::111122223333:federated-user/release-bot', /federated users name themselves/],
      ['arn:aws:sts::111122223333:federated-user/*', /federated users name themselves/],
      ['arn:aws:sts::111122223333:assumed-role/ci/*', /assumed-role ARNs are normalised/],
      ['arn:aws:s3:::bucket', /must be an IAM ARN pattern/],
      [' arn:aws:iam::111122223333:role/ci', /must be an IAM ARN pattern/],
      ['arn:aws:iam::111122223333:role/ci ', /iam pattern names/],
      ['xarn:aws:iam::111122223333:role/ci', /must be an IAM ARN pattern/],
      ['account:*', /name one account/],
      ['account:11112222333', /name one account/],
      ['account:1111222233334', /name one account/],
      ['account:aws-xx:111122223333', /name one account/],
      ['org:*', /name one account/],
      ['org:o-short', /name one account/],
      ['cognito:us-east-1:4f291106-8703-466b-8f2b-3ecee1ca56ce', /^Cognito identity pools are named/],
      ['cognito-authenticated:*', /^Cognito identity pools are named/],
      ['cognito-authenticated:us-east-1:4f291106-8703-466b-8f2b-3ecee1ca56ce-x', /^Cognito identity pools are named/],
      ['cognito-authenticated:us-east-1:4f291106-8703-466b-8f2b-3ecee1ca56ce\n', /^Cognito identity pools are named/],
      ['xcognito-authenticated:us-east-1:4f291106-8703-466b-8f2b-3ecee1ca56ce', /^must be an IAM ARN pattern/],
      ['arn:aws:iam::111122223333:xrole/a/b', /^an iam pattern names/],
      ['*', /must be an IAM ARN pattern/],
      ['', /must be an IAM ARN pattern/],
    ];
    for (const [pattern, reason] of refused) {
      const result = compileCaller(pattern);
      assert.equal(typeof result, 'string', `${pattern} was accepted`);
      assert.match(result as string, reason, pattern);
    }
  });

  it('accepts Cognito pools of every region', () => {
    for (const pool of ['us-gov-west-1:4f291106-8703-466b-8f2b-3ecee1ca56ce', 'eu-west-1:4f291106-8703-466b-8f2b-3ecee1ca56ce', 'ap-southeast-2:4f291106-8703-466b-8f2b-3ecee1ca56ce']) {
      assert.equal(typeof compileCaller(`cognito-unauthenticated:${pool}`), 'object', pool);
    }
  });

  it('* and ? stand for characters within one name: they never span a "/"', () => {
    assert.equal(matcher('arn:aws:iam::111122223333:user/*').matches(caller('arn:aws:iam::111122223333:user/ops/alice')), false);
    assert.equal(matcher('arn:aws:iam::111122223333:user/*').matches(caller('arn:aws:iam::111122223333:user/alice')), true);
    assert.equal(matcher('arn:aws:iam::111122223333:user/ops/*').matches(caller('arn:aws:iam::111122223333:user/ops/alice')), true);
    assert.equal(matcher('arn:aws:iam::111122223333:user/ops/*').matches(caller('arn:aws:iam::111122223333:user/ops/x/alice')), false);
    assert.equal(matcher('arn:aws:iam::111122223333:user/o?s/alice').matches(caller('arn:aws:iam::111122223333:user/ops/alice')), true);
    assert.equal(matcher('arn:aws:iam::111122223333:user/a?ice').matches(caller('arn:aws:iam::111122223333:user/a/ice')), false);
    assert.equal(matcher('arn:aws:iam::111122223333:role/github-*').matches(caller('arn:aws:sts::111122223333:assumed-role/github-ios/s')), true);
    assert.equal(matcher('arn:aws:iam::111122223333:role/*').matches(caller('arn:aws:iam::111122223333:user/github')), false);
  });

  it('matches the whole principal: no prefix, no suffix, the dots of names are literal', () => {
    const ci = matcher('arn:aws:iam::111122223333:role/ci.build');
    assert.equal(ci.matches(caller('arn:aws:sts::111122223333:assumed-role/ci.build/s')), true);
    assert.equal(ci.matches(caller('arn:aws:sts::111122223333:assumed-role/ciXbuild/s')), false);
    assert.equal(ci.matches(caller('arn:aws:sts::111122223333:assumed-role/ci.build2/s')), false);
    assert.equal(ci.matches(caller('arn:aws:sts::111122223333:assumed-role/xci.build/s')), false);
    assert.equal(ci.matches({ ...caller('arn:aws:iam::111122223333:role/ci.build'), principal: 'arn:aws:iam::111122223333:role/ci.build/extra' }), false);
    assert.equal(ci.matches({ ...caller('arn:aws:iam::111122223333:role/ci.build'), principal: 'x-arn:aws:iam::111122223333:role/ci.build' }), false);
  });

  it('account: and org: entries compare the partition (aws unless named)', () => {
    const cn = caller('arn:aws-cn:sts::111122223333:assumed-role/ci/s');
    const commercial = caller('arn:aws:sts::111122223333:assumed-role/ci/s');
    assert.equal(matcher('account:111122223333').matches(commercial), true);
    assert.equal(matcher('account:111122223333').matches(cn), false);
    assert.equal(matcher('account:aws-cn:111122223333').matches(cn), true);
    assert.equal(matcher('account:aws-cn:111122223333').matches(commercial), false);
    assert.equal(matcher('account:111122223333').matches(caller('arn:aws:iam::999988887777:user/x')), false);
    const inOrg = caller('arn:aws-us-gov:iam::111122223333:user/x', { orgId: 'o-a1b2c3d4e5' });
    assert.equal(matcher('org:o-a1b2c3d4e5').matches(inOrg), false);
    assert.equal(matcher('org:aws-us-gov:o-a1b2c3d4e5').matches(inOrg), true);
    assert.equal(matcher('org:aws-us-gov:o-a1b2c3d4e5').matches(caller('arn:aws-us-gov:iam::111122223333:user/x', { orgId: 'o-zzzzzzzzzz' })), false);
  });

  it('Cognito identity-pool callers match only explicit cognito entries of their pool and type (finding #12.5)', () => {
    const pool = 'us-east-1:4f291106-8703-466b-8f2b-3ecee1ca56ce';
    const arn = 'arn:aws:sts::111122223333:assumed-role/Cognito_AppAuth_Role/CognitoIdentityCredentials';
    const signedIn = caller(arn, { orgId: 'o-a1b2c3d4e5', cognito: { identityPoolId: pool, identityId: 'us-east-1:1', authenticationType: 'authenticated' } });
    const guest = caller(arn, { orgId: 'o-a1b2c3d4e5', cognito: { identityPoolId: pool, identityId: 'us-east-1:2', authenticationType: 'unauthenticated' } });
    const unknown = caller(arn, { cognito: { identityPoolId: pool, identityId: undefined, authenticationType: 'unknown' } });
    for (const pattern of ['account:111122223333', 'org:o-a1b2c3d4e5', 'arn:aws:iam::111122223333:role/Cognito_AppAuth_Role', 'arn:aws:iam::111122223333:role/*']) {
      for (const who of [signedIn, guest, unknown]) assert.equal(matcher(pattern).matches(who), false, `${pattern} matched a Cognito caller`);
    }
    assert.equal(matcher(`cognito-authenticated:${pool}`).matches(signedIn), true);
    assert.equal(matcher(`cognito-authenticated:${pool}`).matches(guest), false);
    assert.equal(matcher(`cognito-authenticated:${pool}`).matches(unknown), false);
    assert.equal(matcher(`cognito-unauthenticated:${pool}`).matches(guest), true);
    assert.equal(matcher(`cognito-unauthenticated:${pool}`).matches(signedIn), false);
    assert.equal(matcher('cognito-authenticated:us-east-1:00000000-0000-0000-0000-000000000000').matches(signedIn), false);
    assert.equal(matcher(`cognito-authenticated:${pool}`).matches(caller(arn)), false);
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
  it('name a file that cannot be read, and why', () => {
    assert.throws(() => loadPolicyFile('infra'), (e: unknown) => e instanceof PolicyError && e.problems[0] === 'cannot be read (EISDIR)');
  });
  it('refuse a duplicate key with the parser\'s first line, and an alias bomb without expanding it', () => {
    assert.throws(() => parsePolicyText('version: 1\nversion: 1\n', 'p.yaml'), (e: unknown) => e instanceof PolicyError && e.problems.length === 1 && e.problems[0] === 'not valid YAML at line 2, column 1: Map keys must be unique (the line: "version: 1")');
    // The whole complaint on one line: where, what, and the line, never cut after "column 1:".
    const tab = (() => {
      try {
        parsePolicyText('version: 1\nkeys:\n\tmain: { secretId: x }\n', 'p.yaml');
      } catch (error) {
        return (error as PolicyError).problems[0];
      }
      return undefined;
    })();
    assert.equal(tab, 'not valid YAML at line 3, column 1: Tabs are not allowed as indentation (the line: "\\\\tmain: { secretId: x }")');
    const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]', ...Array.from({ length: 9 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(10).fill(`*${String.fromCharCode(97 + i)}`).join(',')}]`)].join('\n');
    assert.throws(() => parsePolicyText(bomb, 'bomb.yaml'), (e: unknown) => e instanceof PolicyError && /^not valid YAML( at line \d+, column \d+)?: .*alias/i.test(e.problems[0] ?? ''));
  });
});

function any() {
  return 'any';
}
