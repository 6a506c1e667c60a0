import type { FastifyRequest } from 'fastify';
import type { AdminRole, GatewayConfig } from '../config/types.ts';
import { GatewayError } from '../http/errors.ts';
import { bearerToken, hashApiKey } from '../pipeline/authenticate-partner.ts';

export interface AdminIdentity {
  name: string;
  role: AdminRole;
}

declare module 'fastify' {
  interface FastifyRequest {
    admin?: AdminIdentity;
  }
}

/** Who an admin token belongs to: tokens are stored hashed, and are their own namespace (never a partner key). */
export function adminIdentityOf(admins: GatewayConfig['admins']): (token: string | undefined) => AdminIdentity | undefined {
  const byHash = new Map<string, AdminIdentity>();
  for (const [name, admin] of Object.entries(admins)) for (const hash of admin.tokenHashes) byHash.set(hash, { name, role: admin.role });
  return (token) => (token ? byHash.get(hashApiKey(token)) : undefined);
}

/** /admin/api takes `Authorization: Bearer <admin token>`. */
export function createAdminAuthenticator(admins: GatewayConfig['admins']) {
  const identify = adminIdentityOf(admins);
  return async function authenticateAdmin(request: FastifyRequest): Promise<void> {
    const admin = identify(bearerToken(request.headers.authorization));
    if (!admin) throw new GatewayError('AUTH_INVALID', 'an admin token is required', [], { 'www-authenticate': 'Bearer' });
    request.admin = admin;
    request.log = request.log.child({ admin: admin.name });
  };
}

/** preHandler for actions that change something: viewers may look, only operators act. */
export async function requireOperator(request: FastifyRequest): Promise<void> {
  if (request.admin?.role !== 'operator') throw new GatewayError('ROLE_FORBIDDEN', 'this action needs the operator role');
}
