/**
 * The output sanitiser (src/client/ci-text.ts) against a port of GitHub's runner's two command parsers
 * (test/helpers/runner-commands.ts): whatever text is printed, in whatever pieces, no line of the output is a
 * workflow command, and no control character (but the line feed), escape sequence, bidi override or ignorable
 * character is left; text that needs none of this passes unchanged. Issue #20, finding 1.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { OutputGuard, defuse, escapeData, escapeProperty, printable, workflowCommand } from '../../src/client/ci-text.ts';
import { REGISTERED_COMMANDS, commandsIn, readLines, tryParseLegacy, tryParseV2 } from '../helpers/runner-commands.ts';

const RUNS = Number(process.env.FUZZ_RUNS ?? 300);
/** Controls, format and ignorable characters, separators: none may be printed (the line feed aside, in output). */
const UNSAFE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Default_Ignorable_Code_Point}]/u;
/** .NET white space the runner trims, and characters that look like nothing. */
const SPACES = ['\t', ' ', '\u000b', '\u000c', '\u0085', '\u00a0', '\u1680', '\u2000', '\u2007', '\u200a', '\u2028', '\u2029', '\u202f', '\u205f', '\u3000', '\u200b', '\u200d', '\u00ad', '\ufeff', '\u2060', '\u180e'];
/** Pieces attacks are made of. */
const PIECES = [':', '::', '#', '##', '##[', '[', ']', '\n', '\r', '\r\n', '\x1b', '\x1b[K', '\r\x1b[K', '\x1b]8;;https://evil.example\x07', '\x9b', '\u202e', '\u2066', '\u061c', 'add-mask', 'stop-commands', 'a', 'x y', '%0A', ...SPACES];
const hostile = fc.array(fc.oneof(fc.constantFrom(...PIECES), fc.string({ maxLength: 4 }), fc.string({ unit: 'binary', maxLength: 3 })), { maxLength: 24 }).map((parts) => parts.join(''));

describe('the runner\'s parsers, as ported', () => {
  it('read what the runner reads: `::` after leading white space, `##[` anywhere, names case-insensitively, lines at LF, CR and CRLF', () => {
    const registered = new Set(REGISTERED_COMMANDS);
    assert.equal(tryParseV2('  \t::add-mask::secret', registered)?.data, 'secret');
    assert.equal(tryParseV2('\u00a0::ADD-MASK::x', registered)?.command, 'ADD-MASK');
    assert.deepEqual(tryParseV2('::error title=a%3Ab,file=x::m%0Ae', registered), { command: 'error', properties: { title: 'a:b', file: 'x' }, data: 'm\ne', form: 'v2', line: '::error title=a%3Ab,file=x::m%0Ae' });
    assert.equal(tryParseV2('x ::add-mask::y', registered), undefined);
    assert.equal(tryParseV2('::nope::y', registered), undefined);
    assert.equal(tryParseV2('::add-mask', registered), undefined, 'no second ::');
    assert.equal(tryParseLegacy('Payload/##[stop-commands]pause1.app/Info.plist', registered)?.data, 'pause1.app/Info.plist');
    assert.equal(tryParseLegacy('x ##[add-mask]y', registered)?.command, 'add-mask');
    assert.equal(tryParseLegacy('##[add-mask', registered), undefined);
    assert.equal(tryParseV2(':\u200b:add-mask::y', registered), undefined, 'ordinal');
    assert.equal(tryParseV2(':\u200b:add-mask::y', registered, { culture: true })?.data, 'y', 'culture-sensitive: U+200B is ignored');
    assert.equal(tryParseLegacy('#\u00ad#[add-mask]y', registered, { culture: true })?.data, 'y');
    assert.deepEqual(readLines('a\r\nb\rc\nd'), ['a', 'b', 'c', 'd']);
    assert.deepEqual(commandsIn('ok\r::add-mask::x\n##[warning]w').map((c) => [c.command, c.data]), [['add-mask', 'x'], ['warning', 'w']]);
  });
});

describe('printable: text from elsewhere as one line', () => {
  it('replaces every control, escape, bidi and ignorable character with a space, and bounds the length', () => {
    assert.equal(printable('a\nb\rc\td\x1b[2Je\x07f\x9bg\u0085h\u2028i\u202ej\u2066k\u200bl\u00adm\ufeffn\ufe0fo', 100), 'a b c d [2Je f g h i j k l m n o');
    assert.equal(printable('abcdef', 3), 'abc…');
    assert.equal(printable('abc', 3), 'abc');
    assert.equal(printable('', 3), '');
  });

  it('defuses a command at its start (after white space) and a `##[` anywhere', () => {
    assert.equal(printable('::add-mask::build', 100), ': :add-mask::build');
    assert.equal(printable(' \u3000\t::stop-commands::x', 100), ' \u3000 : :stop-commands::x');
    assert.equal(printable('\n::add-mask::x', 100), ' : :add-mask::x');
    assert.equal(printable('x::y', 100), 'x::y', 'a `::` inside a line is no command');
    assert.equal(printable('Payload/##[stop-commands]pause1.app', 100), 'Payload/# #[stop-commands]pause1.app');
    assert.equal(printable('###[a]####[b]', 100), '## #[a]### #[b]');
    assert.equal(printable('#\u200b#[x]', 100), '# #[x]');
  });

  it('fuzzed: one line, nothing unsafe, no command for either parser (ordinal or culture-sensitive)', () => {
    fc.assert(
      fc.property(hostile, fc.integer({ min: 0, max: 40 }), (text, max) => {
        const out = printable(text, max);
        assert.doesNotMatch(out, UNSAFE);
        assert.ok(out.length <= max + 1);
        assert.deepEqual(commandsIn(out), [], JSON.stringify(out));
      }),
      { numRuns: RUNS },
    );
  });
});

describe('OutputGuard: a printer\'s last step', () => {
  const writeAll = (guard: OutputGuard, parts: string[]) => parts.map((part) => guard.clean(part)).join('');

  it('passes ordinary output unchanged, line breaks included', () => {
    const text = 'asc-token: bad_response: refused\nhint: check --url: it must be https://x.example/prod\n{\n  "a": "b::c"\n}\n';
    assert.equal(new OutputGuard().clean(text), text);
  });

  it('defuses commands at any line start and `##[` anywhere, and removes escapes (a CR is no line end then)', () => {
    assert.equal(new OutputGuard().clean('ok\n  ::add-mask::x\r::stop-commands::y\n##[warning]w\x1b]0;t\x07\n'), 'ok\n  : :add-mask::x ::stop-commands::y\n# #[warning]w ]0;t \n');
  });

  it('across writes: a line begun by one write and finished by the next is checked as one line', () => {
    assert.deepEqual(commandsIn(writeAll(new OutputGuard(), ['  ', '::add-mask::x\n'])), []);
    assert.deepEqual(commandsIn(writeAll(new OutputGuard(), [':', ':add-mask::x\n'])), []);
    assert.deepEqual(commandsIn(writeAll(new OutputGuard(), ['a #', '#[add-mask]x\n'])), []);
    assert.deepEqual(commandsIn(writeAll(new OutputGuard(), ['a ##', '[add-mask]x\n'])), []);
    assert.equal(writeAll(new OutputGuard(), [':', 'x\n', ':', ':', 'y']), ':x\n: :y');
    assert.equal(writeAll(new OutputGuard(), ['a:', ':b']), 'a::b', 'not at a line start');
    assert.equal(writeAll(new OutputGuard(), ['a #', '#[x]']), 'a # #[x]');
    assert.equal(writeAll(new OutputGuard(), ['a ##', '[x]']), 'a ## [x]');
    assert.equal(writeAll(new OutputGuard(), ['a', ' ##[x] ##[y]']), 'a # #[x] # #[y]', 'mid-line, every one');
    assert.equal(writeAll(new OutputGuard(), ['ab', 'c', '::d']), 'abc::d', 'a line begun two writes ago');
    assert.equal(writeAll(new OutputGuard(), ['  ', '\t', '::d']), '   : :d', 'blank so far (a tab is printed as a space)');
    assert.equal(writeAll(new OutputGuard(), [' :', ' :d']), ' : :d', 'a colon, then more');
    assert.equal(writeAll(new OutputGuard(), [':x', ':d']), ':x:d');
  });

  it('keeps a terminal\'s redraw (\\r ESC [K) only when asked (stderr on a terminal), as a line start', () => {
    assert.equal(new OutputGuard({ redraw: true }).clean('\r\x1b[K[##--] 50%'), '\r\x1b[K[##--] 50%');
    assert.equal(new OutputGuard().clean('\r\x1b[K[##--] 50%'), '  [K[##--] 50%');
    assert.equal(new OutputGuard({ redraw: true }).clean('x\r\x1b[K::add-mask::y\r\x1b[2J'), 'x\r\x1b[K: :add-mask::y  [2J');
  });

  it('midLine and lineWritten: where a workflow command may be written beside it', () => {
    const guard = new OutputGuard();
    assert.equal(guard.midLine, false);
    guard.clean('a');
    assert.equal(guard.midLine, true);
    guard.clean('\n');
    assert.equal(guard.midLine, false);
    guard.clean(' ');
    assert.equal(guard.midLine, true, 'white space begins a line too');
    guard.lineWritten();
    assert.equal(guard.midLine, false);
  });

  it('fuzzed, in pieces: no line of the whole output is a command for either parser, nothing unsafe but LF', () => {
    fc.assert(
      fc.property(fc.array(hostile, { maxLength: 8 }), fc.boolean(), (parts, redraw) => {
        const out = writeAll(new OutputGuard({ redraw }), parts);
        assert.doesNotMatch(redraw ? out.replaceAll('\r\x1b[K', '\n') : out, /(?!\n)[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Default_Ignorable_Code_Point}]/u);
        assert.deepEqual(commandsIn(out), [], JSON.stringify(out));
      }),
      { numRuns: RUNS * 3 },
    );
  });
});

describe('workflowCommand: the commands the CLI and the Action issue', () => {
  const registered = new Set(REGISTERED_COMMANDS);
  it('reads back as exactly that command, its data one printable line', () => {
    const token = 'eyJhbGciOiJFUzI1NiJ9.eyJleHAiOjF9.c2lnbmF0dXJl';
    assert.equal(workflowCommand('add-mask', token), `::add-mask::${token}`);
    assert.deepEqual(commandsIn(`${workflowCommand('add-mask', token)}\n`, { registered }).map((c) => [c.command, c.data]), [['add-mask', token]]);
    const line = workflowCommand('error', 'refused: 50%\n::add-mask::x\x1b[2J ##[stop-commands]y', { title: 'asc-token-vending: a, b' });
    assert.equal(line, '::error title=asc-token-vending%3A a%2C b::refused: 50%25 ::add-mask::x [2J # #[stop-commands]y');
    assert.deepEqual(commandsIn(line, { registered }).map((c) => [c.command, c.properties, c.data]), [['error', { title: 'asc-token-vending: a, b' }, 'refused: 50% ::add-mask::x [2J # #[stop-commands]y']]);
  });

  it('escapes as the toolkit does', () => {
    assert.equal(escapeData('a%b\r\nc:d,e'), 'a%25b%0D%0Ac:d,e');
    assert.equal(escapeProperty('a%b\r\nc:d,e'), 'a%25b%0D%0Ac%3Ad%2Ce');
    assert.equal(defuse('\t::x'), '\t: :x');
  });
});
