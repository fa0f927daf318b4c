/**
 * An answer the AWS SDK could not read (its "Deserialization error"): not Secrets Manager's or KMS's protocol but a
 * page — what an emulator (moto, LocalStack) answers for a region it does not know, or a proxy or a wrong host
 * answers. The ops commands say so with a code and the likely cause, a region name with a typo first, instead of
 * the SDK's `SyntaxError: Unexpected token '<'`.
 */
import { CliError, EXIT } from './io.ts';

const DIRECTIONS = ['east', 'west', 'north', 'south', 'central', 'northeast', 'northwest', 'southeast', 'southwest'];
/** AWS's region names: `us-east-1`, `ap-southeast-2`, `us-gov-west-1`, `us-isob-east-1`, `eusc-de-east-1`. */
const REGION = new RegExp(`^[a-z]{2,4}(-(gov|iso[a-z]?|[a-z]{2}))?-(${DIRECTIONS.join('|')})-\\d{1,2}$`);

/**
 * The CliError for an answer the SDK could not read, or undefined for any other error.
 * @param region the region the client was configured with from the environment (AWS_REGION), if any.
 */
export function unreadableAnswer(error: unknown, service: string, region: string | undefined = process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION): CliError | undefined {
  const message = String((error as Error | undefined)?.message ?? '');
  if (!/Deserialization error/i.test(message)) return undefined;
  const response = (error as { $response?: { statusCode?: number; headers?: Record<string, string> } }).$response;
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode ?? response?.statusCode;
  const type = response?.headers?.['content-type']?.split(';')[0];
  const what = `${service}'s endpoint answered something that is not ${service}'s protocol${status === undefined ? '' : ` (HTTP ${status}${type ? `, ${type}` : ''})`}`;
  if (region !== undefined && !REGION.test(region)) {
    const guess = closestRegion(region);
    return new CliError(
      'invalid_region',
      `${what}: AWS_REGION ${JSON.stringify(region.slice(0, 40))} is not an AWS region name, and an emulator answers a region it does not know with an error page`,
      EXIT.usage,
      `set AWS_REGION to the key's region${guess ? ` (${guess}?)` : ' (e.g. us-east-1)'}, or give the full ARN, which names it`,
    );
  }
  return new CliError(
    'bad_response',
    what,
    EXIT.other,
    `check the endpoint (AWS_ENDPOINT_URL…, --endpoint-url): it must be ${service} or an emulator of it; an emulator answers a region it does not know (AWS_REGION${region ? ` is ${region}` : ' is not set'}) with a page, and so do a proxy or a wrong host`,
  );
}

/** `us-east-1` for `us-eats-1`: the region with the nearest direction word, when one is near. */
function closestRegion(region: string): string | undefined {
  const parts = /^(.+?)-([a-z]+)-(\d{1,2})$/.exec(region.toLowerCase());
  if (!parts) return undefined;
  const [, prefix, word, number] = parts as unknown as [string, string, string, string];
  const best = DIRECTIONS.map((d) => [d, distance(word, d)] as const).sort((a, b) => a[1] - b[1])[0];
  const candidate = best && best[1] <= 2 ? `${prefix}-${best[0]}-${number}` : undefined;
  return candidate !== undefined && REGION.test(candidate) ? candidate : undefined;
}

/** Levenshtein distance. */
function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row[j] = Math.min((previous[j] as number) + 1, (row[j - 1] as number) + 1, (previous[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1));
    previous = row;
  }
  return previous[b.length] as number;
}
