import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';

const script = (name: string) => readFileSync(new URL(`./scripts/${name}.lua`, import.meta.url), 'utf8');
const claimDossierLua = script('claim-dossier');
const releaseDossierLua = script('release-dossier');

export type DossierClaim = { kind: 'busy' } | { kind: 'claimed'; lastDeliveredTime?: number };

/**
 * Keeps one dossier's messages in order at one destination (BullMQ OSS has no per-key groups): a delivery
 * runs only while holding the dossier's lock, and a message older than the newest one delivered is never sent.
 * Each step is one atomic script. The lock expires by itself if its worker dies.
 */
export class DossierOrdering {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly lockMs: number,
    private readonly retentionMs: number,
  ) {}

  private keys(destination: string, dossierCode: string): [string, string] {
    const base = `${this.prefix}:dossier:{${destination}:${dossierCode}}`;
    return [`${base}:lock`, `${base}:delivered`];
  }

  async claim(destination: string, dossierCode: string, jobId: string): Promise<DossierClaim> {
    const result = (await this.redis.eval(claimDossierLua, 2, ...this.keys(destination, dossierCode), jobId, this.lockMs)) as number;
    if (result === -2) return { kind: 'busy' };
    return { kind: 'claimed', lastDeliveredTime: result >= 0 ? result : undefined };
  }

  async release(destination: string, dossierCode: string, jobId: string, deliveredOrderingTime?: number): Promise<void> {
    await this.redis.eval(
      releaseDossierLua,
      2,
      ...this.keys(destination, dossierCode),
      jobId,
      deliveredOrderingTime === undefined ? '' : String(deliveredOrderingTime),
      this.retentionMs,
    );
  }
}
