// WhatsApp's customer-service window: free-form replies reach the customer only within 24 hours
// of their last message; after that only an approved template does (WhatsApp refuses the rest, 131047).
import type { MessageView } from '../../../shared/types/api.js';

export const SERVICE_WINDOW_MS = 24 * 60 * 60 * 1000;

/** When the window of these messages (oldest first) closes, in ms since the epoch; null before the customer wrote. */
export function serviceWindowClosesAt(messages: readonly MessageView[]): number | null {
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i];
    if (m.direction === 'in' && m.sender === 'customer') return new Date(m.createdAt).getTime() + SERVICE_WINDOW_MS;
  }
  return null;
}
