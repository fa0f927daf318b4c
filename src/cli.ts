#!/usr/bin/env node
/** Entry of `dist/cli.mjs` and the package's `asc-token` bin. */
import { main } from './cli/main.ts';

// A reader that stops early (`asc-token policy check | head -1`) closes the pipe: what is left to print goes nowhere,
// quietly, as with any Unix tool, and the command ends with its own exit code rather than a stack trace for EPIPE.
const closed = { stdout: false, stderr: false };
for (const name of ['stdout', 'stderr'] as const) {
  process[name].on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    closed[name] = true;
  });
}

const code = await main(process.argv.slice(2), {
  stdout: (text) => void (closed.stdout || process.stdout.write(text)),
  stderr: (text) => void (closed.stderr || process.stderr.write(text)),
  env: process.env,
  cwd: process.cwd(),
  now: Date.now,
  stderrIsTTY: process.stderr.isTTY === true,
  columns: process.stderr.columns,
});
process.exitCode = code;
