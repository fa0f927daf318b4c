/**
 * Structured JSON logs, one line per record, as CloudWatch Logs Insights reads them. Audit records carry
 * `tokenSha256`, never the token; nothing here is ever handed key material.
 */

export type LogLevel = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | 'SILENT';
const ORDER: Record<LogLevel, number> = { DEBUG: 10, INFO: 20, WARN: 30, ERROR: 40, SILENT: 100 };

export const LOG_LEVELS = Object.keys(ORDER) as LogLevel[];

export type LogSink = (line: string) => void;

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  /** A record that is always written, whatever the level: one per decision. */
  audit(fields: object): void;
  /**
   * Render an audit record now and write it later, with `last` (fields not already in it) appended: a caller
   * can do the rendering while it waits on something else (a signature on the thread pool).
   */
  prepareAudit(fields: object): (last: Record<string, string>) => void;
}

export const stdoutSink: LogSink = (line) => {
  process.stdout.write(`${line}\n`);
};

export function createLogger(options: { level?: LogLevel; sink?: LogSink; service?: string; now?: () => number } = {}): Logger {
  const threshold = ORDER[options.level ?? 'INFO'];
  const sink = options.sink ?? stdoutSink;
  const service = options.service ?? 'asc-token-vending';
  const now = options.now ?? Date.now;
  const serviceJson = JSON.stringify(service);
  const render = (level: Exclude<LogLevel, 'SILENT'> | 'AUDIT', message: string, fields?: object) => {
    // The replacer (errors, buffers, keys) costs a quarter of a warm request when applied to every record, and
    // audit records (the hot path) hold only strings and numbers: use it only where a field needs it.
    const json = (value: object) => (fields !== undefined && anyNeedsReplacer(fields) ? JSON.stringify(value, replacer) : JSON.stringify(value));
    const timestamp = new Date(now()).toISOString();
    if (fields !== undefined && !plainFields(fields)) return json({ timestamp, level, service, message, ...fields });
    // The common four serialised as text and the fields as they are: the same line as serialising the merged
    // record, without copying two dozen fields into it first (BENCHMARKS.md, warm path).
    const head = `{"timestamp":"${timestamp}","level":"${level}","service":${serviceJson},"message":${JSON.stringify(message)}`;
    const body = fields === undefined ? '{}' : json(fields);
    return body === '{}' ? `${head}}` : `${head},${body.slice(1)}`;
  };
  const at = (level: Exclude<LogLevel, 'SILENT'>) => (message: string, fields?: Record<string, unknown>) => {
    if (ORDER[level] >= threshold) sink(render(level, message, fields));
  };
  return {
    debug: at('DEBUG'),
    info: at('INFO'),
    warn: at('WARN'),
    error: at('ERROR'),
    audit: (fields) => sink(render('AUDIT', 'audit', fields)),
    prepareAudit: (fields) => {
      const line = render('AUDIT', 'audit', fields);
      return (last) => {
        let tail = '';
        for (const [name, value] of Object.entries(last)) tail += `,${JSON.stringify(name)}:${JSON.stringify(value)}`;
        sink(`${line.slice(0, -1)}${tail}}`);
      };
    },
  };
}

/** Fields that serialise on their own as they would inside the record: a plain object naming none of its four. */
function plainFields(fields: object): boolean {
  return Object.getPrototypeOf(fields) === Object.prototype && !('timestamp' in fields || 'level' in fields || 'service' in fields || 'message' in fields || 'toJSON' in fields);
}

/** Whether a field holds an object (an error): a loop, not `Object.values(…).some`, which copies on every record. */
function anyNeedsReplacer(fields: object): boolean {
  for (const name in fields) if (needsReplacer((fields as Record<string, unknown>)[name])) return true;
  return false;
}

function needsReplacer(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Errors become {name, message, code, cause} rather than `{}`; KeyObjects and Buffers are never serialised. */
function replacer(_key: string, value: unknown): unknown {
  if (value instanceof Error) {
    const out: Record<string, unknown> = { name: value.name, message: value.message };
    const code = (value as { code?: unknown }).code;
    if (code !== undefined) out.code = code;
    const reason = (value as { reason?: unknown }).reason;
    if (reason !== undefined) out.reason = reason;
    if (value.cause !== undefined) out.cause = value.cause;
    return out;
  }
  if (typeof value === 'object' && value !== null && (Buffer.isBuffer(value) || value.constructor?.name === 'KeyObject' || value.constructor?.name === 'PrivateKeyObject')) {
    return '[redacted]';
  }
  return value;
}
