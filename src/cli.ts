#!/usr/bin/env node
/** Entry of `dist/cli.mjs` and the package's `asc-token` bin. */
import { main } from './cli/main.ts';

const code = await main(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  env: process.env,
  cwd: process.cwd(),
  now: Date.now,
  stderrIsTTY: process.stderr.isTTY === true,
  columns: process.stderr.columns,
});
process.exitCode = code;
