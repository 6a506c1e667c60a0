import type { FastifyRequest } from 'fastify';
import type { AdminRole, GatewayConfig } from '../config/types.ts';
import { GatewayError } from '../http/errors.ts';
import { hashApiKey } from '../pipeline/authenticate-partner.ts';

export interface AdminIdentity {
  name: string;
  role: AdminRole;
}

declare module 'fastify' {
  interface FastifyRequest {
    admin?: AdminIdentity;
  }
}

/** Admin tokens are their own namespace: a partner API key never opens /admin/api, and tokens are stored hashed. */
export function createAdminAuthenticator(admins: GatewayConfig['admins']) {
  const byHash = new Map<string, AdminIdentity>();
  for (const [name, admin] of Object.entries(admins)) for (const hash of admin.tokenHashes) byHash.set(hash, { name, role: admin.role });
  return async function authenticateAdmin(request: FastifyRequest): Promise<void> {
    const token = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '')?.[1];
    const admin = token ? byHash.get(hashApiKey(token)) : undefined;
    if (!admin) throw new GatewayError('AUTH_INVALID', 'an admin token is required', [], { 'www-authenticate': 'Bearer' });
    request.admin = admin;
    request.log = request.log.child({ admin: admin.name });
  };
}

/** preHandler for actions that change something: viewers may look, only operators act. */
export async function requireOperator(request: FastifyRequest): Promise<void> {
  if (request.admin?.role !== 'operator') throw new GatewayError('ROLE_FORBIDDEN', 'this action needs the operator role');
}
