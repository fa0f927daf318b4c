/**
 * The function role's key grants, derived from the policy file at packaging time (infra/serverless-vars.cjs loads
 * this module): each key source says what its keys need (src/key-sources/), so the deployment reads the same facts
 * the service does, never a copy of them.
 */
import { keyIamStatements } from '../key-sources/registry.ts';
import type { IamStatement } from '../key-sources/source.ts';
import { parsePolicyText } from './load.ts';
import { PolicyError, compileKeys } from './policy.ts';

/**
 * @param policyText the policy file's text (YAML).
 * @throws PolicyError listing every problem of its `keys` section.
 */
export function keyGrants(policyText: string, source: string): IamStatement[] {
  const document = parsePolicyText(policyText, source);
  const problems: string[] = [];
  const { keys } = compileKeys((document as { keys?: unknown } | null)?.keys, (path, text) => problems.push(`${path}: ${text}`));
  if (problems.length > 0) throw new PolicyError(source, problems);
  return keyIamStatements(keys.values());
}
