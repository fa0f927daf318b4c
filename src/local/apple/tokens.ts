/**
 * The local Apple's check of a bearer token, as Apple makes it (docs/http-api.md#tokens-by-apples-rules): ES256 with the public half of
 * a key the local server holds (its `kid`), audience `appstoreconnect-v1`, the key's issuer (or `sub: "user"` for
 * an individual key), a lifetime of at most 20 minutes, and — when the token has a scope claim — that the scope
 * names the call (Apple ignores the order of the query and its limit, cursor and sort).
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeProtectedHeader, jwtVerify } from 'jose';

export interface LocalAppleKey {
  keyId: string;
  issuerId: string | undefined;
  publicKey: KeyObject;
}

/** The keys under `.local/keys/` (the secret's JSON format), read again on each call: the server may add keys. */
export function readLocalKeys(directory: string): Map<string, LocalAppleKey> {
  const keys = new Map<string, LocalAppleKey>();
  let files: string[] = [];
  try {
    files = readdirSync(directory).filter((f) => f.endsWith('.json'));
  } catch {
    return keys;
  }
  for (const file of files) {
    try {
      const secret = JSON.parse(readFileSync(join(directory, file), 'utf8')) as { keyId?: unknown; issuerId?: unknown; privateKey?: unknown };
      if (typeof secret.keyId !== 'string' || typeof secret.privateKey !== 'string') continue;
      keys.set(secret.keyId, { keyId: secret.keyId, issuerId: typeof secret.issuerId === 'string' ? secret.issuerId : undefined, publicKey: createPublicKey(secret.privateKey) });
    } catch {
      // A file that does not read is the key source's business: the server's banner names it.
    }
  }
  return keys;
}

/** Whether a scope entry (`GET /v1/apps?filter[bundleId]=B`) names this call. */
export function scopeNames(entry: string, method: string, url: URL): boolean {
  const space = entry.indexOf(' ');
  if (space < 0 || entry.slice(0, space) !== method) return false;
  // Compared as written: no URL resolution (`//host/…`, `/a/../b`) may turn an entry into another path.
  const [path = '', query = ''] = entry.slice(space + 1).split(/\?(.*)/s);
  if (path !== url.pathname) return false;
  const significant = (params: URLSearchParams) =>
    [...params]
      .filter(([name]) => !['limit', 'cursor', 'sort'].includes(name))
      .map(([name, value]) => `${name}=${value}`)
      .sort()
      .join('&');
  return significant(new URLSearchParams(query)) === significant(url.searchParams);
}

/** Why Apple would answer 401 to this request, or undefined when the token passes. */
export async function tokenRefusal(authorization: string | undefined, keys: ReadonlyMap<string, LocalAppleKey>, method: string, url: URL): Promise<string | undefined> {
  const token = /^Bearer ([\w-]+\.[\w-]+\.[\w-]+)$/.exec(authorization ?? '')?.[1];
  if (token === undefined) return 'no bearer token';
  let kid: unknown;
  try {
    kid = decodeProtectedHeader(token).kid;
  } catch {
    return 'the token is not a JWT';
  }
  const key = typeof kid === 'string' ? keys.get(kid) : undefined;
  if (key === undefined) return `kid ${JSON.stringify(kid)} is not a key of the local server`;
  try {
    const { payload, protectedHeader } = await jwtVerify(token, key.publicKey, { algorithms: ['ES256'], audience: 'appstoreconnect-v1', typ: 'JWT' });
    if (key.issuerId !== undefined ? payload.iss !== key.issuerId : payload.sub !== 'user') return 'the issuer does not match the key';
    if (protectedHeader.kid !== key.keyId) return 'kid';
    if (!Number.isInteger(payload.iat) || !Number.isInteger(payload.exp) || payload.exp! - payload.iat! > 1200) return 'the lifetime is over 20 minutes';
    const now = Math.floor(Date.now() / 1000);
    if (payload.iat! > now + 60 || payload.exp! > now + 1200) return 'iat or exp is too far in the future';
    const scope = (payload as { scope?: unknown }).scope;
    if (scope !== undefined && (!Array.isArray(scope) || !scope.some((entry) => typeof entry === 'string' && scopeNames(entry, method, url)))) {
      return `the token's scope does not name ${method} ${url.pathname}${url.search}`;
    }
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}
