// What the customer hears when nobody can take their conversation (past the queue's maximum
// wait, nobody eligible online, or the queue full): we take a message and call them back.
// The switch stores and sends the reply and marks the conversation; this only decides what it says.
import type { OverflowReason } from '../shared/types/routing.js';

/** How an unattended conversation is marked, for the agents who follow it up. */
export type UnattendedMark = 'leave-message';

export interface UnattendedReply { text: string; mark: UnattendedMark }

const OPENINGS: Record<OverflowReason, string> = {
  'max-wait': 'Sorry for the wait: all our agents are still busy.',
  'no-agents': 'None of our agents is available right now.',
  'queue-full': 'All our agents are busy and many customers are waiting.',
};

/** The reply for a conversation the queues could not serve; `custom` is a queue's own wording, when it has one. */
export function unattendedReply(reason: OverflowReason, custom?: string | null): UnattendedReply {
  const text = custom?.trim() || `${OPENINGS[reason]} Leave us your message here, with how to reach you, and we will get back to you as soon as we can.`;
  return { text, mark: 'leave-message' };
}
