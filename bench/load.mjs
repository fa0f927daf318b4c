// The load generator, in its own process: keep-alive HTTP/1.1 connections, each replaying one pre-signed request
// and waiting for its response before sending the next (a SigV4 signature stays valid for 15 minutes, so the
// server's checks run in full on every request while the client spends nothing on signing). The request bytes
// are built once and responses are read by their Content-Length, so the client costs the shared two cores as
// little as it can: node's HTTP client spent ~190 µs of CPU per request here, a fifth of the machine at 3,000/s.
// Prints JSON: requests, errors, seconds, latencies p50/p99 in ms.
import net from 'node:net';

const { url, headers, body, seconds, concurrency } = JSON.parse(process.argv[2]);
const target = new URL(url);
const payload = Buffer.from(body);
const head = [`POST ${target.pathname}${target.search} HTTP/1.1`, ...Object.entries({ ...headers, 'content-length': String(payload.length), connection: 'keep-alive' }).map(([name, value]) => `${name}: ${value}`)];
const request = Buffer.concat([Buffer.from(`${head.join('\r\n')}\r\n\r\n`), payload]);
const latencies = [];
let errors = 0;
const deadline = performance.now() + seconds * 1000;

/** One connection: send, read one whole response, repeat until the deadline. */
function connection() {
  return new Promise((resolve) => {
    const socket = net.connect({ host: target.hostname, port: Number(target.port) });
    socket.setNoDelay(true);
    let buffered = Buffer.alloc(0);
    let start = 0;
    let done = false;
    const send = () => {
      if (performance.now() >= deadline) {
        done = true;
        return socket.end();
      }
      start = performance.now();
      socket.write(request);
    };
    socket.on('connect', send);
    socket.on('data', (chunk) => {
      buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
      const end = buffered.indexOf('\r\n\r\n');
      if (end < 0) return;
      const headText = buffered.subarray(0, end).toString('latin1');
      const length = Number(/\r\ncontent-length:\s*(\d+)/i.exec(headText)?.[1] ?? Number.NaN);
      if (!Number.isFinite(length)) {
        errors++;
        return socket.destroy();
      }
      if (buffered.length < end + 4 + length) return;
      if (!headText.startsWith('HTTP/1.1 200 ')) errors++;
      latencies.push(performance.now() - start);
      buffered = buffered.subarray(end + 4 + length);
      send();
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      // Closed before the deadline, by the server or an error: the request in flight failed.
      if (!done) errors++;
      resolve();
    });
  });
}

const started = performance.now();
await Promise.all(Array.from({ length: concurrency }, connection));
const elapsed = (performance.now() - started) / 1000;
latencies.sort((a, b) => a - b);
const at = (q) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? Number.NaN;
process.stdout.write(JSON.stringify({ requests: latencies.length, errors, seconds: elapsed, p50: at(0.5), p99: at(0.99), cpuMs: process.cpuUsage().user / 1000 + process.cpuUsage().system / 1000 }));
