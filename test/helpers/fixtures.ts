/** The real Lambda events in ../shared/fixtures/aws-events, with the request of a test put into them. */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
/** `../shared` beside the checkout, as CI lays it out; SHARED_DIR points elsewhere. */
export const FIXTURE_DIR = resolve(process.env.SHARED_DIR ?? resolve(here, '../../../shared'), 'fixtures/aws-events');
if (!existsSync(FIXTURE_DIR)) {
  throw new Error(`Lambda event fixtures not found at ${FIXTURE_DIR}: check out ../shared beside this repository, or set SHARED_DIR`);
}

export function fixtureNames(): string[] {
  return readdirSync(FIXTURE_DIR).filter((f) => f.endsWith('.json'));
}

export function loadFixture(name: string): Record<string, any> {
  return JSON.parse(readFileSync(join(FIXTURE_DIR, name), 'utf8'));
}

export interface EventRequest {
  method: string;
  path: string;
  body?: string | null;
  isBase64Encoded?: boolean;
  headers?: Record<string, string> | null;
  /** Replace the caller ARN (undefined keeps the fixture's). */
  userArn?: string | null;
}

/** Put a request into a real event, keeping everything else the event carries. */
export function withRequest(name: string, request: EventRequest): Record<string, any> {
  const event = loadFixture(name);
  const v2 = event.version === '2.0';
  if (v2) {
    const stage = event.requestContext?.stage;
    const prefix = stage && stage !== '$default' && String(event.rawPath ?? '').startsWith(`/${stage}`) ? `/${stage}` : '';
    event.rawPath = `${prefix}${request.path}`;
    event.requestContext.http.method = request.method;
    event.requestContext.http.path = event.rawPath;
    event.routeKey = '$default';
    if (request.userArn !== undefined && event.requestContext.authorizer?.iam) event.requestContext.authorizer.iam.userArn = request.userArn;
  } else {
    event.path = request.path;
    event.httpMethod = request.method;
    event.requestContext.httpMethod = request.method;
    event.requestContext.path = `/${event.requestContext.stage}${request.path}`;
    if (request.userArn !== undefined) event.requestContext.identity.userArn = request.userArn;
  }
  if (request.headers !== undefined) event.headers = request.headers;
  if (request.body !== undefined) event.body = request.body;
  event.isBase64Encoded = request.isBase64Encoded ?? false;
  return event;
}
