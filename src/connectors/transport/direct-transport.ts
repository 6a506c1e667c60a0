import { Pool } from 'undici';
import { readAnswer } from './read-answer.ts';
import type { Transport, TransportAnswer, TransportCall } from './transport.ts';

/** Calls the system at its own base URL. */
export class DirectTransport implements Transport {
  readonly via = 'direct';
  private readonly pool: Pool;

  constructor(baseUrl: string, connections: number) {
    this.pool = new Pool(baseUrl, { connections });
  }

  async call(call: TransportCall): Promise<TransportAnswer> {
    call.notAfter?.throwIfAborted();
    const res = await this.pool.request({
      path: call.path,
      method: call.method ?? 'POST',
      headers: call.headers,
      body: call.body,
      signal: AbortSignal.timeout(call.timeoutMs),
    });
    return readAnswer(res, call.maxBytes);
  }

  async close(): Promise<void> {
    await this.pool.close();
  }
}
