/**
 * `npm start`: the local server on 127.0.0.1:${PORT:-8787}. With no configuration it generates a throwaway dev
 * key, a dev policy and a developer identity under `.local/`, and prints commands that get a token.
 * `npm start -- --with-apple` also serves Apple's side on loopback (./apple/index.ts) on ${APPLE_PORT:-PORT+1}.
 */
import { userInfo } from 'node:os';
import { watchFile } from 'node:fs';
import { relative, resolve } from 'node:path';
import { ConfigError } from '../config.ts';
import { createHandler } from '../handler.ts';
import { PolicyError } from '../policy/policy.ts';
import { allowedProfiles } from '../policy/authorize.ts';
import { normalisePrincipal } from '../core/principal.ts';
import { createRuntime, type Runtime } from '../runtime.ts';
import { CredentialsFileError, devPolicyText, ensureFile, generateDevCredentials, generateDevSecret, localPaths, readCredentialsFile } from './dev.ts';
import { createLocalServer } from './server.ts';
import type { LocalCredential } from './verify.ts';

function fail(message: string): never {
  process.stderr.write(`asc-token-vending: ${message}\n`);
  process.exit(1);
}

function port(raw: string | undefined): number {
  if (raw === undefined || raw.trim() === '') return 8787;
  const value = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || value > 65535) fail(`PORT=${JSON.stringify(raw)} is not a TCP port (1–65535, or 0 for any free port)`);
  return value;
}

const USAGE = 'usage: npm start [-- --with-apple]   (PORT, APPLE_PORT, POLICY_FILE, LOCAL_CREDENTIALS_FILE, KEY_SOURCE: see docs/configuration.md#configuration)';
const args = process.argv.slice(2);
for (const arg of args) if (arg !== '--with-apple') fail(`unknown argument ${JSON.stringify(arg)}\n${USAGE}`);
const withApple = args.includes('--with-apple');

const env = { ...process.env };
const paths = localPaths(resolve('.local'));
const notes: string[] = [];
const show = (file: string) => relative(process.cwd(), file) || file;

let policySource: string;
if (env.POLICY_FILE?.trim()) {
  policySource = env.POLICY_FILE;
} else {
  if (ensureFile(paths.policy, devPolicyText, 0o644)) notes.push(`generated ${show(paths.policy)}`);
  env.POLICY_FILE = paths.policy;
  policySource = `${show(paths.policy)}${notes.length ? ' (generated)' : ''}`;
}

let credentialsFile = env.LOCAL_CREDENTIALS_FILE?.trim();
if (!credentialsFile) {
  const user = (() => {
    try {
      return userInfo().username;
    } catch {
      return 'dev';
    }
  })();
  if (ensureFile(paths.credentials, () => `${JSON.stringify(generateDevCredentials(user), null, 2)}\n`)) notes.push(`generated ${show(paths.credentials)}`);
  credentialsFile = paths.credentials;
}

/** The policy, the keys and the identities, read from their files (again on every reload). */
function load(): { runtime: Runtime; credentials: LocalCredential[] } {
  const credentials = readCredentialsFile(credentialsFile as string);
  const runtime = createRuntime({
    env,
    defaults: { keySource: 'local' },
    localKeyDirectory: paths.keys,
    // EMF metric lines only matter in CloudWatch; locally they would drown the audit records.
    ...(env.LOG_LEVEL?.toUpperCase() === 'DEBUG' ? {} : { metricsSink: () => {} }),
  });
  return { runtime, credentials };
}

const isStartError = (error: unknown) => error instanceof ConfigError || error instanceof PolicyError || error instanceof CredentialsFileError;
let loaded: ReturnType<typeof load>;
try {
  loaded = load();
} catch (error) {
  if (isStartError(error)) fail(error instanceof Error ? error.message : String(error));
  throw error;
}
let { runtime, credentials } = loaded;

if (runtime.config.keySource === 'local') {
  for (const name of runtime.policy.keys.keys()) {
    if (ensureFile(`${paths.keys}/${name}.json`, generateDevSecret)) notes.push(`generated throwaway key ${show(`${paths.keys}/${name}.json`)} (Apple does not know it)`);
  }
}

let current = createHandler({ init: () => runtime });
const server = createLocalServer({
  handler: (event, context) => current(event, context),
  credentials: () => credentials,
  onRefused: ({ requestId, method, path, status, reason, sourceIp }) => runtime.logger.audit({ event: 'request.refused', requestId, method, path, status, reason, sourceIp }),
});
const listenPort = port(env.PORT);
if (withApple && runtime.config.keySource !== 'local') fail('--with-apple checks tokens against the local keys (.local/keys/): run it without KEY_SOURCE or a key source in the policy');
const applePort = env.APPLE_PORT?.trim() ? port(env.APPLE_PORT) : listenPort === 0 ? 0 : listenPort + 1;

server.on('error', (error: NodeJS.ErrnoException) => {
  fail(error.code === 'EADDRINUSE' ? `port ${listenPort} is in use: stop the other server or set PORT` : `cannot listen: ${error.message}`);
});

server.listen(listenPort, '127.0.0.1', async () => {
  const address = server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : listenPort}`;
  const first = credentials[0]!;
  const caller = normalisePrincipal(first.principalArn);
  const profiles = caller ? allowedProfiles(runtime.policy, caller) : [];
  const example = profiles.find((p) => p.scope === 'any' || !p.scope.some((e) => e.wildcard)) ?? profiles[0];
  const health = await runtime.keys.health();
  const lines = [
    '',
    `asc-token-vending local server: ${url}`,
    '  (the Lambda handler itself; requests must be SigV4-signed for execute-api, as API Gateway requires)',
    '',
    `  policy     ${policySource}`,
    runtime.config.keySource === 'local'
      ? `  keys       local (${show(paths.keys)}): ${health.map((k) => `${k.name}=${k.keyId ?? k.status}`).join(', ')}`
      : `  keys       from the policy's sources: ${health.map((k) => `${k.name}=${k.keyId ?? k.status} (${k.source})`).join(', ')}`,
    `  caller     ${first.principalArn}  (${show(credentialsFile)})`,
    `  may use    ${profiles.map((p) => p.name).join(', ') || 'no profile: add its role to a profile\'s callers'}`,
    ...notes.map((n) => `  note       ${n}`),
    ...health
      .filter((k) => k.status === 'invalid' && runtime.config.keySource === 'local')
      .map((k) => `  fix        key ${k.name} is not usable (${k.error ?? 'invalid'}): rm ${show(`${paths.keys}/${k.name}.json`)} and restart for a new throwaway key`),
    '',
  ];
  if (example) {
    lines.push(
      'Get a token with curl:',
      `  curl -sS --aws-sigv4 'aws:amz:us-east-1:execute-api' --user '${first.accessKeyId}:${first.secretAccessKey}' -X POST ${url}/v1/tokens/${example.name}`,
      '',
      'or with the CLI (any AWS credentials the server knows; in AWS, your own role):',
      `  AWS_ACCESS_KEY_ID=${first.accessKeyId} AWS_SECRET_ACCESS_KEY=${first.secretAccessKey} node dist/cli.mjs token ${example.name} --url ${url} --output json`,
      '',
    );
  }
  if (withApple) lines.push(...(await appleLines(url, first)));
  lines.push(
    `Edits to ${show(env.POLICY_FILE as string)} and ${show(credentialsFile as string)} take effect at once (or send SIGHUP: kill -HUP ${process.pid}).`,
    'Audit records and logs follow as JSON lines. Ctrl-C stops the server.',
    '',
  );
  process.stdout.write(lines.join('\n'));
});

/** Start the local Apple and say how to use it: the variables to paste and two commands that work against it. */
async function appleLines(serviceUrl: string, caller: LocalCredential): Promise<string[]> {
  const { startLocalApple } = await import('./apple/index.ts');
  let apple: Awaited<ReturnType<typeof startLocalApple>>;
  try {
    apple = await startLocalApple({ keysDirectory: paths.keys, directory: resolve(paths.root, 'apple'), port: applePort });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    fail(code === 'EADDRINUSE' ? `port ${applePort} (for --with-apple) is in use: set APPLE_PORT` : `cannot start the local Apple: ${(error as Error).message}`);
  }
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.prependListener(signal, () => apple.close());
  const exports = Object.entries(apple.env).map(([name, value]) => `${name}=${value}`);
  const profile = runtime.policy.profiles.has('dev') ? 'dev' : ([...runtime.policy.profiles.keys()][0] ?? 'dev');
  return [
    `Local Apple: ${apple.url}  (App Store Connect's Build Uploads API, the Notary API and the bucket notarization uploads go to;`,
    `  tokens are checked as Apple checks them, against the public half of the keys in ${show(paths.keys)})`,
    '',
    'Try upload and notarize against it (another terminal, in this directory):',
    `  export ${exports.join(' ')}`,
    `  export ASC_TOKEN_URL=${serviceUrl} AWS_ACCESS_KEY_ID=${caller.accessKeyId} AWS_SECRET_ACCESS_KEY=${caller.secretAccessKey}`,
    `  node dist/cli.mjs upload ${show(apple.samples.ipa)} --profile ${profile}`,
    `  node dist/cli.mjs notarize ${show(apple.samples.zip)} --profile ${profile}`,
    '  (a build number is taken once, as at Apple — 409 the second time: the sample gets a new one at each start)',
    '',
  ];
}

/**
 * Read the policy and the identities again: a new runtime (so keys load afresh) and the new identities; a file that no
 * longer reads or compiles keeps the previous ones, and says why.
 */
function reload(why: string): void {
  try {
    ({ runtime, credentials } = load());
    current = createHandler({ init: () => runtime });
    process.stdout.write(`asc-token-vending: reloaded (${why}): ${runtime.policy.profiles.size} profiles, ${credentials.length} identit${credentials.length === 1 ? 'y' : 'ies'}\n`);
  } catch (error) {
    if (!isStartError(error)) throw error;
    process.stderr.write(`asc-token-vending: kept the previous configuration (${why}): ${(error as Error).message}\n`);
  }
}

// Polling, not fs.watch: editors that save by writing a new file and renaming it leave fs.watch on the old one.
for (const file of [env.POLICY_FILE as string, credentialsFile as string]) {
  watchFile(resolve(file), { interval: 500, persistent: false }, (now, before) => {
    if (now.mtimeMs !== before.mtimeMs || now.size !== before.size) reload(`${show(file)} changed`);
  });
}
process.on('SIGHUP', () => reload('SIGHUP'));

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    server.close();
    server.closeAllConnections();
    process.exit(0);
  });
}
