/**
 * Named instants where a chaos run or a test can make this process die as kill -9 would (SIGKILL to itself):
 * `GATEWAY_FAILPOINTS=delivery:after-delivered-record`. The worst moments for a crash are too short to hit
 * from outside, and "nothing lost, nothing twice" must hold at exactly those moments. Unset, a failpoint is a
 * Set lookup: nothing else runs.
 */
const armed = new Set((process.env.GATEWAY_FAILPOINTS ?? '').split(',').map((name) => name.trim()).filter(Boolean));

export type Failpoint =
  /** The receiver answered success and the attempt line says delivered; the dossier's floor is not raised yet. */
  | 'delivery:after-delivered-record'
  /** The call has been made and its answer read; nothing about it is recorded yet. */
  | 'delivery:after-call';

export function failpoint(name: Failpoint): void {
  if (armed.size && armed.has(name)) process.kill(process.pid, 'SIGKILL');
}
