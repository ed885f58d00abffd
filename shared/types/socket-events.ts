// The socket.io event maps of API.md as types, used by the server and the browser alike,
// so that a renamed event or a changed payload fails to compile on both sides.
import type { AgentStatus, ConversationView, ErrorBody, MessageView, QueueStats } from './api.js';
import type { TemplateRef } from './message.js';

export type Ack<T = object> = (reply: ({ ok: true } & T) | { ok: false; error: ErrorBody }) => void;

export interface AgentClientEvents {
  'agent:status': (p: { status: AgentStatus }, ack?: Ack<{ status: AgentStatus }>) => void;
  'message:send': (p: { conversationId: string; text?: string; mediaId?: string; template?: TemplateRef; clientMessageId: string }, ack?: Ack<{ message: MessageView }>) => void;
  'conversation:accept': (p: { conversationId: string }, ack?: Ack<{ conversation: ConversationView }>) => void;
  /** Turn down a conversation offered to you: it goes to the next agent at once. */
  'conversation:decline': (p: { conversationId: string }, ack?: Ack<object>) => void;
  /** Take a waiting conversation (manual-pick queues, or any of your queues): a given one, or the best waiting. */
  'conversation:pick': (p: { queueId?: string; conversationId?: string }, ack?: Ack<{ conversation: ConversationView }>) => void;
  'conversation:transfer': (p: { conversationId: string; agentId?: string; queueId?: string; note?: string }, ack?: Ack<{ conversation: ConversationView }>) => void;
  'conversation:close': (p: { conversationId: string; disposition?: string }, ack?: Ack<{ conversation: ConversationView }>) => void;
  'typing': (p: { conversationId: string }) => void;
  'sync': (p: { afterMessageId?: string }, ack?: Ack<{ conversations: ConversationView[]; messages: MessageView[] }>) => void;
}

export interface AgentServerEvents {
  'conversation:assigned': (p: { conversation: ConversationView; messages: MessageView[]; transfer?: TransferInfo }) => void;
  /** A conversation offered to you: accept it (`conversation:accept`) before `expiresAt`, or it goes to the next agent. */
  'conversation:offered': (p: { conversation: ConversationView; messages: MessageView[]; expiresAt: string }) => void;
  /** An offer was withdrawn: it timed out or you declined it. */
  'conversation:offer-expired': (p: { conversationId: string; reason: 'timeout' | 'declined' }) => void;
  /** The server changed your status (after too many missed offers). */
  'agent:status': (p: { status: AgentStatus; reason: string }) => void;
  'message:new': (p: { conversationId: string; message: MessageView }) => void;
  'message:status': (p: { conversationId: string; messageId: string; status: MessageView['status']; error?: string }) => void;
  /** A stored message changed other than its status: an inbound attachment was fetched (or became unavailable). */
  'message:updated': (p: { conversationId: string; message: MessageView }) => void;
  'conversation:updated': (p: { conversation: ConversationView }) => void;
  'conversation:closed': (p: { conversationId: string }) => void;
  'typing': (p: { conversationId: string }) => void;
}

export interface CustomerClientEvents {
  'message:send': (p: { text?: string; mediaId?: string; clientMessageId: string }, ack?: Ack<{ message: MessageView }>) => void;
  'typing': () => void;
  'history': (p: { afterMessageId?: string }, ack?: Ack<{ messages: MessageView[] }>) => void;
}

export interface CustomerServerEvents {
  'session': (p: { visitorToken: string; conversationId: string | null }) => void;
  'message:new': (p: { message: MessageView }) => void;
  'queue:position': (p: { conversationId: string; position: number; estimatedWaitSeconds: number | null }) => void;
  'agent:joined': (p: { name: string }) => void;
  'conversation:closed': () => void;
  'typing': () => void;
}

export interface SupervisorServerEvents {
  'stats': (p: QueueStats) => void;
  'conversation:updated': (p: { conversation: ConversationView }) => void;
}

/** Who handed a conversation on, and what they noted for the next agent. */
export interface TransferInfo { fromAgentId: string | null; note: string | null; at: string }

/** Room names, in one place so that emitters and joiners agree. */
export const rooms = {
  agent: (agentId: string) => `agent:${agentId}`,
  tenantSupervisors: (tenantId: string) => `supervisors:${tenantId}`,
  customer: (customerId: string) => `customer:${customerId}`,
};
