// A queue's routing settings (kept in queues.settings) and how they are written to Redis for the
// Lua scripts. Times are seconds and may be fractional, so that tests run in milliseconds.
import { z } from 'zod';
import type { JsonObject } from '../shared/db/columns.js';

export const ROUTING_POLICIES = ['least-loaded', 'round-robin', 'manual', 'skills'] as const;
export type RoutingPolicy = (typeof ROUTING_POLICIES)[number];
export const OVERFLOW_ACTIONS = ['fallback', 'autoresponder'] as const;
export type OverflowAction = (typeof OVERFLOW_ACTIONS)[number];

const seconds = z.number().min(0).max(7 * 24 * 3600);

/** Every routing setting of a queue; absent ones take DEFAULT_ROUTING. 0 means "off" for the limits and timers. */
export const queueRoutingPatch = z.object({
  policy: z.enum(ROUTING_POLICIES),
  /** Minimum level per required skill (the queue's `skills`); unnamed skills need level 1. */
  skillLevels: z.record(z.string(), z.number().int().min(1).max(10)),
  serviceLevel: z.object({ percent: z.number().min(1).max(100), seconds: seconds.positive() }),
  maxSize: z.number().int().min(0).max(1_000_000),
  maxWaitSeconds: seconds,
  overflowWhenNoAgents: z.boolean(),
  overflowAction: z.enum(OVERFLOW_ACTIONS),
  fallbackQueueId: z.string().max(36).nullable(),
  /** An assignment must be accepted within this time (0: assignments are immediate). */
  offerTimeoutSeconds: seconds,
  /** Missed offers in a row before the agent is set away (0: never). */
  maxMissedOffers: z.number().int().min(0).max(100),
  /** A customer returning within this time goes to their last agent when that agent can take them. */
  stickySeconds: seconds,
  /** How long such a customer may wait for that agent (when online but full) before the policy decides. */
  stickyWaitSeconds: seconds,
  /** What the autoresponder says when this queue overflows to it (its default wording when null). */
  unattendedMessage: z.string().trim().min(1).max(1000).nullable(),
}).partial();
export type QueueRouting = Required<z.infer<typeof queueRoutingPatch>>;

export const DEFAULT_ROUTING: QueueRouting = {
  policy: 'least-loaded', skillLevels: {}, serviceLevel: { percent: 80, seconds: 20 }, maxSize: 0, maxWaitSeconds: 0,
  overflowWhenNoAgents: false, overflowAction: 'autoresponder', fallbackQueueId: null, offerTimeoutSeconds: 0,
  maxMissedOffers: 3, stickySeconds: 0, stickyWaitSeconds: 0, unattendedMessage: null,
};

/** The routing settings stored in a queue's settings, defaults filled in (never throws). */
export function routingOf(settings: JsonObject | null | undefined): QueueRouting {
  const parsed = queueRoutingPatch.safeParse(settings?.routing ?? {});
  const given = parsed.success ? Object.fromEntries(Object.entries(parsed.data).filter(([, v]) => v !== undefined)) : {};
  return { ...DEFAULT_ROUTING, ...given };
}

/** The fields of a queue's config hash in Redis, read by the Lua scripts and by the queue machine. */
export function configFields(priority: number, r: QueueRouting): Record<string, string | number> {
  return {
    policy: r.policy, priority,
    offerMs: Math.round(r.offerTimeoutSeconds * 1000), maxMisses: r.maxMissedOffers,
    maxSize: r.maxSize, maxWaitMs: Math.round(r.maxWaitSeconds * 1000),
    noAgents: r.overflowWhenNoAgents ? 1 : 0, overflow: r.overflowAction, fallback: r.fallbackQueueId ?? '',
    stickyMs: Math.round(r.stickySeconds * 1000), holdMs: Math.round(r.stickyWaitSeconds * 1000),
    slaMs: Math.round(r.serviceLevel.seconds * 1000), slaPercent: r.serviceLevel.percent,
  };
}

export interface QueueConfig {
  policy: RoutingPolicy; priority: number; offerMs: number; maxMisses: number; maxSize: number; maxWaitMs: number;
  noAgents: boolean; overflow: OverflowAction; fallback: string; stickyMs: number; holdMs: number; slaMs: number; slaPercent: number;
}

export function parseConfig(h: Record<string, string>): QueueConfig {
  const n = (k: string, d = 0) => (h[k] === undefined || h[k] === '' ? d : Number(h[k]));
  return {
    policy: (h.policy as RoutingPolicy) || 'least-loaded', priority: n('priority'), offerMs: n('offerMs'), maxMisses: n('maxMisses', 3),
    maxSize: n('maxSize'), maxWaitMs: n('maxWaitMs'), noAgents: h.noAgents === '1', overflow: (h.overflow as OverflowAction) || 'autoresponder',
    fallback: h.fallback ?? '', stickyMs: n('stickyMs'), holdMs: n('holdMs'), slaMs: n('slaMs', 20_000), slaPercent: n('slaPercent', 80),
  };
}

/**
 * The channel kind a conversation takes capacity of: a channel's own `channelKind` setting, else
 * 'sms' for SMS and 'chat' for every messaging platform. Agents may have a capacity per kind.
 */
export function channelKind(platform: string, settings?: JsonObject | null): string {
  const own = settings?.channelKind;
  if (typeof own === 'string' && /^[a-z0-9_-]{1,32}$/.test(own)) return own;
  return platform === 'twilio_sms' ? 'sms' : 'chat';
}
