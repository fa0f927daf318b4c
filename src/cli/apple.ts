/** `keys verify`: whether App Store Connect accepts a token, by the cheapest call a key of any role may make. */
import { readBounded } from '../asc/bounded.ts';
import { secureBaseUrl } from '../asc/endpoint.ts';
import { printable } from '../client/text.ts';
import { CliError, EXIT, UsageError, type CliIo } from './io.ts';

const APPLE_URL = 'https://api.appstoreconnect.apple.com';

/**
 * Call `GET /v1/apps?limit=1` with the token and say what App Store Connect answered.
 * @throws CliError `unavailable` (exit 5) or `apple_refused` (exit 3 on 401/403) with Apple's first error.
 */
export async function askApple(token: string, about: string, appleUrl: string | undefined, io: CliIo): Promise<void> {
  // The token goes only over https (http on loopback, for tests) and never follows a redirect.
  let base: string;
  try {
    base = secureBaseUrl(appleUrl ?? APPLE_URL, '--apple-url').href.replace(/\/$/, '');
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  let response: Response;
  try {
    response = await fetch(`${base}/v1/apps?limit=1`, { headers: { authorization: `Bearer ${token}`, accept: 'application/json' }, redirect: 'error', signal: AbortSignal.timeout(15_000) });
  } catch (error) {
    throw new CliError('unavailable', `cannot reach ${base} (${(error as { cause?: { code?: string } }).cause?.code ?? (error as Error).name})`, EXIT.unavailable);
  }
  if (response.ok) {
    io.stdout(`ok: App Store Connect accepted ${about}: GET /v1/apps answered ${response.status}\n`);
    return;
  }
  // Read with a cap (src/asc/bounded.ts): a refusal is a few hundred bytes, and the rest is never received.
  const answer = await readBounded(response, 1024 * 1024).catch(() => '');
  let body: { errors?: Array<{ status?: string; code?: string; title?: string; detail?: string }> } = {};
  try {
    const parsed: unknown = JSON.parse(answer);
    if (typeof parsed === 'object' && parsed !== null) body = parsed;
  } catch {
    // not JSON: the status alone is reported
  }
  const first = body.errors?.[0];
  const text = (value: unknown) => (typeof value === 'string' ? value : '');
  const apple = first ? printable(`${text(first.code) || text(first.status)}: ${text(first.title)}${first.detail ? ` — ${text(first.detail)}` : ''}`, 1000) : `HTTP ${response.status}`;
  throw new CliError(
    'apple_refused',
    `App Store Connect refused ${about}: ${apple}`,
    response.status === 401 || response.status === 403 ? EXIT.refused : response.status >= 500 ? EXIT.unavailable : EXIT.other,
    response.status === 401 ? 'check that the key ID and issuer ID match the key in App Store Connect (Users and Access → Integrations) and that it is not revoked' : undefined,
  );
}
