/** `asc-token profiles`: who the service thinks the caller is, and the profiles it may use. */
import { parseArgs } from 'node:util';
import { requestProfiles } from '../client/tokens.ts';
import { EXIT, UsageError, type CliIo } from './io.ts';
import { TokenClientError, serviceError, serviceOptions, serviceUrlsFrom, sayWhichUrl, type ServiceDeps } from './service.ts';

export const PROFILES_USAGE = 'usage: asc-token profiles [--url URL[,URL…]] [--output text|json]';

export async function profilesCommand(args: string[], io: CliIo, deps: ServiceDeps = {}): Promise<number> {
  const { values } = parseArgs({ args, options: { url: { type: 'string' }, output: { type: 'string' } }, strict: true, allowPositionals: false });
  if (values.output !== undefined && values.output !== 'json' && values.output !== 'text') throw new UsageError('--output must be text or json');
  const urls = serviceUrlsFrom(values.url, io);
  let answer;
  try {
    answer = await requestProfiles(serviceOptions(urls, deps));
  } catch (error) {
    if (error instanceof TokenClientError) throw serviceError(error, 'profiles');
    throw error;
  }
  sayWhichUrl(answer, urls, io);
  const { failedOver: _failedOver, url, ...result } = answer;
  if (values.output === 'json') {
    io.stdout(`${JSON.stringify({ ...result, url }, null, 2)}\n`);
    return EXIT.ok;
  }
  io.stdout(`caller  ${result.caller.principal}${result.caller.session ? ` (session ${result.caller.session})` : ''}\n`);
  if (result.profiles.length === 0) {
    io.stdout("no profile lists this caller; ask the platform owner to add it to a profile's callers\n");
    return EXIT.ok;
  }
  for (const p of result.profiles) {
    const key = Array.isArray(p.key) ? `, keys ${p.key.join(', ')}` : '';
    io.stdout(`\n${p.name}  (${p.api}, ttl ${p.ttl.default}s, max ${p.ttl.max}s${key})${p.description ? `\n  ${p.description}` : ''}\n`);
    io.stdout(p.scope === 'any' ? '  scope: any (no scope claim)\n' : p.scope.map((s) => `  ${s}\n`).join(''));
  }
  return EXIT.ok;
}
