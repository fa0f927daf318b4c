/**
 * The real Lambda events in test/fixtures/aws-events (where each comes from: its README.md and SOURCES.tsv), with
 * the request of a test put into them. `../shared/fixtures/aws-events` beside the checkout (or under SHARED_DIR), when present, is
 * an optional extra source of new fixtures: a file found only there is loaded from there, and `fixtureNames()`
 * lists both places, so the test that knows every fixture notices a new one.
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
/** `../shared` beside the checkout, as CI lays it out; SHARED_DIR points elsewhere. Optional. */
export const SHARED_FIXTURE_DIR = resolve(process.env.SHARED_DIR ?? resolve(here, '../../../shared'), 'fixtures/aws-events');

const jsonIn = (dir: string): string[] => (existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.json')) : []);

/** Fixtures committed here. */
export function repoFixtureNames(): string[] {
  return jsonIn(FIXTURE_DIR);
}

/** Fixtures in ../shared (empty when it is absent). */
export function sharedFixtureNames(): string[] {
  return jsonIn(SHARED_FIXTURE_DIR);
}

/** Every fixture, committed or only in ../shared. */
export function fixtureNames(): string[] {
  return [...new Set([...repoFixtureNames(), ...sharedFixtureNames()])];
}

export function loadFixture(name: string): FixtureEvent {
  const local = join(FIXTURE_DIR, name);
  const file = existsSync(local) ? local : join(SHARED_FIXTURE_DIR, name);
  if (!existsSync(file)) throw new Error(`Lambda event fixture ${name} is in neither ${FIXTURE_DIR} nor ${SHARED_FIXTURE_DIR}`);
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
