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
  cluster.connect = () =>
    new Promise<void>((resolve, reject) => {
      const settle = (done: () => void) => {
        cluster.off('ready', onReady);
        cluster.off('end', onEnd);
        done();
      };
      const onReady = () => settle(resolve);
      // Events arrive a tick after the status changes: an 'end' from before this attempt finds it 'connecting'.
      const onEnd = () => {
        if (cluster.status === 'end') settle(() => reject(new Error('Connection is closed.')));
      };
      cluster.on('ready', onReady);
      cluster.on('end', onEnd);
      connect().then(
        () => settle(resolve),
        (err: Error) => settle(() => reject(err)),
      );
    });
  const duplicate = cluster.duplicate.bind(cluster);
  cluster.duplicate = (...args: Parameters<Cluster['duplicate']>) => settleClusterConnects(duplicate(...args));
  return cluster;
}
