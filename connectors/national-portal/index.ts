import type { Connector } from '../../src/connectors/connector-types.ts';
import { NationalPortalClient } from './client.ts';
import { portalOptionsOf } from './options.ts';
import { startNationalPortalSimulator } from './simulator.ts';
import { PortalSubmissionSource } from './submissions.ts';

/** National Public Service Portal (Cổng Dịch vụ công quốc gia): dossier sync, fee payment results, online submissions. */
export const connector: Connector = {
  name: 'national-portal',
  messageTypes: ['dossier.status.v1', 'dossier.status.v2', 'payment.result.v1', 'submission.receipt.v1'],
  operations: (options) => {
    const o = portalOptionsOf(options);
    // Attachments keep the path the feed gives them; through a platform it follows the service's path.
    return { auth: o.authEndpoint, integration: o.integrationEndpoint, attachment: '' };
  },
  createSubmissionSource: (context) => new PortalSubmissionSource(context),
  createClient: (context) => new NationalPortalClient(context),
  startSimulator: startNationalPortalSimulator,
};
