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
 * kept alive while the call runs, so a dead worker blocks its dossier for one lock period plus the destination's call
 * timeout (see claim), not a stall interval.
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

  /**
   * `callWindowMs`: the longest a call started under the claim can last (the destination's timeout). The lock lives
   * that much longer than the lock period, so a call started while the claim was fresh (see keepAlive) ends before
   * the lock can expire, even when Redis is away and no renewal arrives.
   */
  async claim(destination: string, dossierCode: string, jobId: string, orderingTime: number, callWindowMs: number): Promise<DossierClaim> {
    const [kind, floor, interrupted] = (await claimDossier.run(this.redis, this.keys(destination, dossierCode), [jobId, this.lockMs + callWindowMs, String(orderingTime), this.retentionMs])) as [string, string?, number?];
    if (kind === 'busy') return { kind: 'busy' };
    if (kind === 'superseded') return { kind: 'superseded', floor: Number(floor) };
    return { kind: 'claimed', interrupted: interrupted === 1 };
  }

  /** Renews the claim while a call is in flight; false when it was lost. */
  async extend(destination: string, dossierCode: string, jobId: string, callWindowMs: number): Promise<boolean> {
    const [lock] = this.keys(destination, dossierCode);
    return (await extendDossier.run(this.redis, [lock], [jobId, this.lockMs + callWindowMs])) === 1;
  }

  /**
   * Keeps the claim alive (a third of the lock period between renewals) until `stop` is called. `fresh` is aborted
   * once a lock period has passed since the last renewal Redis confirmed (or, before any, since `claimedSince`,
   * when the claim was sent): from then on the lock may expire before a call started now could end, so no call may
   * start (transports check it). Without this, Redis away for longer than the lock while a call was out let
   * another job of the dossier claim it and send a newer update, and the older call then landed last.
   */
  keepAlive(destination: string, dossierCode: string, jobId: string, claimedSince: number, callWindowMs: number, onLost: () => void): { stop: () => void; fresh: AbortSignal } {
    const fresh = new AbortController();
    const lapse = () => fresh.abort(new Error('dossier claim not renewed for a lock period (Redis unreachable?): no call may start under it'));
    let lapseTimer: NodeJS.Timeout | undefined;
    /** Lapses a lock period after `since`: when the claim, or the latest renewal Redis confirmed, was sent. */
    const lapseLockPeriodAfter = (since: number) => {
      clearTimeout(lapseTimer);
      lapseTimer = setTimeout(lapse, Math.max(0, since + this.lockMs - Date.now()));
      lapseTimer.unref();
    };
    lapseLockPeriodAfter(claimedSince);
    const renewals = setInterval(() => {
      const sentAt = Date.now();
      this.extend(destination, dossierCode, jobId, callWindowMs).then(
        (held) => {
          if (!held) return onLost();
          // Lapsed meanwhile: a call may have been refused under it, and it stays lapsed (the job retries).
          if (!fresh.signal.aborted) lapseLockPeriodAfter(sentAt);
        },
        () => {}, // Redis briefly away: the next tick tries again; the lock outlives missed renewals
      );
    }, Math.max(250, Math.floor(this.lockMs / 3)));
    renewals.unref();
    return {
      stop: () => {
        clearInterval(renewals);
        clearTimeout(lapseTimer);
      },
      fresh: fresh.signal,
    };
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
