/**
 * The proxy variables' rules (src/net/proxy.ts): which variable a URL reads, what a proxy URL may be, and NO_PROXY —
 * mostly what does not match, and the edges curl documents.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { proxyConfigured } from '../../src/net/outbound.ts';
import { ProxySettingError, agentFor, isThisMachine, noProxyMatches, parseProxy, proxyVariable } from '../../src/net/proxy.ts';

const matches = (list: string, host: string, port = 443) => noProxyMatches(list, host, port);

describe('NO_PROXY', () => {
  it('a name matches itself and the names under it, with or without a leading dot or *., in any case', () => {
    for (const entry of ['example.com', '.example.com', '*.example.com', 'EXAMPLE.com', 'example.com.']) {
      assert.equal(matches(entry, 'example.com'), true, `${entry} ↔ example.com`);
      assert.equal(matches(entry, 'api.eu.Example.com'), true, `${entry} ↔ api.eu.example.com`);
      assert.equal(matches(entry, 'example.com.'), true, `${entry} ↔ example.com. (the root's dot)`);
    }
  });

  it('refuses look-alikes: another name that merely ends the same, a longer suffix, a partial label', () => {
    assert.equal(matches('example.com', 'badexample.com'), false, 'badexample.com is not under example.com');
    assert.equal(matches('example.com', 'example.com.evil.test'), false, 'a name that only starts the same');
    assert.equal(matches('api.example.com', 'example.com'), false, 'a sub-domain entry does not match its parent');
    assert.equal(matches('ample.com', 'www.example.com'), false, "curl's own example");
    assert.equal(matches('com.', 'example.org'), false, 'another top-level domain');
    assert.equal(matches('*example.com', 'example.com'), false, 'only * alone or a leading *. is a wildcard');
    assert.equal(matches('exa*.com', 'example.com'), false, 'no wildcards inside names');
  });

  it('* matches every host, alone or as one entry; an empty list or blank entries match nothing', () => {
    assert.equal(matches('*', 'api.appstoreconnect.apple.com'), true, '*');
    assert.equal(matches('internal.corp, *', '10.1.2.3'), true, 'one entry *');
    for (const list of ['', ' ', ',,', ' , ']) assert.equal(matches(list, 'example.com'), false, `"${list}"`);
    assert.equal(matches('**', 'example.com'), false, '** is not *');
  });

  it('entries are separated by commas and white space', () => {
    assert.equal(matches('a.test,b.test', 'b.test'), true, 'comma');
    assert.equal(matches('a.test  b.test', 'b.test'), true, 'spaces');
    assert.equal(matches(' a.test ,\tb.test ', 'b.test'), true, 'both, padded');
  });

  it('in the list, loopback names are ordinary entries: localhost and 127.0.0.1 match only when listed (agentFor never proxies them anyway)', () => {
    assert.equal(matches('example.com', '127.0.0.1'), false, '127.0.0.1 unlisted');
    assert.equal(matches('example.com', 'localhost'), false, 'localhost unlisted');
    assert.equal(matches('localhost', '127.0.0.1'), false, 'localhost does not name 127.0.0.1');
    assert.equal(matches('127.0.0.1', 'localhost'), false, '127.0.0.1 does not name localhost');
    assert.equal(matches('localhost', 'localhost'), true, 'listed');
    assert.equal(matches('127.0.0.1', '127.0.0.1'), true, 'listed');
  });

  it('IP addresses compare as addresses (IPv6 with or without brackets, any spelling), never as name suffixes', () => {
    assert.equal(matches('::1', '[::1]'), true, '::1');
    assert.equal(matches('[::1]', '[::1]'), true, '[::1]');
    assert.equal(matches('0:0:0:0:0:0:0:1', '[::1]'), true, 'the long spelling');
    assert.equal(matches('0.0.1', '127.0.0.1'), false, 'a suffix of an address is not a match');
    assert.equal(matches('.0.0.1', '127.0.0.1'), false, 'nor with a dot');
    assert.equal(matches('127.0.0.2', '127.0.0.1'), false, 'another address');
    assert.equal(matches('127.0.0.1', '127.0.0.1.example.com'), false, 'an address does not match a name');
    assert.equal(matches('::1', '127.0.0.1'), false, 'families apart');
  });

  it('CIDR: an address with /BITS matches its network only; bad bits match nothing', () => {
    assert.equal(matches('10.0.0.0/8', '10.200.3.4'), true, '10/8');
    assert.equal(matches('10.0.0.0/8', '11.0.0.1'), false, 'outside 10/8');
    assert.equal(matches('192.168.1.77/24', '192.168.1.5'), true, 'host bits ignored');
    assert.equal(matches('fd00::/8', '[fd12::1]'), true, 'IPv6 network');
    assert.equal(matches('fd00::/8', '[fe80::1]'), false, 'outside it');
    for (const entry of ['10.0.0.0/33', '10.0.0.0/x', '10.0.0.0/8/8', 'example.com/8', '10.0.0.0/-1']) assert.equal(matches(entry, '10.0.0.1'), false, entry);
  });

  it('ENTRY:PORT matches on that port only; a bad port matches nothing', () => {
    assert.equal(matches('example.com:8443', 'api.example.com', 8443), true, 'the port');
    assert.equal(matches('example.com:8443', 'api.example.com', 443), false, 'another port');
    assert.equal(matches('127.0.0.1:9000', '127.0.0.1', 9000), true, 'an address and port');
    assert.equal(matches('127.0.0.1:9000', '127.0.0.1', 9001), false, 'the same address, another port');
    assert.equal(matches('[::1]:9000', '[::1]', 9000), true, '[v6]:port');
    assert.equal(matches('[::1]:9000', '[::1]', 80), false, '[v6]:other port');
    for (const entry of ['example.com:0', 'example.com:65536', 'example.com:https', 'example.com:', '[::1', '[::1]x']) assert.equal(matches(entry, 'example.com', 443) || matches(entry, '[::1]', 443), false, entry);
  });
});

describe('the proxy variables', () => {
  it('https: URLs read https_proxy, then HTTPS_PROXY; http: URLs read http_proxy only (never HTTP_PROXY, as curl)', () => {
    assert.deepEqual(proxyVariable('https:', { https_proxy: 'http://a:1', HTTPS_PROXY: 'http://b:1' }), { name: 'https_proxy', value: 'http://a:1' });
    assert.deepEqual(proxyVariable('https:', { https_proxy: '', HTTPS_PROXY: 'http://b:1' }), { name: 'HTTPS_PROXY', value: 'http://b:1' }, 'an empty variable is unset');
    assert.equal(proxyVariable('http:', { HTTP_PROXY: 'http://evil:1', HTTPS_PROXY: 'http://b:1' }), undefined, 'HTTP_PROXY may come from a CGI request header');
    assert.equal(proxyVariable('https:', { http_proxy: 'http://a:1' }), undefined, 'http_proxy is not for https');
    assert.equal(proxyVariable('ftp:', { https_proxy: 'http://a:1', http_proxy: 'http://a:1' }), undefined, 'no other scheme');
    assert.equal(proxyConfigured({ HTTP_PROXY: 'http://evil:1', ALL_PROXY: 'http://a:1', NO_PROXY: '*' }), false, 'nothing that names a proxy here');
    assert.equal(proxyConfigured({ http_proxy: 'http://a:1' }), true, 'http_proxy');
  });

  it('a proxy without a scheme is http://, without a port 1080 (http) or 443 (https), as curl; the path is dropped', () => {
    assert.equal(parseProxy('HTTPS_PROXY', 'proxy.corp').href, 'http://proxy.corp:1080/');
    assert.equal(parseProxy('HTTPS_PROXY', 'proxy.corp:3128').href, 'http://proxy.corp:3128/');
    assert.equal(parseProxy('HTTPS_PROXY', 'https://proxy.corp').href, 'https://proxy.corp/');
    assert.equal(parseProxy('HTTPS_PROXY', 'http://u%40x:p@proxy.corp:8080/some/path?q').href, 'http://u%40x:p@proxy.corp:8080/');
  });

  it('refuses a proxy it cannot use, naming the variable and never its value (which may hold a password)', () => {
    for (const value of ['socks5://user:s3cret@proxy:1080', 'socks5h://proxy', 'ftp://proxy', 'http://', 'http://user:s3cret@[bad', 'file:///etc/passwd']) {
      assert.throws(
        () => parseProxy('HTTPS_PROXY', value),
        (error: unknown) => error instanceof ProxySettingError && error.code === 'invalid_proxy' && /^HTTPS_PROXY is not a proxy/.test(error.message) && !error.message.includes('s3cret') && !error.message.includes('user'),
        value,
      );
    }
  });

  it('agentFor: none without a variable for the scheme or for a NO_PROXY host (the bad proxy then unread), one per proxy otherwise', () => {
    const https = new URL('https://api.appstoreconnect.apple.com/v1/apps');
    assert.equal(agentFor(https, { http_proxy: 'http://127.0.0.1:9' }), undefined, 'http_proxy only');
    assert.equal(agentFor(https, { HTTPS_PROXY: 'socks5://x', NO_PROXY: 'apple.com' }), undefined, 'listed in NO_PROXY: the proxy is not read');
    assert.equal(agentFor(https, { HTTPS_PROXY: 'http://127.0.0.1:9', no_proxy: 'apple.com', NO_PROXY: 'other.test' }) , undefined, 'no_proxy before NO_PROXY');
    const agent = agentFor(https, { HTTPS_PROXY: 'http://127.0.0.1:9' });
    assert.ok(agent, 'an agent');
    assert.equal(agentFor(new URL('https://other.test/'), { HTTPS_PROXY: 'http://127.0.0.1:9' }), agent, 'the same proxy, the same agent');
    assert.throws(() => agentFor(https, { HTTPS_PROXY: 'socks5://x' }), ProxySettingError);
  });

  it('this machine never gets a proxy, however written and whatever the variables; look-alike names and other addresses do', () => {
    const env = { HTTPS_PROXY: 'http://127.0.0.1:9', http_proxy: 'http://127.0.0.1:9' };
    for (const host of ['127.0.0.1', '127.8.9.10', 'localhost', 'LOCALHOST.', 'api.localhost', '[::1]', '[::]', '0.0.0.0', '[::ffff:7f00:1]', '[0:0:0:0:0:0:0:1]']) {
      for (const scheme of ['http', 'https']) assert.equal(agentFor(new URL(`${scheme}://${host}:8443/`), env), undefined, `${scheme}://${host}`);
    }
    for (const host of ['localhost.example.com', '127.example.com', '10.0.0.1', '1.2.3.127', '[::2]', '[::ffff:a00:1]', 'example.localhost.com']) {
      assert.equal(isThisMachine(new URL(`https://${host}/`).hostname), false, host);
      assert.ok(agentFor(new URL(`https://${host}/`), env), `${host} gets the proxy`);
    }
  });
});

