/**
 * What `keys import` and `keys verify` prove about a key, and how they name it. An App Store Connect key is proved
 * where it counts: App Store Connect accepts a token it signs. A developer key (APNs, Sign in with Apple, …) has no
 * Apple call that accepts a test token for every service, so it is proved locally: a token it signs verifies with
 * its public key (docs/design.md#token-kinds).
 */
import { createHash, createPublicKey, verify, type KeyObject } from 'node:crypto';
import { isTokenVendingError } from '../../core/errors.ts';
import { parseRequestedScope } from '../../core/scope.ts';
import { mintToken } from '../../core/sign.ts';
import type { SigningKey } from '../../core/signing-key.ts';
import { CliError, EXIT, type CliIo } from '../io.ts';
import { askApple } from './apple.ts';

/** How a key is named to an operator: `team key, issuer …`, `individual key`, `developer key, team …`. */
export function describeIdentity(key: { issuerId?: string | undefined; teamId?: string | undefined }): string {
  if (key.teamId !== undefined) return `developer key, team ${key.teamId}`;
  return key.issuerId === undefined ? 'individual key' : `team key, issuer ${key.issuerId}`;
}

/** A public key's DER (SubjectPublicKeyInfo). */
export function spki(key: KeyObject): Buffer {
  return key.export({ format: 'der', type: 'spki' });
}

/** SHA-256 of a public key's DER, as colon-separated hex (compare with `openssl pkey -pubin -outform DER | sha256sum`). */
export function fingerprint(der: Buffer): string {
  return createHash('sha256').update(der).digest('hex').match(/../g)!.join(':');
}

/**
 * A test token signed by the key: an App Store Connect token (`GET /v1/apps`, 5 minutes) or, for a developer key, a
 * DeviceCheck-style token (iss = the Team ID).
 * @throws CliError with the service's code when the key cannot sign.
 */
export async function testToken(key: SigningKey, now: number): Promise<string> {
  try {
    const minted =
      key.teamId === undefined
        ? await mintToken(key, { kind: 'app-store-connect', scope: parseRequestedScope(['GET /v1/apps']), ttl: 300 }, { now })
        : await mintToken(key, { kind: 'devicecheck', scope: null, ttl: 3600 }, { now });
    return minted.token;
  } catch (error) {
    if (isTokenVendingError(error)) throw new CliError(error.code, error.detail, error.code === 'key_unavailable' ? EXIT.unavailable : EXIT.other);
    throw error;
  }
}

/** Whether a compact JWS verifies with a public key (ES256, raw r‖s). */
export function verifiesWith(token: string, publicKey: KeyObject): boolean {
  const [header, payload, signature] = token.split('.') as [string, string, string];
  return verify('sha256', Buffer.from(`${header}.${payload}`), { key: publicKey, dsaEncoding: 'ieee-p1363' }, Buffer.from(signature ?? '', 'base64url'));
}

/**
 * Prove a key: App Store Connect accepts its token, or (a developer key) its token verifies with its public key.
 * @param publicKey the key's public key (a local key's own when omitted).
 * @throws CliError `apple_refused`, `unavailable`, or `key_invalid` when a developer key's token does not verify.
 */
export async function proveKey(key: SigningKey, about: string, options: { publicKey?: KeyObject; appleUrl?: string | undefined; io: CliIo }): Promise<void> {
  const token = await testToken(key, options.io.now());
  if (key.teamId === undefined) {
    await askApple(token, about, options.appleUrl, options.io);
    return;
  }
  const publicKey = options.publicKey ?? (key.kind === 'local' ? createPublicKey(key.privateKey) : undefined);
  if (publicKey === undefined || !verifiesWith(token, publicKey)) throw new CliError('key_invalid', `${about} signed a token that does not verify with its public key`, EXIT.other, 'import the .p8 again');
  options.io.stdout(
    `ok: ${about} signed a test token (iss ${key.teamId}, kid ${key.keyId}) that verifies with its public key, SHA-256 ${fingerprint(spki(publicKey))}\n` +
      '  (no Apple call accepts a test token for every service: a push, a client secret exchange or a WeatherKit request proves it in use)\n',
  );
}
