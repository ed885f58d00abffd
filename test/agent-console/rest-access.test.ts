// Auth, roles, tenancy and bad input at the REST and socket doors: a clear error, nothing
// stored, and the process stays up.
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { io as connect } from 'socket.io-client';
import { DB_KINDS } from '../helpers/databases.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { agentSocket, customerSocket, emitAck, once } from '../helpers/sockets.js';
import { MessageEntity, TenantEntity, UserEntity } from '../../shared/db/entities/index.js';
import { hashPassword } from '../../shared/auth/passwords.js';
import { newId } from '../../shared/ids.js';

for (const db of DB_KINDS) {
  describe(`REST and socket access (${db})`, function () {
    let app: TestApp;
    before(async () => { app = await startTestApp({ db }); });
    after(async () => { await app.stop(); });

    const messageCount = () => app.ctx.db.manager.count(MessageEntity);

    /** A conversation of the demo tenant, assigned to agent1. */
    async function conversationOfAgent1(): Promise<{ id: string; token: string }> {
      const token = await app.login('agent1@demo.local');
      const agent = await agentSocket(app.url, token);
      try {
        await emitAck(agent, 'agent:status', { status: 'online' });
        const { socket: customer } = await customerSocket(app.url, app.channelId);
        const assigned = once(agent, 'conversation:assigned');
        await emitAck(customer, 'message:send', { text: 'hi', clientMessageId: randomUUID() });
        const id = (await assigned).conversation.id;
        customer.close();
        await emitAck(agent, 'agent:status', { status: 'offline' });
        return { id, token };
      } finally { agent.close(); }
    }

    describe('sign-in', () => {
      it('gives a token and the agent for good credentials', async () => {
        const r = await app.api('POST', '/api/v1/auth/login', { body: { tenant: 'demo', email: 'AGENT1@demo.local', password: 'demo' } });
        expect(r.status).to.equal(200);
        expect(r.body.agent).to.include({ email: 'agent1@demo.local', role: 'agent', name: 'Alice Agent' });
        expect(r.body.token).to.be.a('string');
      });
      it('refuses a wrong password, an unknown email and an unknown tenant alike with 401', async () => {
        for (const body of [
          { tenant: 'demo', email: 'agent1@demo.local', password: 'nope' },
          { tenant: 'demo', email: 'ghost@demo.local', password: 'demo' },
          { tenant: 'other', email: 'agent1@demo.local', password: 'demo' },
        ]) {
          const r = await app.api('POST', '/api/v1/auth/login', { body });
          expect(r.status).to.equal(401);
          expect(r.body.error).to.deep.equal({ code: 'unauthenticated', message: 'The tenant, email or password is wrong.' });
        }
      });
      it('answers 429 with Retry-After after ten failed attempts on one account', async () => {
        const body = { tenant: 'demo', email: 'supervisor@demo.local', password: 'wrong' };
        for (let i = 0; i < 10; i++) expect((await app.api('POST', '/api/v1/auth/login', { body })).status).to.equal(401);
        const limited = await app.api('POST', '/api/v1/auth/login', { body: { ...body, password: 'demo' } });
        expect(limited.status).to.equal(429);
        expect(limited.body.error.code).to.equal('rate_limited');
        expect(Number(limited.headers.get('retry-after'))).to.be.greaterThan(0);
        await app.ctx.redis.del(app.ctx.key('login-fail', 'account', 'demo', 'supervisor@demo.local'));
      });
      it('answers 400 for missing fields, 400 for malformed JSON and 415 for a non-JSON body', async () => {
        const missing = await app.api('POST', '/api/v1/auth/login', { body: { tenant: 'demo' } });
        expect(missing.status).to.equal(400);
        expect(missing.body.error.code).to.equal('validation_failed');
        expect(missing.body.error.message).to.match(/email/);
        const malformed = await app.api('POST', '/api/v1/auth/login', { raw: '{"tenant":', headers: { 'content-type': 'application/json' } });
        expect(malformed.status).to.equal(400);
        expect(malformed.body.error.code).to.equal('bad_request');
        const form = await app.api('POST', '/api/v1/auth/login', { raw: 'tenant=demo', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
        expect(form.status).to.equal(415);
      });
    });

    describe('tokens and roles', () => {
      it('refuses a missing or forged token with 401', async () => {
        expect((await app.api('GET', '/api/v1/conversations')).status).to.equal(401);
        const token = await app.login('agent1@demo.local');
        const forged = token.slice(0, -3) + (token.endsWith('abc') ? 'xyz' : 'abc');
        const r = await app.api('GET', '/api/v1/conversations', { token: forged });
        expect(r.status).to.equal(401);
        expect(r.body.error.message).to.match(/sign in again/);
      });
      it('refuses admin and supervisor endpoints to an agent with 403', async () => {
        const token = await app.login('agent1@demo.local');
        const ch = await app.api('POST', '/api/v1/channels', { token, body: { platform: 'webchat', name: 'x', config: {} } });
        expect(ch.status).to.equal(403);
        expect(ch.body.error.code).to.equal('forbidden');
        expect((await app.api('GET', '/api/v1/stats/queues', { token })).status).to.equal(403);
        expect((await app.api('POST', '/api/v1/agents', { token: await app.login('supervisor@demo.local'), body: {} })).status).to.equal(403);
      });
      it('lets an admin manage channels, queues and agents, and never returns secrets', async () => {
        const token = await app.login('admin@demo.local');
        const q = await app.api('POST', '/api/v1/queues', { token, body: { name: 'Billing', skills: ['billing'], priority: 2 } });
        expect(q.status).to.equal(201);
        const a = await app.api('POST', '/api/v1/agents', { token, body: { name: 'Carol', email: 'carol@demo.local', password: 'secret1', role: 'agent', queueIds: [q.body.id], capacity: 2 } });
        expect(a.status).to.equal(201);
        expect(a.body).to.include({ name: 'Carol', capacity: 2 }).and.not.have.property('password');
        const dup = await app.api('POST', '/api/v1/agents', { token, body: { name: 'Carol', email: 'carol@demo.local', password: 'secret1', role: 'agent' } });
        expect(dup.status).to.equal(409);
        expect((await app.api('POST', '/api/v1/agents', { token, body: { name: 'D', email: 'd@demo.local', password: 'secret1', role: 'agent', queueIds: ['nope'] } })).status).to.equal(404);
        const ch = await app.api('POST', '/api/v1/channels', { token, body: { platform: 'webchat', name: 'Help site', queueId: q.body.id, config: { allowedOrigins: ['https://help.example.com'] } } });
        expect(ch.status).to.equal(201);
        expect(ch.body.webhookUrl).to.match(new RegExp(`/webhooks/${ch.body.id}$`));
        const list = await app.api('GET', '/api/v1/channels', { token });
        expect(list.body.items.map((c: any) => c.id)).to.include(ch.body.id);
        const patched = await app.api('PATCH', `/api/v1/channels/${ch.body.id}`, { token, body: { name: 'Help centre' } });
        expect(patched.body.name).to.equal('Help centre');
        const unknown = await app.api('POST', '/api/v1/channels', { token, body: { platform: 'fax', name: 'x', config: {} } });
        expect(unknown.status).to.equal(400);
        expect((await app.api('DELETE', `/api/v1/channels/${ch.body.id}`, { token })).status).to.equal(204);
        expect((await app.api('GET', `/api/v1/channels/${ch.body.id}`, { token })).status).to.equal(404);
      });
    });

    describe('tenancy', () => {
      it('answers 404 for another tenant\'s conversation, and an agent cannot read a colleague\'s', async () => {
        const { id } = await conversationOfAgent1();
        const tenantId = newId();
        await app.ctx.db.manager.insert(TenantEntity, { id: tenantId, slug: `other${db}`, name: 'Other', createdAt: new Date() });
        await app.ctx.db.manager.insert(UserEntity, { id: newId(), tenantId, name: 'Eve', email: 'eve@other.local', passwordHash: await hashPassword('pw12'), role: 'admin', skills: [], capacity: 3, createdAt: new Date(), disabledAt: null });
        const eve = await app.login('eve@other.local', 'pw12', `other${db}`);
        for (const path of [`/api/v1/conversations/${id}`, `/api/v1/conversations/${id}/messages`]) {
          const r = await app.api('GET', path, { token: eve });
          expect(r.status).to.equal(404);
          expect(r.body.error.code).to.equal('not_found');
        }
        const post = await app.api('POST', `/api/v1/conversations/${id}/messages`, { token: eve, body: { text: 'x', clientMessageId: 'c1' } });
        expect(post.status).to.equal(404);
        expect((await app.api('GET', '/api/v1/conversations', { token: eve })).body.items).to.deep.equal([]);
        const bob = await app.login('agent2@demo.local');
        expect((await app.api('GET', `/api/v1/conversations/${id}`, { token: bob })).status).to.equal(404);
        expect((await app.api('POST', `/api/v1/conversations/${id}/messages`, { token: bob, body: { text: 'x', clientMessageId: 'c2' } })).status).to.equal(403);
      });
    });

    describe('bad message bodies', () => {
      it('refuses a non-string, empty or oversized text with a clear 400 and stores nothing', async () => {
        const { id, token } = await conversationOfAgent1();
        const before = await messageCount();
        for (const [body, pattern] of [
          [{ text: 123, clientMessageId: 'a' }, /text: .*string/i],
          [{ text: '   ', clientMessageId: 'b' }, /text: must not be empty/],
          [{ text: 'x'.repeat(4097), clientMessageId: 'c' }, /at most 4096 characters/],
          [{ text: 'ok' }, /clientMessageId/],
          [{ text: { $gt: '' }, clientMessageId: 'd' }, /text/],
        ] as const) {
          const r = await app.api('POST', `/api/v1/conversations/${id}/messages`, { token, body });
          expect(r.status, JSON.stringify(body).slice(0, 40)).to.equal(400);
          expect(r.body.error.message).to.match(pattern);
        }
        const huge = await app.api('POST', `/api/v1/conversations/${id}/messages`, { token, body: { text: 'y'.repeat(2_000_000), clientMessageId: 'e' } });
        expect(huge.status).to.equal(413);
        expect(huge.body.error.code).to.equal('too_large');
        expect(await messageCount()).to.equal(before);
        const ok = await app.api('POST', `/api/v1/conversations/${id}/messages`, { token, body: { text: 'fine', clientMessageId: 'f' } });
        expect(ok.status).to.equal(201);
        const again = await app.api('POST', `/api/v1/conversations/${id}/messages`, { token, body: { text: 'fine', clientMessageId: 'f' } });
        expect(again.body.id).to.equal(ok.body.id);
        expect(await messageCount()).to.equal(before + 1);
      });
    });

    describe('sockets', () => {
      it('refuses an agent socket without a valid token, and a supervisor socket to an agent', async () => {
        for (const auth of [{}, { token: 'garbage' }]) {
          const s = connect(`${app.url}/agent`, { auth, transports: ['websocket'], forceNew: true, reconnection: false });
          const err: any = await new Promise((resolve) => s.once('connect_error', resolve));
          expect(err.message).to.match(/Sign in|not valid/);
          s.close();
        }
        const token = await app.login('agent1@demo.local');
        const s = connect(`${app.url}/supervisor`, { auth: { token }, transports: ['websocket'], forceNew: true, reconnection: false });
        const err: any = await new Promise((resolve) => s.once('connect_error', resolve));
        expect(err.data.code).to.equal('forbidden');
        s.close();
      });

      it('refuses a customer socket for an unknown channel', async () => {
        const s = connect(`${app.url}/customer`, { auth: { channelId: 'no-such-channel' }, transports: ['websocket'], forceNew: true, reconnection: false });
        const err: any = await new Promise((resolve) => s.once('connect_error', resolve));
        expect(err.data.code).to.equal('not_found');
        s.close();
      });

      it('answers garbage event arguments with an error ack and keeps serving', async () => {
        const token = await app.login('agent1@demo.local');
        const agent = await agentSocket(app.url, token);
        const { socket: customer } = await customerSocket(app.url, app.channelId);
        try {
          const before = await messageCount();
          for (const args of [[null], [42], ['text'], [[1, 2]], [{ text: ['x'], clientMessageId: { $ne: 1 } }], []]) {
            const ack = await emitAck(agent, 'message:send', ...args);
            expect(ack.ok).to.equal(false);
            expect(ack.error.code).to.equal('validation_failed');
            const cack = await emitAck(customer, 'message:send', ...args);
            expect(cack.ok).to.equal(false);
          }
          const injected = await emitAck(agent, 'message:send', { conversationId: { $ne: 1 }, text: 'x', clientMessageId: 'z' });
          expect(injected.error.code).to.equal('validation_failed');
          const status = await emitAck(agent, 'agent:status', { status: 'sleeping' });
          expect(status.ok).to.equal(false);
          expect(status.error.message).to.match(/status/);
          agent.emit('message:send', { junk: true }); // no ack callback at all
          agent.emit('sync', 'x');
          customer.emit('history', 12);
          const unknownConv = await emitAck(agent, 'message:send', { conversationId: 'nope', text: 'x', clientMessageId: 'q' });
          expect(unknownConv.error.code).to.equal('not_found');
          expect(await messageCount()).to.equal(before);
          // Still alive: a normal round trip works.
          const ok = await emitAck(customer, 'message:send', { text: 'still here?', clientMessageId: randomUUID() });
          expect(ok.ok).to.equal(true);
          expect((await fetch(`${app.url}/healthz`)).status).to.equal(200);
        } finally {
          agent.close();
          customer.close();
        }
      });
    });

    describe('webhooks', () => {
      it('answers 404 for an unknown channel and stores nothing', async () => {
        const before = await messageCount();
        const r = await app.api('POST', '/webhooks/not-a-channel', { body: { update_id: 1 } });
        expect(r.status).to.equal(404);
        expect(r.body.error.code).to.equal('not_found');
        expect(await messageCount()).to.equal(before);
      });
    });
  });
}
