/**
 * Apple scope strings: `METHOD /path` with an optional `?query`, one space between method and path, e.g.
 * `GET /v1/apps?filter[platform]=IOS`. Apple ignores the order of query parameters and the paging/sorting
 * parameters `limit`, `cursor` and `sort` when it compares a request with a scope entry, so we do too.
 */
import { TokenVendingError } from './errors.ts';

export const SCOPE_METHODS = ['GET', 'POST', 'PATCH', 'DELETE'] as const;
export type ScopeMethod = (typeof SCOPE_METHODS)[number];

/** Query parameters Apple ignores when matching a scope entry. */
const IGNORED_QUERY = new Set(['limit', 'cursor', 'sort']);

export const MAX_SCOPE_ENTRIES = 50;
export const MAX_SCOPE_ENTRY_LENGTH = 512;

/**
 * Scope entries are canonical paths, so that what a pattern is compared with is what Apple's server resolves. A
 * path segment is made of RFC 3986 unreserved characters (the alphabet of every App Store Connect path and resource
 * ID) and is never a dot segment: `GET /v1/apps/../users/x` would otherwise match the pattern
 * `GET /v1/apps/{*}/users/x` (one `*` segment) while naming `/v1/users/x`. No percent-escapes either: Apple's paths
 * need none, and an escape could smuggle a `/` (`%2F`) or a dot segment (`%2E%2E`) past a pattern. Query names and
 * values follow the same rule (no escapes, no `+`, which some servers read as a space).
 */
const SEGMENT = /^[A-Za-z0-9._~-]+$/;
const DOTS_ONLY = /^\.+$/;
const QUERY_NAME = /^[A-Za-z0-9_.\[\]-]+$/;
const QUERY_VALUE = /^[A-Za-z0-9_.,~:*\-\[\]]*$/;

export interface ScopeEntry {
  method: ScopeMethod;
  /** Path segments after the leading slash, e.g. `["v1", "apps", "*", "builds"]`. */
  segments: string[];
  /** Query parameters that matter for matching (ignored ones dropped), sorted by name. */
  query: Array<[string, string]>;
  /** The entry as written, trimmed. */
  text: string;
  /** True when a segment is `*` (only allowed in policy patterns). */
  wildcard: boolean;
}

/**
 * Parse one scope entry. Returns a problem description (safe to show) instead of throwing, so callers can
 * collect every problem at once.
 */
export function parseScopeEntry(input: unknown, options: { allowWildcards?: boolean } = {}): ScopeEntry | string {
  if (typeof input !== 'string') return 'must be a string';
  const text = input.trim();
  if (text.length === 0) return 'is empty';
  if (text.length > MAX_SCOPE_ENTRY_LENGTH) return `is longer than ${MAX_SCOPE_ENTRY_LENGTH} characters`;
  const space = text.indexOf(' ');
  if (space < 0) return 'must be "METHOD /path", e.g. "GET /v1/apps"';
  const method = text.slice(0, space);
  if (!(SCOPE_METHODS as readonly string[]).includes(method)) {
    return `has method "${printable(method)}"; use one of ${SCOPE_METHODS.join(', ')}`;
  }
  const rest = text.slice(space + 1);
  if (/\s/.test(rest)) return 'must have exactly one space, between the method and the path';
  const q = rest.indexOf('?');
  const path = q < 0 ? rest : rest.slice(0, q);
  const queryText = q < 0 ? '' : rest.slice(q + 1);
  if (!path.startsWith('/')) return 'path must start with "/"';
  const segments = path.slice(1).split('/');
  if (!/^v[0-9]+$/.test(segments[0] ?? '')) return 'path must start with an API version, e.g. "/v1/"';
  if (segments.length < 2) return 'path must name a resource after the version, e.g. "/v1/apps"';
  let wildcard = false;
  for (const segment of segments) {
    if (segment === '*') {
      if (!options.allowWildcards) return 'may not contain "*" (wildcards are for policy patterns)';
      wildcard = true;
    } else if (segment === '') {
      return 'path has an empty segment';
    } else if (segment.includes('%')) {
      return `path segment "${printable(segment)}" has a percent-escape; scope paths are canonical: App Store Connect paths need no escapes`;
    } else if (!SEGMENT.test(segment)) {
      return `path segment "${printable(segment)}" has characters not allowed (letters, digits, "-", ".", "_" and "~")`;
    } else if (DOTS_ONLY.test(segment)) {
      return `path has a "${printable(segment)}" segment; scope paths are canonical: name the resource itself`;
    }
  }
  const query: Array<[string, string]> = [];
  if (q >= 0) {
    if (queryText === '') return 'has an empty query after "?"';
    const seen = new Set<string>();
    for (const pair of queryText.split('&')) {
      const eq = pair.indexOf('=');
      const name = eq < 0 ? pair : pair.slice(0, eq);
      const value = eq < 0 ? '' : pair.slice(eq + 1);
      if (eq < 0 || !QUERY_NAME.test(name)) return `query parameter "${printable(pair)}" must be name=value`;
      if (!QUERY_VALUE.test(value)) {
        return `query parameter "${printable(name)}" has characters not allowed in its value${value.includes('%') ? ' (no percent-escapes: scope entries are canonical)' : ''}`;
      }
      if (seen.has(name)) return `query parameter "${printable(name)}" appears twice`;
      seen.add(name);
      if (!IGNORED_QUERY.has(name)) query.push([name, value]);
    }
    query.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  }
  return { method: method as ScopeMethod, segments, query, text, wildcard };
}

/**
 * Parse a caller's requested scope list.
 * @throws TokenVendingError `invalid_scope` naming the first bad entry.
 */
export function parseRequestedScope(input: readonly unknown[]): ScopeEntry[] {
  if (input.length === 0) {
    throw new TokenVendingError('invalid_scope', 'scope is an empty list; omit it to get the profile\'s scope');
  }
  if (input.length > MAX_SCOPE_ENTRIES) {
    throw new TokenVendingError('invalid_scope', `scope has more than ${MAX_SCOPE_ENTRIES} entries`);
  }
  const entries: ScopeEntry[] = [];
  const seen = new Set<string>();
  input.forEach((raw, index) => {
    const parsed = parseScopeEntry(raw);
    if (typeof parsed === 'string') {
      throw new TokenVendingError('invalid_scope', `scope[${index}] ${parsed}`);
    }
    const key = canonicalScope(parsed);
    if (!seen.has(key)) {
      seen.add(key);
      entries.push(parsed);
    }
  });
  return entries;
}

/** A canonical form of an entry: query sorted, ignored parameters dropped. Used for de-duplication. */
export function canonicalScope(entry: ScopeEntry): string {
  const path = `/${entry.segments.join('/')}`;
  return entry.query.length === 0
    ? `${entry.method} ${path}`
    : `${entry.method} ${path}?${entry.query.map(([k, v]) => `${k}=${v}`).join('&')}`;
}

/**
 * Whether `pattern` (a policy entry, `*` matches exactly one path segment) grants `entry` (a requested entry).
 * A request may add query filters (it is then narrower) but must keep every filter the pattern sets.
 */
export function scopeCovers(pattern: ScopeEntry, entry: ScopeEntry): boolean {
  if (pattern.method !== entry.method || pattern.segments.length !== entry.segments.length) return false;
  for (let i = 0; i < pattern.segments.length; i++) {
    const p = pattern.segments[i];
    if (p !== '*' && p !== entry.segments[i]) return false;
  }
  for (const [name, value] of pattern.query) {
    if (!entry.query.some(([n, v]) => n === name && v === value)) return false;
  }
  return true;
}

/** Shorten and strip control characters from caller input quoted back in an error detail. */
function printable(value: string): string {
  const clean = value.replace(/[^\x20-\x7e]/g, '?');
  return clean.length > 40 ? `${clean.slice(0, 40)}…` : clean;
}
