/**
 * The stored secret (docs/design.md#the-secret): `{"keyId", "issuerId"?, "privateKey"}` as JSON in `SecretString`.
 */
import type { KeyObject } from 'node:crypto';
import { ISSUER_ID_PATTERN, KEY_ID_PATTERN } from './apple.ts';
import { TokenVendingError } from './errors.ts';
import { KeyParseError, parsePrivateKey } from './private-key.ts';
import type { LocalSigningKey } from './signing-key.ts';

/**
 * Parse a secret's `SecretString` into a signing key.
 * @throws TokenVendingError `key_invalid` naming the key and the reason, never the material.
 */
export function parseSecret(name: string, secretString: unknown): LocalSigningKey {
  const fail = (reason: string): never => {
    throw new TokenVendingError('key_invalid', `Key "${name}" is not usable: ${reason}.`, { reason });
  };
  if (typeof secretString !== 'string') fail('the secret has no SecretString (binary secrets are not supported)');
  let value: unknown;
  try {
    value = JSON.parse(secretString as string);
  } catch {
    fail('the secret value is not JSON; store {"keyId", "issuerId", "privateKey"}');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    fail('the secret value is not a JSON object; store {"keyId", "issuerId", "privateKey"}');
  }
  const record = value as Record<string, unknown>;
  const keyId = typeof record.keyId === 'string' ? record.keyId.trim() : record.keyId;
  if (typeof keyId !== 'string' || !KEY_ID_PATTERN.test(keyId)) {
    fail('keyId must be the 10-character key ID from App Store Connect');
  }
  let issuerId: string | undefined;
  if (record.issuerId !== undefined && record.issuerId !== null && record.issuerId !== '') {
    const candidate = typeof record.issuerId === 'string' ? record.issuerId.trim() : record.issuerId;
    if (typeof candidate !== 'string' || !ISSUER_ID_PATTERN.test(candidate)) {
      fail('issuerId must be the issuer ID from App Store Connect (8-4-4-4-12 hex), or absent for an individual key');
    }
    issuerId = candidate as string;
  }
  let privateKey: KeyObject;
  try {
    privateKey = parsePrivateKey(record.privateKey);
  } catch (error) {
    if (error instanceof KeyParseError) return fail(error.message);
    throw error;
  }
  return { kind: 'local', name, keyId: keyId as string, issuerId, privateKey };
}
