import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { TrustStore } from '../signatures/trust-store.ts';
import { VerifiedChainCache } from '../signatures/verified-chain-cache.ts';
import { verifyCmsSignature } from '../signatures/verify-cms-signature.ts';

/** Faults any simulated receiving system can be told to inject (POST /_sim/faults). */
export interface SimulatorFaults {
  /** The next N requests fail with `status`. */
  failNext?: number;
  status?: number;
  retryAfterSeconds?: number;
  /** Added to every request. */
  latencyMs?: number;
  /** The next N requests never answer (the client times out). */
  hangNext?: number;
  [other: string]: unknown;
}

/** A JSON body with the exact bytes it arrived as, for signature checks. */
export interface RawJson {
  raw: Buffer;
  json: unknown;
}

/**
 * What every simulator of a system the gateway delivers to has in common: JSON bodies kept raw, the gateway's
 * signature checked like the real system would (when given the gateway's trust dir), injected faults, and
 * /_sim/received, /_sim/faults, /_sim/reset for tests and the sandbox.
 */
export class SimulatorKit<Effect> {
  readonly received = new Map<string, Effect>();
  readonly stats: Record<string, number> = {};
  faults: SimulatorFaults = {};
  private readonly signatureDeps;

  constructor(
    private readonly app: FastifyInstance,
    options: Record<string, unknown>,
    onReset: () => void = () => {},
  ) {
    const trustDir = typeof options.gatewayTrustDir === 'string' ? options.gatewayTrustDir : undefined;
    this.signatureDeps = trustDir ? { trustStore: new TrustStore([trustDir]), chainCache: new VerifiedChainCache(60_000) } : undefined;
    app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_r, raw, done) => {
      try {
        done(null, { raw: raw as Buffer, json: JSON.parse((raw as Buffer).toString('utf8')) } satisfies RawJson);
      } catch (err) {
        done(err as Error, undefined);
      }
    });
    app.get('/_sim/received', async () => ({ effects: [...this.received.values()], stats: this.stats }));
    app.post('/_sim/faults', async (request) => {
      this.faults = { ...((request.body as RawJson).json as SimulatorFaults) };
      return { faults: this.faults };
    });
    app.post('/_sim/reset', async () => {
      this.received.clear();
      this.faults = {};
      for (const key of Object.keys(this.stats)) this.stats[key] = 0;
      onReset();
      return { reset: true };
    });
  }

  count(stat: string): void {
    this.stats[stat] = (this.stats[stat] ?? 0) + 1;
  }

  /** Applies latency, hangs and failures; true when it has answered the request itself. */
  async injectFaults(reply: FastifyReply, failureBody: unknown): Promise<boolean> {
    const faults = this.faults;
    if (faults.latencyMs) await new Promise((r) => setTimeout(r, faults.latencyMs));
    if (faults.hangNext && faults.hangNext > 0) {
      faults.hangNext -= 1;
      await new Promise((r) => setTimeout(r, 120_000).unref());
      reply.code(504).send(failureBody);
      return true;
    }
    if (faults.failNext && faults.failNext > 0) {
      faults.failNext -= 1;
      if (faults.retryAfterSeconds !== undefined) reply.header('retry-after', String(faults.retryAfterSeconds));
      reply.code(faults.status ?? 503).send(failureBody);
      return true;
    }
    return false;
  }

  /** The subject of the gateway certificate that signed the body; undefined when signatures are not checked. Throws when refused. */
  async verifyGatewaySignature(request: FastifyRequest): Promise<string | undefined> {
    if (!this.signatureDeps) return undefined;
    const signature = request.headers['x-signature'];
    if (typeof signature !== 'string') throw new Error('X-Signature required');
    return (await verifyCmsSignature(signature, (request.body as RawJson).raw, this.signatureDeps)).signer.subject;
  }

  listen(host: string, port: number): Promise<string> {
    return this.app.listen({ host, port });
  }
}
