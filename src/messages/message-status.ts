import type { Job } from 'bullmq';
import type { AttemptRecord, DeliveryOutcome, Envelope, MessageState } from './envelope.ts';
import type { DestinationQueues } from '../queues/destination-queues.ts';

export interface MessageStatusView {
  messageId: string;
  type: string;
  dossierCode: string;
  destination: string;
  state: MessageState;
  /** Delivery attempts made, from BullMQ's own counter. */
  attempts: number;
  lastError: string | null;
  receivedAt: string;
  lastAttemptAt: string | null;
  finishedAt: string | null;
  /** While it waits for a retry (or for an open circuit): when it will be tried next. */
  nextAttemptAt: string | null;
  history: AttemptRecord[];
}

export interface FoundMessage {
  job: Job<Envelope, DeliveryOutcome>;
  destination: string;
}

/** A message is a job in exactly one destination queue; there are only a handful of queues to ask. */
export async function findMessage(queues: DestinationQueues, messageId: string): Promise<FoundMessage | undefined> {
  if (!/^[0-9a-f-]{36}$/.test(messageId)) return undefined;
  const found = await Promise.all(queues.all().map(async ([destination, queue]) => ({ destination, job: await queue.getJob(messageId) })));
  const hit = found.find((f) => f.job);
  return hit ? { destination: hit.destination, job: hit.job as Job<Envelope, DeliveryOutcome> } : undefined;
}

function stateOf(bullState: string, job: Job<Envelope, DeliveryOutcome>): MessageState {
  switch (bullState) {
    case 'completed':
      return job.returnvalue?.outcome ?? 'delivered';
    case 'failed':
      return 'dead';
    case 'active':
      return 'delivering';
    default:
      return job.attemptsMade > 0 ? 'delivering' : 'queued';
  }
}

export async function describeMessage(found: FoundMessage, queues: DestinationQueues): Promise<MessageStatusView> {
  const { destination } = found;
  const queue = queues.get(destination);
  let job = found.job;
  const bullState = await job.getState();
  if ((bullState === 'completed' || bullState === 'failed') && !job.finishedOn) {
    // It finished between reading the job and reading its state: read it again so counts and outcome agree.
    job = ((await queue.getJob(job.id!)) as typeof job | undefined) ?? job;
  }
  const logs = await queue.getJobLogs(job.id!, 0, 99);
  const history = logs.logs.map((line) => JSON.parse(line) as AttemptRecord);
  return {
    messageId: job.id!,
    type: job.data.type,
    dossierCode: job.data.dossierCode,
    destination,
    state: stateOf(bullState, job),
    attempts: job.attemptsMade,
    lastError: job.failedReason || (history.findLast((h) => h.error)?.error ?? null),
    receivedAt: job.data.receivedAt,
    lastAttemptAt: job.processedOn ? new Date(job.processedOn).toISOString() : null,
    finishedAt: job.finishedOn ? new Date(job.finishedOn).toISOString() : null,
    nextAttemptAt: bullState === 'delayed' || bullState === 'waiting' || bullState === 'prioritized' ? (history.at(-1)?.nextAttemptAt ?? null) : null,
    history,
  };
}
