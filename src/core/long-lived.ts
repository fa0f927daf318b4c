/**
 * Apple accepts tokens that live longer than 20 minutes (up to six months) only when the token has a scope, every
 * scope entry is a GET, and every entry's resource is one Apple lists for long-lived tokens (App Store Connect
 * API, "Generating Tokens for API Requests": Xcode Cloud CI and SCM resources, and power & performance metrics and
 * diagnostics). Anything else with a lifetime over 20 minutes is refused by Apple, so we refuse it first.
 */
import type { ScopeEntry } from './scope.ts';

/** Top-level resource types whose GET requests Apple allows with long-lived tokens. */
const LONG_LIVED_TOP_LEVEL = new Set([
  'ciBuildActions',
  'ciBuildRuns',
  'ciIssues',
  'ciTestResults',
  'ciProducts',
  'ciWorkflows',
  'ciMacOsVersions',
  'ciXcodeVersions',
  'scmProviders',
  'scmRepositories',
  'scmGitReferences',
  'scmPullRequests',
  'diagnosticSignatures',
]);

/** Related resources reachable from `apps/{id}` or `builds/{id}` that are on Apple's list. */
const LONG_LIVED_RELATED: Record<string, ReadonlySet<string>> = {
  apps: new Set(['perfPowerMetrics', 'ciProduct']),
  builds: new Set(['perfPowerMetrics', 'diagnosticSignatures']),
};

/** Whether one scope entry may be part of a long-lived token. */
export function isLongLivedEntry(entry: ScopeEntry): boolean {
  if (entry.method !== 'GET') return false;
  const [, type, id, related, ...more] = entry.segments;
  if (type === undefined) return false;
  if (LONG_LIVED_TOP_LEVEL.has(type)) return true;
  const allowed = LONG_LIVED_RELATED[type];
  return allowed !== undefined && id !== undefined && related !== undefined && more.length === 0 && allowed.has(related);
}

/** Apple's three conditions: a scope, every entry a GET, every resource on the list. */
export function isLongLivedEligible(scope: readonly ScopeEntry[] | null): boolean {
  return scope !== null && scope.length > 0 && scope.every(isLongLivedEntry);
}
