/**
 * Why a 403 happened, read from its detail: API Gateway (and the local server, which checks SigV4 the same way)
 * refuses a request before the service sees it when the signature, the credentials or IAM say no; the service
 * itself refuses when the policy does. Each needs a different fix, so the CLI and the GitHub Action give the hint
 * for the reason, not one hint for every 403 (`asc-token profiles` cannot help when signing is what fails: it is
 * refused the same way).
 */

import { VERSION } from './version.ts';

export type RefusalReason =
  /** The signature does not verify: wrong secret key, a changed body or header, a signed header not sent. */
  | 'signature'
  /** The signing time is more than 15 minutes from the server's clock. */
  | 'clock'
  /** The access key is unknown, or the session token is missing, expired or invalid. */
  | 'credentials'
  /** No signature at all (or, at API Gateway, no such path). */
  | 'unsigned'
  /** IAM or the API's resource policy denied execute-api:Invoke. */
  | 'iam'
  /** The service's policy: no such profile, or the caller is not among its callers. */
  | 'policy';

const PATTERNS: Array<[RefusalReason, RegExp]> = [
  // Local server: "signature expired or not yet valid: …"; API Gateway: "Signature expired: …", "Signature not yet current: …".
  ['clock', /signature expired|signature not yet current|not yet valid|more than 15 minutes/i],
  // Local server: "unknown access key ID"; API Gateway: "The security token included in the request is invalid/expired".
  ['credentials', /unknown access key|security token included in the request is (invalid|expired)|access key id .* does not exist/i],
  ['unsigned', /missing authorization header|needs a sigv4-signed request|missing authentication token|unsigned request|authorization header is not a sigv4|authorization header requires/i],
  ['iam', /is not authorized to perform: execute-api:invoke|explicit deny/i],
  ['signature', /sigv4|signature|credential should be scoped|x-amz-date|x-amz-content-sha256|signed header/i],
];

export function refusalReason(detail: string): RefusalReason {
  for (const [reason, pattern] of PATTERNS) if (pattern.test(detail)) return reason;
  return 'policy';
}

/**
 * How to run the CLI without installing it, pinned to this package's own version: npx without a version runs
 * whatever is published under the package's name first (test/package/version-pin.test.ts holds every printed and
 * documented install to the version).
 */
const NPX_PROFILES = `npx --yes --package=asc-token-vending@${VERSION} asc-token profiles`;

const REASON_HINTS: Record<RefusalReason, string> = {
  signature:
    'The request signature was refused before the service saw it: check that AWS_SECRET_ACCESS_KEY belongs to AWS_ACCESS_KEY_ID, that AWS_SESSION_TOKEN is either unset or the one issued with them, and that no proxy rewrites the request.',
  clock: 'The signing time is more than 15 minutes from the server\'s clock: synchronise this machine\'s clock (NTP) and retry.',
  credentials:
    'The AWS credentials were not accepted: temporary ones have expired (assume the role again) or lost their AWS_SESSION_TOKEN; long-term keys must not carry an empty or stale AWS_SESSION_TOKEN. Against `npm start`, use the access key its banner prints.',
  unsigned: 'The request arrived unsigned, or the path does not exist: check the URL is the API base including the stage, and that AWS credentials are set.',
  iam: 'IAM refused before the service saw the request: your role needs execute-api:Invoke on this path (arn:aws:execute-api:REGION:ACCOUNT:API/STAGE/POST/v1/tokens/PROFILE), and the API\'s resource policy must allow your account or organisation.',
  policy:
    `Your AWS principal may not use this profile, or there is no profile by that name (the service does not say which: check the spelling). Run \`asc-token profiles\` (without the CLI installed: \`${NPX_PROFILES}\`) to see who the service thinks you are and what you may use; ask the platform owner to add your role to the profile's callers.`,
};

/**
 * The hint for a 403 with this detail. `command` is what just failed: the policy hint does not send a user to run
 * `asc-token profiles` when that is the command that was refused.
 */
export function refusalHint(detail: string, command?: 'token' | 'profiles'): string {
  const reason = refusalReason(detail);
  if (reason === 'policy' && command === 'profiles') {
    return 'The service refused to list profiles for this principal; ask the platform owner which profiles and callers the policy has.';
  }
  return REASON_HINTS[reason];
}
