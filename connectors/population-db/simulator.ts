import Fastify, { type FastifyInstance } from 'fastify';
import type { SimulatorHandle, SimulatorOptions } from '../../src/connectors/connector-types.ts';
import { SimulatorKit, type SimulatorFaults } from '../../src/connectors/simulator-kit.ts';
import { authorizationOf, toLookupResponse } from './mapping.ts';
import { populationOptionsOf } from './options.ts';
import { fullNameOf, generateCitizens, type SyntheticCitizen } from './synthetic-citizens.ts';

export interface RegistryFaults extends SimulatorFaults {
  /** Answer with another citizen's record (the gateway must refuse it, never pass it on). */
  wrongAnswer?: boolean;
  /** Answer with a SOAP Fault. */
  soapFault?: boolean;
}

export interface RegistryLookupSeen {
  requestId: string;
  agencyCode: string;
  found: boolean;
  at: string;
}

const field = (xml: string, name: string) => new RegExp(`<(?:\\w+:)?${name}>([^<]*)</(?:\\w+:)?${name}>`).exec(xml)?.[1];

/**
 * Imitates the National Population Database's lookup service with a registry of synthetic citizens (2,000 made up
 * from a fixed seed, plus the well-known ones the README lists), checking the Authorization hash and Timestamp.
 * Faults: latencyMs (slow), failNext/status (down), hangNext, wrongAnswer, soapFault. GET /_sim/citizens lists them.
 */
export function buildPopulationSimulator(options: Record<string, unknown>, citizens: SyntheticCitizen[] = generateCitizens(2000)): FastifyInstance {
  const config = populationOptionsOf(options);
  const app = Fastify({ logger: false, forceCloseConnections: true });
  const kit = new SimulatorKit<RegistryLookupSeen>(app, options);
  kit.stats.lookups = 0;
  const byId = new Map(citizens.map((c) => [c.personalId, c]));
  app.addContentTypeParser(['text/xml', 'application/soap+xml'], { parseAs: 'string' }, (_r, body, done) => done(null, body));

  app.post(config.path, async (req, reply) => {
    kit.count('lookups');
    if (await kit.injectFaults(reply, '<error>injected fault</error>')) return reply;
    const timestamp = String(req.headers.timestamp ?? '');
    const expected = authorizationOf(`http://${req.headers.host}${config.path}`, config, timestamp);
    if (req.headers.authorization !== expected || req.headers.apikey !== config.apiKey || Math.abs(Date.now() - Number(timestamp)) > 300_000) {
      return reply.code(401).type('text/xml').send('<error>unauthorized</error>');
    }
    const xml = req.body as string;
    const personalId = field(xml, 'SoDinhDanh') ?? '';
    const faults = kit.faults as RegistryFaults;
    if (faults.soapFault) {
      return reply.code(500).type('text/xml').send('<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><soap:Fault><faultcode>soap:Server</faultcode><faultstring>He thong dang bao tri</faultstring></soap:Fault></soap:Body></soap:Envelope>');
    }
    let citizen = byId.get(personalId);
    if (faults.wrongAnswer) citizen = citizens.find((c) => c.personalId !== personalId);
    const requestId = field(xml, 'MaYeuCau') ?? '';
    kit.received.set(requestId || String(kit.stats.lookups), { requestId, agencyCode: field(xml, 'MaDonVi') ?? '', found: Boolean(citizen), at: new Date().toISOString() });
    return reply.type('text/xml; charset=utf-8').send(toLookupResponse(citizen));
  });

  app.get('/_sim/citizens', async (req) => {
    const limit = Math.min(Number((req.query as { limit?: string }).limit ?? 20), 500);
    return { count: citizens.length, citizens: citizens.slice(0, limit).map((c) => ({ personalId: c.personalId, fullName: fullNameOf(c), dateOfBirth: c.dateOfBirth })) };
  });
  return app;
}

export async function startPopulationSimulator(options: SimulatorOptions): Promise<SimulatorHandle> {
  const app = buildPopulationSimulator(options.options);
  const url = await app.listen({ host: options.host, port: options.port });
  return { url, close: () => app.close() };
}
