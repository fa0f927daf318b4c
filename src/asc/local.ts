/**
 * The "local key" strategy: signs tokens in this process with a `.p8` key (the service's own minting code,
 * src/core/sign.ts). For tests of anything built on the App Store Connect client, and for a developer who holds a key; CI
 * jobs use {@link vendedTokenAuth} and hold no key.
 */
import type { KeyObject } from 'node:crypto';
import { checkP256PrivateKey, parsePrivateKey } from '../core/private-key.ts';
import { mintToken } from '../core/sign.ts';
import { parseRequestedScope } from '../core/scope.ts';
import { scopeOf, type ApiCall, type AuthStrategy, type TokenOptions } from './auth.ts';

export interface LocalKeyAuthOptions {
  keyId: string;
  /** Omit for an individual key (`sub: "user"`). */
  issuerId?: string;
  /** The `.p8` text or a KeyObject. */
  privateKey: string | KeyObject;
  /** Seconds of `exp − iat` (default 600; Apple refuses more than 1200). */
  ttl?: number;
  /** `per-call` (default): each token's scope names its call; `none`: tokens without a scope claim. */
  scope?: 'per-call' | 'none';
  now?: () => number;
}

/** @throws KeyParseError when the key is not a P-256 PKCS#8 key; TokenVendingError from minting (a ttl Apple refuses). */
export function localKeyAuth(options: LocalKeyAuthOptions): AuthStrategy {
  const privateKey = typeof options.privateKey === 'string' ? parsePrivateKey(options.privateKey) : checkP256PrivateKey(options.privateKey);
  const key = { kind: 'local' as const, name: 'local', keyId: options.keyId, issuerId: options.issuerId, privateKey };
  const now = options.now ?? Date.now;
  const cache = new Map<string, { token: string; refreshAt: number }>();
  return {
    async getToken(call: ApiCall, tokenOptions: TokenOptions = {}): Promise<string> {
      const scope = options.scope === 'none' ? null : scopeOf(call);
      const cached = cache.get(scope ?? '');
      if (cached && now() < cached.refreshAt && !tokenOptions.forceRefresh) return cached.token;
      const minted = await mintToken(key, { kind: 'app-store-connect', scope: scope === null ? null : parseRequestedScope([scope]), ttl: options.ttl ?? 600 }, { now: now() });
      cache.set(scope ?? '', { token: minted.token, refreshAt: minted.refreshAfter * 1000 });
      return minted.token;
    },
  };
}
