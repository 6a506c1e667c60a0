/** Thrown when the bulkhead is full and the wait for a slot ran out. */
export class BulkheadFull extends Error {
  constructor(readonly maxConcurrent: number) {
    super(`more than ${maxConcurrent} lookups are in flight`);
    this.name = 'BulkheadFull';
  }
}

/**
 * At most `maxConcurrent` calls in flight; the next ones wait up to `queueTimeoutMs` for a slot, then are
 * refused. A slow registry therefore holds a bounded number of sockets and requests, never the whole gateway.
 */
export class Bulkhead {
  private inFlight = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(
    readonly maxConcurrent: number,
    private readonly queueTimeoutMs: number,
  ) {}

  get active(): number {
    return this.inFlight;
  }

  async run<T>(call: () => Promise<T>): Promise<T> {
    if (this.inFlight >= this.maxConcurrent) await this.slot();
    this.inFlight += 1;
    try {
      return await call();
    } finally {
      this.inFlight -= 1;
      this.waiting.shift()?.();
    }
  }

  private slot(): Promise<void> {
    return new Promise((resolve, reject) => {
      const wake = () => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        this.waiting.splice(this.waiting.indexOf(wake), 1);
        reject(new BulkheadFull(this.maxConcurrent));
      }, this.queueTimeoutMs);
      this.waiting.push(wake);
    });
  }
}
