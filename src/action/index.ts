/** The Action's entry: `node action/index.mjs`, as the runner runs it (see main.ts). */
import { run } from './main.ts';

process.exitCode = await run({ env: process.env, log: (text) => process.stdout.write(text) });
