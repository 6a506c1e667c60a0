import { hash } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { PartnerConfig } from '../config/types.ts';
import { GatewayError } from '../http/errors.ts';
import type { AuthenticatedPartner } from './request-context.ts';

export const hashApiKey = (apiKey: string) => `sha256:${hash('sha256', apiKey, 'hex')}`;

/** The credential of an `Authorization: Bearer <token>` header, if that is what the header holds. */
export const bearerToken = (header: string | undefined) => (header ? /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1] : undefined);

/**
 * Step 1, authenticate: `Authorization: Bearer <api key>` → the partner from config. Keys are stored only as
 * SHA-256 hashes; looking up the hash of a high-entropy key leaks nothing useful through timing.
 */
export function createPartnerAuthenticator(partners: Record<string, PartnerConfig>) {
  const byKeyHash = new Map<string, AuthenticatedPartner>();
  for (const [id, partner] of Object.entries(partners)) {
    for (const hash of partner.apiKeyHashes) byKeyHash.set(hash, { ...partner, id });
  }

  return async function authenticatePartner(request: FastifyRequest): Promise<void> {
    const header = request.headers.authorization;
    const token = bearerToken(header);
    const partner = token ? byKeyHash.get(hashApiKey(token)) : undefined;
    if (!partner) {
      throw new GatewayError('AUTH_INVALID', header ? 'API key is not valid' : 'Authorization: Bearer <api key> is required', [], {
        'www-authenticate': 'Bearer',
      });
    }
    request.partner = partner;
    request.log = request.log.child({ partner: partner.id });
  };
}
