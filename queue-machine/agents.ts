// Agents as the routing engine sees them: status, presence (connected or in their disconnect
// grace period), capacity per channel kind, skills and queues. Every change that can free
// capacity drains their queues at once; every change that can leave a queue unstaffed checks overflow.
import type { AgentStatus } from '../shared/types/api.js';
import type { QueueMachine } from './queue-machine.js';
import { runScript } from './scripts.js';
import { overflowIfUnstaffed } from './timeouts.js';
import type { AgentRouting, AgentState, Assignment, RoutingOutcome } from './types.js';

/** Records an agent's capacity, skills and queue memberships (on start, create or edit), then drains. */
export async function syncAgent(qm: QueueMachine, tenantId: string, agent: AgentRouting): Promise<Assignment[]> {
  const k = qm.keys(tenantId);
  const key = k.agent(agent.id);
  const [oldQueues, fields] = await Promise.all([qm.redis.smembers(k.agentQueues(agent.id)), qm.redis.hkeys(key)]);
  const caps = agent.capacities ?? {};
  const m = qm.redis.multi();
  m.hset(key, 'capacity', agent.capacity);
  for (const f of fields) if (f.startsWith('cap:') && !(f.slice(4) in caps)) m.hdel(key, f);
  for (const [kind, n] of Object.entries(caps)) m.hset(key, `cap:${kind}`, n);
  if (agent.status) m.hset(key, 'status', agent.status);
  else m.hsetnx(key, 'status', 'offline');
  m.hsetnx(key, 'load', 0);
  m.del(k.agentSkills(agent.id));
  if (agent.skills && Object.keys(agent.skills).length) m.hset(k.agentSkills(agent.id), agent.skills);
  for (const q of oldQueues) if (!agent.queueIds.includes(q)) { m.srem(k.queueAgents(q), agent.id); m.srem(k.agentQueues(agent.id), q); }
  for (const q of agent.queueIds) { m.sadd(k.queueAgents(q), agent.id); m.sadd(k.agentQueues(agent.id), q); }
  m.sadd(k.agents(), agent.id);
  await m.exec();
  qm.hooks.changed(tenantId, [...new Set([...oldQueues, ...agent.queueIds])]);
  const made = await qm.drainForAgent(tenantId, agent.id);
  // Leaving a queue (or losing a skill) can leave it with nobody eligible.
  await overflowIfUnstaffed(qm, tenantId, oldQueues);
  return made;
}

/** Sets an agent online, away or offline; coming online drains their queues at once. */
export async function setAgentStatus(qm: QueueMachine, tenantId: string, agentId: string, status: AgentStatus): Promise<Assignment[]> {
  const k = qm.keys(tenantId);
  await qm.redis.hset(k.agent(agentId), status === 'online' ? { status, misses: 0 } : { status });
  const queues = await qm.redis.smembers(k.agentQueues(agentId));
  qm.hooks.changed(tenantId, queues);
  if (status === 'online') return qm.drain(tenantId, queues);
  await overflowIfUnstaffed(qm, tenantId, queues);
  return [];
}

/** A socket of the agent connected: if they were in their disconnect grace period, it ends and they take work again. */
export async function agentConnected(qm: QueueMachine, tenantId: string, agentId: string): Promise<Assignment[]> {
  const key = qm.keys(tenantId).agent(agentId);
  const lostAt = await qm.redis.hget(key, 'lostAt');
  if (!lostAt) return [];
  if ((await qm.redis.hdel(key, 'lostAt')) === 0) return []; // another socket of theirs got there first
  await qm.hooks.cancel({ kind: 'grace', tenantId, agentId, lostAt });
  const queues = await qm.redis.smembers(qm.keys(tenantId).agentQueues(agentId));
  qm.hooks.changed(tenantId, queues);
  return qm.drain(tenantId, queues);
}

/**
 * The agent's last socket is gone: no new work from now on, and after the grace period (a durable
 * delayed job, cancelled when they reconnect) they go offline and their conversations go back to
 * the front of their queues.
 */
export async function agentDisconnected(qm: QueueMachine, tenantId: string, agentId: string, graceMs: number): Promise<void> {
  const key = qm.keys(tenantId).agent(agentId);
  const lostAt = String(Date.now());
  await qm.redis.hset(key, 'lostAt', lostAt);
  qm.hooks.changed(tenantId, await qm.redis.smembers(qm.keys(tenantId).agentQueues(agentId)));
  if (graceMs <= 0) await graceExpired(qm, tenantId, agentId, lostAt);
  else await qm.hooks.schedule({ kind: 'grace', tenantId, agentId, lostAt }, graceMs);
}

/** The grace period of one disconnect ran out (a no-op when the agent came back meanwhile). */
export async function graceExpired(qm: QueueMachine, tenantId: string, agentId: string, lostAt: string): Promise<void> {
  const k = qm.keys(tenantId);
  const flat = await runScript<string[] | null>(qm.redis, 'requeue-agent', [k.agent(agentId), k.agentConvs(agentId), k.pending()],
    [k.prefix, agentId, lostAt, 'offline']);
  if (!flat) return;
  const at = Date.now();
  const outcomes: Extract<RoutingOutcome, { kind: 'requeued' }>[] = [];
  for (let i = 0; i < flat.length; i += 2) {
    outcomes.push({ kind: 'requeued', tenantId, conversationId: flat[i], queueId: flat[i + 1], fromAgentId: agentId, at, reason: 'agent-gone' });
  }
  if (outcomes.length) await qm.hooks.routed(outcomes);
  const queues = await qm.redis.smembers(k.agentQueues(agentId));
  const touched = [...new Set([...queues, ...outcomes.map((o) => o.queueId)])];
  qm.hooks.changed(tenantId, touched);
  await qm.drain(tenantId, touched);
  await overflowIfUnstaffed(qm, tenantId, touched);
}

export async function agentState(qm: QueueMachine, tenantId: string, agentId: string): Promise<AgentState> {
  const h = await qm.redis.hgetall(qm.keys(tenantId).agent(agentId));
  const loads: Record<string, number> = {};
  for (const [f, v] of Object.entries(h)) if (f.startsWith('load:') && Number(v) > 0) loads[f.slice(5)] = Number(v);
  return {
    status: (h.status as AgentStatus) ?? 'offline', load: Number(h.load ?? 0), capacity: Number(h.capacity ?? 0),
    connected: !h.lostAt, loads,
  };
}
