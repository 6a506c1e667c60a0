import { request } from 'undici';
import { buildPlatformSimulator, type ForwardedCall } from '../../connectors/service-platform/simulator.ts';
import type { PlatformService } from '../../connectors/service-platform/options.ts';
import type { PlatformTransportConfig } from '../../src/config/types.ts';
import { SimulatorClient } from './test-gateway.ts';

/** The platform key of test gateways and the platform simulators they talk to. */
export const platformKey = 'test-lgsp-consumer-key-0123';
export const platformTokenPath = '/token';

export interface PlatformStats {
  tokensIssued: number;
  tokensRefused: number;
  forwarded: number;
  refused: number;
}

/** A simulated LGSP/NGSP on a free port, in front of whatever `services` forward to; accepts `Bearer <platformKey>` by default. */
export class PlatformSimulator extends SimulatorClient<ForwardedCall, PlatformStats> {
  static async start(services: PlatformService[], options: { platform?: string; authorization?: string; tokenLifetimeSeconds?: number } = {}): Promise<PlatformSimulator> {
    const app = buildPlatformSimulator({
      platform: options.platform ?? 'lgsp',
      clients: [{ tokenPath: platformTokenPath, authorization: options.authorization ?? `Bearer ${platformKey}` }],
      services,
      tokenLifetimeSeconds: options.tokenLifetimeSeconds,
    });
    return new PlatformSimulator(app, await app.listen({ host: '127.0.0.1', port: 0 }));
  }

  /** Every token issued so far stops working. */
  async revokeTokens(): Promise<void> {
    await (await request(`${this.url}/_sim/tokens/revoke`, { method: 'POST' })).body.dump();
  }

  /** The service codes of the forwarded calls, in order. */
  async forwardedCodes(): Promise<string[]> {
    return (await this.received()).effects.map((e) => e.serviceCode);
  }

  /** A gateway transport config for this platform with the given services (operation → path and code). */
  transportConfig(services: PlatformTransportConfig['services']): PlatformTransportConfig {
    return { platform: 'lgsp', baseUrl: this.url, tokenPath: platformTokenPath, keyScheme: 'Bearer', key: platformKey, services };
  }
}
