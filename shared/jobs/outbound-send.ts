// The send job of a stored outbound message, queued the same way by every producer (an agent's
// reply, a bot message, a resend, the sweep): its id is the message's, so queuing it again is a
// no-op while the job exists. Without `first` the job reads the message, and its sent marker,
// from what is stored (gateway/deliver-outbound.ts).
import type { JobBus } from './job-bus.js';
import type { OutboundSnapshot } from './job-types.js';

export function queueOutboundSend(jobs: JobBus, messageId: string, first?: OutboundSnapshot): Promise<void> {
  return jobs.add('gateway-outbound', first ? { messageId, first } : { messageId }, { jobId: `out-${messageId}` });
}
