/**
 * A key ready to sign tokens, as the key sources hand it to minting: who it is to Apple, and either its private half
 * in this process (Secrets Manager, local files) or a way to have it sign elsewhere (AWS KMS).
 */
import type { KeyObject } from 'node:crypto';

/**
 * Who a key is to Apple. An App Store Connect key has an `issuerId` (none: an individual key, `sub: "user"`); a
 * developer key (APNs, Sign in with Apple, WeatherKit, MusicKit, DeviceCheck) has a `teamId` instead.
 */
export interface KeyIdentity {
  /** The policy's name for the key (for example `main`). */
  name: string;
  keyId: string;
  issuerId: string | undefined;
  teamId?: string | undefined;
}

/** A key whose private half is in this process (Secrets Manager, local files): node:crypto signs with it. */
export interface LocalSigningKey extends KeyIdentity {
  kind: 'local';
  privateKey: KeyObject;
}

/**
 * A key held elsewhere (AWS KMS): the process never has the private key, only a way to have it sign.
 * `sign` resolves to the 64-byte JOSE ES256 signature (r‖s) of the JWS signing input, already checked against the
 * key's public key, or rejects with a TokenVendingError (`key_unavailable`, `key_invalid`).
 */
export interface RemoteSigningKey extends KeyIdentity {
  kind: 'remote';
  /** Where the key is held, for logs and metrics (`kms`). */
  source: string;
  sign(signingInput: Uint8Array): Promise<Uint8Array>;
}

/** A key ready to sign with. */
export type SigningKey = LocalSigningKey | RemoteSigningKey;
