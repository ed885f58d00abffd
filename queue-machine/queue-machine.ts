// The routing engine's state in Redis: queues of waiting conversations, agents' status and
// load, and the atomic steps between them. Stateless in the process: any number of processes
// may call it at once. Every call that can free capacity or add work drains at once (no polling).
import type { Redis } from 'ioredis';
import type { AgentStatus } from '../shared/types/api.js';
import { QueueKeys } from './keys.js';
import { runScript } from './scripts.js';
import { parseConfig, type QueueConfig } from './routing-config.js';
import type { AgentRouting, AgentState, Assignment, EnqueueRequest, QueueHooks, QueueTimer } from './types.js';
import * as agents from './agents.js';
import * as timeouts from './timeouts.js';

const MAX_PER_DRAIN = 100;
/** Conversation priorities are kept small so that queue scores stay exact doubles (priority * 1e13 + ms). */
export const clampPriority = (p: number) => Math.max(-100, Math.min(100, Math.round(p)));

export type ClaimResult = { status: 'claimed'; assignment: Assignment } | { status: 'held' | 'full' | 'offline' };
export interface PositionNews { conversationId: string; customerId: string; platform: string; position: number; estimatedWaitSeconds: number | null; widget: boolean; text: boolean }
export type AcceptResult = { status: 'accepted'; assignment: Assignment } | { status: 'assigned' | 'not-offered' };

export class QueueMachine {
  private recorder: ((a: Assignment) => Promise<unknown>) | null = null;

  constructor(readonly redis: Redis, readonly redisPrefix: string, readonly hooks: QueueHooks) {}

  /**
   * This process runs the switch: it records the assignments it makes itself, at once, so that the
   * agent hears of them without a job hop. The durable job still follows as a safety net.
   */
  recordAssignmentsLocally(fn: (a: Assignment) => Promise<unknown>): void { this.recorder = fn; }

  keys(tenantId: string): QueueKeys { return new QueueKeys(this.redisPrefix, tenantId); }

  async queueConfig(tenantId: string, queueId: string): Promise<QueueConfig> {
    return parseConfig(await this.redis.hgetall(this.keys(tenantId).queueConfig(queueId)));
  }

  /** Writes a queue's settings for the scripts (on start, create or edit) and drains it: its policy may have changed. */
  async syncQueue(tenantId: string, queueId: string, fields: Record<string, string | number>, skills: Record<string, number>): Promise<Assignment[]> {
    const k = this.keys(tenantId);
    const m = this.redis.multi().hset(k.queueConfig(queueId), fields).del(k.queueSkills(queueId)).sadd(k.queues(), queueId);
    if (Object.keys(skills).length) m.hset(k.queueSkills(queueId), skills);
    await m.exec();
    this.hooks.changed(tenantId, [queueId]);
    return this.drainQueue(tenantId, queueId);
  }

  /** Queues a conversation (once; a second call is a no-op) and assigns it if an agent is free. */
  async enqueue(req: EnqueueRequest): Promise<Assignment[]> {
    const k = this.keys(req.tenantId);
    const now = Date.now();
    const cfg = await this.queueConfig(req.tenantId, req.queueId);
    const priority = clampPriority(req.priority ?? 0);
    const enqueuedAt = req.enqueuedAt ?? now;
    // Higher priority first, then earlier arrival: priority dominates any arrival-time difference.
    const score = -priority * 1e13 + enqueuedAt;
    const holdUntil = req.preferAgentId && cfg.holdMs > 0 ? now + cfg.holdMs : 0;
    const [state, token] = await runScript<[number, string?]>(this.redis, 'enqueue',
      [k.conversation(req.conversationId), k.waiting(req.queueId), k.queueConfig(req.queueId), k.sequence()],
      [req.conversationId, req.queueId, score, req.tenantId, priority, req.kind ?? 'chat', req.customerId ?? '', req.platform ?? '',
        req.preferAgentId ?? '', holdUntil, enqueuedAt, req.hops ?? 0, req.avoidAgentId ?? '']);
    if (state === 0) return [];
    if (state === 2) return timeouts.overflowFull(this, req, cfg);
    this.hooks.changed(req.tenantId, [req.queueId]);
    return timeouts.afterQueued(this, req.tenantId, req.conversationId, req.queueId, token!, cfg, { waitFrom: enqueuedAt, holdUntil });
  }

  /**
   * Makes as many assignments as the queues' waiting conversations and free agents allow, in one
   * atomic script per batch. Options narrow it to one agent or conversation (a manual pick).
   */
  async drain(tenantId: string, queueIds: string[], o: { onlyAgent?: string; onlyConv?: string; picking?: boolean; max?: number; deliver?: boolean } = {}): Promise<Assignment[]> {
    if (!queueIds.length) return [];
    const k = this.keys(tenantId);
    const max = o.max ?? MAX_PER_DRAIN;
    const made: Assignment[] = [];
    for (;;) {
      const flat = await runScript<(string | number)[]>(this.redis, 'assign-next', [k.pending()],
        [k.prefix, Date.now(), max, o.onlyAgent ?? '', o.onlyConv ?? '', o.picking ? '1' : '0', ...queueIds]);
      for (let i = 0; i < flat.length; i += 8) {
        made.push({
          tenantId, conversationId: String(flat[i]), agentId: String(flat[i + 1]), queueId: String(flat[i + 2]),
          mode: flat[i + 3] === 'offer' ? 'offer' : 'assign', at: Number(flat[i + 4]), waitMs: Number(flat[i + 5]),
          offerMs: Number(flat[i + 6]), token: String(flat[i + 7]),
        });
      }
      if (flat.length < max * 8 || o.max !== undefined) break;
    }
    if (made.length && o.deliver !== false) await this.delivered(tenantId, made);
    else if (made.length) this.hooks.changed(tenantId, [...new Set(made.map((a) => a.queueId))]);
    return made;
  }

  /** Hands new assignments on: offers get their expiry timer first, then the switch records them. */
  async delivered(tenantId: string, made: Assignment[]): Promise<void> {
    const timers = made.filter((a) => a.mode === 'offer').map((a) => this.hooks.schedule(
      { kind: 'offer', tenantId, conversationId: a.conversationId, agentId: a.agentId, token: a.token! }, a.offerMs ?? 0));
    const record = this.recorder;
    // Recording starts beside the safety-net job, not after it: the agent's latency is the recording's alone.
    if (record) for (const a of made) void record(a).catch(() => {}); // the safety-net job records it instead
    await Promise.all([...timers, this.hooks.assign(made, { recordedLocally: !!record })]);
    this.hooks.changed(tenantId, [...new Set(made.map((a) => a.queueId))]);
  }

  drainQueue(tenantId: string, queueId: string): Promise<Assignment[]> { return this.drain(tenantId, [queueId]); }

  /** Drains every queue the agent belongs to (their capacity may have freed), best conversation first across them. */
  async drainForAgent(tenantId: string, agentId: string): Promise<Assignment[]> {
    return this.drain(tenantId, await this.redis.smembers(this.keys(tenantId).agentQueues(agentId)));
  }

  /** A conversation closed or left its agent: free its capacity (or unqueue it) and drain. */
  async release(tenantId: string, conversationId: string): Promise<Assignment[]> {
    const k = this.keys(tenantId);
    const [agentId, queueId] = await runScript<[string, string]>(this.redis, 'release', [k.conversation(conversationId), k.pending()], [k.prefix, conversationId, Date.now()]);
    if (queueId) this.hooks.changed(tenantId, [queueId]);
    return agentId ? this.drainForAgent(tenantId, agentId) : [];
  }

  /**
   * Gives a conversation to a named agent (a direct transfer), within their capacity unless
   * `force` (an assignment restored from the database). The previous agent's queues drain.
   */
  async claimFor(tenantId: string, conversationId: string, agentId: string, queueId: string, o: { kind?: string; force?: boolean } = {}): Promise<ClaimResult> {
    const k = this.keys(tenantId);
    const now = Date.now();
    const r = await runScript<[number, string?, string?]>(this.redis, 'claim-conversation', [k.conversation(conversationId), k.pending()],
      [k.prefix, conversationId, agentId, queueId, now, tenantId, o.kind ?? 'chat', o.force ? '1' : '0']);
    if (r[0] === 0) return { status: 'held' };
    if (r[0] === -1) return { status: 'full' };
    if (r[0] === -2) return { status: 'offline' };
    this.hooks.changed(tenantId, queueId ? [queueId] : []);
    if (r[2]) await this.drainForAgent(tenantId, r[2]);
    return { status: 'claimed', assignment: { tenantId, conversationId, agentId, queueId, mode: 'assign', at: now, token: r[1], waitMs: 0 } };
  }

  /**
   * An agent takes a waiting conversation (a given one, or the best one of their queues, or of one
   * queue). Not delivered as a job: the caller records it at once (a pending entry covers a crash).
   */
  async pick(tenantId: string, agentId: string, o: { queueId?: string; conversationId?: string } = {}): Promise<Assignment | null> {
    const queueIds = o.queueId ? [o.queueId] : await this.redis.smembers(this.keys(tenantId).agentQueues(agentId));
    const [a] = await this.drain(tenantId, queueIds, { onlyAgent: agentId, onlyConv: o.conversationId, picking: true, max: 1, deliver: false });
    return a ?? null;
  }

  /** The agent accepts what was offered to them. */
  async accept(tenantId: string, conversationId: string, agentId: string): Promise<AcceptResult> {
    const k = this.keys(tenantId);
    const now = Date.now();
    const r = await runScript<string[]>(this.redis, 'accept-offer', [k.conversation(conversationId), k.pending()], [k.prefix, conversationId, agentId, now]);
    if (r[0] === 'assigned') return { status: 'assigned' };
    if (r[0] !== 'accepted') return { status: 'not-offered' };
    this.hooks.changed(tenantId, [r[1]]);
    return { status: 'accepted', assignment: { tenantId, conversationId, agentId, queueId: r[1], mode: 'assign', at: now, waitMs: Number(r[2]), token: r[3] } };
  }

  /** The agent turns an offer down: it goes to the next agent at once (no miss is counted). */
  decline(tenantId: string, conversationId: string, agentId: string): Promise<boolean> {
    return timeouts.withdrawOffer(this, tenantId, conversationId, agentId, null);
  }

  /** A durable timer fired (index.ts runs them from the 'queue-timer' jobs). */
  async fire(t: QueueTimer): Promise<void> {
    if (t.kind === 'offer') await timeouts.withdrawOffer(this, t.tenantId, t.conversationId, t.agentId, t.token);
    else if (t.kind === 'grace') await agents.graceExpired(this, t.tenantId, t.agentId, t.lostAt);
    else if (t.kind === 'max-wait') await timeouts.overflow(this, t.tenantId, t.conversationId, t.queueId, t.token, 'max-wait', false);
    else await this.drainQueue(t.tenantId, t.queueId); // a sticky hold ended: the policy decides now
  }

  /** The switch recorded the assignment in the database: it no longer needs recovering. */
  async confirm(a: Assignment): Promise<void> {
    const k = this.keys(a.tenantId);
    if (a.token) await runScript(this.redis, 'confirm', [k.pending()], [a.conversationId, a.token]);
    else await this.redis.hdel(k.pending(), a.conversationId);
  }

  /** Whether an assignment still waits to be recorded (a safety-net job finds it done by the fast path). */
  async isPending(a: Assignment): Promise<boolean> {
    const v = await this.redis.hget(this.keys(a.tenantId).pending(), a.conversationId);
    return v !== null && (!a.token || v.endsWith(`|${a.token}`));
  }

  /** Assignments made but not yet confirmed for longer than `olderThanMs` (a process died in between). */
  async unconfirmed(tenantId: string, olderThanMs: number): Promise<Assignment[]> {
    const all = await this.redis.hgetall(this.keys(tenantId).pending());
    const cutoff = Date.now() - olderThanMs;
    return Object.entries(all).flatMap(([conversationId, v]) => {
      const [agentId, queueId, at, mode, token] = v.split('|');
      return Number(at) <= cutoff ? [{ tenantId, conversationId, agentId, queueId, at: Number(at), mode: mode === 'offer' ? 'offer' as const : 'assign' as const, token }] : [];
    });
  }

  /** Who holds a conversation now, in Redis (the truth the database follows). */
  async holder(tenantId: string, conversationId: string): Promise<{ state: string | null; agentId: string | null; queueId: string | null; token: string | null }> {
    const [state, agentId, queueId, token] = await this.redis.hmget(this.keys(tenantId).conversation(conversationId), 'state', 'agentId', 'queueId', 'token');
    return { state, agentId, queueId, token };
  }

  /** 1-based place in the queue, or null when the conversation is not waiting. */
  async position(tenantId: string, queueId: string, conversationId: string): Promise<number | null> {
    const rank = await this.redis.zrank(this.keys(tenantId).waiting(queueId), conversationId);
    return rank === null ? null : rank + 1;
  }

  /** How many conversations wait in a queue. */
  waitingCount(tenantId: string, queueId: string): Promise<number> { return this.redis.zcard(this.keys(tenantId).waiting(queueId)); }

  /** The waiting conversations of a queue, in order, with what telling them their position needs. */
  async waiting(tenantId: string, queueId: string): Promise<{ conversationId: string; enqueuedAt: number; customerId: string; platform: string }[]> {
    const k = this.keys(tenantId);
    const ids = await this.redis.zrange(k.waiting(queueId), 0, -1);
    if (!ids.length) return [];
    const m = this.redis.multi();
    for (const id of ids) m.hmget(k.conversation(id), 'enqueuedAt', 'customerId', 'platform');
    const res = (await m.exec()) ?? [];
    return ids.map((id, i) => {
      const [at, customerId, platform] = (res[i]?.[1] as (string | null)[] | undefined) ?? [];
      return { conversationId: id, enqueuedAt: Number(at ?? Date.now()), customerId: customerId ?? '', platform: platform ?? '' };
    });
  }

  /**
   * The waiting customers (of the whole queue, or one) whose position or estimated wait moved
   * meaningfully since they were last told, marked as told (see tell-positions.lua).
   */
  async positionsToTell(tenantId: string, queueId: string, secondsPerPosition: number | null,
    o: { textDelayMs: number; textIntervalMs: number; conversationId?: string; maxPositions?: number }): Promise<PositionNews[]> {
    const k = this.keys(tenantId);
    const news: PositionNews[] = [];
    const max = o.conversationId ? 1 : Math.min(o.maxPositions ?? 2000, await this.redis.zcard(k.waiting(queueId)));
    // In slices of 100, so that a long queue never holds Redis up for more than a moment.
    for (let from = 0; from < max; from += 100) {
      const flat = await runScript<(string | number)[]>(this.redis, 'tell-positions', [k.waiting(queueId)],
        [k.prefix, secondsPerPosition ?? '', Date.now(), o.textDelayMs, o.textIntervalMs, 0.25, 0.1, Math.min(100, max - from), o.conversationId ?? '', from]);
      news.push(...toNews(flat));
    }
    return news;
  }

  /** How long each waiting conversation has waited, from the queue's scores alone (one call, however long the queue). */
  async waitingSince(tenantId: string, queueId: string): Promise<number[]> {
    const flat = await this.redis.zrange(this.keys(tenantId).waiting(queueId), 0, -1, 'WITHSCORES');
    const since: number[] = [];
    // score = -priority * 1e13 + first queued at (ms), with the time part always within [0, 1e13)
    for (let i = 1; i < flat.length; i += 2) { const s = Number(flat[i]); since.push(s - Math.floor(s / 1e13) * 1e13); }
    return since;
  }

  // Agents: presence, status, capacity and skills (agents.ts).
  syncAgent(tenantId: string, agent: AgentRouting): Promise<Assignment[]> { return agents.syncAgent(this, tenantId, agent); }
  setAgentStatus(tenantId: string, agentId: string, status: AgentStatus): Promise<Assignment[]> { return agents.setAgentStatus(this, tenantId, agentId, status); }
  agentConnected(tenantId: string, agentId: string): Promise<Assignment[]> { return agents.agentConnected(this, tenantId, agentId); }
  agentDisconnected(tenantId: string, agentId: string, graceMs: number): Promise<void> { return agents.agentDisconnected(this, tenantId, agentId, graceMs); }
  agentState(tenantId: string, agentId: string): Promise<AgentState> { return agents.agentState(this, tenantId, agentId); }
}

function toNews(flat: (string | number)[]): PositionNews[] {
  const news: PositionNews[] = [];
  for (let i = 0; i < flat.length; i += 7) {
    news.push({
      conversationId: String(flat[i]), customerId: String(flat[i + 1]), platform: String(flat[i + 2]), position: Number(flat[i + 3]),
      estimatedWaitSeconds: flat[i + 4] === '' ? null : Number(flat[i + 4]), widget: Number(flat[i + 5]) === 1, text: Number(flat[i + 6]) === 1,
    });
  }
  return news;
}
