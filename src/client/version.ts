/**
 * The package version and the user agent the CLI, TokenClient and the GitHub Action send, so the service's audit
 * record names the tool and its version. The build fixes the version from package.json (esbuild `define`); run
 * from source (tests, tsx), it is read from package.json.
 */
import { readFileSync } from 'node:fs';

declare const __ASC_VERSION__: string | undefined;

export const VERSION: string =
  typeof __ASC_VERSION__ === 'string' ? __ASC_VERSION__ : (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/** Which part of the package is calling, as the user agent's comment says it. */
export type Caller = 'cli' | 'client' | 'github-action';

/** `asc-token/0.1.0 (cli)`: product and version first (RFC 9110 §10.1.5), then which part of the package. */
export function userAgent(caller: Caller): string {
  return `asc-token/${VERSION} (${caller})`;
}
