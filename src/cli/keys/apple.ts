/**
 * `keys verify` for an App Store Connect key: whether Apple accepts a token, by the cheapest call a key of any role may
 * make, through the App Store Connect client (https only, loopback for tests; no redirect followed; the answer read
 * with a cap; Apple's errors as the client reads them) with the one token the command minted.
 */
import { plainTokenAuth } from '../../asc/auth.ts';
import { AppStoreConnectClient } from '../../asc/api.ts';
import { secureBaseUrl } from '../../asc/endpoint.ts';
import { AscError, describeAppleErrors } from '../../asc/errors.ts';
import { CliError, EXIT, UsageError, type CliIo } from '../io.ts';

const APPLE_URL = 'https://api.appstoreconnect.apple.com';

/**
 * Call `GET /v1/apps?limit=1` with the token and say what App Store Connect answered.
 * @throws CliError `unavailable` (exit 5) or `apple_refused` (exit 3 on 401/403) with Apple's first error.
 */
export async function askApple(token: string, about: string, appleUrl: string | undefined, io: CliIo): Promise<void> {
  let baseUrl: URL;
  try {
    baseUrl = secureBaseUrl(appleUrl ?? APPLE_URL, '--apple-url');
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const client = new AppStoreConnectClient({ auth: plainTokenAuth(token), baseUrl, attempts: 2, timeoutMs: 15_000, urlSetting: '--apple-url' });
  try {
    await client.request({ method: 'GET', path: '/v1/apps', query: [['limit', '1']] });
  } catch (error) {
    if (!(error instanceof AscError)) throw error;
    if (error.code === 'apple_unavailable' || error.status === 0) throw new CliError('unavailable', `cannot reach ${client.baseUrl.origin}: ${error.message}`, EXIT.unavailable, error.hint);
    const [first] = describeAppleErrors(error.appleErrors);
    throw new CliError(
      'apple_refused',
      `App Store Connect refused ${about}: ${first ?? `HTTP ${error.status}`}`,
      error.status === 401 || error.status === 403 ? EXIT.refused : error.status >= 500 ? EXIT.unavailable : EXIT.other,
      error.status === 401 ? 'check that the key ID and issuer ID match the key in App Store Connect (Users and Access → Integrations) and that it is not revoked' : undefined,
    );
  }
  io.stdout(`ok: App Store Connect accepted ${about}: GET /v1/apps answered 200\n`);
}
