import type { SealedRecord } from '../audit/message-log.ts';

/**
 * What a partner is told about a message whose job is gone (completed jobs are trimmed by age and by count, see
 * DestinationQueues) but whose records the message log still has: its last outcome and when. The attempt history
 * went with the job, so `attempts` is null and `history` empty; `source` says so.
 */
export interface LoggedStatusView {
  messageId: string;
  type: string;
  dossierCode: string | null;
  destination: string | null;
  /** The outcome at the destination (delivered, superseded, dead); `expired` when the log has only its acceptance. */
  state: string;
  attempts: null;
  lastError: null;
  receivedAt: string | null;
  lastAttemptAt: null;
  nextAttemptAt: null;
  finishedAt: string | null;
  history: [];
  source: 'message-log';
}

export function statusFromLog(messageId: string, partner: string | undefined, records: SealedRecord[]): LoggedStatusView | undefined {
  const own = records.filter((r) => r.messageId === messageId && (partner === undefined || r.partner === partner));
  const accepted = own.find((r) => r.direction === 'inbound' && r.outcome === 'queued');
  const outcome = own.findLast((r) => r.direction === 'outbound');
  const any = outcome ?? accepted;
  if (!any) return undefined;
  // The body is the acceptance's; outcome records carried a copy until 2026-11-24, and older ones are still read.
  const body = (accepted?.body ?? outcome?.body) as { dossierCode?: unknown } | undefined;
  return {
    messageId,
    type: any.type,
    dossierCode: typeof body?.dossierCode === 'string' ? body.dossierCode : null,
    destination: outcome?.destination ?? accepted?.destination ?? null,
    state: outcome ? outcome.outcome : 'expired',
    attempts: null,
    lastError: null,
    receivedAt: accepted?.at ?? null,
    lastAttemptAt: null,
    nextAttemptAt: null,
    finishedAt: outcome?.at ?? null,
    history: [],
    source: 'message-log',
  };
}
