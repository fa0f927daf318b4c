/**
 * moto_server (with moto_server_plus.py's additions) on a free loopback port for the deployment tests, started from
 * the test and stopped by its PID; its output kept in `log` for failure messages. Missing moto fails loudly.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../helpers/ports.ts';

const here = dirname(fileURLToPath(import.meta.url));

export async function startMotoPlus(account: string, log: string[]): Promise<{ endpoint: string; process: ChildProcess }> {
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const moto = spawn('python3', [join(here, 'moto_server_plus.py'), '-H', '127.0.0.1', '-p', String(port)], { env: { ...process.env, MOTO_ACCOUNT_ID: account }, stdio: ['ignore', 'pipe', 'pipe'] });
  moto.stdout!.on('data', (chunk) => log.push(String(chunk)));
  moto.stderr!.on('data', (chunk) => log.push(String(chunk)));
  const exited = new Promise<number | null>((ok) => moto.on('exit', ok));
  // Wait for it to answer: up to 150 tries, 200 ms apart; fail at once if it exits.
  for (let attempt = 0; ; attempt++) {
    const ready = await fetch(`${endpoint}/moto-api/`).then((r) => r.ok, () => false);
    if (ready) break;
    const code = await Promise.race([exited, new Promise((ok) => setTimeout(() => ok('running'), 200))]);
    assert.equal(code, 'running', `moto_server exited (${code}): is moto installed for python3? ${log.join('').slice(-2000)}`);
    assert.ok(attempt < 150, `moto_server did not answer on ${endpoint}`);
  }
  return { endpoint, process: moto };
}
