// The JSON shapes of API.md, shared by the server and the browser console.
import type { Direction, MessageStatus, MessageType, Platform, Sender, Location, TemplateRef } from './message.js';

export type Role = 'agent' | 'supervisor' | 'admin';
export type ConversationStatus = 'bot' | 'queued' | 'assigned' | 'closed';
export type AgentStatus = 'online' | 'away' | 'offline';

export interface AgentView { id: string; name: string; email: string; role: Role }

export interface ConversationView {
  id: string;
  channelId: string;
  platform: Platform;
  customer: { id: string; displayName: string | null; externalUserId: string };
  status: ConversationStatus;
  queueId: string | null;
  agentId: string | null;
  priority: number;
  lastMessageAt: string | null;
  createdAt: string;
  updatedAt: string;
  closedAt: string | null;
  disposition: string | null;
  /** When its agent was given it (the routing engine's instant), while assigned. */
  assignedAt?: string | null;
  /** Set when nobody could take the conversation and the autoresponder took a message instead. */
  unattended?: string | null;
}

export interface MediaView {
  id: string; mimeType: string; size: number; url: string;
  fileName?: string; thumbnailUrl?: string; caption?: string; transcript?: string;
  /** Still being fetched from the customer's platform: `message:updated` follows. */
  pending?: boolean;
  /** Could not be fetched from the platform; `error` says why. */
  unavailable?: boolean; error?: string;
}

export interface MessageView {
  id: string;
  conversationId: string;
  direction: Direction;
  sender: Sender;
  agentId?: string;
  type: MessageType;
  text?: string;
  media?: MediaView[];
  location?: Location;
  payload?: string;
  template?: TemplateRef;
  status: MessageStatus;
  error?: string;
  externalMessageId?: string;
  clientMessageId?: string;
  createdAt: string;
}

/**
 * An approved WhatsApp template as the console offers it: what `template` of `message:send`
 * needs (name, language, one parameter per {{n}} of the body) and its wording, to preview.
 */
export interface TemplateView {
  name: string;
  language: string;
  category: string;
  /** The body's text with its {{1}}, {{2}}... placeholders. */
  body: string;
  /** The highest {{n}} of the body: how many parameters a send gives. */
  parameterCount: number;
  header?: string;
  footer?: string;
}

export interface QueueStats {
  queues: {
    id: string; name: string; waiting: number; longestWaitSeconds: number; averageWaitSeconds: number;
    /** Percent answered within the queue's threshold over the sliding window (null before any outcome). */
    serviceLevel: number | null;
    serviceLevelTarget?: { percent: number; seconds: number };
    /** Answered, and abandoned or overflowed, in the window. */
    answered?: number; abandoned?: number;
    averageAnswerSeconds?: number | null;
    policy?: string;
    /** What a customer joining now would be told. */
    estimatedWaitSeconds?: number | null;
    averageHandlingSeconds?: number | null;
    /** Conversations the eligible agents online can hold at once. */
    slots?: number;
  }[];
  agents: {
    id: string; name: string; status: AgentStatus; load: number; capacity: number;
    /** False during an agent's disconnect grace period. */
    connected?: boolean;
    /** Load per channel kind. */
    loads?: Record<string, number>;
  }[];
}

export interface ErrorBody { code: string; message: string; details?: unknown }
