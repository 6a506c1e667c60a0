import { hostname } from 'node:os';
import type { RedisClient } from '../redis/connections.ts';
import type { CircuitState } from './circuit-breaker.ts';

const reportEveryMs = 10_000;
/** A report older than this belongs to a worker that is gone. */
const staleAfterMs = 3 * reportEveryMs;

export interface WorkerCircuit {
  worker: string;
  state: CircuitState;
  updatedAt: string;
}

/**
 * Circuit breakers live in worker processes; this board lets admins see them. Each worker writes its state per
 * destination to a Redis hash every few seconds and on every change; readers ignore reports from departed workers.
 */
export class CircuitStateBoard {
  readonly workerId = `${hostname()}:${process.pid}`;

  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
  ) {}

  private key(destination: string): string {
    return `${this.prefix}:circuit:${destination}`;
  }

  async report(destination: string, state: CircuitState): Promise<void> {
    const report: WorkerCircuit = { worker: this.workerId, state, updatedAt: new Date().toISOString() };
    await this.redis.hset(this.key(destination), this.workerId, JSON.stringify(report));
  }

  /** Reports now and every few seconds (call `report` on changes too); returns a stop function. */
  keepReporting(destination: string, state: () => CircuitState): () => void {
    const tick = () => void this.report(destination, state()).catch(() => {});
    tick();
    const timer = setInterval(tick, reportEveryMs);
    return () => clearInterval(timer);
  }

  async read(destination: string, now = Date.now()): Promise<WorkerCircuit[]> {
    const reports = Object.values(await this.redis.hgetall(this.key(destination))).map((r) => JSON.parse(r) as WorkerCircuit);
    return reports.filter((r) => now - Date.parse(r.updatedAt) < staleAfterMs);
  }
}
