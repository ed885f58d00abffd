// The internal message format (DESIGN.md): every adapter turns a platform's webhook into
// InboundEvents and an OutboundMessage into the platform's API calls. Nothing outside gateway/
// sees a platform's own shapes.

export const MESSAGE_TYPES = ['text', 'image', 'audio', 'video', 'file', 'location', 'sticker', 'interactive', 'contact'] as const;
export type MessageType = (typeof MESSAGE_TYPES)[number];

export const PLATFORMS = ['telegram', 'whatsapp', 'messenger', 'line', 'wechat', 'twilio_sms', 'webchat', 'api'] as const;
export type Platform = (typeof PLATFORMS)[number];

export type DeliveryStatus = 'sent' | 'delivered' | 'read' | 'failed';
export type MessageStatus = 'received' | 'pending' | DeliveryStatus;
export type Direction = 'in' | 'out';
export type Sender = 'customer' | 'agent' | 'bot' | 'system';

/** Where a piece of media is: an id in our store, or a platform reference still to be fetched. */
export interface MediaRef {
  id?: string;                 // our media id once stored
  mimeType?: string;
  size?: number;
  url?: string;                // platform URL (or our URL once stored)
  platformRef?: string;        // platform file id (Telegram file_id, WhatsApp media id, ...)
  fileName?: string;
  caption?: string;
  transcript?: string;         // the platform's transcript of a voice note (WeChat Recognition)
  hasThumbnail?: boolean;      // our store holds a thumbnail (images)
  unavailable?: boolean;       // fetching it from the platform failed for good: shown as such, never dropped
  error?: string;              // why it is unavailable
}

export interface Location { latitude: number; longitude: number; name?: string; address?: string }

/**
 * A WhatsApp message template approved in the business's WhatsApp Manager: the only message
 * WhatsApp lets a business send more than 24 hours after the customer last wrote.
 */
export interface TemplateRef {
  name: string;                // as approved, e.g. "callback_offer"
  language: string;            // the approved translation's code, e.g. "en_US"
  parameters?: string[];       // the body's {{1}}, {{2}}... in order
}

/** How a template reads in the history (the platform renders the approved wording itself); the console shows the same until the server's copy arrives. */
export function templateText(t: TemplateRef): string {
  return `[WhatsApp template ${t.name} (${t.language})${t.parameters?.length ? `: ${t.parameters.join(' | ')}` : ''}]`;
}

export interface MessageContent {
  type: MessageType;
  text?: string;
  media?: MediaRef[];
  location?: Location;
  replyToExternalId?: string;
  payload?: string;            // button/postback payload, sticker id, contact card...
  template?: TemplateRef;      // outbound on WhatsApp only
}

export interface InboundEvent {
  kind: 'message' | 'status' | 'event';
  channelId: string;
  platform: Platform;
  externalUserId: string;
  externalMessageId: string;   // the platform's id: the key for deduplication
  occurredAt: Date;
  message?: MessageContent;
  /**
   * A delivery report for one of our messages; or, with `watermark` (Messenger's delivery and read
   * events), for every message we sent this customer up to that moment (`externalMessageId` empty).
   */
  status?: { externalMessageId: string; status: DeliveryStatus; error?: string; watermark?: Date };
  event?: { name: string; payload?: string };   // follow, unfollow, postback, typing...
  profile?: { displayName?: string; locale?: string; avatarUrl?: string };
  /** The sender's own id for the message (the web widget's), returned to it so that it can match its echo. */
  clientMessageId?: string;
}

import type { MessageView } from './api.js';

/** What the gateway is asked to deliver to one customer on one channel. */
export interface OutboundMessage {
  messageId: string;
  conversationId: string;
  channelId: string;
  tenantId: string;
  externalUserId: string;
  customerId: string;
  content: MessageContent;
  /** The message as our API shows it, for channels that speak our own format (web chat, api). */
  view: MessageView;
}
