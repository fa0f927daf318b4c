/**
 * AWS's policy evaluation, as far as the infra/ templates' KMS key policies and the roles' IAM policies need it, so
 * that the template tests (test/deploy/kms-key.test.ts, key-secret.test.ts) can ask "may this principal do this to
 * this key?" of the policy a stack would create — for the operations the CLI and the service really send, and for
 * an attacker with `kms:*` in IAM.
 *
 * What it implements (IAM User Guide, "Policy evaluation logic"; AWS KMS Developer Guide, "Key policies"): an
 * explicit Deny in any policy wins; otherwise a key policy statement must allow the request — for the account's
 * root principal (`arn:…:iam::ACCOUNT:root`) only together with the caller's own IAM policy, which is how a key
 * policy delegates to IAM. Condition operators: String(Not)Equals, String(Not)Like, Arn(Not)Like, Bool, Null, each
 * with IfExists and the ForAllValues:/ForAnyValue: set qualifiers; condition key names compare without regard to
 * case. Anything else (another operator, NotAction, NotPrincipal, a principal other than `*` or an account root, an
 * intrinsic other than Ref/Sub/Join/Split/Select) throws: a template edit this file does not understand fails the
 * test instead of being evaluated wrongly in silence.
 */

export type Value = string | string[] | boolean;
export type Context = Record<string, Value | undefined>;
export interface Statement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Principal?: unknown;
  Action: string | string[];
  Resource?: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
  [other: string]: unknown;
}

/** CloudFormation's intrinsics in a template fragment, with parameter values (a list parameter as an array). */
export function resolve(value: unknown, parameters: Record<string, string | string[]>, pseudo: { partition: string; account: string; region: string }): any {
  const ref = (name: string): string | string[] => {
    if (name === 'AWS::Partition') return pseudo.partition;
    if (name === 'AWS::AccountId') return pseudo.account;
    if (name === 'AWS::Region') return pseudo.region;
    const found = parameters[name];
    if (found === undefined) throw new Error(`no value for parameter ${name}`);
    return found;
  };
  const sub = (text: string, variables: Record<string, unknown>) =>
    text.replace(/\$\{([A-Za-z0-9:]+)\}/g, (_, name: string) => {
      const found = name in variables ? variables[name] : ref(name);
      if (typeof found !== 'string') throw new Error(`Fn::Sub of a list: ${name}`);
      return found;
    });
  const go = (v: unknown): any => {
    if (Array.isArray(v)) return v.map(go);
    if (v === null || typeof v !== 'object') return v;
    const entries = Object.entries(v);
    if (entries.length === 1) {
      const [key, arg] = entries[0] as [string, any];
      if (key === 'Ref') return ref(arg);
      if (key === 'Fn::Sub') {
        if (typeof arg === 'string') return sub(arg, {});
        const variables = Object.fromEntries(Object.entries(arg[1] as Record<string, unknown>).map(([k, x]) => [k, go(x)]));
        return sub(arg[0], variables);
      }
      if (key === 'Fn::Join') return (go(arg[1]) as unknown[]).flat().join(arg[0]);
      if (key === 'Fn::Split') return (go(arg[1]) as string).split(arg[0]);
      if (key === 'Fn::Select') return (go(arg[1]) as unknown[])[Number(arg[0])];
      if (key.startsWith('Fn::') || key === 'Condition') throw new Error(`intrinsic ${key} is not evaluated here`);
    }
    return Object.fromEntries(entries.map(([k, x]) => [k, go(x)]));
  };
  return go(value);
}

const list = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
const escape = (s: string) => s.replace(/[.+^${}()|[\]\\]/g, '\\$&');
/** IAM's glob: `*` any run of characters, `?` one; case-sensitive unless told. */
const glob = (pattern: string, value: string, ignoreCase = false) => new RegExp(`^${escape(pattern).replace(/\*/g, '.*').replace(/\?/g, '.')}$`, ignoreCase ? 'is' : 's').test(value);
/** ArnLike: each of the six colon-separated parts matched on its own (a `*` never spans a `:` of the first five). */
function arnLike(pattern: string, value: string): boolean {
  const split = (arn: string) => {
    const parts = arn.split(':');
    return parts.length < 6 ? undefined : [...parts.slice(0, 5), parts.slice(5).join(':')];
  };
  const p = split(pattern);
  const v = split(value);
  return p !== undefined && v !== undefined && p.every((part, i) => glob(part, v[i] as string));
}

function matchesOperator(base: string, pattern: string, value: string): boolean {
  switch (base) {
    case 'StringEquals':
    case 'StringNotEquals':
      return pattern === value;
    case 'StringLike':
    case 'StringNotLike':
      return glob(pattern, value);
    case 'ArnLike':
    case 'ArnNotLike':
      return arnLike(pattern, value);
    case 'Bool':
      return pattern.toLowerCase() === value.toLowerCase();
    default:
      throw new Error(`condition operator ${base} is not evaluated here`);
  }
}

function condition(operator: string, key: string, patterns: string[], context: Context): boolean {
  const found = Object.entries(context).find(([k]) => k.toLowerCase() === key.toLowerCase())?.[1];
  if (operator === 'Null') {
    if (patterns.length !== 1) throw new Error('Null takes one value');
    return (found === undefined) === (patterns[0] === 'true');
  }
  const set = /^(ForAllValues|ForAnyValue):/.exec(operator)?.[1];
  let base = set ? operator.slice(set.length + 1) : operator;
  const ifExists = base.endsWith('IfExists');
  if (ifExists) base = base.slice(0, -'IfExists'.length);
  const negated = /Not(Equals|Like)$/.test(base);
  const one = (value: string) => patterns.some((pattern) => matchesOperator(base, pattern, value));
  if (set !== undefined) {
    const values = list(found).map(String);
    // ForAllValues: true when every value satisfies the operator (so also when there are none); ForAnyValue: when
    // at least one does. A negated operator is satisfied by a value that matches none of the patterns.
    const satisfied = (value: string) => (negated ? !one(value) : one(value));
    return set === 'ForAllValues' ? values.every(satisfied) : values.some(satisfied);
  }
  if (found === undefined) return ifExists || negated;
  if (Array.isArray(found)) throw new Error(`${key} has several values: ${operator} needs a set qualifier`);
  return negated ? !one(String(found)) : one(String(found));
}

function conditionsHold(statement: Statement, context: Context): boolean {
  return Object.entries(statement.Condition ?? {}).every(([operator, keys]) => Object.entries(keys).every(([key, patterns]) => condition(operator, key, list(patterns), context)));
}

const actionMatches = (statement: Statement, action: string) => list(statement.Action).some((pattern) => glob(pattern, action, true));
const resourceMatches = (statement: Statement, resource: string) => list(statement.Resource ?? '*').some((pattern) => glob(pattern, resource));

function checkShape(statement: Statement) {
  for (const key of Object.keys(statement)) {
    if (!['Sid', 'Effect', 'Principal', 'Action', 'Resource', 'Condition'].includes(key)) throw new Error(`${statement.Sid}: ${key} is not evaluated here`);
  }
}

export interface Request {
  action: string;
  /** The caller's aws:PrincipalArn (a role's ARN, with its path). */
  principalArn: string;
  /** Request context: kms:TagKeys, kms:SigningAlgorithm, aws:ResourceTag/…; aws:PrincipalArn is added. */
  context?: Context;
  /** Whether the caller's own IAM policy allows the action on this key (see identityAllows). */
  identityAllows: boolean;
}

/**
 * A key policy's answer: `deny` (an explicit Deny matched), `allow`, or `implicit` (nothing allows it). Every
 * statement's Resource is `*` in a key policy (the key itself).
 */
export function evaluateKeyPolicy(statements: Statement[], request: Request): { decision: 'allow' | 'deny' | 'implicit'; by: string[] } {
  const account = request.principalArn.split(':')[4];
  const context: Context = { ...request.context, 'aws:PrincipalArn': request.principalArn, 'aws:PrincipalAccount': account };
  const denies: string[] = [];
  const allows: string[] = [];
  for (const statement of statements) {
    checkShape(statement);
    if (!actionMatches(statement, request.action)) continue;
    if (JSON.stringify(list(statement.Resource ?? '*')) !== '["*"]') throw new Error(`${statement.Sid}: a key policy statement's Resource is *`);
    const principal = statement.Principal;
    let delegated: boolean;
    if (principal === '*') delegated = false;
    else if (principal !== null && typeof principal === 'object' && Object.keys(principal).join() === 'AWS' && list((principal as { AWS: string | string[] }).AWS).every((p) => /^arn:[a-z-]+:iam::[0-9]{12}:root$/.test(p))) {
      if (!list((principal as { AWS: string | string[] }).AWS).some((p) => p.split(':')[4] === account)) continue;
      delegated = true;
    } else throw new Error(`${statement.Sid}: principal ${JSON.stringify(principal)} is not evaluated here`);
    if (!conditionsHold(statement, context)) continue;
    if (statement.Effect === 'Deny') denies.push(statement.Sid ?? '?');
    else if (!delegated || request.identityAllows) allows.push(statement.Sid ?? '?');
  }
  if (denies.length > 0) return { decision: 'deny', by: denies };
  return allows.length > 0 ? { decision: 'allow', by: allows } : { decision: 'implicit', by: [] };
}

/** An IAM identity policy's answer for one action on one resource (no Deny statements in the roles here). */
export function identityAllows(statements: Statement[], action: string, resource: string, context: Context = {}): boolean {
  return statements.some((statement) => {
    checkShape(statement);
    if (statement.Principal !== undefined) throw new Error(`${statement.Sid}: an identity policy has no Principal`);
    if (statement.Effect !== 'Allow') throw new Error(`${statement.Sid}: Deny in an identity policy is not evaluated here`);
    return actionMatches(statement, action) && resourceMatches(statement, resource) && conditionsHold(statement, context);
  });
}
