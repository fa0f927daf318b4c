/**
 * `asc-token token PROFILE`: one token from the service (SigV4 with the AWS default credential chain; failed over
 * between several URLs and retried as src/client/service.ts does), printed as `--output` says.
 */
import { parseArgs } from 'node:util';
import { requestToken } from '../client/tokens.ts';
import { EXIT, UsageError, type CliIo } from './io.ts';
import { parseOutput, printToken } from './output.ts';
import { TokenClientError, serviceError, serviceOptions, serviceUrlsFrom, sayWhichUrl, type ServiceDeps } from './service.ts';

export const TOKEN_USAGE = `usage: asc-token token PROFILE [--url URL[,URL…]] [--scope "GET /v1/apps"]... [--ttl SECONDS] [--client-id ID]
                       [--output raw|json|env|github]`;

export async function tokenCommand(args: string[], io: CliIo, deps: ServiceDeps = {}): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: { url: { type: 'string' }, scope: { type: 'string', multiple: true }, ttl: { type: 'string' }, 'client-id': { type: 'string' }, output: { type: 'string' } },
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
