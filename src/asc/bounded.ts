/**
 * Reading an HTTP answer with a cap: a `Content-Length` over it is refused before a byte is read, and a body that
 * grows past it is cancelled as soon as it does — the rest is never received, so a hostile or broken server cannot
 * make the CLI hold (or wait for) gigabytes. Apple's API answers through it (src/asc/api.ts, 8 MiB), as the token
 * client's (1 MiB, src/client/http.ts) and the notary log's (16 MiB, src/asc/notary.ts) are capped.
 */

/** A body larger than the cap (the message names the cap, never the body). */
export class AnswerTooLarge extends Error {
  override readonly name = 'AnswerTooLarge';
  constructor(readonly maxBytes: number) {
    super(`more than ${maxBytes} bytes`);
  }
}

/**
 * The body as UTF-8 text, at most `maxBytes` of it.
 * @throws AnswerTooLarge (the body is cancelled); whatever reading the body throws (a reset, the request's timeout).
 */
export async function readBounded(response: Response, maxBytes: number): Promise<string> {
  const declared = Number(response.headers.get('content-length') ?? Number.NaN);
  if (declared > maxBytes) {
    await response.body?.cancel().catch(() => {});
    throw new AnswerTooLarge(maxBytes);
  }
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => {});
      throw new AnswerTooLarge(maxBytes);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}
