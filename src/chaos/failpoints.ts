/**
 * Named instants where a chaos run or a test can make this process die as kill -9 would (SIGKILL to itself):
 * `GATEWAY_FAILPOINTS=delivery:after-delivered-record`. The worst moments for a crash are too short to hit
 * from outside, and "nothing lost, nothing twice" must hold at exactly those moments. Unset, a failpoint is a
 * Set lookup: nothing else runs.
 */
const armed = new Set((process.env.GATEWAY_FAILPOINTS ?? '').split(',').map((name) => name.trim()).filter(Boolean));

export type Failpoint =
  /**
   * The receiver answered success and the records saying so (the connector's, the attempt line, the message log's
   * entry) are written; the dossier's release and the job's completion were sent behind them and may or may not have
   * run (one server runs them in order, without the worker waiting in between).
   */
  | 'delivery:after-delivered-record'
  /** The call has been made and its answer read; nothing about it is recorded yet. */
  | 'delivery:after-call';

export function failpoint(name: Failpoint): void {
  if (armed.size && armed.has(name)) process.kill(process.pid, 'SIGKILL');
}
