/** `keys verify`: whether App Store Connect accepts a token, by the cheapest call a key of any role may make. */
import { CliError, EXIT, type CliIo } from './io.ts';

const APPLE_URL = 'https://api.appstoreconnect.apple.com';

/**
 * Call `GET /v1/apps?limit=1` with the token and say what App Store Connect answered.
 * @throws CliError `unavailable` (exit 5) or `apple_refused` (exit 3 on 401/403) with Apple's first error.
 */
export async function askApple(token: string, about: string, appleUrl: string | undefined, io: CliIo): Promise<void> {
  const base = (appleUrl ?? APPLE_URL).replace(/\/$/, '');
  let response: Response;
  try {
    response = await fetch(`${base}/v1/apps?limit=1`, { headers: { authorization: `Bearer ${token}`, accept: 'application/json' }, signal: AbortSignal.timeout(15_000) });
  } catch (error) {
    throw new CliError('unavailable', `cannot reach ${base} (${(error as { cause?: { code?: string } }).cause?.code ?? (error as Error).name})`, EXIT.unavailable);
  }
  if (response.ok) {
    io.stdout(`ok: App Store Connect accepted ${about}: GET /v1/apps answered ${response.status}\n`);
    return;
  }
  const body = (await response.json().catch(() => ({}))) as { errors?: Array<{ status?: string; code?: string; title?: string; detail?: string }> };
  const first = body.errors?.[0];
  const apple = first ? `${first.code ?? first.status}: ${first.title ?? ''}${first.detail ? ` — ${first.detail}` : ''}` : `HTTP ${response.status}`;
  throw new CliError(
    'apple_refused',
    `App Store Connect refused ${about}: ${apple}`,
    response.status === 401 || response.status === 403 ? EXIT.refused : response.status >= 500 ? EXIT.unavailable : EXIT.other,
    response.status === 401 ? 'check that the key ID and issuer ID match the key in App Store Connect (Users and Access → Integrations) and that it is not revoked' : undefined,
  );
}
