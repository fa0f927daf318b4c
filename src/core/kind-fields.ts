/**
 * The fields token kinds add to profiles and requests, and the rules they share (src/core/kinds.ts lists the kinds):
 * each with the check that the policy compiler, `asc-token mint` and the clients' checks of a `GET /v1/profiles`
 * answer all use.
 */
import { BUNDLE_ID_PATTERN } from './apple.ts';

/** A compiled value, or what is wrong with the raw one (safe to show: it never quotes the value). */
export type Parsed<T> = { value: T } | { problem: string };

/**
 * A field a profile of a kind takes besides the common ones (key, api, scope, ttl, callers, description). Its
 * `parse` is also how a client checks the field in a `GET /v1/profiles` answer, so a parsed value is always plain
 * printable data.
 */
export interface ProfileField {
  /** The policy's name for it, e.g. `bundleId`. */
  name: string;
  /** `asc-token mint`'s flag for it, e.g. `bundle-id`. */
  flag: string;
  /** What to write, in usage text, e.g. `BUNDLE_ID`. */
  placeholder: string;
  required: boolean;
  /** Check and compile the raw value (from YAML, from a flag or from a `/v1/profiles` answer). */
  parse(value: unknown): Parsed<unknown>;
}

/** A field a token request may carry besides `scope` and `ttl`, narrowing what the profile allows. */
export interface RequestField {
  /** The request body's name for it, e.g. `clientId`. */
  name: string;
  /** The CLI's and the Action's flag or input for it, e.g. `client-id`. */
  flag: string;
  /**
   * The value the token is made with, from the request's (undefined when absent) and the profile's fields.
   * @returns the value, or why the request is refused: `missing` (the profile leaves a choice), `not_granted`.
   */
  resolve(requested: unknown, profile: Readonly<Record<string, unknown>>): { value: unknown } | { refused: 'missing' | 'not_granted' | 'malformed'; detail: string };
}

/** A field the header or the claims carry, and where its value comes from. */
export interface TokenField {
  in: 'header' | 'claims';
  name: string;
  /** The profile or request field it is made from (for documentation and usage text). */
  from: string;
  /** Its value, from the profile's and the request's compiled fields and the key's identity. */
  value(fields: Readonly<Record<string, unknown>>, identity: { teamId?: string | undefined }): unknown;
}

/**
 * Tokens every caller of a key shares for a refresh window (APNs, DeviceCheck): `iat` is the window's start, so every
 * instance and every caller agrees on it, and each instance signs once per window.
 */
export interface SharedRule {
  /** The profile's `refreshWindow`, in seconds. */
  window: { default: number; min: number; max: number };
  /** How long Apple accepts a token after its `iat` (there is no `exp` claim). */
  lifetime: number;
}

/** Reverse-DNS identifiers: bundle IDs, Services IDs (Sign in with Apple's client ID, WeatherKit's service ID). */
const reverseDns = (value: unknown): value is string => typeof value === 'string' && value.length <= 155 && BUNDLE_ID_PATTERN.test(value);

export const bundleId: ProfileField = {
  name: 'bundleId',
  flag: 'bundle-id',
  placeholder: 'BUNDLE_ID',
  required: true,
  parse: (value) => (reverseDns(value) ? { value } : { problem: "the app's bundle ID (e.g. com.example.app); it becomes the bid claim" }),
};

export const clientIds: ProfileField = {
  name: 'clientIds',
  flag: 'client-id',
  placeholder: 'CLIENT_ID',
  required: true,
  parse: (value) => {
    const list = typeof value === 'string' ? [value] : value;
    return Array.isArray(list) && list.length > 0 && list.length <= 50 && list.every(reverseDns)
      ? { value: [...new Set(list as string[])] }
      : { problem: 'clientIds: the Services IDs (or app IDs) this profile signs client secrets for, e.g. [com.example.web], at most 50' };
  },
};

export const serviceId: ProfileField = {
  name: 'serviceId',
  flag: 'service-id',
  placeholder: 'SERVICE_ID',
  required: true,
  parse: (value) => (reverseDns(value) ? { value } : { problem: 'the WeatherKit Services ID (e.g. com.example.weatherkit-client); it becomes sub and part of the id header' }),
};

/** A web origin: `https://host` (or `http://localhost` for development), with an optional port, nothing after. */
const ORIGIN = /^(https:\/\/[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*|http:\/\/(localhost|127\.0\.0\.1))(:[0-9]{1,5})?$/;

export const origins: ProfileField = {
  name: 'origins',
  flag: 'origin',
  placeholder: 'ORIGIN',
  required: false,
  parse: (value) => {
    const list = typeof value === 'string' ? [value] : value;
    return Array.isArray(list) && list.length > 0 && list.length <= 20 && list.every((o) => typeof o === 'string' && ORIGIN.test(o))
      ? { value: [...new Set(list as string[])] }
      : { problem: 'origins: the web origins allowed to use the developer token, e.g. [https://music.example.com], at most 20' };
  },
};

export const SHARED: SharedRule = { window: { default: 2400, min: 1200, max: 3300 }, lifetime: 3600 };

export const refreshWindow: ProfileField = {
  name: 'refreshWindow',
  flag: 'refresh-window',
  placeholder: 'SECONDS',
  required: false,
  parse: (value) =>
    Number.isInteger(value) && (value as number) >= SHARED.window.min && (value as number) <= SHARED.window.max
      ? { value }
      : { problem: `refreshWindow: whole seconds from ${SHARED.window.min} (Apple refuses changing a connection's token more often than every 20 minutes) to ${SHARED.window.max} (a token must be replaced before Apple's hour is up)` },
};

export const clientId: RequestField = {
  name: 'clientId',
  flag: 'client-id',
  resolve: (requested, profile) => {
    const allowed = (profile.clientIds ?? []) as string[];
    if (requested === undefined) {
      return allowed.length === 1 ? { value: allowed[0] } : { refused: 'missing', detail: 'This profile signs for several client IDs: name one with "clientId".' };
    }
    if (!reverseDns(requested)) return { refused: 'malformed', detail: 'clientId must be a Services ID or app ID such as com.example.web.' };
    return allowed.includes(requested) ? { value: requested } : { refused: 'not_granted', detail: 'The profile does not sign for this clientId; GET /v1/profiles lists its clientIds.' };
  },
};

