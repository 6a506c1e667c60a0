import { readFileSync } from 'node:fs';
import type { RedisClient } from '../redis/connections.ts';
import { LuaScript } from '../redis/lua-script.ts';

const script = (name: string) => new LuaScript(readFileSync(new URL(`./scripts/${name}.lua`, import.meta.url), 'utf8'));
const claimDossier = script('claim-dossier');
const releaseDossier = script('release-dossier');
const extendDossier = script('extend-dossier');

export type DossierClaim =
  | { kind: 'busy' }
  /** A newer message reached, or may have reached, the receiver: this one must not be sent. */
  | { kind: 'superseded'; floor: number }
  /** `interrupted`: this job's own previous call was in flight when its worker died. */
  | { kind: 'claimed'; interrupted: boolean };

/**
 * What became of the call made under a claim, for ordering: `reached` (answered with success), `maybe` (no
 * answer: a timeout or a reset after the request left; the receiver may have applied it) or `not-reached`
 * (answered with a refusal, or never sent).
 */
export type CallResult = 'reached' | 'maybe' | 'not-reached';

/**
 * Keeps one dossier's messages in order at one destination (BullMQ OSS has no per-key groups): a delivery
 * runs only while holding the dossier's lock, and a message older than the newest one that reached the
 * receiver is never sent. The intent (the ordering time of the call in flight) is recorded with the claim,
 * before the call, so a worker that dies mid-call leaves behind "this may have been applied": the next claim
 * counts it, and an older message can never overtake a newer one whose answer was lost. The lock is short and
 * kept alive while the call runs, so a dead worker blocks its dossier for one lock period, not a stall interval.
 */
export class DossierOrdering {
  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
    private readonly lockMs: number,
    private readonly retentionMs: number,
  ) {}

  private keys(destination: string, dossierCode: string): [string, string, string, string] {
    const base = `${this.prefix}:dossier:{${destination}:${dossierCode}}`;
    // ":delivered" keeps its name so the floors recorded before intents existed still count after an upgrade.
    return [`${base}:lock`, `${base}:delivered`, `${base}:intent`, `${base}:settle`];
  }

  async claim(destination: string, dossierCode: string, jobId: string, orderingTime: number): Promise<DossierClaim> {
    const [kind, floor, interrupted] = (await claimDossier.run(this.redis, this.keys(destination, dossierCode), [jobId, this.lockMs, String(orderingTime), this.retentionMs])) as [string, string?, number?];
    if (kind === 'busy') return { kind: 'busy' };
    if (kind === 'superseded') return { kind: 'superseded', floor: Number(floor) };
    return { kind: 'claimed', interrupted: interrupted === 1 };
  }

  /** Renews the claim while a call is in flight; false when it was lost. */
  async extend(destination: string, dossierCode: string, jobId: string): Promise<boolean> {
    const [lock] = this.keys(destination, dossierCode);
    return (await extendDossier.run(this.redis, [lock], [jobId, this.lockMs])) === 1;
  }

  /** Keeps the claim alive until the returned stop is called (a third of the lock period between renewals). */
  keepAlive(destination: string, dossierCode: string, jobId: string, onLost: () => void): () => void {
    const timer = setInterval(() => {
      this.extend(destination, dossierCode, jobId).then(
        (held) => held || onLost(),
        () => {}, // Redis briefly away: the next tick tries again; the lock outlives one missed renewal
      );
    }, Math.max(250, Math.floor(this.lockMs / 3)));
    timer.unref();
    return () => clearInterval(timer);
  }

  /**
   * `settleMs`: after a `maybe` (no answer), how long a slow receiver may still apply the call; until then no other
   * message of the dossier is sent (this job's own retry may be).
   */
  async release(destination: string, dossierCode: string, jobId: string, orderingTime: number, result: CallResult, settleMs = 0): Promise<void> {
    const settle = result === 'maybe' ? Math.max(0, Math.round(settleMs)) : 0;
    await releaseDossier.run(this.redis, this.keys(destination, dossierCode), [jobId, result === 'not-reached' ? '' : String(orderingTime), this.retentionMs, settle]);
  }
}
