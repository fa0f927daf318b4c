/**
 * `KEY_SOURCE=local`: every key in `.local/keys/NAME.json`, each in the secret's format
 * (docs/design.md#the-secret), whatever source the policy names for it, so that `npm start` stays offline. For the
 * local server only; the Lambda handler reads each key from the source its policy entry names.
 */
import { hash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { TokenVendingError } from '../core/errors.ts';
import { parseSecret } from '../core/secret.ts';
import type { KeySource, PolicyKeyBase } from './source.ts';
import type { FetchedKey, KeyFetcher } from './store.ts';

export class LocalKeyFetcher implements KeyFetcher {
  readonly kind = 'local';
  constructor(readonly directory: string) {}

  async fetch(name: string, previous: FetchedKey | undefined): Promise<FetchedKey> {
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
    // The file's digest is its version: an unchanged file keeps its key object (and the tokens signed with it).
    const versionId = hash('sha256', text, 'hex');
    if (previous?.versionId === versionId) return previous;
    return { key: parseSecret(name, text), versionId };
  }
}

/** Not named in a policy: `KEY_SOURCE=local` puts every key of the policy here. */
export const localSource: KeySource<PolicyKeyBase> = {
  name: 'local',
  fields: [],
  shape: '.local/keys/NAME.json in the secret\'s format',
  compile: () => undefined,
  describe: (key) => `.local/keys/${key.name}.json`,
  createFetcher: (_keys, context) => new LocalKeyFetcher(context.directory ?? '.local/keys'),
  iamStatements: () => [],
};
