/**
 * The values the template tests try on every parameter that names principals (matched against aws:PrincipalArn):
 * which parameters those are, by kind, and the ARNs each kind must accept or refuse.
 */

// Issue #12 (template review, item 2): a parameter matched against aws:PrincipalArn decides who may use a key, a
// secret or a role. Each element must name one principal: a wildcard would hand the key to every role it matches
// (`*`, role/*, or asc-token-vending-*-lambdaRole: every stage's function, a developer's included). Function roles,
// readers and the ops role are roles with a fixed name; administrators and whoever assumes the ops role may be a
// user, or an IAM Identity Center permission-set role, whose generated suffix is the one wildcard allowed.
export const kinds: Record<string, Record<string, 'role' | 'administrator'>> = {
  'github-oidc-provider.yml': {},
  'github-oidc-role.yml': {},
  'key-secret.yml': { ReaderRoleArns: 'role', OpsRoleArn: 'role', AdministratorArns: 'administrator' },
  'key-secret-replica.yml': { ReaderRoleArns: 'role', OpsRoleArn: 'role', AdministratorArns: 'administrator' },
  'kms-key.yml': { SignerRoleArns: 'role', OpsRoleArn: 'role', AdministratorArns: 'administrator' },
  'kms-replica-key.yml': { SignerRoleArns: 'role', OpsRoleArn: 'role', AdministratorArns: 'administrator' },
  'ops-role.yml': { TrustedPrincipalArn: 'administrator' },
};
export const role = ['arn:aws:iam::111122223333:role/asc-token-vending-prod-eu-west-1-lambdaRole', 'arn:aws-us-gov:iam::111122223333:role/service-role/asc-token-vending-ops'];
export const administrator = [...role, 'arn:aws:iam::111122223333:user/break-glass', 'arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_Admin_*', 'arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_KeyOps_*'];
export const never = [
  '*',
  'arn:aws:iam::111122223333:*',
  'arn:aws:iam::111122223333:role/*',
  'arn:aws:iam::111122223333:role/asc-token-vending-*-lambdaRole',
  'arn:aws:iam::111122223333:role/asc-token-vending-prod-eu-west-1-lambdaRol?',
  'arn:aws:iam::111122223333:role/Admin*',
  'arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/*/AWSReservedSSO_Admin_*',
  'arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_*',
  'arn:aws:iam::111122223333:role/aws-reserved/*',
  'arn:aws:iam::*:role/asc-token-vending-ops',
  'arn:*:iam::111122223333:role/asc-token-vending-ops',
  'arn:aws:iam::111122223333:root',
  '111122223333',
  'arn:aws:sts::111122223333:assumed-role/asc-token-vending-ops/session',
  'arn:aws:iam::111122223333:role//double-slash',
  'arn:aws:iam::111122223333:role/',
  '',
];
export const lists = ['arn:aws:iam::111122223333:role/a,*', 'arn:aws:iam::111122223333:role/a, arn:aws:iam::111122223333:role/*'];
