/** Loaded with --import for every test file: fails the file when any tracked output leaked a key or a token. */
import { findLeaks, trackedCounts } from './leaks.ts';

process.on('beforeExit', () => {
  const leaks = findLeaks();
  if (leaks.length > 0) {
    process.stderr.write(`LEAK CHECK FAILED (${JSON.stringify(trackedCounts())}):\n${leaks.map((l) => `  - ${l}`).join('\n')}\n`);
    process.exitCode = 1;
  }
});
