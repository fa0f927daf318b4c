// The load generator, in its own process: keep-alive HTTP/1.1 clients replaying one pre-signed request (a SigV4
// signature stays valid for 15 minutes, so the server's checks run in full on every request while the client
// spends nothing on signing). Prints JSON: requests, errors, seconds, latencies p50/p99 in ms.
import http from 'node:http';

const { url, headers, body, seconds, concurrency } = JSON.parse(process.argv[2]);
const target = new URL(url);
const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
const latencies = [];
let errors = 0;
const deadline = performance.now() + seconds * 1000;

function once() {
  return new Promise((resolve) => {
    const start = performance.now();
    const req = http.request({ host: target.hostname, port: target.port, path: target.pathname, method: 'POST', headers, agent }, (res) => {
      res.resume();
      res.on('end', () => {
        if (res.statusCode !== 200) errors++;
        latencies.push(performance.now() - start);
        resolve();
      });
    });
    req.on('error', () => {
      errors++;
      resolve();
    });
    req.end(body);
  });
}

const started = performance.now();
await Promise.all(Array.from({ length: concurrency }, async () => {
  while (performance.now() < deadline) await once();
}));
const elapsed = (performance.now() - started) / 1000;
latencies.sort((a, b) => a - b);
const at = (q) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? NaN;
process.stdout.write(JSON.stringify({ requests: latencies.length, errors, seconds: elapsed, p50: at(0.5), p99: at(0.99) }));
agent.destroy();
