/**
 * Leak checks across the whole suite: every generated key and every token a test sees is registered, and so is
 * every output that must stay clean (log lines, problem responses, CLI error output). test/helpers/leak-guard.ts
 * checks them all when each test file's process ends, and fails the file on any leak.
 */
import type { KeyObject } from 'node:crypto';

interface Registry {
  keys: Array<{ pem: string; privateKey: KeyObject }>;
  tokens: Set<string>;
  outputs: string[];
}

const registry: Registry = ((globalThis as Record<string, unknown>).__ascLeakRegistry ??= { keys: [], tokens: new Set(), outputs: [] }) as Registry;

export function trackKey(key: { pem: string; privateKey: KeyObject }): void {
  registry.keys.push(key);
}
export function trackToken(token: string): void {
  registry.tokens.add(token);
}
/** Text that may never contain key material or a whole token (logs, errors, problem responses). */
export function trackOutput(text: string): void {
  registry.outputs.push(text);
}

function fragments(key: { pem: string; privateKey: KeyObject }): string[] {
  const body = key.pem.replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, '');
  const der = key.privateKey.export({ format: 'der', type: 'pkcs8' });
  const out = [];
  for (let i = 0; i + 24 <= body.length; i += 12) out.push(body.slice(i, i + 24));
  // The private scalar itself, in the encodings it could leak in.
  const jwk = key.privateKey.export({ format: 'jwk' });
  out.push(der.toString('hex').slice(-40), String(jwk.d));
  return out;
}

/** Returns a description of every leak found (empty when clean). */
export function findLeaks(): string[] {
  const leaks: string[] = [];
  const all = registry.outputs.join('\n');
  registry.keys.forEach((key, index) => {
    if (fragments(key).some((fragment) => all.includes(fragment))) leaks.push(`key material of test key #${index}`);
  });
  for (const token of registry.tokens) {
    const signature = token.split('.')[2] ?? token;
    if (all.includes(signature)) leaks.push(`a whole token (its signature starts ${signature.slice(0, 6)}…)`);
  }
  return leaks;
}

export function trackedCounts(): { keys: number; tokens: number; outputs: number } {
  return { keys: registry.keys.length, tokens: registry.tokens.size, outputs: registry.outputs.length };
}
