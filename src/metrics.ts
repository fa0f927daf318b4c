/**
 * CloudWatch metrics as Embedded Metric Format log lines: no API call, no extra latency, CloudWatch extracts them
 * from the log stream.
 */
import type { LogSink } from './log.ts';

export interface Metrics {
  count(name: string, dimensions?: Record<string, string>, value?: number): void;
  timing(name: string, milliseconds: number, dimensions?: Record<string, string>): void;
}

export const METRIC_NAMESPACE = 'AscTokenVending';

export function createEmfMetrics(options: { sink: LogSink; namespace?: string; service?: string; now?: () => number }): Metrics {
  const namespace = options.namespace ?? METRIC_NAMESPACE;
  // In Lambda the function name tells stages (and accounts' several deployments) apart; alarms use it.
  const service = options.service ?? process.env.AWS_LAMBDA_FUNCTION_NAME ?? 'asc-token-vending';
  const now = options.now ?? Date.now;
  const emit = (name: string, unit: string, value: number, dimensions: Record<string, string>) => {
    const dims = { service, ...dimensions };
    options.sink(
      JSON.stringify({
        _aws: {
          Timestamp: now(),
          // Two dimension sets: the total per service (what alarms watch) and the breakdown (by reason, profile…).
          CloudWatchMetrics: [{ Namespace: namespace, Dimensions: Object.keys(dimensions).length > 0 ? [['service'], Object.keys(dims)] : [['service']], Metrics: [{ Name: name, Unit: unit }] }],
        },
        ...dims,
        [name]: value,
      }),
    );
  };
  return {
    count: (name, dimensions = {}, value = 1) => emit(name, 'Count', value, dimensions),
    timing: (name, milliseconds, dimensions = {}) => emit(name, 'Milliseconds', milliseconds, dimensions),
  };
}
