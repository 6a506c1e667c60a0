import { Pool } from 'undici';
import type { SignedMessage } from './messages.ts';

export interface SteadyResult {
  /** portalKey → when the partner's request left (ms since epoch). */
  sentAt: Map<string, number>;
  accepted: number;
  errors: number;
  seconds: number;
}

/**
 * An open-loop partner: `rate` requests a second for `seconds`, whatever the answers, as a province's traffic
 * arrives (a closed loop would slow down with the gateway and hide its latency). Messages come from `next`
 * (pre-signed, or signed as they go for long runs).
 */
export async function sendSteadily(url: string, apiKey: string, rate: number, seconds: number, next: () => SignedMessage): Promise<SteadyResult> {
  const pool = new Pool(url, { connections: 64, pipelining: 1 });
  const sentAt = new Map<string, number>();
  let accepted = 0;
  let errors = 0;
  const inFlight = new Set<Promise<void>>();
  const total = Math.max(1, Math.round(rate * seconds));
  const started = Date.now();
  let sent = 0;
  const send = (message: SignedMessage) => {
    sentAt.set(message.portalKey, Date.now());
    const request = pool
      .request({
        method: 'POST',
        path: '/v1/dossiers/status',
        headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json', 'x-timestamp': new Date().toISOString(), 'x-signature': message.signature },
        body: message.body,
      })
      .then(async (res) => {
        await res.body.dump();
        if (res.statusCode === 202) accepted++;
        else errors++;
      })
      .catch(() => void errors++)
      .finally(() => inFlight.delete(request));
    inFlight.add(request);
  };
  while (sent < total) {
    const due = Math.min(total, Math.floor(((Date.now() - started) / 1000) * rate) + 1);
    while (sent < due) {
      send(next());
      sent++;
    }
    await new Promise((r) => setTimeout(r, 2));
  }
  await Promise.all(inFlight);
  await pool.close();
  return { sentAt, accepted, errors, seconds: (Date.now() - started) / 1000 };
}

/** p50 and p99 of a list of numbers (ms), and the count. */
export function percentiles(values: number[]): { p50: number; p99: number; count: number } {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]! : NaN);
  return { p50: at(0.5), p99: at(0.99), count: sorted.length };
}

/** Sends every message once, `concurrency` at a time, as fast as the gateway answers (to fill a queue). */
export async function sendAll(url: string, apiKey: string, messages: SignedMessage[], concurrency = 32): Promise<{ accepted: number; errors: number }> {
  const pool = new Pool(url, { connections: concurrency });
  let next = 0;
  let accepted = 0;
  let errors = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < messages.length) {
        const message = messages[next++]!;
        try {
          const res = await pool.request({
            method: 'POST',
            path: '/v1/dossiers/status',
            headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json', 'x-timestamp': new Date().toISOString(), 'x-signature': message.signature },
            body: message.body,
          });
          await res.body.dump();
          if (res.statusCode === 202) accepted++;
          else errors++;
        } catch {
          errors++;
        }
      }
    }),
  );
  await pool.close();
  return { accepted, errors };
}
