import type { Topology } from './topology.ts';

export interface Profile {
  /** How long an outage or a slow spell lasts. */
  faultSeconds: number;
  /** How long a killed process stays dead before it is started again. */
  downSeconds: number;
}

/** A fault struck while the load runs; `at(f)` resolves once a fraction f of the updates has been sent. */
export interface Scenario {
  name: string;
  /** The Redis it needs (see TopologyOptions); scenarios of one kind share a topology. */
  redis: 'single' | 'sentinel';
  strike(topology: Topology, at: (fraction: number) => Promise<void>, profile: Profile): Promise<void>;
}

const pause = (seconds: number) => new Promise((r) => setTimeout(r, seconds * 1000));

export const scenarios: Scenario[] = [
  {
    name: 'kill -9 worker, twice',
    redis: 'single',
    async strike(topology, at, profile) {
      await at(0.25);
      await topology.killWorker(0);
      await pause(profile.downSeconds);
      await topology.startWorker(0);
      await at(0.6);
      await topology.killWorker(1);
      await pause(profile.downSeconds);
      await topology.startWorker(1);
    },
  },
  {
    name: 'kill -9 api',
    redis: 'single',
    async strike(topology, at, profile) {
      await at(0.4);
      await topology.killApi(0);
      await pause(profile.downSeconds);
      await topology.startApi(0);
    },
  },
  {
    name: 'kill -9 redis (AOF restart)',
    redis: 'single',
    async strike(topology, at, profile) {
      await at(0.4);
      await topology.redis.kill();
      await pause(profile.downSeconds);
      await topology.redis.start();
    },
  },
  {
    name: 'portal outage',
    redis: 'single',
    async strike(topology, at, profile) {
      await at(0.2);
      topology.link.cut();
      await pause(profile.faultSeconds);
      topology.link.restore();
    },
  },
  {
    name: 'slow portal (answers after the timeout)',
    redis: 'single',
    async strike(topology, at, profile) {
      await at(0.2);
      await topology.setPortalFaults({ latencyMs: topology.config.destinations['national-portal']!.timeoutMs + 500 });
      await pause(profile.faultSeconds);
      await topology.setPortalFaults({});
    },
  },
  {
    name: 'kill -9 redis primary (sentinel failover)',
    redis: 'sentinel',
    async strike(topology, at) {
      const sentinel = topology.sentinel!;
      await at(0.4);
      const [primary, replica] = [sentinel.primary, sentinel.replica];
      await primary.kill();
      await sentinel.waitForPrimary(replica.port, 60_000); // the sentinels promote the replica; the gateway follows by itself
      await sentinel.restartAsReplica(primary, replica.port); // the old primary comes back as the new one's replica
    },
  },
];
