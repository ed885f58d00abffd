// Delivery statuses that arrive before the message they are about is known by its platform id.
// A platform may report "sent" or "delivered" on a send before its answer to that send reached us
// and its id was recorded (a busy moment on our side is enough). Such a status is not dropped: it
// is tried again a few times, by a durable job, for about as long as recording a send can take.
// A status for a message that is not ours (sent from the platform's own app, say) is tried these
// few times and then let go.
import type { Context } from '../shared/context.js';
import { ChannelEntity } from '../shared/db/entities/index.js';
import type { JobPayloads } from '../shared/jobs/job-types.js';
import { applyDeliveryStatus } from './receive-inbound.js';

/** The waits before each new try: about 13 s in all. */
export const LATE_STATUS_DELAYS_MS = [1000, 3000, 9000];

/** Queues the next try of a status whose message was not found (tries made so far: `tries`). */
export async function tryStatusLater(ctx: Context, s: Omit<JobPayloads['switch-status'], 'tries'>, tries = 0): Promise<void> {
  if (tries >= LATE_STATUS_DELAYS_MS.length) {
    ctx.logger.debug({ channelId: s.channelId, externalMessageId: s.externalMessageId, status: s.status }, 'delivery status for a message that is not ours; let go');
    return;
  }
  await ctx.jobs.add('switch-status', { ...s, tries: tries + 1 }, { delayMs: LATE_STATUS_DELAYS_MS[tries], attempts: 3 });
}

/** Job: one more try of a late status. */
export async function applyLateStatus(ctx: Context, s: JobPayloads['switch-status']): Promise<void> {
  const channel = await ctx.db.manager.findOneBy(ChannelEntity, { id: s.channelId });
  if (!channel) return;
  const applied = await applyDeliveryStatus(ctx, channel, s.externalMessageId, s.status, s.error);
  if (!applied) await tryStatusLater(ctx, s, s.tries);
}
