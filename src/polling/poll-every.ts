/**
 * Runs `pollOnce` every `intervalMs`, never two at once (a slow round is not overlapped by the next); a failed
 * round is reported and retried at the next tick. The timer never keeps the process alive. Returns a stopper that
 * waits for the round in flight.
 */
export function pollEvery(intervalMs: number, pollOnce: () => Promise<unknown>, onFailure: (err: Error) => void): () => Promise<void> {
  let running: Promise<unknown> | undefined;
  const timer = setInterval(() => {
    running ??= pollOnce()
      .catch(onFailure)
      .finally(() => (running = undefined));
  }, intervalMs);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
  };
}
