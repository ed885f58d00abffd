// How conversations, platforms, times and message statuses read on screen, in one place so that
// the list and the chat pane say the same thing.
import type { ConversationView, MessageView } from '../../../shared/types/api.js';
import type { Platform } from '../../../shared/types/message.js';

const PLATFORM_LABELS: Record<Platform, string> = {
  telegram: 'Telegram', whatsapp: 'WhatsApp', messenger: 'Messenger', line: 'LINE', wechat: 'WeChat',
  twilio_sms: 'SMS', webchat: 'Web chat', api: 'API',
};

export function platformLabel(p: Platform): string { return PLATFORM_LABELS[p] ?? p; }

/** Web chat visitors have no name: a short stable tag from their id tells them apart. */
export function customerName(c: ConversationView): string {
  if (c.customer.displayName) return c.customer.displayName;
  const tag = c.customer.externalUserId.replace(/[^a-z0-9]/gi, '').slice(-4).toUpperCase();
  return c.platform === 'webchat' ? `Visitor ${tag}` : `${platformLabel(c.platform)} user ${tag}`;
}

export function initials(name: string): string {
  const parts = name.trim().split(/\s+/).filter(Boolean);
  return ((parts[0]?.[0] ?? '?') + (parts.length > 1 ? parts[parts.length - 1][0] : '')).toUpperCase();
}

/** 14:05 today, "Mon 14:05" this week, "12 Mar" before. */
export function shortTime(iso: string | null | undefined, now = new Date()): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const time = d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  if (d.toDateString() === now.toDateString()) return time;
  if (now.getTime() - d.getTime() < 6 * 86_400_000) return `${d.toLocaleDateString([], { weekday: 'short' })} ${time}`;
  return d.toLocaleDateString([], { day: 'numeric', month: 'short' });
}

export function statusLabel(m: MessageView): string {
  switch (m.status) {
    case 'pending': return 'Sending…';
    case 'sent': return 'Sent';
    case 'delivered': return 'Delivered';
    case 'read': return 'Read';
    case 'failed': return 'Not sent';
    default: return '';
  }
}

/** What a message is, in a few words, for the list preview and for non-text messages. */
export function messageSummary(m: MessageView): string {
  if (m.text) return m.text;
  switch (m.type) {
    case 'image': return '[Image]';
    case 'audio': return '[Voice message]';
    case 'video': return '[Video]';
    case 'file': return '[File]';
    case 'location': return `[Location${m.location?.name ? `: ${m.location.name}` : ''}]`;
    case 'sticker': return '[Sticker]';
    case 'contact': return '[Contact card]';
    default: return `[${m.type}]`;
  }
}
