// Builds what a routing test needs in a running app, through the public API: a queue with its
// routing settings, a web chat channel into it, agents with capacity and skills, online sockets
// and customers who write. Every test gets fresh ones, so tests of one app never interfere.
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import type { TestApp } from '../helpers/test-app.js';
import { agentSocket, customerSocket, emitAck, once, type AnySocket } from '../helpers/sockets.js';

/** Timers in milliseconds, so that grace periods and throttles do not slow the suites down. */
export const FAST_ROUTING_ENV = {
  ROUTING_DISCONNECT_GRACE_SECONDS: '0.4', ROUTING_POSITIONS_INTERVAL_MS: '20', ROUTING_STATS_INTERVAL_MS: '20',
  ROUTING_POSITION_TEXT_DELAY_SECONDS: '0', ROUTING_POSITION_TEXT_INTERVAL_SECONDS: '0',
};

export interface WorldAgent { id: string; name: string; email: string; token: string }
export interface World { queueId: string; channelId: string; admin: string; supervisor: string; agents: WorldAgent[] }

export async function routingWorld(app: TestApp, o: { queue?: Record<string, unknown>; agents: { capacity?: number; skills?: unknown[]; capacities?: Record<string, number> }[]; extraQueueIds?: string[] }): Promise<World> {
  const admin = await app.login('admin@demo.local');
  const tag = randomUUID().slice(0, 8);
  const q = await app.api('POST', '/api/v1/queues', { token: admin, body: { name: `Queue ${tag}`, ...o.queue } });
  expect(q.status, JSON.stringify(q.body)).to.equal(201);
  const ch = await app.api('POST', '/api/v1/channels', { token: admin, body: { platform: 'webchat', name: `Chat ${tag}`, queueId: q.body.id, config: {} } });
  expect(ch.status, JSON.stringify(ch.body)).to.equal(201);
  const agents: WorldAgent[] = [];
  for (const [i, a] of o.agents.entries()) {
    const email = `agent${i}-${tag}@demo.local`;
    const name = `Agent ${i} ${tag}`;
    const r = await app.api('POST', '/api/v1/agents', { token: admin, body: { name, email, password: 'secret', role: 'agent', queueIds: [q.body.id, ...(o.extraQueueIds ?? [])], capacity: a.capacity ?? 1, skills: a.skills ?? [], capacities: a.capacities } });
    expect(r.status, JSON.stringify(r.body)).to.equal(201);
    agents.push({ id: r.body.id, name, email, token: await app.login(email, 'secret') });
  }
  return { queueId: q.body.id, channelId: ch.body.id, admin, supervisor: await app.login('supervisor@demo.local'), agents };
}

/** An agent's console socket, set online. */
export async function online(url: string, a: WorldAgent, open: AnySocket[]): Promise<AnySocket> {
  const s = await connected(url, a, open);
  await goOnline(s);
  return s;
}

/**
 * An agent's socket, connected but not online yet. What going online sets off (an offer, an
 * assignment) can reach the socket before the status change's acknowledgement: listen for it
 * first, then `goOnline`.
 */
export async function connected(url: string, a: WorldAgent, open: AnySocket[]): Promise<AnySocket> {
  const s = await agentSocket(url, a.token);
  open.push(s);
  return s;
}

export async function goOnline(s: AnySocket): Promise<void> {
  expect((await emitAck(s, 'agent:status', { status: 'online' })).ok).to.equal(true);
}

/** A web chat customer who writes once; resolves with their socket and conversation id. */
export async function customerWrites(url: string, channelId: string, open: AnySocket[], text = 'hello', visitorToken?: string): Promise<{ socket: AnySocket; conversationId: string; visitorToken: string }> {
  const { socket, session } = await customerSocket(url, channelId, visitorToken);
  open.push(socket);
  const ack = await emitAck(socket, 'message:send', { text, clientMessageId: randomUUID() });
  expect(ack.ok, JSON.stringify(ack)).to.equal(true);
  return { socket, conversationId: ack.message.conversationId, visitorToken: session.visitorToken };
}

/** The next event of that name on that socket for that conversation. */
export function next<T = any>(s: AnySocket, event: string, conversationId?: string, ms = 5000): Promise<T> {
  return once<T>(s, event, (p: any) => conversationId === undefined || (p?.conversation?.id ?? p?.conversationId) === conversationId, ms);
}

export { waitUntil } from '../helpers/wait.js';

/** The routing history of a conversation, as kinds ("assigned", "transferred", ...). */
export async function historyKinds(app: TestApp, token: string, conversationId: string): Promise<string[]> {
  const r = await app.api('GET', `/api/v1/conversations/${conversationId}/routing`, { token });
  expect(r.status, JSON.stringify(r.body)).to.equal(200);
  return r.body.items.map((e: any) => e.kind);
}
