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
 * The ready check itself is bounded by `readyCheckTimeoutMs`: ioredis asks one master, picked at random, for CLUSTER
 * INFO and waits for the answer without a timeout. A master whose host hangs (or that the network cuts off, leaving TCP
 * open) is still in the slot map until the cluster's node timeout (15 s by default) has passed and its replica is
 * promoted; a connect whose ready check went to it waited until the host came back: every remade blocking connection
 * had a chance in three (of three masters) of stopping its worker for as long. Unanswered in time, the check fails,
 * and ioredis connects again, asking another master picked at random.
 *
 * BullMQ duplicates the client for that blocking connection, so every duplicate is made to settle too.
 */
export function settleClusterConnects(cluster: Cluster, readyCheckTimeoutMs: number): Cluster {
  boundReadyCheck(cluster, readyCheckTimeoutMs);
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
  cluster.duplicate = (...args: Parameters<Cluster['duplicate']>) => settleClusterConnects(duplicate(...args), readyCheckTimeoutMs);
  return cluster;
}

type ReadyCheck = (callback: (err?: Error | null, state?: string) => void) => void;

/**
 * ioredis's private `readyCheck` (cluster/index.js, run on every connect while the status is "connect"), answered with
 * an error once `timeoutMs` has passed; its late answer, if any, is dropped. A client made by the constructor starts
 * connecting at once, but the check runs only after the slot map has been read (asynchronously), so patching the
 * instance right after it is made is in time.
 *
 * Given up, the attempt's node connections are destroyed before ioredis disconnects to try again: its own
 * disconnect only half-closes a socket, which a hung host never finishes, so the connection ended ~2 s later
 * (ioredis's disconnectTimeout), after the next attempt had made a new one to the same address, and the pool, which
 * drops a node by its address when its connection ends, dropped the new one instead: a connection to the hung master
 * outside the pool, which no close of the client ever ended (the test looks for them). Nothing an application sent is
 * lost with them: while the client is connecting, its commands wait in the cluster's own offline queue, which
 * outlives the reconnect. A check whose attempt is over (the owner disconnected and connected again meanwhile, as
 * BullMQ does) is left alone: its timer must not tear down the next attempt.
 */
function boundReadyCheck(cluster: Cluster, timeoutMs: number): void {
  const patchable = cluster as unknown as { readyCheck: ReadyCheck; connectionEpoch?: number };
  const readyCheck = patchable.readyCheck.bind(cluster);
  patchable.readyCheck = (callback) => {
    const attempt = patchable.connectionEpoch;
    let answered = false;
    const answer: Parameters<ReadyCheck>[0] = (err, state) => {
      if (answered) return;
      answered = true;
      clearTimeout(timer);
      callback(err, state);
    };
    const timer = setTimeout(() => {
      if (patchable.connectionEpoch !== attempt || cluster.status !== 'connect') {
        answered = true;
        return;
      }
      for (const node of cluster.nodes('all')) node.stream?.destroy();
      answer(new Error(`no answer to the cluster's ready check (CLUSTER INFO) in ${timeoutMs} ms`));
    }, timeoutMs);
    timer.unref();
    readyCheck(answer);
  };
}
