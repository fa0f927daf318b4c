// One cold container: import the bundle, answer one mint request, print the marker with the import and
// first-request times (ms), exit.
const started = performance.now();
const { handler } = await import(process.env.BENCH_HANDLER);
const imported = performance.now();
const response = await handler(JSON.parse(process.env.BENCH_EVENT), { awsRequestId: 'bench' });
const answered = performance.now();
process.stdout.write(`@@${response.statusCode} ${(imported - started).toFixed(2)} ${(answered - imported).toFixed(2)}\n`);
process.exit(0);
