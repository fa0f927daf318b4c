/**
 * Who may use a profile (docs/design.md#the-policy): each `callers` entry of the policy compiled to a matcher of the
 * caller's normalised identity (src/core/principal.ts). Deny by default: no entry, no match.
 */
import type { CallerIdentity } from '../core/principal.ts';

const PARTITION = '(aws|aws-cn|aws-us-gov|aws-iso|aws-iso-[a-z]|aws-eusc)';
/** `account:ID` (partition `aws`) or `account:PARTITION:ID`; the same for `org:`. */
const ACCOUNT_CALLER = new RegExp(`^account:(?:${PARTITION}:)?([0-9]{12})$`);
const ORG_CALLER = new RegExp(`^org:(?:${PARTITION}:)?(o-[a-z0-9]{10,32})$`);
/** Cognito identity pools (`REGION:UUID`): only these entries match callers with identity-pool credentials. */
const COGNITO_CALLER = /^cognito-(authenticated|unauthenticated):([a-z]{2}(?:-[a-z]+)+-[0-9]:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;
/**
 * An IAM principal pattern: a concrete partition and account, then one of the principal kinds a caller can be.
 * `*` and `?` stand for characters of one name and never span a `/`.
 */
const ARN_CALLER = new RegExp(`^arn:${PARTITION}:(iam|sts)::([0-9]{12}):(.+)$`);
/**
 * Federated users are not callers a policy can name: `sts:GetFederationToken` takes any name the calling IAM user
 * chooses, so `federated-user/release-bot` is whoever says so. (They still match `account:`/`org:` entries, which
 * trust every principal of the account anyway.)
 */
const FEDERATED_USER = 'federated users name themselves (sts:GetFederationToken takes any name), so a pattern cannot identify one: name the IAM user or role that federates, or use account:ID';
const NAME_PATTERN = '[\\w+=,.@*?-]{1,128}';
const PATH_PART = '[\\w+=,.@*?-]{1,512}';
const IAM_RESOURCE = new RegExp(`^(?:root|role/${NAME_PATTERN}|user/(?:${PATH_PART}/)*${NAME_PATTERN})$`);
const DEFAULT_PARTITION = 'aws';

export interface CallerMatcher {
  /** The pattern as written in the policy. */
  text: string;
  matches(caller: Pick<CallerIdentity, 'principal' | 'accountId' | 'orgId' | 'partition' | 'cognito'>): boolean;
}

/** Compile one caller entry to a matcher, or return the problem. */
export function compileCaller(raw: unknown): CallerMatcher | string {
  if (typeof raw !== 'string') return 'must be a string';
  // Entries other than cognito-* never match a caller with Cognito identity-pool credentials (app end users and
  // guests, not workloads), whatever their role or account: trusting them takes an explicit entry.
  const account = ACCOUNT_CALLER.exec(raw);
  if (account) {
    const [, partition = DEFAULT_PARTITION, id] = account;
    return { text: raw, matches: (c) => c.cognito === undefined && c.partition === partition && c.accountId === id };
  }
  const org = ORG_CALLER.exec(raw);
  if (org) {
    const [, partition = DEFAULT_PARTITION, id] = org;
    return { text: raw, matches: (c) => c.cognito === undefined && c.partition === partition && c.orgId === id };
  }
  const cognito = COGNITO_CALLER.exec(raw);
  if (cognito) {
    const [, type, poolId] = cognito;
    return { text: raw, matches: (c) => c.cognito !== undefined && c.cognito.authenticationType === type && c.cognito.identityPoolId === poolId };
  }
  if (raw.startsWith('account:') || raw.startsWith('org:')) {
    return 'account:ID and org:o-ID name one account (12 digits) or organisation; other partitions: account:aws-cn:ID';
  }
  if (raw.startsWith('cognito')) {
    return 'Cognito identity pools are named cognito-authenticated:REGION:POOL_UUID or cognito-unauthenticated:REGION:POOL_UUID';
  }
  const arn = ARN_CALLER.exec(raw);
  if (!arn) {
    return 'must be an IAM ARN pattern with a concrete partition and account (arn:aws:iam::111122223333:role/NAME; * and ? only in names), account:111122223333, org:o-xxxxxxxxxx or cognito-authenticated:REGION:POOL_UUID';
  }
  const [, , service, , resource = ''] = arn;
  if (service === 'sts') {
    if (resource.startsWith('assumed-role/')) return 'assumed-role ARNs are normalised to the role: write arn:PARTITION:iam::ACCOUNT:role/ROLE_NAME';
    if (resource.startsWith('federated-user/')) return FEDERATED_USER;
    return 'an sts ARN is not a caller a policy can name: write the role as arn:PARTITION:iam::ACCOUNT:role/ROLE_NAME';
  }
  if (!IAM_RESOURCE.test(resource)) {
    if (/^role\/.+\//.test(resource)) return 'role paths are not visible in the caller\'s identity: name the role without its path (role/ROLE_NAME)';
    return 'an iam pattern names role/NAME, user/NAME (user/PATH/NAME) or root; * and ? stand for characters within one name';
  }
  const source = raw.split('').map((c) => (c === '*' ? '[^/]*' : c === '?' ? '[^/]' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&'))).join('');
  const regex = new RegExp(`^${source}$`);
  return { text: raw, matches: (c) => c.cognito === undefined && regex.test(c.principal) };
}
