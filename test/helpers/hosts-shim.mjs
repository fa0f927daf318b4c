/**
 * Loaded with `node --import` into a CLI process under test: the host names listed in ASC_TEST_LOOPBACK_HOSTS
 * (comma-separated) resolve to 127.0.0.1, as a hosts file would say — so the CLI can talk to "Apple's" https API
 * while the tests still talk only to loopback (test/helpers/apple-hosts.ts serves those names there over TLS).
 * Nothing else is changed: other names resolve as before.
 */
import dns from 'node:dns';

const names = new Set((process.env.ASC_TEST_LOOPBACK_HOSTS ?? '').split(',').filter(Boolean));
const lookup = dns.lookup;
dns.lookup = function (hostname, options, callback) {
  const done = typeof options === 'function' ? options : callback;
  const opts = typeof options === 'function' ? {} : typeof options === 'number' ? { family: options } : (options ?? {});
  if (!names.has(String(hostname).toLowerCase())) return lookup.call(this, hostname, options, callback);
  process.nextTick(() => (opts.all ? done(null, [{ address: '127.0.0.1', family: 4 }]) : done(null, '127.0.0.1', 4)));
};
