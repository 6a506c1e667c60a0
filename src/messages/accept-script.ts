import { readFileSync } from 'node:fs';
import { Job, type JobsOptions, type Queue } from 'bullmq';
// BullMQ's own add script, with its includes rendered: the accept script calls it as a function (see below).
import { addStandardJob } from 'bullmq/dist/esm/scripts/addStandardJob-9.js';
import { LuaScript } from '../redis/lua-script.ts';
import type { RedisClient } from '../redis/connections.ts';
import type { Envelope } from './envelope.ts';

/**
 * accept-message.lua after BullMQ's addStandardJob, made a local function: one script, one round trip, one AOF fsync
 * for the look-up, the add and the records. BullMQ's script is used as BullMQ ships it (not rewritten by hand), so
 * the job is exactly the one queue.add makes; test/e2e/accept-script.test.ts compares the two field by field, so a
 * BullMQ upgrade that changes the add cannot slip by.
 */
const acceptScript = new LuaScript(
  `local function bullmqAddStandardJob(KEYS, ARGV)\n${addStandardJob.content}\nend\n` + readFileSync(new URL('./scripts/accept-message.lua', import.meta.url), 'utf8'),
);

type BullmqCommandArgs = Array<string | number | Buffer>;

/**
 * The keys and arguments BullMQ's queue.add would send for this job, built by BullMQ itself: its Job is handed a
 * client that keeps the command instead of sending it. The queue's default job options apply as in queue.add.
 */
async function bullmqAddArguments(queue: Queue, name: string, data: Envelope, opts: JobsOptions & { jobId: string }): Promise<BullmqCommandArgs> {
  const job = new Job(queue, name, data, { ...queue.jobsOpts, ...opts }, opts.jobId);
  let kept: { command: string; args: BullmqCommandArgs } | undefined;
  const keeper = {
    runCommand: (command: string, args: BullmqCommandArgs) => {
      kept = { command, args };
      return Promise.resolve(opts.jobId);
    },
  };
  await job.addJob(keeper as unknown as Parameters<Job['addJob']>[0]);
  // Only the standard add (no delay, no priority, no parent) is composed; ingest never asks for the others.
  if (!kept || !kept.command.startsWith(`${addStandardJob.name}:`) || kept.args.length !== addStandardJob.keys + 3) {
    throw new Error(`BullMQ no longer adds this job with ${addStandardJob.name}-${addStandardJob.keys} (${kept?.command ?? 'no command'})`);
  }
  return kept.args;
}

/**
 * Run once when the api starts: BullMQ still adds a job the way the accept script composes it. After a BullMQ upgrade
 * that changed its add, the api then refuses to start, naming the cause, instead of answering every message 503.
 */
export async function checkBullmqAdd(queue: Queue): Promise<void> {
  const probe = { messageId: 'start-up-check', type: 'start-up-check', payload: {} } as unknown as Envelope;
  await bullmqAddArguments(queue, probe.type, probe, { jobId: probe.messageId, deduplication: { id: 'start-up-check', ttl: 1000 }, attempts: 2, backoff: { type: 'gateway' } });
}

export interface AcceptInOneScript {
  redis: RedisClient;
  queue: Queue;
  envelope: Envelope;
  jobOptions: JobsOptions & { jobId: string };
  /** The signature's memory: key and how long (absent for a message without a signature of its own). */
  signature?: { key: string; ttlMs: number };
  /** Whether a deduplication hit must carry the same body (a partner's Idempotency-Key), or is a duplicate whatever. */
  compareBodies: boolean;
  /** The message log's pending list and the line around the id, queued and duplicate versions. */
  log: { key: string; before: string; queuedAfter: string; duplicateAfter: string };
  timeline: { key: string; score: number; member: string; retentionMs: number };
  /** Where the body's digest is kept under its Idempotency-Key, and how long (used when compareBodies). */
  bodyMemory: { key: string; ttlMs: number };
}

/** `recordsFailed`: the message is stored (or known), but its memory, log entry or timeline could not be written. */
export type OneScriptResult = { kind: 'queued' | 'duplicate' | 'conflict'; messageId: string; recordsFailed: boolean };

export async function acceptInOneScript(input: AcceptInOneScript): Promise<OneScriptResult> {
  const { redis, queue, envelope, signature, log, timeline, bodyMemory } = input;
  const bullmq = await bullmqAddArguments(queue, envelope.type, envelope, input.jobOptions);
  const jobKeyPrefix = queue.toKey('');
  const keys = [...(bullmq.slice(0, addStandardJob.keys) as string[]), signature?.key ?? `${jobKeyPrefix}no-signature`, log.key, timeline.key, bodyMemory.key];
  const args = [
    ...bullmq.slice(addStandardJob.keys),
    jobKeyPrefix,
    envelope.messageId,
    signature ? String(signature.ttlMs) : '',
    input.compareBodies ? '1' : '0',
    envelope.bodySha256,
    log.before,
    log.queuedAfter,
    log.duplicateAfter,
    timeline.score,
    timeline.member,
    timeline.retentionMs,
    bodyMemory.ttlMs,
  ];
  const [kind, id, failed] = (await acceptScript.run(redis, keys, args)) as [string, string, number?];
  if (kind === 'error') throw new Error(`BullMQ refused the add (code ${id})`);
  return { kind: kind as OneScriptResult['kind'], messageId: id, recordsFailed: failed === 1 };
}
