// Replies and bot messages are stored as pending first, then sent at once or by their job. If the
// process died before the send ended or the job was queued, or Redis refused the job, nothing
// would ever send them: a sweep queues the jobs of messages still pending a while after they were
// stored. The job id makes this a no-op for a message whose job exists (waiting, retrying,
// running), and a job waits while its message is being sent (gateway/send-lease.ts); a job
// queued here carries no copy of the message, so it reads what is stored, sent marker included.
import { LessThan } from 'typeorm';
import type { Context } from '../shared/context.js';
import { MessageEntity } from '../shared/db/entities/index.js';
import { queueOutboundSend } from '../shared/jobs/outbound-send.js';

export const SWEEP_EVERY_MS = 30_000;
/**
 * Longer than storing and queuing take, and than a send at once takes but for a platform that
 * times out: younger pending messages are left to their own producer. (An older one still being
 * sent only makes its job wait for the send lease.)
 */
export const STALE_AFTER_MS = 60_000;
const BATCH = 500;

/** Queues the send jobs of outbound messages pending for longer than STALE_AFTER_MS; returns how many it looked at. */
export async function requeuePendingSends(ctx: Context, now = Date.now()): Promise<number> {
  const stale = await ctx.db.manager.find(MessageEntity, {
    select: { id: true },
    where: { status: 'pending', direction: 'out', createdAt: LessThan(new Date(now - STALE_AFTER_MS)) },
    order: { createdAt: 'ASC' }, take: BATCH,
  });
  await Promise.all(stale.map((m) => queueOutboundSend(ctx.jobs, m.id)));
  return stale.length;
}

/** Runs the sweep once per SWEEP_EVERY_MS slot, whatever the number of processes (one job id per slot). */
export async function startPendingSendsSweep(ctx: Context): Promise<void> {
  const schedule = () => {
    const at = (Math.floor(Date.now() / SWEEP_EVERY_MS) + 1) * SWEEP_EVERY_MS;
    return ctx.jobs.add('gateway-sweep', { at }, { jobId: `sweep-${at}`, delayMs: at - Date.now(), attempts: 1 });
  };
  ctx.jobs.work('gateway-sweep', async () => {
    try {
      const n = await requeuePendingSends(ctx);
      if (n) ctx.logger.info({ messages: n }, 'outbound messages pending for minutes: their send jobs queued (a no-op where one exists)');
    } finally {
      await schedule();
    }
  }, { concurrency: 1 });
  await schedule();
}
