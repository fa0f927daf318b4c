/**
 * Apple's checks of a bearer token, as the fake App Store Connect and the fake Notary API both make them: the
 * signature with the key's public half (node:crypto, not jose), the header, audience, issuer (or `sub: "user"`),
 * integer times, the 20-minute lifetime, and time. Scope is each fake's own business (they name calls
 * differently).
 */
import { createHash, type KeyObject } from 'node:crypto';
import { verifyEs256 } from './keys.ts';

export interface ExpectedToken {
  publicKey: KeyObject;
  keyId: string;
  /** Absent for an individual key (`sub: "user"`). */
  issuerId?: string | undefined;
}

export type CheckedToken =
  | { ok: true; header: Record<string, unknown>; claims: Record<string, any>; tokenSha256: string }
  | { ok: false; why: string; claims?: Record<string, any>; tokenSha256?: string };

/** @param authorization the request's Authorization header. */
export function checkAppleToken(authorization: string | undefined, expected: ExpectedToken, nowSeconds: number): CheckedToken {
  const token = /^Bearer ([\w-]+\.[\w-]+\.[\w-]+)$/.exec(authorization ?? '')?.[1];
  if (!token) return { ok: false, why: 'no bearer token' };
  let header: Record<string, unknown>;
  let claims: Record<string, any>;
  try {
    ({ header, payload: claims } = verifyEs256(token, expected.publicKey));
  } catch (error) {
    return { ok: false, why: (error as Error).message };
  }
  const tokenSha256 = createHash('sha256').update(token).digest('hex');
  const refuse = (why: string): CheckedToken => ({ ok: false, why, claims, tokenSha256 });
  if (header.alg !== 'ES256' || header.kid !== expected.keyId || header.typ !== 'JWT') return refuse(`header ${JSON.stringify(header)}`);
  if (claims.aud !== 'appstoreconnect-v1') return refuse(`aud ${claims.aud}`);
  if (expected.issuerId !== undefined ? claims.iss !== expected.issuerId : claims.sub !== 'user') return refuse('issuer');
  if (!Number.isInteger(claims.iat) || !Number.isInteger(claims.exp)) return refuse('iat/exp not integers');
  if (claims.exp - claims.iat > 1200) return refuse(`lifetime ${claims.exp - claims.iat} s`);
  if (claims.iat > nowSeconds + 1) return refuse('iat in the future');
  if (claims.exp <= nowSeconds) return refuse('expired');
  if (claims.exp > nowSeconds + 1200) return refuse('exp more than 20 minutes ahead');
  return { ok: true, header, claims, tokenSha256 };
}
