/** Capture every log line a component writes, parsed, for assertions and leak checks. */
import type { LogSink } from '../../src/log.ts';
import { trackOutput } from './leaks.ts';

export function captureLogs(): { sink: LogSink; lines: string[]; records: () => Array<Record<string, any>>; audits: () => Array<Record<string, any>> } {
  const lines: string[] = [];
  const records = () => lines.map((line) => JSON.parse(line));
  return { sink: (line) => (lines.push(line), trackOutput(line)), lines, records, audits: () => records().filter((r) => r.level === 'AUDIT') };
}
