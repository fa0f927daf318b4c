/**
 * The caller as the policy sees it (DESIGN §4). API Gateway hands us the IAM principal that signed the request;
 * for an assumed role that is an STS ARN with the session name, which is normalised to the role's IAM ARN so
 * that policies can name roles. STS ARNs carry no role path, so patterns match role names.
 */

export interface CallerIdentity {
  /** The normalised principal ARN the policy matches, e.g. `arn:aws:iam::111122223333:role/ci`. */
  principal: string;
  /** The ARN exactly as API Gateway reported it. */
  rawArn: string;
  /** The role session name of an assumed role (kept for the audit log). */
  session: string | undefined;
  accountId: string;
  /** AWS Organizations ID of the caller's account, when API Gateway reports it. */
  orgId: string | undefined;
  kind: 'role' | 'user' | 'root' | 'federated-user';
}

const ARN = /^arn:(aws|aws-cn|aws-us-gov|aws-iso|aws-iso-[a-z]|aws-eusc):(iam|sts)::([0-9]{12}):(.+)$/;
const NAME = /^[\w+=,.@-]{1,128}$/;

/**
 * Normalise a principal ARN. Returns `undefined` for anything that is not an IAM or STS principal we can match
 * (unsigned calls, Cognito identities, malformed values): such callers are refused.
 */
export function normalisePrincipal(rawArn: unknown, orgId?: unknown): CallerIdentity | undefined {
  if (typeof rawArn !== 'string' || rawArn.length > 2048) return undefined;
  const match = ARN.exec(rawArn);
  if (!match) return undefined;
  const [, partition, service, accountId = '', resource = ''] = match;
  const org = typeof orgId === 'string' && /^o-[a-z0-9]{10,32}$/.test(orgId) ? orgId : undefined;
  const base = { rawArn, accountId, orgId: org };
  if (service === 'sts') {
    const parts = resource.split('/');
    if (parts[0] === 'assumed-role' && parts.length === 3 && NAME.test(parts[1] ?? '') && NAME.test(parts[2] ?? '')) {
      return { ...base, principal: `arn:${partition}:iam::${accountId}:role/${parts[1]}`, session: parts[2], kind: 'role' };
    }
    if (parts[0] === 'federated-user' && parts.length === 2 && NAME.test(parts[1] ?? '')) {
      return { ...base, principal: rawArn, session: undefined, kind: 'federated-user' };
    }
    return undefined;
  }
  if (resource === 'root') return { ...base, principal: rawArn, session: undefined, kind: 'root' };
  const parts = resource.split('/');
  if (parts.length >= 2 && (parts[0] === 'user' || parts[0] === 'role') && parts.slice(1).every((p) => NAME.test(p))) {
    // An IAM role ARN arrives here only from callers that are not API Gateway (tests, the local server's
    // credentials file); it keeps its path-less form so it matches the same patterns as an assumed role.
    if (parts[0] === 'role') {
      return { ...base, principal: `arn:${partition}:iam::${accountId}:role/${parts[parts.length - 1]}`, session: undefined, kind: 'role' };
    }
    return { ...base, principal: rawArn, session: undefined, kind: 'user' };
  }
  return undefined;
}
