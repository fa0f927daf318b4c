/**
 * The decision table: who gets which token. Most rows are refusals — deny by default is the property that matters.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TokenVendingError } from '../../src/core/errors.ts';
import { normalisePrincipal } from '../../src/core/principal.ts';
import { parseRequestedScope } from '../../src/core/scope.ts';
import { allowedProfiles, authorize } from '../../src/policy/authorize.ts';
import { parsePolicyText } from '../../src/policy/load.ts';
import { compilePolicy } from '../../src/policy/policy.ts';

const policy = compilePolicy(
  parsePolicyText(
    `
version: 1
keys:
  main: { secretId: asc/main }
  iap: { secretId: arn:aws:secretsmanager:eu-west-1:111122223333:secret:asc/iap-AbCdEf }
profiles:
  readonly:
    key: main
    scope: [GET /v1/builds, GET /v1/apps/*/builds, "GET /v1/apps?filter[platform]=IOS"]
    ttl: { default: 600, max: 1200 }
    callers: [arn:aws:iam::111122223333:role/github-ios-*, account:444455556666, org:o-a1b2c3d4e5]
  fixed:
    key: main
    scope: [GET /v1/builds, GET /v1/apps]
    ttl: { default: 300, max: 900 }
    callers: [arn:aws:iam::111122223333:user/alice]
  release:
    key: main
    scope: any
    ttl: { default: 900 }
    callers: [arn:aws:iam::111122223333:role/release-pipeline, arn:aws:iam::111122223333:root]
  dashboard:
    key: main
    scope: [GET /v1/ciProducts, GET /v1/ciBuildRuns/*]
    ttl: { default: 86400, max: 2592000 }
    callers: [arn:aws:iam::111122223333:role/dashboard]
  storekit:
    key: iap
    api: app-store-server
    bundleId: com.example.app
    scope: any
    ttl: { default: 300, max: 3600 }
    callers: [arn:aws:iam::111122223333:role/receipts]
  gov:
    key: main
    scope: any
    callers: [arn:aws-us-gov:iam::111122223333:role/ci]
`,
    'test policy',
  ),
);

const ROLE = (role: string, account = '111122223333', session = 's1') => `arn:aws:sts::${account}:assumed-role/${role}/${session}`;

type Expect = { code: string; reason?: string } | { scope: string[] | null; ttl: number };
interface Row {
  name: string;
  caller: string | undefined;
  org?: string;
  profile: string;
  scope?: string[];
  ttl?: number;
  expect: Expect;
}

const refused = (code: string, reason?: string): Expect => (reason ? { code, reason } : { code });
const forbidden = (reason: string) => refused('forbidden', reason);

const rows: Row[] = [
  // Identity and profile: one uniform 403 for all three, the reason for the audit log.
  { name: 'no identity', caller: undefined, profile: 'readonly', expect: forbidden('no_identity') },
  { name: 'unknown profile', caller: ROLE('github-ios-build'), profile: 'nope', expect: forbidden('unknown_profile') },
  { name: 'profile name differs only in case', caller: ROLE('github-ios-build'), profile: 'Readonly', expect: forbidden('unknown_profile') },
  { name: 'prototype key as profile', caller: ROLE('github-ios-build'), profile: '__proto__', expect: forbidden('invalid_profile_name') },
  { name: 'escaped profile name (IAM sees another resource path)', caller: ROLE('release-pipeline'), profile: '%72elease', expect: forbidden('invalid_profile_name') },
  { name: 'profile name with a dot segment', caller: ROLE('release-pipeline'), profile: '..', expect: forbidden('invalid_profile_name') },
  { name: 'empty profile name', caller: ROLE('release-pipeline'), profile: '', expect: forbidden('invalid_profile_name') },
  { name: 'constructor as profile', caller: ROLE('release-pipeline'), profile: 'constructor', expect: forbidden('unknown_profile') },
  { name: 'role not matching the glob', caller: ROLE('github-android-build'), profile: 'readonly', expect: forbidden('caller_not_allowed') },
  { name: 'glob prefix is not a substring match', caller: ROLE('x-github-ios-build'), profile: 'readonly', expect: forbidden('caller_not_allowed') },
  { name: 'right role name, other account', caller: ROLE('github-ios-build', '999988887777'), profile: 'readonly', expect: forbidden('caller_not_allowed') },
  { name: 'right role name, other partition', caller: 'arn:aws-cn:sts::111122223333:assumed-role/github-ios-build/s', profile: 'readonly', expect: forbidden('caller_not_allowed') },
  { name: 'user where a role is listed', caller: 'arn:aws:iam::111122223333:user/release-pipeline', profile: 'release', expect: forbidden('caller_not_allowed') },
  { name: 'role where a user is listed', caller: ROLE('alice'), profile: 'fixed', expect: forbidden('caller_not_allowed') },
  { name: 'user of another account', caller: 'arn:aws:iam::999988887777:user/alice', profile: 'fixed', expect: forbidden('caller_not_allowed') },
  { name: 'org ID of another organisation', caller: ROLE('anything', '777766665555'), org: 'o-zzzzzzzzzz', profile: 'readonly', expect: forbidden('caller_not_allowed') },
  { name: 'root of another account', caller: 'arn:aws:iam::999988887777:root', profile: 'release', expect: forbidden('caller_not_allowed') },
  { name: 'federated user (it names itself) on a role-only profile', caller: 'arn:aws:sts::111122223333:federated-user/ci', profile: 'gov', expect: forbidden('caller_not_allowed') },
  { name: 'commercial role on a GovCloud-only profile', caller: ROLE('ci'), profile: 'gov', expect: forbidden('caller_not_allowed') },
  { name: 'caller of one profile asks for another', caller: ROLE('dashboard'), profile: 'release', expect: forbidden('caller_not_allowed') },
  { name: 'malformed caller ARN', caller: 'arn:aws:iam::111122223333:role', profile: 'release', expect: forbidden('no_identity') },
  // Scope narrowing.
  { name: 'scope entry the profile does not grant', caller: ROLE('github-ios-build'), profile: 'readonly', scope: ['GET /v1/apps'], expect: refused('scope_not_allowed') },
  { name: 'write method on a granted path', caller: ROLE('github-ios-build'), profile: 'readonly', scope: ['PATCH /v1/builds'], expect: refused('scope_not_allowed') },
  { name: 'one bad entry among good ones', caller: ROLE('github-ios-build'), profile: 'readonly', scope: ['GET /v1/builds', 'GET /v1/users'], expect: refused('scope_not_allowed') },
  { name: 'wildcard segment filled with two segments', caller: ROLE('github-ios-build'), profile: 'readonly', scope: ['GET /v1/apps/1/2/builds'], expect: refused('scope_not_allowed') },
  { name: 'deeper path than granted', caller: ROLE('github-ios-build'), profile: 'readonly', scope: ['GET /v1/builds/1/app'], expect: refused('scope_not_allowed') },
  { name: 'dropping a filter the profile requires', caller: ROLE('github-ios-build'), profile: 'readonly', scope: ['GET /v1/apps?filter[bundleId]=x'], expect: refused('scope_not_allowed') },
  { name: 'changing a filter value', caller: ROLE('github-ios-build'), profile: 'readonly', scope: ['GET /v1/apps?filter[platform]=MAC_OS'], expect: refused('scope_not_allowed') },
  { name: 'no scope asked, profile has wildcards', caller: ROLE('github-ios-build'), profile: 'readonly', expect: refused('scope_required') },
  { name: 'scope on an App Store Server profile', caller: ROLE('receipts'), profile: 'storekit', scope: ['GET /v1/apps'], expect: refused('invalid_scope') },
  // Lifetimes.
  { name: 'ttl over the profile max', caller: ROLE('github-ios-build'), profile: 'readonly', scope: ['GET /v1/builds'], ttl: 1201, expect: refused('ttl_out_of_range') },
  { name: 'ttl over a lowered max', caller: 'arn:aws:iam::111122223333:user/alice', profile: 'fixed', ttl: 901, expect: refused('ttl_out_of_range') },
  { name: 'ttl below the minimum', caller: ROLE('release-pipeline'), profile: 'release', ttl: 59, expect: refused('ttl_out_of_range') },
  { name: 'fractional ttl', caller: ROLE('release-pipeline'), profile: 'release', ttl: 600.5, expect: refused('ttl_out_of_range') },
  { name: 'negative ttl', caller: ROLE('release-pipeline'), profile: 'release', ttl: -600, expect: refused('ttl_out_of_range') },
  { name: 'App Store Server ttl over 3600', caller: ROLE('receipts'), profile: 'storekit', ttl: 3601, expect: refused('ttl_out_of_range') },
  { name: 'long-lived ttl over its max', caller: ROLE('dashboard'), profile: 'dashboard', scope: ['GET /v1/ciProducts'], ttl: 2_592_001, expect: refused('ttl_out_of_range') },
  // Grants.
  { name: 'role glob, narrowed scope', caller: ROLE('github-ios-build'), profile: 'readonly', scope: ['GET /v1/apps/123/builds'], expect: { scope: ['GET /v1/apps/123/builds'], ttl: 600 } },
  { name: 'account caller', caller: 'arn:aws:iam::444455556666:user/ci', profile: 'readonly', scope: ['GET /v1/builds'], ttl: 1200, expect: { scope: ['GET /v1/builds'], ttl: 1200 } },
  { name: 'organisation caller', caller: ROLE('anything', '777766665555'), org: 'o-a1b2c3d4e5', profile: 'readonly', scope: ['GET /v1/builds'], expect: { scope: ['GET /v1/builds'], ttl: 600 } },
  { name: 'extra filter narrows a granted entry', caller: ROLE('github-ios-build'), profile: 'readonly', scope: ['GET /v1/apps?limit=5&filter[platform]=IOS&fields[apps]=name'], expect: { scope: ['GET /v1/apps?limit=5&filter[platform]=IOS&fields[apps]=name'], ttl: 600 } },
  { name: 'no scope asked, concrete profile scope', caller: 'arn:aws:iam::111122223333:user/alice', profile: 'fixed', expect: { scope: ['GET /v1/builds', 'GET /v1/apps'], ttl: 300 } },
  { name: 'scope any, nothing asked: unscoped token', caller: ROLE('release-pipeline'), profile: 'release', expect: { scope: null, ttl: 900 } },
  { name: 'scope any, caller narrows anyway', caller: ROLE('release-pipeline'), profile: 'release', scope: ['GET /v1/apps'], expect: { scope: ['GET /v1/apps'], ttl: 900 } },
  { name: 'root listed explicitly', caller: 'arn:aws:iam::111122223333:root', profile: 'release', ttl: 1200, expect: { scope: null, ttl: 1200 } },
  { name: 'GovCloud partition', caller: 'arn:aws-us-gov:sts::111122223333:assumed-role/ci/job', profile: 'gov', expect: { scope: null, ttl: 600 } },
  { name: 'federated user of a listed account', caller: 'arn:aws:sts::444455556666:federated-user/bob', profile: 'readonly', scope: ['GET /v1/builds'], expect: { scope: ['GET /v1/builds'], ttl: 600 } },
  { name: 'long-lived profile, narrowed', caller: ROLE('dashboard'), profile: 'dashboard', scope: ['GET /v1/ciBuildRuns/42'], ttl: 2_592_000, expect: { scope: ['GET /v1/ciBuildRuns/42'], ttl: 2_592_000 } },
  { name: 'App Store Server default', caller: ROLE('receipts'), profile: 'storekit', expect: { scope: null, ttl: 300 } },
];

describe('authorize: the decision table', () => {
  it('has at least 40 rows, most of them refusals', () => {
    assert.ok(rows.length >= 40);
    assert.ok(rows.filter((r) => 'code' in r.expect).length > rows.length / 2);
  });
  for (const row of rows) {
    it(`${'code' in row.expect ? 'refuses' : 'grants'}: ${row.name}`, () => {
      const caller = normalisePrincipal(row.caller, row.org);
      const request = { scope: row.scope === undefined ? undefined : parseRequestedScope(row.scope), ttl: row.ttl };
      if ('code' in row.expect) {
        const { code, reason } = row.expect;
        assert.throws(
          () => authorize(policy, caller, row.profile, request),
          (error: unknown) => {
            assert.ok(error instanceof TokenVendingError, String(error));
            assert.equal(error.code, code);
            if (reason) assert.equal(error.reason, reason);
            return true;
          },
        );
      } else {
        const grant = authorize(policy, caller, row.profile, request);
        assert.deepEqual(grant.scope === null ? null : grant.scope.map((e) => e.text), row.expect.scope);
        assert.equal(grant.ttl, row.expect.ttl);
        assert.equal(grant.profile.name, row.profile);
      }
    });
  }

  it('gives the same detail for all three forbidden reasons', () => {
    const details = new Set<string>();
    for (const [caller, profile] of [[undefined, 'readonly'], [ROLE('github-ios-build'), 'nope'], [ROLE('other'), 'readonly']] as const) {
      try {
        authorize(policy, normalisePrincipal(caller), profile, {});
      } catch (error) {
        details.add((error as TokenVendingError).detail);
      }
    }
    assert.equal(details.size, 1);
  });
});

describe('what a refusal says', () => {
  const refusal = (caller: string | undefined, profile: string, request: { scope?: string[]; ttl?: number }) => {
    try {
      authorize(policy, normalisePrincipal(caller), profile, { scope: request.scope === undefined ? undefined : parseRequestedScope(request.scope), ttl: request.ttl });
    } catch (error) {
      assert.ok(error instanceof TokenVendingError);
      return { detail: error.detail, reason: error.reason };
    }
    assert.fail('granted');
  };

  it('names the profile, the entry and the way out, exactly', () => {
    assert.deepEqual(refusal(ROLE('nobody'), 'readonly', {}), { detail: 'You are not allowed to use this profile. Ask the platform owner to list your IAM principal in its callers.', reason: 'caller_not_allowed' });
    assert.deepEqual(refusal(ROLE('github-ios-build'), 'readonly', {}), { detail: 'Profile "readonly" grants wildcard scope entries; ask for the concrete entries you need, e.g. "GET /v1/apps/123/builds"', reason: 'scope_required' });
    assert.deepEqual(refusal(ROLE('github-ios-build'), 'readonly', { scope: ['GET /v1/users?b=2&a=1'] }), { detail: 'Profile "readonly" does not grant "GET /v1/users?a=1&b=2"; GET /v1/profiles lists what it grants.', reason: 'scope_not_granted' });
    assert.deepEqual(refusal(ROLE('receipts'), 'storekit', { scope: ['GET /v1/apps'] }), { detail: 'App Store Server API tokens take no scope; omit it', reason: 'scope_for_unscoped_api' });
    assert.deepEqual(refusal(ROLE('release-pipeline'), 'release', { ttl: 59 }), { detail: 'ttl must be a whole number of seconds from 60 to 1200 for profile "release"', reason: 'ttl_out_of_range' });
  });

  it('grants the shortest lifetime', () => {
    assert.equal(authorize(policy, normalisePrincipal(ROLE('release-pipeline')), 'release', { ttl: 60 }).ttl, 60);
  });
});

describe('allowedProfiles', () => {
  it('lists only the profiles whose callers match', () => {
    assert.deepEqual(allowedProfiles(policy, normalisePrincipal(ROLE('github-ios-x'))).map((p) => p.name), ['readonly']);
    assert.deepEqual(allowedProfiles(policy, normalisePrincipal('arn:aws:iam::111122223333:root')).map((p) => p.name), ['release']);
    assert.deepEqual(allowedProfiles(policy, normalisePrincipal(ROLE('nobody'))), []);
    assert.deepEqual(allowedProfiles(policy, undefined), []);
  });
});
