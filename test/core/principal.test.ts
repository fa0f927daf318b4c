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
});
