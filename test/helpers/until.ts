import { inspect } from 'node:util';

/**
 * Waits for something the system is expected to do: reads until `ok` says yes and returns that value. When the time
 * runs out it throws, naming what was awaited and the last value read, so a test can never carry on as if it had
 * happened (a quiet return let a slow or broken system pass whenever the caller forgot to assert on the result).
 * A read that throws ends the wait with that error.
 *
 * `until` proves that something happened, never that something did not: for that, wait for a positive sign that the
 * system had its chance (a later message to the same place delivered, a poll completed, the queues drained), then
 * assert the absence. A fixed sleep proves nothing on a slow machine.
 */
export async function until<T>(awaited: string, read: () => Promise<T>, ok: (value: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (ok(value)) return value;
    if (Date.now() > deadline) throw new UntilTimeout(awaited, timeoutMs, value);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** `until` gave up: the message says what was awaited and shows the last value read, shortened. */
export class UntilTimeout extends Error {
  constructor(
    readonly awaited: string,
    readonly timeoutMs: number,
    readonly lastValue: unknown,
  ) {
    const shown = inspect(lastValue, { depth: 4, breakLength: Infinity, maxArrayLength: 20, maxStringLength: 300 });
    super(`timed out after ${timeoutMs} ms waiting for ${awaited}; last value read: ${shown.length > 2000 ? `${shown.slice(0, 2000)}…` : shown}`);
    this.name = 'UntilTimeout';
  }
}
