/** `asc-token profiles`: who the service thinks the caller is, and the profiles it may use. */
import { parseArgs } from 'node:util';
import { requestProfiles } from '../client/tokens.ts';
import { SERVICE_ENV, SERVICE_EXITS, URL_FLAG, lazyHelpText } from './help.ts';
import { EXIT, UsageError, type CliIo } from './io.ts';
import { TokenClientError, serviceError, serviceOptions, serviceUrlsFrom, sayWhichUrl, type ServiceDeps } from './service.ts';

export const PROFILES_OPTIONS = { url: { type: 'string' }, output: { type: 'string' } } as const;

export const profilesUsage = lazyHelpText({
  usage: 'usage: asc-token profiles [--url URL[,URL…]] [--output text|json]',
  summary: 'Show who the service thinks you are, and the profiles you may use.',
  about: ['Each profile with its API, lifetimes, keys and scope. The first thing to run when a token is refused: it is signed as `asc-token token` is, so a wrong secret key or an expired session fails here the same way, with the same hint.'],
  flags: [URL_FLAG, { flag: '--output text|json', text: 'text: one block per profile; json: the caller, the profiles and the url that answered.', default: 'text' }],
  env: SERVICE_ENV,
  exits: SERVICE_EXITS,
  examples: [
    ['Your profiles, with ASC_TOKEN_URL set', 'asc-token profiles'],
    ['The names alone, with jq', "asc-token profiles --output json | jq -r '.profiles[].name'"],
  ],
});

export async function profilesCommand(args: string[], io: CliIo, deps: ServiceDeps = {}): Promise<number> {
  const { values } = parseArgs({ args, options: PROFILES_OPTIONS, strict: true, allowPositionals: false });
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
