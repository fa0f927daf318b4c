import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { normalisePrincipal } from '../../src/core/principal.ts';

describe('normalisePrincipal', () => {
  it('turns an assumed-role STS ARN into the role ARN and keeps the session', () => {
    for (const partition of ['aws', 'aws-cn', 'aws-us-gov']) {
      const caller = normalisePrincipal(`arn:${partition}:sts::111122223333:assumed-role/github-ios-build/GitHubActions-123`);
      assert.deepEqual(caller, {
        principal: `arn:${partition}:iam::111122223333:role/github-ios-build`,
        rawArn: `arn:${partition}:sts::111122223333:assumed-role/github-ios-build/GitHubActions-123`,
        session: 'GitHubActions-123',
        accountId: '111122223333',
        partition,
        orgId: undefined,
        kind: 'role',
      });
    }
  });

  it('keeps users, root and federated users as they are', () => {
    assert.equal(normalisePrincipal('arn:aws:iam::111122223333:user/ops/alice')?.principal, 'arn:aws:iam::111122223333:user/ops/alice');
    assert.equal(normalisePrincipal('arn:aws:iam::111122223333:root')?.kind, 'root');
    assert.equal(normalisePrincipal('arn:aws:sts::111122223333:federated-user/bob')?.principal, 'arn:aws:sts::111122223333:federated-user/bob');
  });

  it('keeps the organisation ID only when it is one', () => {
    assert.equal(normalisePrincipal('arn:aws:iam::111122223333:user/a', 'o-a1b2c3d4e5')?.orgId, 'o-a1b2c3d4e5');
    assert.equal(normalisePrincipal('arn:aws:iam::111122223333:user/a', 'AwsOrgId')?.orgId, undefined);
  });

  it('refuses anything else', () => {
    for (const value of [undefined, null, 42, '', 'theUserArn', 'arn:aws:iam::1234567890:user/Admin', 'arn:aws:s3:::bucket', 'arn:aws:sts::111122223333:assumed-role/only-role',
      'arn:aws:sts::111122223333:assumed-role/a/b/c', 'arn:evil:iam::111122223333:user/a', 'arn:aws:iam::111122223333:user/a b', `arn:aws:iam::111122223333:user/${'a'.repeat(3000)}`]) {
      assert.equal(normalisePrincipal(value), undefined, String(value));
    }
  });

  it('matches the whole ARN: no prefix, no trailing line, only known partitions', () => {
    for (const value of ['xarn:aws:iam::111122223333:user/a', ' arn:aws:iam::111122223333:user/a', 'arn:aws:iam::111122223333:user/a\nx', 'arn:aws:iam::111122223333:user/a\n', 'arn:aws-iso-1:iam::111122223333:root',
      'arn:aws:iam::111122223333:group/admins', 'arn:aws:iam::111122223333:user/ops/a b', 'arn:aws:sts::111122223333:federated-user/a/b', 'arn:aws:sts::111122223333:other/a/b', 'arn:aws:sts::111122223333:assumed-role/r/s/t']) {
      assert.equal(normalisePrincipal(value), undefined, JSON.stringify(value));
    }
    assert.equal(normalisePrincipal('arn:aws-iso-b:iam::111122223333:root')?.partition, 'aws-iso-b');
    assert.equal(normalisePrincipal('arn:aws-eusc:iam::111122223333:root')?.partition, 'aws-eusc');
  });

  it('takes only strings: an object that prints as an ARN is not one', () => {
    const disguised = { toString: () => 'arn:aws:iam::111122223333:root' };
    assert.equal(normalisePrincipal(disguised), undefined);
    assert.equal(normalisePrincipal('arn:aws:iam::111122223333:user/a', { toString: () => 'o-a1b2c3d4e5' })?.orgId, undefined);
  });

  it('accepts ARNs up to 2048 characters, no longer', () => {
    const long = (length: number) => {
      const prefix = 'arn:aws:iam::111122223333:user/';
      const segments: string[] = [];
      let path = '';
      while (prefix.length + path.length < length) {
        const room = length - prefix.length - path.length - (segments.length > 0 ? 1 : 0);
        segments.push('a'.repeat(Math.min(100, room)));
        path = segments.join('/');
      }
      return `${prefix}${path}`;
    };
    assert.equal(long(2048).length, 2048);
    assert.equal(normalisePrincipal(long(2048))?.kind, 'user');
    assert.equal(normalisePrincipal(long(2049)), undefined);
  });

  it('keeps the organisation ID only when it is one, exactly', () => {
    for (const org of ['xo-a1b2c3d4e5', 'o-a1b2c3d4e5!', 'o-a1b2c3d4e5\n', 'o-a1b2', `o-${'a'.repeat(33)}`]) {
      assert.equal(normalisePrincipal('arn:aws:iam::111122223333:user/a', org)?.orgId, undefined, org);
    }
  });

  it('gives each kind its principal: roles lose their path, users keep it', () => {
    assert.deepEqual(normalisePrincipal('arn:aws:iam::111122223333:role/service-role/ci'), {
      rawArn: 'arn:aws:iam::111122223333:role/service-role/ci', accountId: '111122223333', partition: 'aws', orgId: undefined,
      principal: 'arn:aws:iam::111122223333:role/ci', session: undefined, kind: 'role',
    });
    assert.equal(normalisePrincipal('arn:aws:iam::111122223333:user/ops/alice')?.kind, 'user');
    assert.equal(normalisePrincipal('arn:aws:sts::111122223333:federated-user/bob')?.kind, 'federated-user');
    assert.equal(normalisePrincipal('arn:aws:iam::111122223333:root')?.principal, 'arn:aws:iam::111122223333:root');
    const cognito = { identityPoolId: 'us-east-1:x', identityId: undefined, authenticationType: 'unknown' as const };
    assert.deepEqual(normalisePrincipal('arn:aws:iam::111122223333:root', undefined, cognito)?.cognito, cognito);
    assert.equal('cognito' in (normalisePrincipal('arn:aws:iam::111122223333:root') ?? {}), false);
  });
});
