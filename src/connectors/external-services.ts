import type { CitizenRegistry } from '../citizens/citizen-registry.ts';
import type { ExternalServiceConfig, GatewayConfig } from '../config/types.ts';
import type { Logger } from '../logging/logger.ts';
import type { PaymentProvider } from '../payments/payment-provider.ts';
import { isBound } from '../pipeline/verify-signature.ts';
import { SignatureError } from '../signatures/signature-error.ts';
import { verifyCmsSignature, type CmsVerifierDeps } from '../signatures/verify-cms-signature.ts';
import { loadConnector, requirePort } from './connector-registry.ts';
import { transportFor } from './connector-context.ts';
import type { Connector, ServiceContext } from './connector-types.ts';

/** The payment providers and registries the config names, each built by its connector. */
export interface ExternalServices {
  payments: Map<string, PaymentProvider>;
  registries: Map<string, CitizenRegistry>;
  close(): Promise<void>;
}

export interface ExternalServiceDeps {
  logger: Logger;
  signOutbound: (body: Buffer) => string;
  signatures: CmsVerifierDeps;
  /** The gateway's own public base URL, known once it listens. */
  publicUrl: () => string;
}

/** A remote system's signature: genuine through the trust store, and made by a certificate configured for it. */
function remoteSignatureVerifier(name: string, service: ExternalServiceConfig, signatures: CmsVerifierDeps) {
  return async (signature: string | undefined, body: Buffer) => {
    if (!signature) throw new SignatureError('SIGNATURE_INVALID', 'signature header is missing');
    const verified = await verifyCmsSignature(signature, body, signatures);
    if (!isBound(verified.signer, service.certificates ?? [])) {
      throw new SignatureError('CERT_NOT_BOUND', `signer ${verified.signer.subject} is not configured for "${name}"`);
    }
    return { subject: verified.signer.subject };
  };
}

export async function startExternalServices(config: GatewayConfig, deps: ExternalServiceDeps): Promise<ExternalServices> {
  const contextOf = (connector: Connector, configPath: string, name: string, service: ExternalServiceConfig, callbackPath: string): ServiceContext => {
    return {
      serviceName: name,
      service,
      transport: transportFor(connector, configPath, name, service, 16),
      logger: deps.logger.child({ service: name }),
      signOutbound: deps.signOutbound,
      verifyRemoteSignature: remoteSignatureVerifier(name, service, deps.signatures),
      callbackUrl: () => `${deps.publicUrl()}${callbackPath}`,
    };
  };
  const payments = new Map<string, PaymentProvider>();
  for (const [name, provider] of Object.entries(config.payments.providers)) {
    const connector = await loadConnector(provider.connector);
    const create = requirePort(connector, 'createPaymentProvider', `/payments/providers/${name}`);
    payments.set(name, create(contextOf(connector, `/payments/providers/${name}`, name, provider, `/v1/payments/callbacks/${name}`)));
  }
  const registries = new Map<string, CitizenRegistry>();
  for (const [name, registry] of Object.entries(config.registries)) {
    const connector = await loadConnector(registry.connector);
    const create = requirePort(connector, 'createRegistry', `/registries/${name}`);
    registries.set(name, create(contextOf(connector, `/registries/${name}`, name, registry, '')));
  }
  return {
    payments,
    registries,
    close: async () => {
      await Promise.all([...payments.values(), ...registries.values()].map((s) => s.close()));
    },
  };
}
