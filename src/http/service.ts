/**
 * The service: the routes of docs/design.md#the-http-api wired to the pure core. Takes a normalised request, returns a response, and
 * never throws: anything unexpected is logged with its cause and answered as a bare `internal` problem.
 */
import { TokenVendingError, isTokenVendingError } from '../core/errors.ts';
import { SharedTokens } from '../core/shared-tokens.ts';
import { sha256Hex, startMint } from '../core/sign.ts';
import { KeyPool } from '../key-sources/pool.ts';
import type { KeyStore } from '../key-sources/store.ts';
import type { SigningKey } from '../core/signing-key.ts';
import type { Logger } from '../log.ts';
import type { Metrics } from '../metrics.ts';
import { FORBIDDEN, allowedProfiles, authorize, type Grant } from '../policy/authorize.ts';
import type { Policy, Profile } from '../policy/policy.ts';
import { accessRefused, tokenDecision } from './audit.ts';
import { parseTokenBody } from './body.ts';
import type { ApiRequest } from './event.ts';
import { JSON_HEADERS, json, problem, type ApiResponse } from './response.ts';
import { renderTokenResponse } from './token-response.ts';

export interface ServiceDeps {
  policy: Policy;
  keys: KeyStore;
  logger: Logger;
  metrics?: Metrics | undefined;
  /** Seconds `iat` is set back (IAT_SKEW_SECONDS). */
  skew: number;
  /** Where shared tokens are kept (default: a cache of this service's own). */
  sharedTokens?: SharedTokens;
  /** How the keys of pools are chosen (default: one of this service's own). */
  keyPool?: KeyPool;
  now?: () => number;
}

/**
 * The profile segment is used as it arrived, never decoded: IAM grants and denies `execute-api:Invoke` on the
 * resource path as requested, so `/v1/tokens/%72elease` must not reach `release` (authorize refuses the escape).
 */
const TOKEN_PATH = /^\/v1\/tokens\/([^/]*)$/;

export function createService(deps: ServiceDeps): (request: ApiRequest) => Promise<ApiResponse> {
  const now = deps.now ?? Date.now;
  // APNs and DeviceCheck tokens: one signature per key and refresh window in this instance (docs/design.md#shared-tokens).
  const shared = deps.sharedTokens ?? new SharedTokens();
  // A profile's pool of keys: each token from the one that issued fewest here in the last hour (docs/design.md#key-pools).
  const pool = deps.keyPool ?? new KeyPool();

  /**
   * The key to sign with: the only one, or the pool's least used that loads; a key that fails to load hands the
   * token to the next, so a pool also rides out one broken key. The token is counted for its key when the key is
   * chosen, before any wait, so that concurrent requests spread over the pool too.
   * @throws the first key's error when none loads.
   */
  async function poolKey(names: readonly string[], at: number): Promise<{ name: string; key: SigningKey }> {
    let first: unknown;
    for (const name of pool.order(names, at)) {
      pool.record(name, at);
      try {
        return { name, key: await deps.keys.get(name) };
      } catch (error) {
        pool.record(name, at, -1);
        first ??= error;
        if (!isTokenVendingError(error) || (error.code !== 'key_invalid' && error.code !== 'key_unavailable')) throw error;
      }
    }
    throw first;
  }
  return async (request) => {
    try {
      return await route(request);
    } catch (error) {
      if (isTokenVendingError(error)) {
        if (error.status >= 500) deps.logger.error('request failed', { requestId: request.requestId, code: error.code, reason: error.reason, error });
        return problem(error, request.requestId);
      }
      deps.logger.error('unexpected error', { requestId: request.requestId, error });
      return problem(new TokenVendingError('internal', 'The service failed to answer; the request ID identifies the cause in its logs.'), request.requestId);
    }
  };

  async function route(request: ApiRequest): Promise<ApiResponse> {
    const tokenPath = TOKEN_PATH.exec(request.path);
    if (tokenPath) {
      if (request.method !== 'POST') throw unrouted(request, methodNotAllowed('POST'));
      return mint(request, tokenPath[1] ?? '');
    }
    if (request.path === '/v1/profiles') {
      if (request.method !== 'GET') throw unrouted(request, methodNotAllowed('GET'));
      return profiles(request);
    }
    if (request.path === '/v1/health') {
      if (request.method !== 'GET') throw unrouted(request, methodNotAllowed('GET'));
      return health(request);
    }
    throw unrouted(request, new TokenVendingError('not_found', 'No such endpoint. The API has POST /v1/tokens/{profile}, GET /v1/profiles and GET /v1/health.'));
  }

  /** 404 and 405 are not decisions about a token, but they are logged with the request ID a caller sees. */
  function unrouted(request: ApiRequest, error: TokenVendingError): TokenVendingError {
    deps.logger.info('request refused', { requestId: request.requestId, code: error.code, method: request.method.slice(0, 16), path: request.path.slice(0, 256), sourceIp: request.sourceIp });
    return error;
  }

  async function mint(request: ApiRequest, profileName: string): Promise<ApiResponse> {
    let grant: Grant | undefined;
    let keyName: string | undefined;
    let keyId: string | undefined;
    try {
      if (request.refusal !== undefined) throw new TokenVendingError('forbidden', FORBIDDEN, { reason: request.refusal });
      const body = parseTokenBody(request);
      grant = authorize(deps.policy, request.caller, profileName, body);
      const started = now();
      const { name, key } = await poolKey(grant.profile.keys.map((k) => k.name), started);
      keyName = name;
      keyId = key.keyId;
      const pending = startMint(key, { kind: grant.profile.api, scope: grant.scope, ttl: grant.ttl, fields: grant.fields }, { now: started, skew: deps.skew, shared });
      // A KMS key's signature is a call to KMS: render the audit record and the response meanwhile, once the SDK has
      // had the microtasks it takes to send it (nextTurn). A key in this process has signed already (node:crypto,
      // ~35 µs, src/core/sign.ts). The rejection handler keeps a signing failure during that wait from counting as
      // unhandled; the token is awaited below.
      pending.token.catch(() => {});
      await nextTurn();
      const writeAudit = deps.logger.prepareAudit(tokenDecision(request, profileName, {
        decision: 'issued',
        kind: grant.profile.api,
        keyName,
        keyId: pending.keyId,
        scope: pending.scope,
        ttl: grant.ttl,
        iat: pending.iat,
        exp: pending.exp,
      }));
      const responseBody = renderTokenResponse(pending, grant.profile.name);
      const token = await pending.token;
      const tokenSha256 = sha256Hex(token);
      writeAudit({ tokenSha256 });
      deps.metrics?.count('TokensIssued', { profile: grant.profile.name });
      return { statusCode: 200, headers: { ...JSON_HEADERS }, body: responseBody(token, tokenSha256) };
    } catch (error) {
      const code = isTokenVendingError(error) ? error.code : 'internal';
      // The profile the refusal is about, once the caller may use it (a `forbidden` names none: it may not exist).
      const profile = grant?.profile ?? (code === 'forbidden' ? undefined : deps.policy.profiles.get(profileName));
      deps.logger.audit(tokenDecision(request, profileName, {
        decision: 'refused',
        code,
        reason: isTokenVendingError(error) ? error.reason : 'unexpected_error',
        kind: profile?.api,
        keyName: keyName ?? (profile?.keys.length === 1 ? profile.keys[0]?.name : undefined),
        keyId,
        scope: grant ? (grant.scope?.map((e) => e.text) ?? null) : undefined,
        ttl: grant?.ttl,
      }));
      deps.metrics?.count('TokensRefused', { reason: code });
      throw error;
    }
  }

  function refuseAccess(request: ApiRequest, reason: string): never {
    deps.logger.audit(accessRefused(request, reason));
    throw new TokenVendingError('forbidden', 'This endpoint needs a SigV4-signed request from an IAM principal.', { reason });
  }

  function requireCaller(request: ApiRequest) {
    if (request.refusal !== undefined) refuseAccess(request, request.refusal);
    if (request.caller === undefined) refuseAccess(request, 'no_identity');
    return request.caller;
  }

  async function profiles(request: ApiRequest): Promise<ApiResponse> {
    const caller = requireCaller(request);
    return json(200, {
      caller: { principal: caller.principal, arn: caller.rawArn, session: caller.session ?? null, accountId: caller.accountId, orgId: caller.orgId ?? null },
      profiles: allowedProfiles(deps.policy, caller).map(describeProfile),
    });
  }

  /**
   * Key health, for callers allowed at least one profile (anyone else gets the uniform 403), and only for the keys
   * behind those profiles. Keys load through the cache, so health costs no more fetches than minting would.
   */
  async function health(request: ApiRequest): Promise<ApiResponse> {
    const allowed = allowedProfiles(deps.policy, requireCaller(request));
    if (allowed.length === 0) refuseAccess(request, 'no_profile');
    const keys = (await deps.keys.health([...new Set(allowed.flatMap((profile) => profile.keys.map((key) => key.name)))])).map((key) => ({
      ...key,
      issuedLastHour: pool.issuedLastHour(key.name, now()),
    }));
    const ok = keys.every((k) => k.status === 'ok' || k.status === 'stale');
    return json(ok ? 200 : 503, { status: ok ? 'ok' : 'degraded', keySource: deps.keys.kind, keys });
  }
}

export function describeProfile(profile: Profile) {
  return {
    name: profile.name,
    description: profile.description ?? null,
    api: profile.api,
    key: profile.keys.length === 1 ? (profile.keys[0]?.name ?? null) : profile.keys.map((key) => key.name),
    scope: profile.scope === 'any' ? 'any' : profile.scope.map((entry) => entry.text),
    ttl: profile.ttl,
    ...profile.fields,
  };
}

/**
 * Resolves once the microtask queue has drained: a `process.nextTick` callback queued from a microtask (as here,
 * after an `await`) runs only when no microtask is left.
 */
function nextTurn(): Promise<void> {
  return new Promise((resolve) => process.nextTick(resolve));
}

function methodNotAllowed(allow: string): TokenVendingError {
  return new TokenVendingError('method_not_allowed', `Use ${allow} on this path.`, { headers: { allow } });
}
