import { RegistryError, type CitizenQuery, type CitizenRegistry, type LookupPurpose } from '../../src/citizens/citizen-registry.ts';
import type { RegistryRecord } from '../../src/citizens/compare-citizen.ts';
import { isOldIdCardNumber } from '../../src/citizens/personal-id.ts';
import type { ServiceContext } from '../../src/connectors/connector-types.ts';
import type { TransportAnswer } from '../../src/connectors/transport/transport.ts';
import { DirectLookupCall } from './direct-call.ts';
import { LgspWrappedLookupCall } from './lgsp-wrapped-call.ts';
import { populationOptionsOf, type PopulationOptions } from './options.ts';
import { fromLookupResponse } from './soap-answer.ts';
import type { LookupRequest } from './soap-request.ts';

/** What the client needs of one query and its purpose, in the registry's terms (soap-request.ts). */
export function lookupRequestOf(query: CitizenQuery, purpose: LookupPurpose, options: PopulationOptions): LookupRequest {
  return {
    requestId: purpose.requestId,
    serviceCode: purpose.serviceCode ?? options.defaultServiceCode,
    integrationCode: options.integrationCode,
    officerId: purpose.officerId,
    officerPhone: purpose.officerPhone,
    agencyCode: purpose.agencyCode,
    account: options.mode === 'direct' ? options.username : '',
    personalId: query.personalId,
    fullName: query.fullName,
    dateOfBirth: query.dateOfBirth,
  };
}

/**
 * Looks citizens up in the National Population Database over SOAP, directly or wrapped for a provincial LGSP
 * (options.mode). Every failure is a RegistryError (timeout or unavailable); an answer about another person than
 * the one asked is a failure too, never a result.
 */
export class PopulationRegistryClient implements CitizenRegistry {
  private readonly options: PopulationOptions;
  private readonly call: DirectLookupCall | LgspWrappedLookupCall;

  constructor(private readonly context: ServiceContext) {
    this.options = populationOptionsOf(context.service.options);
    if (context.transport.via !== 'direct') {
      // A platform transport puts its own Bearer token in Authorization, where the registry wants its Basic hash.
      throw new Error(`population-db connector: cannot be reached through the "${context.transport.via}" transport; use options.mode "lgsp-wrapped" with the LGSP adapter as baseUrl`);
    }
    this.call = this.options.mode === 'direct' ? new DirectLookupCall(context.transport, this.options) : new LgspWrappedLookupCall(context.transport, this.options, context.service.timeoutMs);
  }

  async lookup(query: CitizenQuery, purpose: LookupPurpose): Promise<RegistryRecord | null> {
    const answer = await this.send(lookupRequestOf(query, purpose, this.options));
    if (answer.statusCode !== 200 && answer.statusCode !== 500) throw new RegistryError('unavailable', `registry answered HTTP ${answer.statusCode}`);
    let read;
    try {
      read = await fromLookupResponse(answer.text);
    } catch (err) {
      throw new RegistryError('unavailable', `unreadable registry answer: ${(err as Error).message}`);
    }
    if (read.kind === 'fault') throw new RegistryError('unavailable', `registry fault: ${read.message}`);
    if (read.kind === 'not-found') return null;
    // An old ID is matched on SoCMND, a personal ID on SoDinhDanh: the one we asked by.
    const answeredId = isOldIdCardNumber(query.personalId) ? read.identifiers.SoCMND : read.identifiers.SoDinhDanh;
    if (answeredId !== query.personalId) throw new RegistryError('unavailable', 'registry answered about another personal ID');
    return read.record;
  }

  private async send(request: LookupRequest): Promise<TransportAnswer> {
    const { timeoutMs } = this.context.service;
    try {
      return await this.call.send(request, timeoutMs);
    } catch (err) {
      if (isTimeout(err)) throw new RegistryError('timeout', `no answer within ${timeoutMs} ms`);
      throw new RegistryError('unavailable', `cannot reach the registry: ${(err as Error).message}`);
    }
  }

  async close(): Promise<void> {
    await this.context.transport.close();
  }
}

/** undici's abort on our AbortSignal.timeout. (A token fetch that times out reports "TimeoutError calling …": unavailable.) */
const isTimeout = (err: unknown) => ['TimeoutError', 'AbortError'].includes((err as Error).name);
