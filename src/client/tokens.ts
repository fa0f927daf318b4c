/**
 * `POST /v1/tokens/{profile}` and `GET /v1/profiles`, as every client sends them (TokenClient, the CLI, the Action):
 * one body, one way of calling (src/client/service.ts), one check of the answer (src/client/validate.ts), one error.
 */
import { TokenClientError } from './errors.ts';
import { problemOf } from './problem.ts';
import { NetworkError, callService, type ServiceAnswer, type ServiceOptions } from './service.ts';
import { TokenResponseError, checkProfilesResponse, checkTokenResponse, type ProfilesResponse, type TokenResponse } from './validate.ts';

export interface TokenRequest {
  /** A subset of the profile's scope; omit for the profile's own. */
  scope?: readonly string[] | undefined;
  /** Seconds of `exp − iat`; omit for the profile's default. */
  ttl?: number | undefined;
  /** Sign in with Apple: the client ID the secret is for (optional when the profile has one). */
  clientId?: string | undefined;
}

/** A checked answer and where it came from. */
export type Served<T> = T & { url: string; failedOver: ServiceAnswer['failedOver'] };

async function call(options: ServiceOptions, request: Parameters<typeof callService>[1]): Promise<ServiceAnswer> {
  try {
    return await callService(options, request);
  } catch (error) {
    if (error instanceof NetworkError) throw new TokenClientError('network', error.message, 0, undefined, { cause: error, url: options.urls[0] });
    throw error;
  }
}

function checked<T>(answer: ServiceAnswer, check: (value: unknown) => T): T {
  if (answer.status !== 200) throw TokenClientError.from(problemOf(answer), answer.url);
  try {
    return check(answer.json);
  } catch (error) {
    if (error instanceof TokenResponseError) throw new TokenClientError('bad_response', `refused the service's answer: ${error.message}`, 200, undefined, { cause: error, url: answer.url });
    throw error;
  }
}

/**
 * A token for `profile`, every field of the answer checked.
 * @throws TokenClientError with the service's code, `network` or `bad_response`.
 */
export async function requestToken(options: ServiceOptions, profile: string, request: TokenRequest = {}): Promise<Served<TokenResponse & { profile: string }>> {
  const body: Record<string, unknown> = {};
  if (request.scope !== undefined) body.scope = request.scope;
  if (request.ttl !== undefined) body.ttl = request.ttl;
  if (request.clientId !== undefined) body.clientId = request.clientId;
  const answer = await call(options, { method: 'POST', path: `/v1/tokens/${encodeURIComponent(profile)}`, body: Object.keys(body).length > 0 ? JSON.stringify(body) : undefined });
  const response = checked(answer, (value) => {
    const token = checkTokenResponse(value);
    if (token.profile === undefined) throw new TokenResponseError('the answer has no "profile"');
    return token as TokenResponse & { profile: string };
  });
  return { ...response, url: answer.url, failedOver: answer.failedOver };
}

/**
 * The caller as the service sees it and the profiles it may use.
 * @throws TokenClientError as {@link requestToken}.
 */
export async function requestProfiles(options: ServiceOptions): Promise<Served<ProfilesResponse>> {
  const answer = await call(options, { method: 'GET', path: '/v1/profiles' });
  return { ...checked(answer, checkProfilesResponse), url: answer.url, failedOver: answer.failedOver };
}
