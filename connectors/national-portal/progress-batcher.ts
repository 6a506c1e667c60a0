import type { IntegrationCallExtras, PortalIntegration } from './integration.ts';
import { PortalRefusal } from './integration.ts';

interface Waiting {
  record: Record<string, string>;
  extras: IntegrationCallExtras;
  resolve: () => void;
  reject: (err: unknown) => void;
}

/**
 * Progress calls in flight at once per worker process: one, and a second only while the first has been out longer
 * than `secondCallAfterMs`. A record finding the call(s) busy waits, and the records that waited go out together in
 * the next call. With two calls always allowed, a record arriving while one call was out went alone at once, and a
 * busy worker sent lists of barely more than one (a signature and a request each); with one, the jobs waiting meanwhile
 * go together. A hung call still cannot hold up every dossier of the process until its timeout: after
 * `secondCallAfterMs` the others move on in a second call.
 */
const maxCallsInFlight = 2;

/**
 * CapNhatTienDoHoSoMC takes a list (`data: [...]`): progress updates that wait in this process while calls are
 * in flight (each its own job, of a different dossier, each holding its dossier's claim with its intent recorded)
 * go out as one call, signed once (group commit: nothing waits for a timer; a lone update goes at the end of the
 * event-loop turn it arrived in, with whatever arrived in the same turn).
 * Ordering is untouched: a record joins a call only after its job claimed its dossier, and its job releases
 * (raising the floor or not) only after that call's answer, exactly as alone.
 *
 * The call's answer is every member's answer: success, or the same failure (no answer means any of them may have
 * been applied, and each job's floor says so). A refusal of a list of several is asked again one record at a
 * time, so only the record the portal refuses is dead-lettered; this takes a refused list to have applied nothing
 * (the simulator's behaviour; the public client's syncDossierStatus sends lists of several too, but only passes the
 * answer on, so what the portal does with a partly bad list is not public). `maxRecords` 1 sends each alone.
 */
export class ProgressBatcher {
  private readonly waiting: Waiting[] = [];
  /** The calls in flight; `slow` once one has been out for secondCallAfterMs (its timer says so). */
  private readonly inFlight = new Set<{ slow: boolean }>();
  /** A pump is due at the end of this event-loop turn (send()). */
  private pumpScheduled = false;

  constructor(
    private readonly integration: PortalIntegration,
    private readonly maxRecords: number,
    private readonly sign?: (body: Buffer) => string,
    private readonly secondCallAfterMs = 500,
  ) {}

  /** `extras`: the message's trace id and logger (the signature is the batcher's, over the whole list). */
  send(record: Record<string, string>, extras: IntegrationCallExtras = {}): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.waiting.push({ record, extras, resolve, reject });
      // Placed once the event loop's current turn is over, not this instant: the Redis answers that free several jobs
      // (their claims, in one socket read) let each reach here in the same turn, and they go in one call. Placing at
      // once sent the first alone and made the others wait for it: 2.5 records a call against 4.4 (bench, 2 x 8).
      if (this.pumpScheduled) return;
      this.pumpScheduled = true;
      setImmediate(() => {
        this.pumpScheduled = false;
        this.pump();
      });
    });
  }

  /** One call, plus one more for each call in flight that is slow (out longer than secondCallAfterMs), at most two. */
  private callsAllowed(): number {
    let slow = 0;
    for (const call of this.inFlight) if (call.slow) slow += 1;
    return Math.min(maxCallsInFlight, 1 + slow);
  }

  private pump(): void {
    this.dropLapsed();
    while (this.waiting.length && this.inFlight.size < this.callsAllowed()) {
      const batch = this.waiting.splice(0, this.maxRecords);
      const call = { slow: false };
      this.inFlight.add(call);
      // Records that wait behind a slow call go in a second one when it turns slow, without waiting for another record.
      // The timer itself says "slow": comparing Date.now() with the send time could find 49 ms when a 50 ms timer
      // fired (wall-clock milliseconds against the timers' monotonic clock), and then nothing looked again until the
      // hung call ended (a CI run of the unit test caught it).
      const slowCheck = setTimeout(() => {
        call.slow = true;
        this.pump();
      }, this.secondCallAfterMs);
      slowCheck.unref();
      void this.call(batch).finally(() => {
        clearTimeout(slowCheck);
        this.inFlight.delete(call);
        this.pump();
      });
    }
  }

  private async call(batch: Waiting[]): Promise<void> {
    try {
      await this.integration.call('CapNhatTienDoHoSoMC', { data: batch.map((w) => w.record) }, this.extrasOf(batch));
      for (const w of batch) w.resolve();
    } catch (err) {
      if (batch.length > 1 && err instanceof PortalRefusal) {
        await Promise.all(batch.map((w) => this.call([w])));
        return;
      }
      for (const w of batch) w.reject(err);
    }
  }

  /** A record whose claim lapsed while it waited is not sent (its job retries), and does not hold up the others. */
  private dropLapsed(): void {
    for (let i = this.waiting.length - 1; i >= 0; i -= 1) {
      const { notAfter } = this.waiting[i]!.extras;
      if (notAfter?.aborted) this.waiting.splice(i, 1)[0]!.reject(notAfter.reason);
    }
  }

  /**
   * One signature over the whole list. A traceparent names one trace: a list goes out under its first message's
   * trace id (and is logged with that message's ids); the others' log lines say they were sent, with their own.
   */
  private extrasOf(batch: Waiting[]): IntegrationCallExtras {
    const { traceId, log } = batch[0]!.extras;
    // The list leaves only while every member's claim holds (a claim lapsing between here and the request, after a
    // new login, holds the whole list back: each job retries).
    const claims = batch.flatMap((w) => (w.extras.notAfter ? [w.extras.notAfter] : []));
    return { sign: this.sign, traceId, log, ...(claims.length ? { notAfter: claims.length === 1 ? claims[0] : AbortSignal.any(claims) } : {}) };
  }
}
