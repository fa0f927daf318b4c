/**
 * What to do about a refusal: one table for every client (the CLI's commands, the GitHub Action, TokenClient's
 * errors), by the service's code and, for a 403, by why it was refused (src/client/refusal.ts). Where a fix is
 * written differently for a place (a flag in the CLI, an input of the Action), the table says so.
 */
import { refusalHint } from './refusal.ts';

/** Who met the refusal, so the hint names what that user can change. */
export type HintContext = 'token' | 'profiles' | 'exec' | 'upload' | 'notarize' | 'action' | 'client';

const URL_SETTING: Record<HintContext, string> = {
  token: '--url / ASC_TOKEN_URL',
  profiles: '--url / ASC_TOKEN_URL',
  exec: '--url / ASC_TOKEN_URL',
  upload: '--url / ASC_TOKEN_URL',
  notarize: '--url / ASC_TOKEN_URL',
  action: 'the `url` input',
  client: "TokenClient's url",
};

const SCOPE_SETTING: Record<HintContext, string> = {
  token: '--scope "GET /v1/apps/ID/builds"',
  profiles: '--scope "GET /v1/apps/ID/builds"',
  exec: '--scope "GET /v1/apps/ID/builds"',
  upload: '--scope "GET /v1/apps/ID/builds"',
  notarize: '--scope "GET /v1/apps/ID/builds"',
  action: 'the `scope` input (one entry per line, e.g. GET /v1/apps/ID/builds)',
  client: "getToken's scope option",
};

const HINTS: Record<string, (context: HintContext) => string> = {
  scope_not_allowed: (c) =>
    c === 'upload' || c === 'notarize'
      ? 'The profile does not grant this call: the platform owner adds its pattern to the profile (docs/design.md#jobs-without-the-key; infra/policy.yaml has the smallest upload profile).'
      : 'Ask only for what the profile grants: `asc-token profiles` lists its scope entries (and a Sign in with Apple profile its clientIds).',
  scope_required: (c) => `This profile grants wildcard entries: name the concrete ones with ${SCOPE_SETTING[c]}.`,
  invalid_scope: () => 'Scope entries look like "GET /v1/apps?filter[platform]=IOS": method, one space, path.',
  invalid_request: () => 'The request is not one the service takes: the detail says what (a scope or ttl for a shared APNs or DeviceCheck token, a clientId the profile needs…).',
  ttl_out_of_range: (c) => `Pick a lifetime within the profile's range (\`asc-token profiles\` shows it)${c === 'token' ? ' with --ttl, or omit it for the default' : ''}.`,
  key_unavailable: () => 'The service cannot read its key right now; retry in a minute. If it persists, ops should check the key source (Secrets Manager or KMS) and the function\'s logs.',
  key_invalid: () =>
    'The key stored for this profile is not usable (the detail says why): ops check it with `asc-token keys show --secret-id ID` (or `--kms-key-id ID`); against `npm start`, delete the broken `.local/keys/NAME.json` and restart for a new throwaway key.',
  internal: () => 'The service failed; give the request ID to its operators.',
  throttled: () => 'The API is rate limited; the client already retried with back-off. If this is steady, ask for a higher stage throttle (throttleRate).',
  not_found: (c) => `Check ${URL_SETTING[c]}: it must be the API base URL including the stage, e.g. https://ID.execute-api.REGION.amazonaws.com/prod.`,
  network: (c) => `Check ${URL_SETTING[c]} and the network (a private API needs a caller inside its VPC; behind a proxy, set HTTPS_PROXY).`,
  bad_response: (c) => `Check ${URL_SETTING[c]}: it must be the asc-token-vending API.`,
};

/**
 * The hint for a refusal, or undefined when there is nothing to add to the detail.
 * @param problem the service's code, the HTTP status and the detail (a 403's detail says who refused it).
 */
export function hintFor(problem: { code: string; status: number; detail: string }, context: HintContext): string | undefined {
  // A 403 is refused by the signature check, IAM or the policy: each has its own fix, whatever the code says.
  if (problem.status === 403 && problem.code !== 'scope_not_allowed') return refusalHint(problem.detail, context === 'profiles' ? 'profiles' : 'token');
  return Object.hasOwn(HINTS, problem.code) ? HINTS[problem.code]?.(context) : undefined;
}
