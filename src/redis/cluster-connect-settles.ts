import type { Cluster } from 'ioredis';

/**
 * Makes every `connect()` of a Redis Cluster client settle: it resolves once the client is ready, by whichever
 * attempt, and rejects if the client ends for good.
 *
 * ioredis 5 leaves the promise of `Cluster#connect()` pending forever when that attempt's ready check fails (the
 * nodes answer `cluster_state:fail`, as they all do while one master hangs longer than the cluster's node timeout):
 * it reconnects on its own, with a new attempt and a new promise, and the first one is forgotten
 * (redis/ioredis#741, never merged). BullMQ awaits that promise when it remakes a worker's blocking connection
 * (its watchdog does so when a BZPOPMIN goes unanswered, as it does on a hung node), and the worker then waited
 * for good: on a Cluster whose node hung and came back, delivery stopped until the process restarted.
 *
 * BullMQ duplicates the client for that blocking connection, so every duplicate is made to settle too.
 */
export function settleClusterConnects(cluster: Cluster): Cluster {
  const connect = cluster.connect.bind(cluster);
  // One waiter for the next 'ready' shared by every pending connect(): ioredis's own retries call connect() every
  // couple of seconds while the cluster stays failed, and a pair of listeners each would pile up for as long.
  let nextReady: Promise<void> | undefined;
  /** Rejects the pending waiter, if any: the client was closed by its owner. */
  let closed = () => {};
  const untilReadyOrEnded = () =>
    (nextReady ??= new Promise<void>((resolve, reject) => {
      const settle = (done: () => void) => {
        cluster.off('ready', onReady);
        cluster.off('end', onEnd);
        nextReady = undefined;
        closed = () => {};
        done();
      };
      const ended = () => settle(() => reject(new Error('Connection is closed.')));
      // Events arrive a tick after the status changes: one from before this attempt finds another status by then.
      const onReady = () => {
        if (cluster.status === 'ready') settle(resolve);
      };
      const onEnd = () => {
        if (cluster.status === 'end') ended();
      };
      cluster.on('ready', onReady);
      cluster.on('end', onEnd);
      closed = ended;
    }));
  cluster.connect = () =>
    new Promise<void>((resolve, reject) => {
      untilReadyOrEnded().then(resolve, reject);
      connect().then(resolve, reject);
    });
  // Closed between two of ioredis's retries, a cluster holds no node: it emits no 'end' (and BullMQ's close() only
  // sets its status), so the owner's disconnect or quit itself ends what waits.
  const disconnect = cluster.disconnect.bind(cluster);
  cluster.disconnect = (reconnect?: boolean) => {
    if (!reconnect) closed();
    return disconnect(reconnect);
  };
  const quit = cluster.quit.bind(cluster);
  cluster.quit = ((...args: Parameters<Cluster['quit']>) => {
    closed();
    return quit(...args);
  }) as Cluster['quit'];
  const duplicate = cluster.duplicate.bind(cluster);
  cluster.duplicate = (...args: Parameters<Cluster['duplicate']>) => settleClusterConnects(duplicate(...args));
  return cluster;
}
