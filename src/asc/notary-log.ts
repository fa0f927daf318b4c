/**
 * The developer log of a notarization (docs/design.md#jobs-without-the-key): its presigned URL from Apple, then the
 * log itself — fetched without the token, https only (this machine only when the Notary API's base is on loopback
 * too), a bounded number of checked redirects, bounded in size — and its issues, as printable text.
 */
import { APPLE_RETRY, defaultSleep, retryDelayMs } from '../client/retry.ts';
import { outboundFetch } from '../net/outbound.ts';
import { AnswerTooLarge, readBounded } from './bounded.ts';
import type { AppStoreConnectClient } from './api.ts';
import { isAllowedAnswerUrl } from './endpoint.ts';
import { AscError, printable } from './errors.ts';
import { rehint, submissionId } from './notary-answers.ts';
import type { NotaryIssue, NotaryLog } from './notary-types.ts';

export interface LogFetchOptions {
  /** Largest log accepted, in bytes (default 16 MiB). */
  maxBytes?: number;
  /** Attempts on network failures and 5xx (default 3). */
  attempts?: number;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * The developer log of a finished submission: its URL from Apple (`GET /submissions/{id}/logs`), then the log
 * itself from that presigned URL, without the bearer token, https only (this machine only when the Notary API's
 * base is on loopback too), at most three redirects (each checked the same way), bounded in size.
 * @throws AscError `apple_refused` (404 while the submission is still in progress), `bad_response`,
 * `apple_unavailable`.
 */
export async function getSubmissionLog(client: AppStoreConnectClient, id: string, options: LogFetchOptions = {}): Promise<NotaryLog> {
  const segment = submissionId(id, 'invalid_input');
  const document = await client.request<unknown>({ method: 'GET', path: `/submissions/${segment}/logs` }).catch((error: unknown) => {
    if (error instanceof AscError && error.code === 'apple_refused' && error.status === 404) {
      throw new AscError('apple_refused', error.message, { status: 404, appleErrors: error.appleErrors, hint: `Apple writes the log once a submission is finished: check it with \`asc-token notarize --status ${segment}\`.` });
    }
    return rehint(error);
  });
  const raw = (document as { data?: { attributes?: { developerLogUrl?: unknown } } } | undefined)?.data?.attributes?.developerLogUrl;
  const url = logUrl(raw, client.baseUrl);
  const text = await fetchLog(url, options, client.baseUrl);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new AscError('bad_response', `the developer log of submission ${segment} is not JSON`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new AscError('bad_response', `the developer log of submission ${segment} is not a JSON object`);
  return parseDeveloperLog(parsed as Record<string, unknown>);
}

/** The fields of a developer log that people read, checked and made printable. */
export function parseDeveloperLog(log: Record<string, unknown>): NotaryLog {
  const text = (value: unknown, max: number) => (typeof value === 'string' ? printable(value, max) : null);
  const issues = Array.isArray(log.issues) ? log.issues : [];
  return {
    status: text(log.status, 40),
    statusSummary: text(log.statusSummary, 500),
    statusCode: typeof log.statusCode === 'number' && Number.isFinite(log.statusCode) ? log.statusCode : null,
    jobId: text(log.jobId, 80),
    archiveFilename: text(log.archiveFilename, 255),
    sha256: typeof log.sha256 === 'string' && /^[0-9a-fA-F]{64}$/.test(log.sha256) ? log.sha256 : null,
    issues: issues
      .filter((i): i is Record<string, unknown> => typeof i === 'object' && i !== null && !Array.isArray(i))
      .slice(0, 1000)
      .map((i) => ({
        severity: text(i.severity, 20) ?? 'issue',
        code: typeof i.code === 'number' && Number.isFinite(i.code) ? String(i.code) : text(i.code, 60),
        path: text(i.path, 1000),
        message: text(i.message, 2000) ?? '(no message)',
        docUrl: typeof i.docUrl === 'string' && /^https:\/\/[^\s]+$/.test(i.docUrl) && i.docUrl.length <= 500 ? printable(i.docUrl, 500) : null,
        architecture: text(i.architecture, 40),
      })),
    document: log,
  };
}

/** One line per issue, for people: `error: PATH (ARCH): MESSAGE See DOCURL`, at most `max` of them. */
export function describeIssues(issues: readonly NotaryIssue[], max = 50): string[] {
  const lines = issues.slice(0, max).map((issue) => {
    const where = issue.path ? ` in ${issue.path}${issue.architecture ? ` (${issue.architecture})` : ''}` : issue.architecture ? ` (${issue.architecture})` : '';
    return `${issue.severity}${where}: ${issue.message}${issue.docUrl ? ` See ${issue.docUrl}` : ''}`;
  });
  if (issues.length > max) lines.push(`… and ${issues.length - max} more`);
  return lines;
}

function logUrl(raw: unknown, apiBase: URL): URL {
  let url: URL;
  try {
    url = new URL(String(raw));
  } catch {
    throw new AscError('bad_response', 'Apple’s notary service answered without a usable developerLogUrl');
  }
  if (raw === undefined || !isAllowedAnswerUrl(url, apiBase) || url.username || url.password) {
    throw new AscError('bad_response', `Apple’s notary service answered a developerLogUrl this client does not fetch (${url.protocol}//${printable(url.host, 80)}): https only, off this machine`);
  }
  return url;
}

/** GET the presigned log URL: no Authorization header, bounded, redirects followed only where the URL itself may go. */
async function fetchLog(start: URL, options: LogFetchOptions, apiBase: URL): Promise<string> {
  const maxBytes = options.maxBytes ?? 16 * 1024 * 1024;
  const attempts = options.attempts ?? 3;
  const sleep = options.sleep ?? defaultSleep;
  for (let attempt = 1; ; attempt++) {
    let failure: string;
    try {
      let url = start;
      for (let hop = 0; ; hop++) {
        const response = await outboundFetch(url, { redirect: 'manual', headers: { accept: 'application/json' }, signal: AbortSignal.timeout(60_000) });
        if (response.status >= 300 && response.status < 400 && response.headers.get('location')) {
          await response.body?.cancel();
          const next = new URL(response.headers.get('location') as string, url);
          if (hop >= 3 || !isAllowedAnswerUrl(next, apiBase) || next.username || next.password) {
            throw new AscError('bad_response', `the developer log's URL redirects to a place this client does not follow (${next.protocol}//${printable(next.host, 80)})`);
          }
          url = next;
          continue;
        }
        if (response.status >= 400 && response.status < 500) {
          await response.body?.cancel();
          throw new AscError('apple_refused', `Apple's storage answered HTTP ${response.status} for the developer log (${url.host})`, {
            status: response.status,
            hint: 'The log URL is short-lived: ask for it again with asc-token notarize --log ID.',
          });
        }
        if (response.status !== 200) {
          await response.body?.cancel();
          failure = `HTTP ${response.status}`;
          break;
        }
        try {
          return await readBounded(response, maxBytes);
        } catch (error) {
          if (error instanceof AnswerTooLarge) throw new AscError('bad_response', `the developer log is ${error.message}, more than this client reads`, { hint: 'Apple\'s developer logs are a few KB: check ASC_NOTARY_URL.' });
          throw error;
        }
      }
    } catch (error) {
      if (error instanceof AscError) throw error;
      failure = (error as { cause?: { code?: string } })?.cause?.code ?? (error as Error).name ?? 'network error';
    }
    if (attempt >= attempts) throw new AscError('apple_unavailable', `the developer log could not be fetched from ${start.host} (${failure}, ${attempts} attempts)`, { hint: 'Try again later with asc-token notarize --log ID.' });
    await sleep(retryDelayMs(attempt, APPLE_RETRY));
  }
}
