/**
 * What the deployment's template tests share (test/deploy/*.test.ts, one file per template): reading infra/*.yml
 * with CloudFormation's short-form intrinsics, a parameter's AllowedPattern as CloudFormation applies it, `osls
 * package` run offline, and infra/serverless-vars.cjs (the function role derived from a policy) called as osls
 * calls it.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import * as KMS from '@aws-sdk/client-kms';
import { parse, type ScalarTag, type CollectionTag } from 'yaml';

export const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const run = promisify(execFile);
export type Resource = { Type: string; Properties: Record<string, any>; DeletionPolicy?: string; UpdateReplacePolicy?: string; Condition?: string; DependsOn?: string | string[] };
export type Template = { Parameters?: Record<string, any>; Conditions?: Record<string, unknown>; Resources: Record<string, Resource>; Outputs?: Record<string, any> };

/** `osls package` for the `ci` stage into `dir`, offline (no AWS credentials in its environment). */
export async function osls(dir: string, params: string[] = [], env: Record<string, string> = {}) {
  const base = { ...process.env, ...env } as Record<string, string | undefined>;
  for (const name of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE']) delete base[name];
  return run(process.execPath, [join(root, 'node_modules/osls/bin/serverless.js'), 'package', '--stage', 'ci', '--region', 'eu-west-1', '--package', dir, ...params.map((p) => `--param=${p}`)], { cwd: root, env: base });
}
export const template = (dir: string): Template => JSON.parse(readFileSync(join(dir, 'cloudformation-template-update-stack.json'), 'utf8'));
export const ofType = (t: Template, type: string) => Object.entries(t.Resources).filter(([, r]) => r.Type === type);
export const statementsOf = (t: Template) => t.Resources.IamRoleLambdaExecution?.Properties.Policies.flatMap((p: any) => p.PolicyDocument.Statement) as any[];
export const actionsOf = (statement: any): string[] => [statement.Action].flat();

/** Package with extra parameters into a temporary directory, and read the template. */
export async function variant(params: string[]): Promise<Template> {
  const dir = mkdtempSync(join(tmpdir(), 'asc-package-'));
  try {
    await osls(dir, params);
    return template(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** infra/serverless-vars.cjs on a policy text, as osls calls it with no parameters but allowedAccounts. */
export async function derived(policyText: string) {
  const dir = mkdtempSync(join(tmpdir(), 'asc-policy-'));
  const { default: derive } = await import(join(root, 'infra/serverless-vars.cjs'));
  const known: Record<string, unknown> = { 'self:service': 'asc-token-vending', 'sls:stage': 'ci', 'self:provider.region': 'eu-west-1', 'self:provider.timeout': 10, "param:allowedAccounts, ''": '111122223333' };
  // Other parameters resolve to the default written after the comma, as osls would with none given.
  const resolveVariable = async (name: string) => (name in known ? known[name] : name.match(/, '(.*)'$/)?.[1]);
  try {
    process.env.BUILD_POLICY_FILE = join(dir, 'policy.yaml');
    writeFileSync(process.env.BUILD_POLICY_FILE, policyText);
    return await derive({ resolveVariable });
  } finally {
    delete process.env.BUILD_POLICY_FILE;
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Every KMS operation the SDK knows, by name. */
export const kmsOperations = () => Object.keys(KMS).filter((name) => name.endsWith('Command') && name !== 'Command' && !name.startsWith('$')).map((name) => name.slice(0, -'Command'.length)).sort();

// CloudFormation's short-form intrinsics, read as plain { "Fn::…": value } objects.
export const intrinsics = (['Ref', 'Sub', 'GetAtt', 'Join', 'Split', 'If', 'Equals', 'Not', 'Select', 'Condition'] as const).flatMap((name) => {
  const key = name === 'Ref' || name === 'Condition' ? name : `Fn::${name}`;
  const resolve = (value: unknown) => ({ [key]: name === 'GetAtt' && typeof value === 'string' ? value.split('.') : value });
  return [
    { tag: `!${name}`, resolve: (value: string) => resolve(value) } as ScalarTag,
    { tag: `!${name}`, collection: 'seq', resolve: (value: any) => resolve(value.toJSON()) } as CollectionTag,
  ];
});
export const infra = (file: string): Template => parse(readFileSync(join(root, 'infra', file), 'utf8'), { customTags: intrinsics });
/**
 * A parameter's AllowedPattern as CloudFormation applies it: to the whole value of a String, and to each element,
 * space-trimmed, of a CommaDelimitedList ("When applied to a parameter of type CommaDelimitedList, the pattern must
 * match each value in the list": AWS CloudFormation User Guide, Parameters). test/deploy/cfn-lint-patterns.test.ts
 * checks that cfn-lint reads the patterns the same way.
 */
export const allows = (t: Template, parameter: string, value: string) => {
  const { AllowedPattern, Type } = t.Parameters![parameter];
  const pattern = new RegExp(`^(?:${AllowedPattern})$`);
  return Type === 'CommaDelimitedList' ? value.split(',').every((element) => pattern.test(element.trim())) : pattern.test(value);
};

/** The names a value refers to: Refs, and ${Name} inside Fn::Sub strings (pseudo parameters excluded). */
function refsIn(value: unknown, found = new Set<string>()): Set<string> {
  if (Array.isArray(value)) for (const item of value) refsIn(item, found);
  else if (value !== null && typeof value === 'object') {
    for (const [key, inner] of Object.entries(value)) {
      if (key === 'Ref' && typeof inner === 'string' && !inner.startsWith('AWS::')) found.add(inner);
      else if (key === 'Fn::Sub') for (const name of JSON.stringify(inner).matchAll(/\$\{([A-Za-z0-9]+)\}/g)) found.add(name[1]!);
      else refsIn(inner, found);
    }
  }
  return found;
}
/** The parameters a template matches aws:PrincipalArn against, in any condition of any policy. */
export function principalParameters(value: unknown, found = new Set<string>()): Set<string> {
  if (Array.isArray(value)) for (const item of value) principalParameters(item, found);
  else if (value !== null && typeof value === 'object') {
    for (const [key, inner] of Object.entries(value)) {
      if (key.toLowerCase() === 'aws:principalarn') refsIn(inner, found);
      else principalParameters(inner, found);
    }
  }
  return found;
}
