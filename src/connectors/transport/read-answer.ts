import type { Dispatcher } from 'undici';
import type { TransportAnswer } from './transport.ts';

const defaultMaxBytes = 8 * 1024 * 1024;

/** Reads a whole answer, refusing one larger than `maxBytes` without buffering the rest. */
export async function readAnswer(res: Dispatcher.ResponseData, maxBytes = defaultMaxBytes): Promise<TransportAnswer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of res.body) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) {
      res.body.destroy();
      throw new Error(`answer larger than ${maxBytes} bytes`);
    }
    chunks.push(chunk as Buffer);
  }
  const bytes = Buffer.concat(chunks);
  return { statusCode: res.statusCode, headers: res.headers, bytes, text: bytes.toString('utf8') };
}
