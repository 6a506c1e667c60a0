import autocannon from 'autocannon';
import type { SignedMessage } from './messages.ts';

export interface IngestRow {
  name: string;
  requests: number;
  rps: number;
  p50: number;
  p99: number;
  /** Failed requests, and for the gateway also duplicates (200): every request must be stored as a new message. */
  errors: number;
}

/**
 * Sends every message of `messages` once (a fixed count, not a duration: a busy machine makes a row slower, never
 * empty) at `connections` connections. Bodies are sent in order, each with its own signature when `signed` (the
 * gateway, and the floor that verifies signatures); the other baselines get the same bodies without.
 */
export async function loadIngest(name: string, url: string, apiKey: string, messages: SignedMessage[], connections: number, signed: boolean): Promise<IngestRow> {
  let next = 0;
  const result = await autocannon({
    url: `${url}/v1/dossiers/status`,
    connections,
    amount: messages.length,
    // autocannon notices the end of a fixed amount at its next sample tick: every 20 ms, not every second.
    sampleInt: 20,
    method: 'POST',
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json', 'x-timestamp': new Date().toISOString() },
    body: messages[0]!.body.toString(),
    requests: [
      {
        setupRequest: (req: any) => {
          const message = messages[next++ % messages.length]!;
          return { ...req, body: message.body.toString(), headers: { ...req.headers, ...(signed ? { 'x-signature': message.signature } : {}) } };
        },
      },
    ],
  });
  // A 200 from the gateway is a duplicate (nothing stored): the bench must not have measured those.
  const duplicates = signed ? ((result as any).statusCodeStats?.['200']?.count ?? 0) : 0;
  const seconds = result.duration; // autocannon: seconds the run took
  return { name, requests: result.requests.total, rps: result.requests.total / seconds, p50: result.latency.p50, p99: result.latency.p99, errors: result.non2xx + result.errors + result.timeouts + duplicates };
}
