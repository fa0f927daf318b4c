/**
 * `KEY_SOURCE=local`: every key in `.local/keys/NAME.json`, each in the secret's format (DESIGN §3), KMS entries of
 * the policy too, so that `npm start` stays offline. For the local server only; the Lambda handler reads the
 * policy's AWS sources (Secrets Manager, KMS).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { TokenVendingError } from '../core/errors.ts';
import { parseSecret } from '../core/secret.ts';
import type { FetchedKey, KeyFetcher } from './store.ts';

export class LocalKeyFetcher implements KeyFetcher {
  readonly kind = 'local';
  constructor(readonly directory: string) {}

  async fetch(name: string): Promise<FetchedKey> {
    const file = join(this.directory, `${name}.json`);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new TokenVendingError('key_unavailable', `Key "${name}" cannot be loaded right now; retry shortly.`, {
        reason: code === 'ENOENT' ? `local key file missing: ${file}` : `local key file unreadable (${code})`,
        retryAfter: 1,
      });
    }
    return { key: parseSecret(name, text), versionId: undefined };
  }
}
