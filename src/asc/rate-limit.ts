/**
 * Apple's request budget per key (App Store Connect API, "Identifying rate limits"): every answer carries
 * `X-Rate-Limit: user-hour-lim:3500;user-hour-rem:3499;`, the key's hourly limit and what is left of it; past it Apple
 * answers 429 `RATE_LIMIT_EXCEEDED`. The client reads it on every answer so that a long job can say how much budget
 * it leaves (`--verbose`, `--output json`) and wait, rather than fail, when Apple asks it to.
 */

export interface RateLimit {
  /** Requests the key may make per hour. */
  hourlyLimit: number;
  /** Requests left in the current hour. */
  remaining: number;
}

/** The header's value, or undefined when it is absent or not in Apple's form. */
export function parseRateLimit(value: string | null | undefined): RateLimit | undefined {
  if (typeof value !== 'string' || value.length > 256) return undefined;
  const fields = new Map<string, number>();
  for (const part of value.split(';')) {
    const match = /^\s*([a-z-]+)\s*:\s*(\d{1,9})\s*$/.exec(part);
    if (match) fields.set(match[1] as string, Number(match[2]));
  }
  const hourlyLimit = fields.get('user-hour-lim');
  const remaining = fields.get('user-hour-rem');
  if (hourlyLimit === undefined || remaining === undefined) return undefined;
  return { hourlyLimit, remaining: Math.min(remaining, hourlyLimit) };
}
