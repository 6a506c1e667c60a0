import { GatewayError } from '../http/errors.ts';
import type { AuthenticatedPartner } from './request-context.ts';

/** Step 5, authorize: a partner speaks only for the agencies (Mã đơn vị) it is registered with. */
export function authorizeAgency(partner: AuthenticatedPartner, agencyCode: string): void {
  if (!partner.agencies.includes(agencyCode)) {
    throw new GatewayError('AGENCY_FORBIDDEN', `partner "${partner.id}" may not send for agency ${agencyCode}`, [
      { path: '/agencyCode', message: 'not one of this partner\'s agencies' },
    ]);
  }
}
