/**
 * `asc-token token PROFILE`: one token from the service (SigV4 with the AWS default credential chain; failed over
 * between several URLs and retried as src/client/service.ts does), printed as `--output` says.
 */
import { parseArgs } from 'node:util';
import { requestToken } from '../client/tokens.ts';
import { SERVICE_ENV, SERVICE_EXITS, URL_FLAG, lazyHelpText } from './help.ts';
import { EXIT, UsageError, type CliIo } from './io.ts';
import { parseOutput, printToken } from './output.ts';
import { TokenClientError, serviceError, serviceOptions, serviceUrlsFrom, sayWhichUrl, type ServiceDeps } from './service.ts';

export const TOKEN_OPTIONS = { url: { type: 'string' }, scope: { type: 'string', multiple: true }, ttl: { type: 'string' }, 'client-id': { type: 'string' }, output: { type: 'string' } } as const;

export const tokenUsage = lazyHelpText({
  usage: `usage: asc-token token PROFILE [--url URL[,URL…]] [--scope "GET /v1/apps"]... [--ttl SECONDS] [--client-id ID]
                       [--output raw|json|env|github]`,
  summary: 'Print a short-lived token for PROFILE, from the token service.',
  about: ['The request is signed with your AWS credentials (SigV4); the key stays with the service, which answers with a JWT signed by the profile’s key, scoped and timed as the policy allows.'],
  flags: [
    URL_FLAG,
    { flag: '--scope "METHOD PATH"', text: 'Narrow the token to this call (repeat for several); each must be one the profile grants. Needed when the profile grants wildcard entries.', default: "the profile's scope (none for a profile whose scope is any)" },
    { flag: '--ttl SECONDS', text: 'Lifetime, within the range the profile allows (`asc-token profiles` shows it).', default: "the profile's default" },
    { flag: '--client-id ID', text: 'For a Sign in with Apple profile: the client ID the secret is for.', default: 'the profile’s one client ID' },
    { flag: '--output raw|json|env|github', text: 'raw: the token alone; json: the whole answer (expiresAt, refreshAfter, scope, keyId, url); env: ASC_TOKEN= and ASC_TOKEN_EXPIRES_AT= lines; github: masked and appended to $GITHUB_ENV.', default: 'raw' },
  ],
  env: [...SERVICE_ENV, ['GITHUB_ENV', 'The file --output github appends ASC_TOKEN to (set by GitHub Actions).']],
  exits: SERVICE_EXITS,
  examples: [
    ['A token for the release profile, in a variable', 'ASC_TOKEN=$(asc-token token release --url https://abc123.execute-api.eu-west-1.amazonaws.com/prod)'],
    ['In a GitHub Actions step: ASC_TOKEN for the steps after it, narrowed to one call', 'asc-token token release --scope "GET /v1/apps" --output github'],
  ],
});

export async function tokenCommand(args: string[], io: CliIo, deps: ServiceDeps = {}): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: TOKEN_OPTIONS,
    strict: true,
    allowPositionals: true,
  });
  if (positionals.length !== 1) throw new UsageError('name exactly one PROFILE');
  const profile = positionals[0] as string;
  const output = parseOutput(values.output);
  if (output === 'github' && !io.env.GITHUB_ENV) throw new UsageError('--output github writes to $GITHUB_ENV, which is not set: run it in a GitHub Actions step, or use --output env');
  if (values.ttl !== undefined && !/^\d+$/.test(values.ttl)) throw new UsageError('--ttl must be a whole number of seconds');
  const urls = serviceUrlsFrom(values.url, io);
  let answer;
  try {
    answer = await requestToken(serviceOptions(urls, deps), profile, { scope: values.scope, ttl: values.ttl === undefined ? undefined : Number(values.ttl), clientId: values['client-id'] });
  } catch (error) {
    if (error instanceof TokenClientError) throw serviceError(error, 'token');
    throw error;
  }
  sayWhichUrl(answer, urls, io);
  const { failedOver: _failedOver, url, ...response } = answer;
  printToken(response, output, io, { url });
  return EXIT.ok;
}
