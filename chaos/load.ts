import { randomBytes } from 'node:crypto';
import { request } from 'undici';
import { signCms } from '../src/signatures/sign-cms.ts';
import { agencyCode, type Topology } from './topology.ts';

/** One status update a province sent, and whether the gateway acknowledged it (202, or 200 for its retry). */
export interface SentUpdate {
  dossierCode: string;
  /** As the portal records it (ThoiDiemXuLy, yyyyMMddHHmmss): how the verdict finds it there. */
  portalTime: string;
  acknowledged: boolean;
  messageId?: string;
}

export interface LoadOptions {
  dossiers: number;
  updatesPerDossier: number;
  concurrency: number;
  /** Told how far the load is (0..1), so a scenario can strike at a chosen moment. */
  onProgress?: (fraction: number) => void;
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Sends every dossier's updates in time order (the dossiers interleaved), spread over the api processes. Like a
 * real province, it retries a request that got no answer or a 5xx with the same Idempotency-Key and the same
 * signed body, on the next api, for up to 60 s; a request that never got a 2xx is "not acknowledged", not lost.
 */
export async function sendUpdates(topology: Topology, options: LoadOptions): Promise<SentUpdate[]> {
  const run = randomBytes(3).toString('hex');
  const updates = Array.from({ length: options.updatesPerDossier }, (_, k) => k).flatMap((k) =>
    Array.from({ length: options.dossiers }, (_, i) => ({ dossierCode: `${agencyCode}-261124-${run}${String(i).padStart(5, '0')}`, k })),
  );
  const results: SentUpdate[] = new Array(updates.length);
  let next = 0;
  let done = 0;
  let turn = 0;
  const sendOne = async (index: number) => {
    const { dossierCode, k } = updates[index]!;
    const hour = String(8 + k).padStart(2, '0');
    const body = Buffer.from(
      JSON.stringify({ dossierCode, procedureCode: '1.001612.000.00.00.H22', agencyCode, status: 3 + k, statusTime: `2026-11-24T${hour}:00:00+07:00`, channel: 'online', note: 'Chaos run', applicant: { fullName: 'Nguyễn Văn Mẫu', personalId: '001099012345' } }),
    );
    const signature = signCms(body, topology.pki.defaultSigner);
    const idempotencyKey = `chaos-${run}-${index}`;
    const result: SentUpdate = { dossierCode, portalTime: `20261124${hour}0000`, acknowledged: false };
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      const api = topology.apis[turn++ % topology.apis.length]!;
      try {
        const res = await request(`${api.url}/v1/dossiers/status`, {
          method: 'POST',
          headers: { authorization: `Bearer ${topology.apiKey}`, 'content-type': 'application/json', 'x-timestamp': new Date().toISOString(), 'x-signature': signature, 'idempotency-key': idempotencyKey },
          body,
          headersTimeout: 10_000,
          bodyTimeout: 10_000,
        });
        const answer = (await res.body.json().catch(() => ({}))) as { messageId?: string };
        if (res.statusCode === 202 || res.statusCode === 200) {
          Object.assign(result, { acknowledged: true, messageId: answer.messageId });
          break;
        }
        if (res.statusCode < 500) break; // refused: the province would fix the message, not resend it
      } catch {
        // no answer (the api process died): try the next one
      }
      await pause(200);
    }
    results[index] = result;
    done += 1;
    options.onProgress?.(done / updates.length);
  };
  await Promise.all(
    Array.from({ length: options.concurrency }, async () => {
      while (next < updates.length) await sendOne(next++);
    }),
  );
  return results;
}
