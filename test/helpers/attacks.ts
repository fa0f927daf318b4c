/** Attacks from the security review (issue #12), shared by the tests that show each one stays refused. */

/**
 * Security review finding #12.2: a pattern's `*` matched dot segments and escapes, so `GET /v1/apps/{*}/builds`
 * granted paths that Apple resolves elsewhere. Scope entries must be canonical paths; each of these names (or may
 * name, depending on how a server decodes it) a resource the pattern does not.
 */
export const NON_CANONICAL_SCOPES = [
  'GET /v1/apps/../builds',
  'GET /v1/apps/./builds',
  'GET /v1/apps/.../builds',
  'GET /v1/apps/../preReleaseVersions',
  'GET /v1/apps/../../v1/users/builds',
  'GET /v1/apps/%2E%2E/builds',
  'GET /v1/apps/%2e%2e/builds',
  'GET /v1/apps/%2E/builds',
  'GET /v1/apps/.%2E/builds',
  'GET /v1/apps/1%2F..%2FpreReleaseVersions/builds',
  'GET /v1/apps/1%2fbuilds/builds',
  'GET /v1/apps/%31/builds',
  'GET /v1/apps/%252E%252E/builds',
  'GET /v1/apps/%5C..%5C/builds',
  'GET /v1/apps/1;x=2/builds',
  'GET /v1/ciBuildRuns/../apps',
  'GET /v1/ciBuildRuns/%2E%2E/apps/1/builds',
  'GET /v1/apps?filter[bundleId]=%2E%2E',
  'GET /v1/apps?filter[platform]=IOS%26filter[x]=1',
  'GET /v1/apps?filter[name]=a+b',
  'GET /v1/apps?filter%5Bplatform%5D=IOS',
];
