// Helpers for gateway adapter suites: create a channel through the admin API, post a webhook
// as a platform would, read what was stored, put an agent online to answer, take a customer to
// that agent and reply, and read what the fake platform received.
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import { SERVICE_NAMES, type ServiceName } from '../../shared/config.js';
import { MessageEntity, type Message } from '../../shared/db/entities/index.js';
import type { TestApp } from './test-app.js';
import { agentSocket, collect, emitAck, once, type AnySocket } from './sockets.js';
import { upload } from '../media-server/media-app.js';
import { waitUntil } from './wait.js';

/** Every service but the media server: what an adapter parsed stays as it stored it (no fetch job rewrites it). */
export const WITHOUT_MEDIA_FETCH: ServiceName[] = SERVICE_NAMES.filter((s) => s !== 'media-server');

export interface CreatedChannel { id: string; webhookUrl: string; path: string }

export async function createChannel(app: TestApp, platform: string, config: Record<string, unknown>, name = `${platform} test`): Promise<CreatedChannel> {
  const admin = await app.login('admin@demo.local');
  const r = await app.api('POST', '/api/v1/channels', { token: admin, body: { platform, name, config } });
  expect(r.status, JSON.stringify(r.body)).to.equal(201);
  return { id: r.body.id, webhookUrl: r.body.webhookUrl, path: `/webhooks/${r.body.id}` };
}

/** POSTs raw bytes to a webhook URL path, with the given headers. */
export function postWebhook(app: TestApp, path: string, body: string | Buffer, headers: Record<string, string>) {
  return app.api('POST', path, { raw: body, headers });
}

/**
 * The channel's messages in stored order (direct from the database: what is durable), of one
 * direction: the bot may write to waiting customers at any time (queue positions).
 */
export async function storedMessages(app: TestApp, channelId: string, direction: 'in' | 'out' = 'in'): Promise<Message[]> {
  return app.ctx.db.manager.find(MessageEntity, { where: { channelId, direction }, order: { seq: 'ASC' } });
}

export async function storedMessage(app: TestApp, id: string): Promise<Message> {
  return app.ctx.db.manager.findOneByOrFail(MessageEntity, { id });
}

/** waitUntil with the longer default that platform round trips (retries, backoff) need. */
export function waitFor(check: () => Promise<boolean> | boolean, ms = 8000, what = 'condition'): Promise<void> {
  return waitUntil(check, ms, what, 20);
}

/** An agent socket, logged in and online (so that new conversations are assigned to it). */
export async function onlineAgent(app: TestApp, email = 'agent1@demo.local'): Promise<{ token: string; socket: AnySocket }> {
  const token = await app.login(email);
  const socket = await agentSocket(app.url, token);
  const ack = await emitAck(socket, 'agent:status', { status: 'online' });
  expect(ack.ok).to.equal(true);
  return { token, socket };
}

/**
 * A customer of `platform` writes (`sendInbound` posts one inbound webhook, which must be
 * acknowledged with 200) and the conversation is assigned to an online agent1, whose socket joins
 * `sockets` (to be closed after the test). Also checks the conversation's platform and channel.
 * `statuses` collects the agent's 'message:status' events from then on; `assigned` is the
 * 'conversation:assigned' payload.
 */
export async function customerReachesAgent(
  app: TestApp,
  sockets: AnySocket[],
  o: { platform: string; channelId: string; sendInbound: () => Promise<{ status: number }> },
): Promise<{ agent: { token: string; socket: AnySocket }; conversationId: string; statuses: any[]; assigned: any }> {
  const agent = await onlineAgent(app);
  sockets.push(agent.socket);
  const assigned = once(agent.socket, 'conversation:assigned');
  expect((await o.sendInbound()).status).to.equal(200);
  const a = await assigned;
  expect(a.conversation).to.include({ platform: o.platform, channelId: o.channelId });
  return { agent, conversationId: a.conversation.id as string, statuses: collect(agent.socket, 'message:status'), assigned: a };
}

/** The agent's reply (text, an uploaded media id or both) over the socket; must be accepted. Returns the message id. */
export async function agentReply(socket: AnySocket, conversationId: string, content: { text?: string; mediaId?: string }): Promise<string> {
  const ack = await emitAck(socket, 'message:send', { conversationId, ...content, clientMessageId: randomUUID() });
  expect(ack.ok, JSON.stringify(ack)).to.equal(true);
  return ack.message.id;
}

/** The 'message:status' event that moved message `id` to `status`, if one came. */
export function statusOf(statuses: any[], id: string, status: string): any {
  return statuses.find((s) => s.messageId === id && s.status === status);
}

/** A filter for requests a fake recorded: those whose body contains `text`. */
export const bodyIncludes = (text: string) => (r: { body: Buffer }) => r.body.toString().includes(text);

/** When the fake received a request (its x-fake-received-at header, in ms). */
export const receivedAt = (r: { headers: Record<string, unknown> }) => Number(r.headers['x-fake-received-at']);

/** Uploads a file to /api/v1/media as agent1 (must answer 201) and returns the media id. */
export async function agentUpload(app: TestApp, bytes: Buffer, name: string): Promise<string> {
  const res = await upload(`${app.url}/api/v1/media`, bytes, name, { token: await app.login('agent1@demo.local') });
  expect(res.status, JSON.stringify(res.body)).to.equal(201);
  return res.body.id;
}

/** The whole of a fetched media body (a stream or a buffer), as text. */
export async function bodyText(body: Readable | Buffer): Promise<string> {
  if (Buffer.isBuffer(body)) return body.toString();
  const chunks: Buffer[] = [];
  for await (const c of body) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString();
}

/** After each test: closes the agents' sockets, then the fake platform, then stops the app. */
export async function tearDown(sockets: AnySocket[], fake: { close(): Promise<unknown> }, app: TestApp): Promise<void> {
  sockets.splice(0).forEach((s) => s.close());
  await fake.close();
  await app.stop();
}
