/**
 * The stored secret (docs/design.md#the-secret): as JSON in `SecretString`, `{"keyId", "issuerId"?, "privateKey"}` for an
 * App Store Connect key, `{"keyId", "teamId", "privateKey"}` for a developer key (APNs, Sign in with Apple, …).
 */
import type { KeyObject } from 'node:crypto';
import { ISSUER_ID_PATTERN, KEY_ID_PATTERN, TEAM_ID_PATTERN } from './apple.ts';
import { TokenVendingError } from './errors.ts';
import { KeyParseError, parsePrivateKey } from './private-key.ts';
import type { LocalSigningKey } from './signing-key.ts';

/**
 * Parse a secret's `SecretString` into a signing key.
 * @throws TokenVendingError `key_invalid` naming the key and the reason, never the material.
 */
const SHAPES = 'store {"keyId", "issuerId", "privateKey"} (App Store Connect) or {"keyId", "teamId", "privateKey"} (a developer key)';

export function parseSecret(name: string, secretString: unknown): LocalSigningKey {
  const fail = (reason: string): never => {
    throw new TokenVendingError('key_invalid', `Key "${name}" is not usable: ${reason}.`, { reason });
  };
  if (typeof secretString !== 'string') fail('the secret has no SecretString (binary secrets are not supported)');
  let value: unknown;
  try {
    value = JSON.parse(secretString as string);
  } catch {
    fail(`the secret value is not JSON; ${SHAPES}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    fail(`the secret value is not a JSON object; ${SHAPES}`);
  }
  const record = value as Record<string, unknown>;
  const keyId = typeof record.keyId === 'string' ? record.keyId.trim() : record.keyId;
  if (typeof keyId !== 'string' || !KEY_ID_PATTERN.test(keyId)) {
    fail('keyId must be the 10-character key ID Apple shows for the key');
  }
  let issuerId: string | undefined;
  if (record.issuerId !== undefined && record.issuerId !== null && record.issuerId !== '') {
    const candidate = typeof record.issuerId === 'string' ? record.issuerId.trim() : record.issuerId;
    if (typeof candidate !== 'string' || !ISSUER_ID_PATTERN.test(candidate)) {
      fail('issuerId must be the issuer ID from App Store Connect (8-4-4-4-12 hex), or absent for an individual key');
    }
    issuerId = candidate as string;
  }
  let teamId: string | undefined;
  if (record.teamId !== undefined && record.teamId !== null && record.teamId !== '') {
    const candidate = typeof record.teamId === 'string' ? record.teamId.trim() : record.teamId;
    if (typeof candidate !== 'string' || !TEAM_ID_PATTERN.test(candidate)) fail('teamId must be the 10-character Team ID of the developer account (Membership details)');
    if (issuerId !== undefined) fail('a key has an issuerId (an App Store Connect key) or a teamId (a developer key: APNs, Sign in with Apple, …), not both');
    teamId = candidate as string;
  }
  let privateKey: KeyObject;
  try {
    privateKey = parsePrivateKey(record.privateKey);
  } catch (error) {
    if (error instanceof KeyParseError) return fail(error.message);
    throw error;
  }
  return { kind: 'local', name, keyId: keyId as string, issuerId, ...(teamId === undefined ? {} : { teamId }), privateKey };
}
