/** One change of a circuit breaker's state, as the gateway logged it. */
export interface CircuitTransition {
  state: string;
  /** pino's `time`: ms since the epoch, taken when the breaker moved. */
  time: number;
}

/**
 * The transitions of one breaker (a destination's or a registry's) in a test gateway's log lines, oldest first: the
 * positive sign that an open window went by (open → half-open) and what its probe found.
 */
export function circuitTransitions(logs: string[], breaker: { destination: string } | { registry: string }): CircuitTransition[] {
  const [key, name] = Object.entries(breaker)[0]!;
  return logs
    .flatMap((chunk) => chunk.split('\n'))
    .filter((line) => line.includes('circuit breaker changed state'))
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((entry) => entry[key] === name)
    .map((entry) => ({ state: entry.circuit as string, time: entry.time as number }));
}
