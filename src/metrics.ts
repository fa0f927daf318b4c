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
  // Everything but the timestamp and the value repeats from one request to the next (names and dimension values
  // come from the code and the policy): serialise it once per metric and dimension set.
  const middles = new Map<string, string>();
  /** The line between the timestamp and the value: `,"CloudWatchMetrics":[…]},"service":…,"Name":`. */
  const middle = (name: string, unit: string, dimensions: Record<string, string>): string => {
    const key = `${name}\n${unit}\n${JSON.stringify(dimensions)}`;
    let text = middles.get(key);
    if (text === undefined) {
      const dims = { service, ...dimensions };
      // Two dimension sets: the total per service (what alarms watch) and the breakdown (by reason, profile…).
      const directives = [{ Namespace: namespace, Dimensions: Object.keys(dimensions).length > 0 ? [['service'], Object.keys(dims)] : [['service']], Metrics: [{ Name: name, Unit: unit }] }];
      text = `,"CloudWatchMetrics":${JSON.stringify(directives)}},${JSON.stringify(dims).slice(1, -1)},${JSON.stringify(name)}:`;
      if (middles.size >= 256) middles.clear();
      middles.set(key, text);
    }
    return text;
  };
  // Only the timestamp and the value change from one request to the next (metric names and dimension values come
  // from the code and the policy), so the rest of each line is serialised once.
  const emit = (name: string, unit: string, value: number, dimensions: Record<string, string>) => {
    options.sink(`{"_aws":{"Timestamp":${now()}${middle(name, unit, dimensions)}${JSON.stringify(value)}}`);
  };
  return {
    count: (name, dimensions = {}, value = 1) => emit(name, 'Count', value, dimensions),
    timing: (name, milliseconds, dimensions = {}) => emit(name, 'Milliseconds', milliseconds, dimensions),
  };
}
