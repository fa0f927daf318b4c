/**
 * The caller as the policy sees it (docs/design.md#the-policy). API Gateway hands us the IAM principal that signed the request;
 * for an assumed role that is an STS ARN with the session name, which is normalised to the role's IAM ARN so
 * that policies can name roles. STS ARNs carry no role path, so patterns match role names.
 */

/** Credentials from a Cognito identity pool: end users of an app (signed in, or guests), not workloads. */
export interface CognitoIdentity {
  identityPoolId: string | undefined;
  identityId: string | undefined;
  authenticationType: 'authenticated' | 'unauthenticated' | 'unknown';
}

export interface CallerIdentity {
  /** The normalised principal ARN the policy matches, e.g. `arn:aws:iam::111122223333:role/ci`. */
  principal: string;
  /** The ARN exactly as API Gateway reported it. */
  rawArn: string;
  /** The role session name of an assumed role (kept for the audit log). */
  session: string | undefined;
  accountId: string;
  /** The AWS partition of the principal (`aws`, `aws-cn`, `aws-us-gov`, …). */
  partition: string;
  /** AWS Organizations ID of the caller's account, when API Gateway reports it. */
  orgId: string | undefined;
  kind: 'role' | 'user' | 'root' | 'federated-user';
  /**
   * Set when the credentials came from a Cognito identity pool. Such callers match only the policy's explicit
   * `cognito-authenticated:`/`cognito-unauthenticated:` entries, never an ARN, `account:` or `org:` entry.
   */
  cognito?: CognitoIdentity;
}

const ARN = /^arn:(aws|aws-cn|aws-us-gov|aws-iso|aws-iso-[a-z]|aws-eusc):(iam|sts)::([0-9]{12}):(.+)$/;
const NAME = /^[\w+=,.@-]{1,128}$/;

/**
 * Normalise a principal ARN. Returns `undefined` for anything that is not an IAM or STS principal we can match
 * (unsigned calls, malformed values): such callers are refused. A caller with Cognito identity-pool credentials
 * keeps its `cognito` record, which only explicit Cognito entries of the policy match.
 */
export function normalisePrincipal(rawArn: unknown, orgId?: unknown, cognito?: CognitoIdentity): CallerIdentity | undefined {
  if (typeof rawArn !== 'string' || rawArn.length > 2048) return undefined;
  const match = ARN.exec(rawArn);
  if (!match) return undefined;
  const [, partition, service, accountId, resource] = match as unknown as [string, string, string, string, string];
  const org = typeof orgId === 'string' && /^o-[a-z0-9]{10,32}$/.test(orgId) ? orgId : undefined;
  const base = { rawArn, accountId, partition, orgId: org, ...(cognito === undefined ? {} : { cognito }) };
  if (service === 'sts') {
    const parts = resource.split('/');
    if (parts[0] === 'assumed-role' && parts.length === 3 && NAME.test(parts[1] as string) && NAME.test(parts[2] as string)) {
      return { ...base, principal: `arn:${partition}:iam::${accountId}:role/${parts[1]}`, session: parts[2], kind: 'role' };
    }
    if (parts[0] === 'federated-user' && parts.length === 2 && NAME.test(parts[1] as string)) {
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
