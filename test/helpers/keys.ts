/** Keys are generated at test time: no key material is ever committed. */
import { createPublicKey, generateKeyPairSync, verify, type KeyObject } from 'node:crypto';
import { parseSecret } from '../../src/core/secret.ts';
import type { LocalSigningKey } from '../../src/core/signing-key.ts';
import { trackKey, trackToken } from './leaks.ts';

export interface TestKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
  pem: string;
}

export function generateP256(): TestKey {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const key = { privateKey, publicKey, pem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString() };
  trackKey(key);
  return key;
}

export const TEAM_KEY_ID = '2X9R4HXF34';
export const ISSUER_ID = '57246542-96fe-1a63-e053-0824d011072a';

export const TEAM_ID = 'A1B2C3D4E5';
export const DEVELOPER_KEY_ID = 'PUSHKEY123';

/** A secret's JSON: an App Store Connect key by default; with `teamId`, a developer key (no issuer ID). */
export function secretJson(key: TestKey, fields: { keyId?: string; issuerId?: string | null; teamId?: string } = {}): string {
  const value: Record<string, unknown> = { keyId: fields.keyId ?? TEAM_KEY_ID, privateKey: key.pem };
  if (fields.teamId !== undefined) value.teamId = fields.teamId;
  else if (fields.issuerId !== null) value.issuerId = fields.issuerId ?? ISSUER_ID;
  return JSON.stringify(value);
}

/** A developer key's secret: `{keyId, teamId, privateKey}`. */
export function developerSecretJson(key: TestKey, fields: { keyId?: string; teamId?: string } = {}): string {
  return secretJson(key, { keyId: fields.keyId ?? DEVELOPER_KEY_ID, teamId: fields.teamId ?? TEAM_ID });
}

export function signingKey(key: TestKey, fields: { keyId?: string; issuerId?: string | null; teamId?: string; name?: string } = {}): LocalSigningKey {
  return parseSecret(fields.name ?? 'main', secretJson(key, fields));
}

export interface DecodedToken {
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
}

/**
 * An ES256 verifier independent of the code under test (and of jose): node:crypto over the JWS signing input,
 * with the raw r‖s (IEEE P1363) signature encoding JWS requires.
 */
export function verifyEs256(token: string, publicKey: KeyObject): DecodedToken {
  const parts = token.split('.');
  if (parts.length !== 3) throw new Error('not a compact JWS');
  trackToken(token);
  const [h, p, s] = parts as [string, string, string];
  const signature = Buffer.from(s, 'base64url');
  if (signature.length !== 64) throw new Error(`signature is ${signature.length} bytes, expected raw 64-byte r||s`);
  const ok = verify('sha256', Buffer.from(`${h}.${p}`), { key: publicKey, dsaEncoding: 'ieee-p1363' }, signature);
  if (!ok) throw new Error('signature does not verify');
  return { header: JSON.parse(Buffer.from(h, 'base64url').toString()), payload: JSON.parse(Buffer.from(p, 'base64url').toString()) };
}

export function publicKeyOf(privateKey: KeyObject): KeyObject {
  return createPublicKey(privateKey);
}

/** Base64 body of the PEM: whatever shows up in output must never contain a run of it. */
export function materialFragments(key: TestKey): string[] {
  const body = key.pem.replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, '');
  const der = key.privateKey.export({ format: 'der', type: 'pkcs8' });
  const fragments = [];
  for (let i = 0; i + 24 <= body.length; i += 12) fragments.push(body.slice(i, i + 24));
  fragments.push(der.toString('hex').slice(-40), der.toString('base64url').slice(-24));
  return fragments;
}

export function assertNoMaterial(text: string, key: TestKey): void {
  for (const fragment of materialFragments(key)) {
    if (text.includes(fragment)) throw new Error(`output contains key material (${fragment.slice(0, 4)}…)`);
  }
}
