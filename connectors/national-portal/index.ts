import type { Connector } from '../../src/connectors/connector-types.ts';
import { NationalPortalClient } from './client.ts';
import { startNationalPortalSimulator } from './simulator.ts';
import { PortalSubmissionSource } from './submissions.ts';

/** National Public Service Portal (Cổng Dịch vụ công quốc gia): dossier status and fee payment sync. */
export const connector: Connector = {
  name: 'national-portal',
  messageTypes: ['dossier.status.v1', 'payment.result.v1', 'submission.receipt.v1'],
  createSubmissionSource: (context) => new PortalSubmissionSource(context),
  createClient: (context) => new NationalPortalClient(context),
  startSimulator: startNationalPortalSimulator,
};
