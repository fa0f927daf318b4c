// KMS vs Secrets Manager, in one warm process: the built handler (dist/handler.mjs) with a policy holding a key in
// each source (both fakes on loopback in the parent process), interleaved rounds of (a) sequential requests, each
// timed: the latency a caller sees, and (b) a fixed concurrency for a fixed time: tokens per second. The order of
// the two sources alternates from round to round. Results go to the file BENCH_RESULTS names.
import { writeFileSync } from 'node:fs';

const { handler } = await import(process.env.BENCH_HANDLER);
const events = JSON.parse(process.env.BENCH_EVENTS);
const context = { awsRequestId: 'bench' };
for (const event of Object.values(events)) {
  const first = await handler(event, context);
  if (first.statusCode !== 200) throw new Error(`the handler answered ${first.statusCode}: ${first.body}`);
}
const sequential = Number(process.env.BENCH_SEQUENTIAL ?? 40);
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 16);
const windowMs = Number(process.env.BENCH_WINDOW_MS ?? 400);
const results = Object.fromEntries(Object.keys(events).map((name) => [name, { latencies: [], rates: [], cpuPerToken: [], errors: 0 }]));

async function call(name) {
  const response = await handler(events[name], context);
  if (response.statusCode !== 200) results[name].errors++;
}

async function rate(name) {
  let n = 0;
  const end = performance.now() + windowMs;
  const worker = async () => {
    while (performance.now() < end) {
      await call(name);
      n++;
    }
  };
  const started = performance.now();
  const cpu = process.cpuUsage();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const used = process.cpuUsage(cpu);
  // This process's CPU per token (main thread and the thread pool that signs): what the service spends, whoever
  // answers its KMS calls.
  results[name].cpuPerToken.push((used.user + used.system) / n);
  return (n / (performance.now() - started)) * 1000;
}

const order = Object.keys(events);
for (let round = 0; round < Number(process.env.BENCH_ROUNDS); round++) {
  for (const name of round % 2 === 0 ? order : [...order].reverse()) {
    for (let i = 0; i < sequential; i++) {
      const started = performance.now();
      await call(name);
      results[name].latencies.push(performance.now() - started);
    }
    results[name].rates.push(await rate(name));
  }
}
writeFileSync(process.env.BENCH_RESULTS, JSON.stringify(results));
