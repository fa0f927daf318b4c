// One cold container: import the bundle, answer one mint request, print the marker, exit.
const { handler } = await import(process.env.BENCH_HANDLER);
const response = await handler(JSON.parse(process.env.BENCH_EVENT), { awsRequestId: 'bench' });
process.stdout.write(`@@${response.statusCode}\n`);
process.exit(0);
