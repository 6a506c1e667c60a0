import { randomBytes } from 'node:crypto';
import { signCms } from '../../src/signatures/sign-cms.ts';
import type { TestGateway } from './test-gateway.ts';

/** What a partner's send came to: the messageId it holds once acknowledged, and every answer on the way. */
export interface SendOutcome {
  messageId?: string;
  answers: Array<number | string>;
}

/** One signed request, sent as is every time: a partner's retry repeats its request (body, signature, Idempotency-Key). */
export function signedRequest(t: TestGateway, doc: Record<string, unknown>) {
  const raw = JSON.stringify(doc);
  const request = { raw, signature: signCms(Buffer.from(raw), t.pki.defaultSigner), headers: { 'idempotency-key': `k-${randomBytes(8).toString('hex')}` } };
  return () => t.send(request);
}

/** The partner's side: send, and on 503 (or no answer) send the same request again until acknowledged or `deadline`. */
export async function sendUntilAcknowledged(t: TestGateway, doc: Record<string, unknown>, deadline: number): Promise<SendOutcome> {
  const send = signedRequest(t, doc);
  const answers: Array<number | string> = [];
  for (;;) {
    try {
      const res = await send();
      answers.push(res.statusCode === 503 ? res.body.error : res.statusCode);
      if (res.statusCode === 202 || res.statusCode === 200) return { messageId: res.body.messageId, answers };
      if (res.statusCode !== 503) throw new Error(`unexpected answer ${res.statusCode}: ${JSON.stringify(res.body)}`);
    } catch (err) {
      if ((err as Error).message.startsWith('unexpected answer')) throw err;
      answers.push('no answer');
    }
    if (Date.now() > deadline) return { answers };
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * `senders` partners sending `docs` between them, each document until acknowledged (as above). `outcomes[i]` is
 * the i-th document's, filled as they end; `done` once every document's send has ended.
 */
export function partnerLoad(t: TestGateway, docs: Array<Record<string, unknown>>, senders: number, deadline: number) {
  const outcomes: SendOutcome[] = [];
  let acknowledged = 0;
  let next = 0;
  const sender = async () => {
    while (next < docs.length) {
      const i = next++;
      outcomes[i] = await sendUntilAcknowledged(t, docs[i]!, deadline);
      if (outcomes[i]!.messageId) acknowledged += 1;
    }
  };
  const done = Promise.all(Array.from({ length: senders }, sender)).then(() => undefined);
  return { outcomes, acknowledged: () => acknowledged, done };
}
