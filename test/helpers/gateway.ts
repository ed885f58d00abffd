// Helpers for gateway adapter suites: create a channel through the admin API, post a webhook
// as a platform would, read what was stored, and put an agent online to answer.
import { expect } from 'chai';
import { SERVICE_NAMES, type ServiceName } from '../../shared/config.js';
import { MessageEntity, type Message } from '../../shared/db/entities/index.js';
import type { TestApp } from './test-app.js';
import { agentSocket, emitAck, sleep, type AnySocket } from './sockets.js';

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

export async function waitFor(check: () => Promise<boolean> | boolean, ms = 8000, what = 'condition'): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await check()) return;
    await sleep(20);
  }
  throw new Error(`${what} not met within ${ms} ms`);
}

/** An agent socket, logged in and online (so that new conversations are assigned to it). */
export async function onlineAgent(app: TestApp, email = 'agent1@demo.local'): Promise<{ token: string; socket: AnySocket }> {
  const token = await app.login(email);
  const socket = await agentSocket(app.url, token);
  const ack = await emitAck(socket, 'agent:status', { status: 'online' });
  expect(ack.ok).to.equal(true);
  return { token, socket };
}
