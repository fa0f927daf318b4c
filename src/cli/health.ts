/**
 * `asc-token health`: `GET /v1/health` of every service URL (one per region, docs/design.md#two-regions), each asked
 * on its own — no failover, the point is to see each — and each region's keys side by side: which key ID each
 * region's copy holds, and whether it loads. Exit 0 only when every region answered healthy; otherwise the regions
 * that did not, on stderr, with why.
 */
import { parseArgs } from 'node:util';
import { printable } from '../client/ci-text.ts';
import { problemOf } from '../client/problem.ts';
import { NetworkError, callService } from '../client/service.ts';
import { SERVICE_ENV, helpText } from './help.ts';
import { EXIT, UsageError, exitCodeForStatus, type CliIo } from './io.ts';
import { serviceOptions, serviceUrlsFrom, type ServiceDeps } from './service.ts';

export const HEALTH_OPTIONS = { url: { type: 'string' }, output: { type: 'string' } } as const;

export const HEALTH_USAGE = helpText({
  usage: 'usage: asc-token health [--url URL[,URL…]] [--output text|json]',
  summary: "Show each region's keys side by side: GET /v1/health of every service URL.",
  about: ['Each URL is asked on its own, in parallel — no failover: the point is to see each. A key ID that differs between regions is noted (a replica not yet caught up).'],
  flags: [{ flag: '--url URL[,URL…]', text: "The token service's API base URL of each region, stage included, comma-separated: every one is asked, in parallel (no failover here).", default: '$ASC_TOKEN_URL' }, { flag: '--output text|json', text: 'text: a table, one column per region; json: each region with its status and keys.', default: 'text' }],
  env: SERVICE_ENV,
  exits: [
    [0, 'every region answered healthy'],
    [2, 'usage: a flag or a URL is wrong (nothing was sent)'],
    [3, 'a region refused the request (403: the signature, IAM or the policy)'],
    [5, 'a region is unhealthy or unreachable (stderr names each, with why)'],
  ],
  examples: [
    ['Two regions', 'asc-token health --url https://a1b2c3.execute-api.eu-west-1.amazonaws.com/prod,https://d4e5f6.execute-api.us-east-1.amazonaws.com/prod'],
    ['The regions in ASC_TOKEN_URL, as JSON', 'asc-token health --output json'],
  ],
});

/** One key as a region reports it (the service's `GET /v1/health`: src/key-sources/store.ts KeyHealth). */
export interface RegionKey {
  name: string;
  source: string | null;
  keyId: string | null;
  status: string;
  age: number | null;
  error?: string;
}

/** What one URL answered. */
export interface RegionHealth {
  url: string;
  /** The region named by an execute-api host, else the host. */
  region: string;
  /** `ok`, `degraded` (a key not usable), `refused` (4xx), `unreachable` (no answer, or a 5xx without a health body). */
  status: 'ok' | 'degraded' | 'refused' | 'unreachable';
  httpStatus: number | null;
  keySource: string | null;
  keys: RegionKey[];
  /** Why the region is not ok, in a line. */
  problem?: string;
  requestId?: string;
}

/** The region an execute-api URL names (`ID.execute-api.REGION.amazonaws.com`), else the URL's host. */
export function regionLabel(url: string): string {
  const host = new URL(url).host;
  return /\.execute-api\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?$/.exec(new URL(url).hostname)?.[1] ?? host;
}

const text = (value: unknown, max = 200): string | null => (typeof value === 'string' ? printable(value, max) : null);

/** The keys of a health answer, each field checked and made printable (the answer comes from over the network). */
function keysOf(json: unknown): RegionKey[] | undefined {
  const keys = (json as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys) || keys.length > 1000) return undefined;
  const out: RegionKey[] = [];
  for (const key of keys) {
    if (key === null || typeof key !== 'object' || typeof (key as { name?: unknown }).name !== 'string' || typeof (key as { status?: unknown }).status !== 'string') return undefined;
    const k = key as Record<string, unknown>;
    out.push({
      name: printable(k.name as string, 100),
      source: text(k.source, 40),
      keyId: text(k.keyId, 40),
      status: printable(k.status as string, 40),
      age: typeof k.age === 'number' && Number.isFinite(k.age) ? k.age : null,
      ...(typeof k.error === 'string' ? { error: printable(k.error, 300) } : {}),
    });
  }
  return out;
}

/** Ask one URL (one attempt, no failover) and classify the answer. */
export async function regionHealth(url: string, deps: ServiceDeps): Promise<RegionHealth> {
  const region = regionLabel(url);
  let answer;
  try {
    answer = await callService({ ...serviceOptions([url], deps), attempts: 1 }, { method: 'GET', path: '/v1/health' });
  } catch (error) {
    if (error instanceof NetworkError) return { url, region, status: 'unreachable', httpStatus: null, keySource: null, keys: [], problem: error.message };
    throw error;
  }
  const keys = keysOf(answer.json);
  const keySource = text((answer.json as { keySource?: unknown } | null)?.keySource, 40);
  if ((answer.status === 200 || answer.status === 503) && keys !== undefined) {
    const bad = keys.filter((k) => k.status !== 'ok' && k.status !== 'stale');
    const ok = answer.status === 200 && bad.length === 0;
    return {
      url,
      region,
      status: ok ? 'ok' : 'degraded',
      httpStatus: answer.status,
      keySource,
      keys,
      ...(ok ? {} : { problem: bad.length === 0 ? `HTTP ${answer.status}` : printable(bad.map((k) => `key ${k.name} ${k.status}${k.error ? ` (${k.error})` : ''}`).join('; '), 500) }),
    };
  }
  const problem = problemOf(answer);
  const refused = answer.status >= 400 && answer.status < 500 && answer.status !== 429;
  return {
    url,
    region,
    status: refused ? 'refused' : 'unreachable',
    httpStatus: answer.status,
    keySource: null,
    keys: [],
    problem: `HTTP ${answer.status}${problem.code ? ` ${printable(problem.code, 60)}` : ''}${problem.detail ? `: ${printable(problem.detail, 300)}` : ''}`,
    ...(problem.requestId ? { requestId: printable(problem.requestId, 100) } : {}),
  };
}

/** The keys side by side: one row per key name, one column per region. */
export function healthTable(regions: readonly RegionHealth[]): string {
  const names = [...new Set(regions.flatMap((r) => r.keys.map((k) => k.name)))];
  const cell = (region: RegionHealth, name: string) => {
    const key = region.keys.find((k) => k.name === name);
    if (key === undefined) return region.status === 'ok' || region.status === 'degraded' ? '-' : '?';
    return `${key.keyId ?? '(no key)'} ${key.status}`;
  };
  const rows: string[][] = [
    ['', ...regions.map((r) => r.region)],
    ['region', ...regions.map((r) => (r.httpStatus === null ? r.status : `${r.status} (${r.httpStatus})`))],
    ...names.map((name) => [name, ...regions.map((r) => cell(r, name))]),
  ];
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  const lines = rows.map((row) => row.map((value, column) => value.padEnd(widths[column]!)).join('  ').trimEnd());
  // Key IDs that differ between regions are worth a line: a rotation not yet replicated, or a replica left behind.
  for (const name of names) {
    const ids = new Set(regions.flatMap((r) => r.keys.filter((k) => k.name === name && k.keyId !== null).map((k) => k.keyId)));
    if (ids.size > 1) lines.push(`note: key ${name} differs between regions (${[...ids].join(', ')}): a rotation still replicating, or a region left behind`);
  }
  return `${lines.join('\n')}\n`;
}

export async function healthCommand(args: string[], io: CliIo, deps: ServiceDeps = {}): Promise<number> {
  const { values } = parseArgs({ args, options: HEALTH_OPTIONS, strict: true, allowPositionals: false });
  if (values.output !== undefined && values.output !== 'json' && values.output !== 'text') throw new UsageError('--output must be text or json');
  const urls = serviceUrlsFrom(values.url, io);
  const regions = await Promise.all(urls.map((url) => regionHealth(url, deps)));
  const unhealthy = regions.filter((r) => r.status !== 'ok');
  if (values.output === 'json') io.stdout(`${JSON.stringify({ status: unhealthy.length === 0 ? 'ok' : 'degraded', regions }, null, 2)}\n`);
  else io.stdout(healthTable(regions));
  for (const r of unhealthy) io.stderr(`asc-token: ${r.region} (${r.url}) is ${r.status}: ${r.problem ?? 'no detail'}${r.requestId ? ` (request ${r.requestId})` : ''}\n`);
  if (unhealthy.length === 0) return EXIT.ok;
  if (unhealthy.some((r) => r.status === 'refused')) {
    io.stderr('hint: a refusal (403) is the same in every region: the caller must be allowed at least one profile (asc-token profiles)\n');
    return exitCodeForStatus(unhealthy.find((r) => r.status === 'refused')!.httpStatus ?? 403);
  }
  return EXIT.unavailable;
}
