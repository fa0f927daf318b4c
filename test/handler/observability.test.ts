/**
 * The log and metric lines, byte for byte where it matters: both are rendered from cached or pre-rendered text on
 * the hot path (BENCHMARKS.md), and must still be exactly what serialising the record would give.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createLogger } from '../../src/log.ts';
import { createEmfMetrics } from '../../src/metrics.ts';

const NOW = Date.UTC(2026, 10, 22, 10, 0, 0);

describe('audit records', () => {
  const record = { event: 'token.decision', requestId: 'r-1', principal: 'arn:aws:iam::123456789012:role/ci', session: undefined, userAgent: 'curl/8 "quoted" \u2028', scope: ['GET /v1/apps'], ttl: 600 };

  it('a prepared record, completed later, is the record written at once', () => {
    const lines: string[] = [];
    const logger = createLogger({ sink: (line) => lines.push(line), now: () => NOW });
    logger.audit({ ...record, tokenSha256: 'ab'.repeat(32), decision: 'issued' });
    logger.prepareAudit(record)({ tokenSha256: 'ab'.repeat(32), decision: 'issued' });
    assert.equal(lines.length, 2);
    assert.equal(lines[1], lines[0]);
    assert.deepEqual(Object.keys(JSON.parse(lines[0] as string)).slice(0, 5), ['timestamp', 'level', 'service', 'message', 'event']);
  });

  it('every record is exactly the serialised merge of the common four and its fields, whatever the fields', () => {
    class Detail {
      constructor(readonly note: string) {}
    }
    const error = Object.assign(new Error('boom'), { code: 'E_X' });
    const cases: Array<Record<string, unknown> | undefined> = [
      undefined,
      {},
      { only: undefined },
      record,
      { requestId: 'r-2', error },
      { message: 'overrides the message', level: 'x', timestamp: 'then', service: 'other' },
      { toJSON: () => ({ replaced: true }) },
      new Detail('a class instance') as unknown as Record<string, unknown>,
      Object.assign(Object.create(null), { bare: 1 }),
    ];
    for (const service of [undefined, 'svc "quoted" \u2028']) {
      const lines: string[] = [];
      const logger = createLogger({ sink: (line) => lines.push(line), now: () => NOW, ...(service === undefined ? {} : { service }) });
      for (const fields of cases) logger.warn('a "message" \u2028 é', fields);
      const parsed = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
      cases.forEach((fields, i) => {
        const expected = JSON.parse(JSON.stringify({ timestamp: new Date(NOW).toISOString(), level: 'WARN', service: service ?? 'asc-token-vending', message: 'a "message" \u2028 é', ...fields }, (_key, value: unknown) => (value instanceof Error ? { name: value.name, message: value.message, code: (value as { code?: unknown }).code } : value))) as Record<string, unknown>;
        assert.deepEqual(parsed[i], expected, `case ${i}`);
        assert.deepEqual(Object.keys(parsed[i]!), Object.keys(expected), `case ${i}: the same keys in the same order`);
      });
      assert.ok(lines.every((line) => !/"(timestamp|level|service|message)":.*"\1":/.test(line)), 'no key twice in a line');
    }
  });

  it('a prepared record that is never completed writes nothing', () => {
    const lines: string[] = [];
    createLogger({ sink: (line) => lines.push(line) }).prepareAudit(record);
    assert.deepEqual(lines, []);
  });

  it('audit records are written whatever the level; other records only at or above it', () => {
    const lines: string[] = [];
    const logger = createLogger({ level: 'SILENT', sink: (line) => lines.push(line) });
    logger.error('not written');
    logger.audit({ event: 'x' });
    assert.deepEqual(lines.map((line) => JSON.parse(line).level), ['AUDIT']);
  });
});

describe('EMF metric lines', () => {
  const emit = () => {
    const lines: string[] = [];
    const metrics = createEmfMetrics({ sink: (line) => lines.push(line), service: 'svc', now: () => NOW });
    return { lines, metrics, records: () => lines.map((line) => JSON.parse(line)) };
  };

  it('are the Embedded Metric Format document, with a per-service total and the breakdown', () => {
    const { metrics, records } = emit();
    metrics.count('TokensIssued', { profile: 'release' });
    metrics.timing('KeyFetchLatency', 12.5);
    assert.deepEqual(records(), [
      {
        _aws: { Timestamp: NOW, CloudWatchMetrics: [{ Namespace: 'AscTokenVending', Dimensions: [['service'], ['service', 'profile']], Metrics: [{ Name: 'TokensIssued', Unit: 'Count' }] }] },
        service: 'svc',
        profile: 'release',
        TokensIssued: 1,
      },
      {
        _aws: { Timestamp: NOW, CloudWatchMetrics: [{ Namespace: 'AscTokenVending', Dimensions: [['service']], Metrics: [{ Name: 'KeyFetchLatency', Unit: 'Milliseconds' }] }] },
        service: 'svc',
        KeyFetchLatency: 12.5,
      },
    ]);
  });

  it('never mix up two dimension values, however alike (the rendered text is cached per metric and dimensions)', () => {
    const { metrics, records } = emit();
    const values = ['a', 'a\nb', 'a"b', 'b', 'a', '{"x":1}'];
    for (const value of values) metrics.count('TokensRefused', { reason: value }, 2);
    metrics.count('TokensRefused', { reason: 'a', profile: 'b' });
    metrics.count('TokensRefused', { profile: 'a', reason: 'b' });
    const out = records();
    assert.deepEqual(out.slice(0, values.length).map((r) => r.reason), values);
    assert.ok(out.every((r) => r.service === 'svc'));
    assert.deepEqual(out.slice(-2).map((r) => [r.reason, r.profile, r.TokensRefused]), [['a', 'b', 1], ['b', 'a', 1]]);
  });
});
