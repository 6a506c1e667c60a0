import { RegistryError, type CitizenQuery, type CitizenRegistry, type LookupPurpose } from '../../src/citizens/citizen-registry.ts';
import type { RegistryRecord } from '../../src/citizens/compare-citizen.ts';
import type { ServiceContext } from '../../src/connectors/connector-types.ts';
import { authorizationOf, fromLookupResponse, toLookupEnvelope } from './mapping.ts';
import { populationOptionsOf, type PopulationOptions } from './options.ts';

/**
 * Looks citizens up in the National Population Database over SOAP. Every failure is a RegistryError (timeout or
 * unavailable); an answer about another person than the one asked is a failure too, never a result.
 */
export class PopulationRegistryClient implements CitizenRegistry {
  private readonly options: PopulationOptions;

  constructor(private readonly context: ServiceContext) {
    this.options = populationOptionsOf(context.service.options);
  }

  async lookup(query: CitizenQuery, purpose: LookupPurpose): Promise<RegistryRecord | null> {
    const body = toLookupEnvelope(query, purpose, this.options);
    const timestamp = String(Date.now());
    let statusCode: number;
    let xml: string;
    try {
      const res = await this.context.transport.call({
        operation: 'lookup',
        path: this.options.path,
        headers: {
          'content-type': 'text/xml; charset=utf-8',
          soapaction: 'TraCuuThongTinCongDan',
          timestamp,
          authorization: authorizationOf(`${this.context.service.baseUrl}${this.options.path}`, this.options, timestamp),
          'x-road-client': this.options.xRoadClient,
          apikey: this.options.apiKey,
        },
        body,
        timeoutMs: this.context.service.timeoutMs,
      });
      statusCode = res.statusCode;
      xml = res.text;
    } catch (err) {
      const name = (err as Error).name;
      if (name === 'TimeoutError' || name === 'AbortError') throw new RegistryError('timeout', `no answer within ${this.context.service.timeoutMs} ms`);
      throw new RegistryError('unavailable', `cannot reach the registry: ${(err as Error).message}`);
    }
    if (statusCode !== 200 && statusCode !== 500) throw new RegistryError('unavailable', `registry answered HTTP ${statusCode}`);
    let answer;
    try {
      answer = await fromLookupResponse(xml);
    } catch (err) {
      throw new RegistryError('unavailable', `unreadable registry answer: ${(err as Error).message}`);
    }
    if (answer.kind === 'fault') throw new RegistryError('unavailable', `registry fault: ${answer.message}`);
    if (answer.kind === 'not-found') return null;
    if (answer.personalId !== query.personalId) throw new RegistryError('unavailable', 'registry answered about another personal ID');
    return answer.record;
  }

  async close(): Promise<void> {
    await this.context.transport.close();
  }
}
