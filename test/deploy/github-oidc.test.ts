/** infra/github-oidc-role.yml and github-oidc-provider.yml: what a GitHub Actions job's role may call, and which jobs may assume it. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { allows, infra, ofType } from './templates.ts';

describe('infra/github-oidc-role.yml and github-oidc-provider.yml', () => {
  const t = infra('github-oidc-role.yml');
  const role = t.Resources.CallerRole?.Properties;
  const trust = role?.AssumeRolePolicyDocument.Statement[0];

  it('the role may invoke exactly one profile\'s path, in the API\'s account (ApiAccountId, default: its own) (issue #13.5)', () => {
    assert.equal(trust.Condition.StringEquals['token.actions.githubusercontent.com:aud'], 'sts.amazonaws.com');
    const statements = role?.Policies[0].PolicyDocument.Statement;
    assert.equal(statements.length, 1);
    assert.equal(statements[0].Action, 'execute-api:Invoke');
    assert.deepEqual(statements[0].Resource.map((r: any) => r['Fn::Sub'][0]), [
      'arn:${AWS::Partition}:execute-api:${Region}:${Account}:${ApiId}/${Stage}/POST/v1/tokens/${Profile}',
      'arn:${AWS::Partition}:execute-api:${Region}:${Account}:${ApiId}/${Stage}/GET/v1/profiles',
    ]);
    // The API's region: this stack's by default, or every region for a service in several (docs/two-regions.md).
    for (const resource of statements[0].Resource) {
      assert.deepEqual(resource['Fn::Sub'][1], {
        Account: { 'Fn::If': ['OwnAccountApi', { Ref: 'AWS::AccountId' }, { Ref: 'ApiAccountId' }] },
        Region: { 'Fn::If': ['OwnRegionApi', { Ref: 'AWS::Region' }, { Ref: 'ApiRegion' }] },
      });
    }
    assert.equal(t.Parameters?.ApiRegion.Default, '');
    for (const good of ['', '*', 'us-east-1', 'us-gov-west-1']) assert.ok(allows(t, 'ApiRegion', good), `ApiRegion ${good}`);
    for (const bad of ['us-*', 'US-EAST-1', 'us-east-1,eu-west-1', '**']) assert.ok(!allows(t, 'ApiRegion', bad), `ApiRegion ${bad}`);
    assert.equal(t.Parameters?.ApiAccountId.Default, '');
    assert.ok(allows(t, 'ApiAccountId', '444455556666') && !allows(t, 'ApiAccountId', '*'));
    // ApiId defaults to any API of that account and stage, so a redeploy that creates the API again keeps callers.
    assert.equal(t.Parameters?.ApiId.Default, '*');
    assert.ok(allows(t, 'ApiId', 'a1b2c3d4e5') && !allows(t, 'ApiId', 'a1b2c3d4e5/*'));
    for (const bad of ['*', 'a*', 'ci/*']) assert.ok(!allows(t, 'Stage', bad), `Stage ${bad}`);
  });

  it('the account\'s OIDC provider lives in its own retained stack; the role only refers to it (issue #13.4)', () => {
    assert.deepEqual(ofType(t, 'AWS::IAM::OIDCProvider'), []);
    assert.deepEqual(trust.Principal.Federated['Fn::If'][1], { 'Fn::Sub': 'arn:${AWS::Partition}:iam::${AWS::AccountId}:oidc-provider/token.actions.githubusercontent.com' });
    const provider = infra('github-oidc-provider.yml').Resources.GitHubOidcProvider;
    assert.equal(provider?.Type, 'AWS::IAM::OIDCProvider');
    assert.equal(provider?.DeletionPolicy, 'Retain');
    assert.equal(provider?.Properties.Url, 'https://token.actions.githubusercontent.com');
  });

  it('SubjectFilter admits one ref pattern or one environment, never a bare wildcard (issue #12.10)', () => {
    for (const good of ['ref:refs/heads/main', 'ref:refs/tags/v*', 'ref:refs/heads/release/*', 'environment:production', 'environment:Production%3AV1']) assert.ok(allows(t, 'SubjectFilter', good), good);
    for (const bad of ['*', 'ref:*', 'ref:refs/heads/*', 'ref:refs/*', 'pull_request', 'environment:*', 'environment:prod*', 'ref:refs/heads/main:job_workflow_ref:*', 'ref:refs/heads/ma?n', '', 'ref:refs/pull/1/merge']) {
      assert.ok(!allows(t, 'SubjectFilter', bad), `SubjectFilter ${JSON.stringify(bad)} must be refused`);
    }
    assert.ok(allows(t, 'GitHubRepository', 'example/ios-app') && allows(t, 'GitHubRepository', 'example@123/ios-app@456'));
    for (const bad of ['*', 'example/*', '*/ios-app', 'example/ios-app:ref:refs/heads/main']) assert.ok(!allows(t, 'GitHubRepository', bad), bad);
  });

  it('a pinned job_workflow_ref goes into the subject the role requires, without wildcards', () => {
    assert.deepEqual(trust.Condition.StringLike['token.actions.githubusercontent.com:sub'], {
      'Fn::If': ['PinnedWorkflow', { 'Fn::Sub': 'repo:${GitHubRepository}:${SubjectFilter}:job_workflow_ref:${JobWorkflowRef}' }, { 'Fn::Sub': 'repo:${GitHubRepository}:${SubjectFilter}' }],
    });
    assert.ok(allows(t, 'JobWorkflowRef', '') && allows(t, 'JobWorkflowRef', 'example/ios-app/.github/workflows/release.yml@refs/heads/main'));
    for (const bad of ['*', 'example/ios-app/.github/workflows/*.yml@refs/heads/main', 'example/ios-app/.github/workflows/release.yml@*', 'example/ios-app/.github/workflows/release.yml']) assert.ok(!allows(t, 'JobWorkflowRef', bad), bad);
  });
});
