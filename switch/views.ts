// Turns stored rows into the JSON shapes of API.md.
import type { Conversation, Customer, Message } from '../shared/db/entities/index.js';
import type { ConversationView, MediaView, MessageView } from '../shared/types/api.js';
import type { MediaRef, Platform } from '../shared/types/message.js';

const iso = (d: Date | null | undefined) => (d ? new Date(d).toISOString() : null);

export function toConversationView(c: Conversation, customer: Customer, platform: Platform): ConversationView {
  return {
    id: c.id, channelId: c.channelId, platform,
    customer: { id: customer.id, displayName: customer.displayName, externalUserId: customer.externalUserId },
    status: c.status, queueId: c.queueId, agentId: c.agentId, priority: c.priority,
    lastMessageAt: iso(c.lastMessageAt), createdAt: iso(c.createdAt)!, updatedAt: iso(c.updatedAt)!,
    closedAt: iso(c.closedAt), disposition: c.disposition,
    ...(c.assignedAt && c.status === 'assigned' ? { assignedAt: iso(c.assignedAt) } : {}),
    ...(c.unattended ? { unattended: c.unattended } : {}),
  };
}

export function toMessageView(m: Omit<Message, 'seq'>): MessageView {
  const v: MessageView = {
    id: m.id, conversationId: m.conversationId, direction: m.direction, sender: m.sender,
    type: m.type, status: m.status, createdAt: iso(m.createdAt)!,
  };
  if (m.agentId) v.agentId = m.agentId;
  if (m.text != null) v.text = m.text;
  if (m.content?.media?.length) {
    v.media = m.content.media.map(toMediaView);
  }
  if (m.content?.location) v.location = m.content.location;
  if (m.content?.payload) v.payload = m.content.payload;
  if (m.content?.template) v.template = m.content.template;
  if (m.error) v.error = m.error;
  if (m.externalMessageId && m.direction === 'out') v.externalMessageId = m.externalMessageId;
  if (m.clientMessageId) v.clientMessageId = m.clientMessageId;
  return v;
}

/** An attachment as the API shows it: stored (with our URL), still being fetched, or unavailable. */
function toMediaView(x: MediaRef): MediaView {
  const stored = !!x.id && !x.unavailable;
  const v: MediaView = { id: x.id ?? '', mimeType: x.mimeType ?? 'application/octet-stream', size: x.size ?? 0, url: stored ? `/api/v1/media/${x.id}` : '' };
  if (x.fileName) v.fileName = x.fileName;
  if (stored && x.hasThumbnail) v.thumbnailUrl = `/api/v1/media/${x.id}/thumbnail`;
  if (x.caption) v.caption = x.caption;
  if (x.transcript) v.transcript = x.transcript;
  if (!x.id && !x.unavailable) v.pending = true;
  if (x.unavailable) {
    v.unavailable = true;
    v.error = x.error ?? 'Attachment unavailable: it could not be fetched from the platform.';
  }
  return v;
}
