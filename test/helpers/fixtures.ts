/**
 * The real Lambda events in test/fixtures/aws-events (where each comes from: its README.md and SOURCES.tsv), with
 * the request of a test put into them. They are the only source: the tests need nothing beside the clone.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LambdaEvent } from '../../src/http/event.ts';

/**
 * A real event: what the handler takes (@types/aws-lambda's REST, HTTP API and function URL events), with its
 * request context and headers open for a test to reach into and change as the real events have them (REST's
 * `headers: null` from the console, which the types do not allow), whichever payload version the file is.
 */
export type FixtureEvent = LambdaEvent & { requestContext: any; headers: any; [field: string]: any };

/**
 * An input the types do not allow (null, a number, an event missing its parts), as the handler must take it: the
 * Lambda runtime passes whatever it was invoked with.
 */
export const untrusted = (value: unknown): LambdaEvent => value as LambdaEvent;

const here = dirname(fileURLToPath(import.meta.url));
/** The fixtures committed with this repository. */
export const FIXTURE_DIR = resolve(here, '../fixtures/aws-events');
/** Every fixture (the JSON files of test/fixtures/aws-events). */
export function fixtureNames(): string[] {
  return readdirSync(FIXTURE_DIR).filter((f) => f.endsWith('.json'));
}

export function loadFixture(name: string): FixtureEvent {
  const file = join(FIXTURE_DIR, name);
  if (!existsSync(file)) throw new Error(`Lambda event fixture ${name} is not in ${FIXTURE_DIR}`);
  return JSON.parse(readFileSync(file, 'utf8'));
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
export function withRequest(name: string, request: EventRequest): FixtureEvent {
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
