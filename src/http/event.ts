/**
 * Lambda events in, one request shape out. Accepts API Gateway REST (payload v1), HTTP API (v2) and function URL
 * events; never throws, whatever arrives. Real events differ in ways hand-written ones miss: REST sends `null`
 * for absent values and `headers: null` from the console, keeps header casing and puts the caller under
 * `requestContext.identity`; v2 and function URLs lower-case headers, put the caller under
 * `requestContext.authorizer.iam`, and may include a named stage in `rawPath`.
 */
import type { APIGatewayProxyEvent, APIGatewayProxyEventV2WithIAMAuthorizer, Context, LambdaFunctionURLEventWithIAMAuthorizer } from 'aws-lambda';
import { normalisePrincipal, type CallerIdentity, type CognitoIdentity } from '../core/principal.ts';

/**
 * What the function is invoked with, in the ecosystem's types (@types/aws-lambda): an API Gateway REST API event
 * (payload v1), an HTTP API event (v2) or a function URL event, the last two with IAM authorization. The types say
 * what AWS documents; `fromLambdaEvent` reads every field as untrusted all the same (a console test, a hand-made
 * invoke, a future payload version: test/handler/security.test.ts, the fuzz tests).
 */
export type LambdaEvent = APIGatewayProxyEvent | APIGatewayProxyEventV2WithIAMAuthorizer | LambdaFunctionURLEventWithIAMAuthorizer;

/** What the handler reads of the invocation's context. */
export type LambdaContext = Pick<Context, 'awsRequestId'>;

export interface ApiRequest {
  method: string;
  /** Path without the stage, e.g. `/v1/tokens/release`. */
  path: string;
  /** The Content-Type header (header names match in any case; multi-value headers are joined with ", "). */
  contentType: string | undefined;
  /** The decoded body; `undefined` when a base64 body did not decode. */
  body: Buffer | undefined;
  bodyError: 'base64' | undefined;
  requestId: string;
  sourceIp: string | undefined;
  userAgent: string | undefined;
  caller: CallerIdentity | undefined;
  /** The principal ARN as reported, for the audit log, even when it is not one we accept. */
  rawCallerArn: string | undefined;
  /**
   * Set when the request must be refused whatever the policy says: `console_test_invoke` for API Gateway's
   * console test (authorised by `apigateway:POST`, not by `execute-api:Invoke` and the resource policy).
   */
  refusal: 'console_test_invoke' | undefined;
}

type Obj = Record<string, unknown>;
const obj = (value: unknown): Obj => (typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Obj) : {});
const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export function fromLambdaEvent(event: LambdaEvent, context?: LambdaContext): ApiRequest {
  // Read as untrusted: obj() and str() take whatever is there, whatever the types say.
  const e = obj(event);
  const rc = obj(e.requestContext);
  const http = obj(rc.http);
  const v2 = e.version === '2.0' || str(http.method) !== undefined;

  let method: string;
  let path: string;
  let identity: Obj;
  let sourceIp: string | undefined;
  let cognito: CognitoIdentity | undefined;
  if (v2) {
    method = str(http.method) ?? '';
    path = str(e.rawPath) ?? str(http.path) ?? '/';
    const stage = str(rc.stage);
    if (stage && stage !== '$default' && (path === `/${stage}` || path.startsWith(`/${stage}/`))) path = path.slice(stage.length + 1) || '/';
    identity = obj(obj(rc.authorizer).iam);
    sourceIp = str(http.sourceIp);
    cognito = v2Cognito(identity.cognitoIdentity);
  } else {
    method = str(e.httpMethod) ?? '';
    path = str(e.path) ?? '/';
    identity = obj(rc.identity);
    sourceIp = str(identity.sourceIp);
    cognito = v1Cognito(identity);
  }

  // Only two headers matter (Content-Type, User-Agent): look them up rather than lower-case every header of the
  // event: for a REST event's twenty-odd headers that cost 3 µs a request (BENCHMARKS.md).
  const headers = obj(e.headers);
  // REST events carry both maps; `multiValueHeaders` only adds something when `headers` is null.
  const multi = e.headers === null || e.headers === undefined ? obj(e.multiValueHeaders) : undefined;
  const header = (name: string) => headerValue(headers, name) ?? (multi === undefined ? undefined : multiHeaderValue(multi, name));

  let body: Buffer | undefined;
  let bodyError: 'base64' | undefined;
  const rawBody = str(e.body);
  if (rawBody === undefined || rawBody === '') {
    body = Buffer.alloc(0);
  } else if (e.isBase64Encoded === true) {
    const compact = rawBody.replace(/[\r\n]/g, '');
    if (BASE64.test(compact)) body = Buffer.from(compact, 'base64');
    else bodyError = 'base64';
  } else {
    body = Buffer.from(rawBody, 'utf8');
  }

  const rawCallerArn = str(identity.userArn);
  return {
    method: method.toUpperCase(),
    path,
    contentType: header('content-type'),
    body,
    bodyError,
    requestId: str(rc.requestId) ?? context?.awsRequestId ?? 'unknown',
    sourceIp,
    userAgent: header('user-agent') ?? str(identity.userAgent),
    caller: cachedPrincipal(rawCallerArn, identity.principalOrgId, cognito),
    rawCallerArn,
    refusal: !v2 && isConsoleTestInvoke(rc, identity) ? 'console_test_invoke' : undefined,
  };
}

/**
 * API Gateway's console "Test" button (TestInvokeMethod) calls the integration with the console user's identity,
 * authorised by `apigateway:POST` on the API, bypassing `execute-api:Invoke` and the resource policy. Its events
 * are marked with the stage `test-invoke-stage` and test-invoke placeholders (fixtures
 * rest-v1-console-test-invoke.*): any one of the marks is enough to refuse.
 */
function isConsoleTestInvoke(rc: Obj, identity: Obj): boolean {
  return rc.stage === 'test-invoke-stage' || identity.apiKey === 'test-invoke-api-key' || identity.sourceIp === 'test-invoke-source-ip' || str(rc.extendedRequestId)?.startsWith('test-invoke') === true;
}

/**
 * A caller whose credentials come from a Cognito identity pool (guest or signed-in end users of an app, not
 * workloads): REST events name the pool and the authentication type in `identity`; any Cognito field present marks
 * the caller, so a partial record fails closed (it matches no policy entry).
 */
function v1Cognito(identity: Obj): CognitoIdentity | undefined {
  const poolId = str(identity.cognitoIdentityPoolId);
  const identityId = str(identity.cognitoIdentityId);
  const type = str(identity.cognitoAuthenticationType);
  const provider = str(identity.cognitoAuthenticationProvider);
  if (!poolId && !identityId && !type && !provider) return undefined;
  return { identityPoolId: poolId, identityId, authenticationType: authType(type === undefined ? [] : [type]) };
}

/** HTTP API and function URL events: `authorizer.iam.cognitoIdentity` with `amr` (["authenticated", …]). */
function v2Cognito(value: unknown): CognitoIdentity | undefined {
  if (value === null || value === undefined) return undefined;
  const c = obj(value);
  const amr = Array.isArray(c.amr) ? c.amr.filter((v): v is string => typeof v === 'string') : [];
  return { identityPoolId: str(c.identityPoolId), identityId: str(c.identityId), authenticationType: authType(amr) };
}

function authType(values: string[]): CognitoIdentity['authenticationType'] {
  if (values.includes('unauthenticated')) return 'unauthenticated';
  if (values.includes('authenticated')) return 'authenticated';
  return 'unknown';
}

/** A header by its lower-case name, whatever case the event gives it in. */
function headerValue(headers: Obj, lower: string): string | undefined {
  const exact = headers[lower];
  if (typeof exact === 'string') return exact;
  for (const name in headers) {
    if (name.length === lower.length && name.toLowerCase() === lower && Object.hasOwn(headers, name)) {
      const value = headers[name];
      if (typeof value === 'string') return value;
    }
  }
  return undefined;
}

function multiHeaderValue(headers: Obj, lower: string): string | undefined {
  for (const name in headers) {
    const values = headers[name];
    if (name.toLowerCase() === lower && Object.hasOwn(headers, name) && Array.isArray(values)) return values.filter((v) => typeof v === 'string').join(', ');
  }
  return undefined;
}

/** Callers repeat: remember the last few normalised principals (they are immutable values). */
const principals = new Map<string, CallerIdentity | undefined>();
function cachedPrincipal(rawArn: string | undefined, orgId: unknown, cognito: CognitoIdentity | undefined): CallerIdentity | undefined {
  if (rawArn === undefined) return undefined;
  const key = `${rawArn}\n${typeof orgId === 'string' ? orgId : ''}\n${cognito === undefined ? '' : JSON.stringify(cognito)}`;
  if (principals.has(key)) return principals.get(key);
  const caller = normalisePrincipal(rawArn, orgId, cognito);
  if (principals.size >= 256) principals.clear();
  principals.set(key, caller);
  return caller;
}
