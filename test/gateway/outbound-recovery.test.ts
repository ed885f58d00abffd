// A reply the platform accepted but we failed to record (the database went away between the two)
// is recorded on the next run of its job, from the marker left in Redis, and never sent twice.
// The job runs here as BullMQ would run it: first, retried, or taken over after a stall. A fresh
// reply is sent at once by the process that stored it, holding the send lease that makes any job
// for the same message wait; one left pending by a process that died is sent by the sweep's job.
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { DelayedError, Queue, type Job } from 'bullmq';
import { deliverOutbound, sendingNow } from '../../gateway/deliver-outbound.js';
import { sendingKey, sentMarkerKey, takeSendLease } from '../../gateway/send-lease.js';
import { requeuePendingSends } from '../../gateway/index.js';
import { ConversationEntity, CustomerEntity, MessageEntity, type Message } from '../../shared/db/entities/index.js';
import { newId } from '../../shared/ids.js';
import { DB_KINDS } from '../helpers/databases.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { waitUntil } from '../helpers/wait.js';
import { sleep } from '../helpers/sockets.js';
import { WITHOUT_MEDIA_FETCH, createChannel, postWebhook, storedMessages, storedMessage } from '../helpers/gateway.js';
import { telegramCase, TOKEN as TELEGRAM_TOKEN } from './conformance/telegram.js';
import type { FakeTelegramServer } from '../fakes/telegram-server.js';

const run = (o: Partial<Pick<Job, 'attemptsMade' | 'stalledCounter'>>) => ({ attemptsMade: 0, stalledCounter: 0, opts: { attempts: 8 }, ...o }) as unknown as Job;

for (const db of DB_KINDS) describe(`outbound: a send that was not recorded (${db})`, function () {
  let app: TestApp;
  let fake: FakeTelegramServer;
  let conversationId = '';
  let channelId = '';

  before(async () => {
    app = await startTestApp({ db, services: WITHOUT_MEDIA_FETCH });
    fake = await telegramCase.startFake();
    const ch = await createChannel(app, 'telegram', telegramCase.config(fake));
    channelId = ch.id;
    const r = telegramCase.textMessage(ch, { userId: telegramCase.userId(1), messageId: randomUUID(), text: 'hello, recovery' });
    expect((await postWebhook(app, r.path, r.body, r.headers)).status).to.equal(200);
    [{ conversationId }] = await storedMessages(app, ch.id);
  });
  after(async () => { await fake.close(); await app.stop(); });

  /** A reply stored as pending with no job of its own: the test plays the job. */
  async function pendingReply(text: string, now = new Date()): Promise<Message> {
    const msg = {
      id: newId(), tenantId: (await storedMessages(app, channelId))[0].tenantId, conversationId, channelId,
      direction: 'out', sender: 'agent', agentId: null, type: 'text', text, content: null, status: 'pending', error: null,
      externalMessageId: null, clientMessageId: randomUUID(), createdAt: now, updatedAt: now,
    } as Omit<Message, 'seq'>;
    await app.ctx.rows.insert(MessageEntity, msg);
    return storedMessage(app, msg.id);
  }
  const sent = (text: string) => telegramCase.sends(fake).filter((r) => telegramCase.sentText(r) === text).length;
  const marker = (id: string) => sentMarkerKey(app.ctx, id);

  for (const [name, job, platformId] of [['retried', run({ attemptsMade: 1 }), '424242'], ['taken over after a stall', run({ stalledCounter: 1 }), '424243']] as const) {
    it(`records it from the marker when the job is ${name}, without sending again`, async () => {
      const text = `recovered when ${name}`;
      const msg = await pendingReply(text);
      await app.ctx.redis.set(marker(msg.id), platformId, 'EX', 60);
      await deliverOutbound(app.ctx, { messageId: msg.id }, job, 'token');
      expect(await storedMessage(app, msg.id)).to.include({ status: 'sent', externalMessageId: platformId });
      expect(sent(text)).to.equal(0);
      expect(await app.ctx.redis.exists(marker(msg.id))).to.equal(0);
    });
  }

  it('sends on a first run, leaves no marker behind, and a second run changes nothing', async () => {
    const text = 'sent on the first run';
    const msg = await pendingReply(text);
    await deliverOutbound(app.ctx, { messageId: msg.id }, run({}), 'token');
    const after = await storedMessage(app, msg.id);
    expect(after.status).to.equal('sent');
    expect(after.externalMessageId).to.be.a('string');
    expect(sent(text)).to.equal(1);
    expect(await app.ctx.redis.exists(marker(msg.id))).to.equal(0);
    await deliverOutbound(app.ctx, { messageId: msg.id }, run({ attemptsMade: 1 }), 'token');
    expect(sent(text)).to.equal(1);
  });

  /** What sendAgentMessage hands its job: the message as stored, and its recipient. */
  async function snapshotOf(msg: Message) {
    const { seq: _seq, ...message } = msg;
    const conversation = await app.ctx.rows.findOne(ConversationEntity, { id: msg.conversationId });
    const customer = await app.ctx.rows.findOne(CustomerEntity, { id: conversation!.customerId });
    return JSON.parse(JSON.stringify({ message, agentId: null, customerId: customer!.id, externalUserId: customer!.externalUserId }));
  }

  it('a first run sends what its job carries, to the recipient it names, and records it', async () => {
    const text = 'sent from the snapshot';
    const msg = await pendingReply(text);
    await deliverOutbound(app.ctx, { messageId: msg.id, first: await snapshotOf(msg) }, run({}), 'token');
    expect(sent(text)).to.equal(1);
    expect(await storedMessage(app, msg.id)).to.include({ status: 'sent' });
  });

  for (const [name, job] of [['retried', run({ attemptsMade: 1 })], ['taken over after a stall', run({ stalledCounter: 1 })]] as const) {
    it(`a job ${name} reads the database, not the snapshot it carries: a message sent meanwhile is not sent again`, async () => {
      const text = `stale snapshot when ${name}`;
      const msg = await pendingReply(text);
      const first = await snapshotOf(msg);
      await deliverOutbound(app.ctx, { messageId: msg.id, first }, run({}), 'token');
      expect(sent(text)).to.equal(1);
      await deliverOutbound(app.ctx, { messageId: msg.id, first }, job, 'token');
      expect(sent(text)).to.equal(1);
    });
  }

  it('a resend of a reply whose send job was never queued (Redis refused it) queues it, and the reply is sent once', async () => {
    const text = 'stored, but its job was lost';
    const msg = await pendingReply(text);
    const admin = await app.login('admin@demo.local');
    for (let i = 0; i < 2; i++) {
      const r = await app.api('POST', `/api/v1/conversations/${conversationId}/messages`, { token: admin, body: { text, clientMessageId: msg.clientMessageId } });
      expect(r.status, JSON.stringify(r.body)).to.be.oneOf([200, 201]);
      expect(r.body.id).to.equal(msg.id);
    }
    await waitUntil(async () => (await storedMessage(app, msg.id)).status === 'sent');
    expect(sent(text)).to.equal(1);
  });

  it('a resend that arrives while the reply is being sent at once (its send claimed before it was stored) waits, and the reply is sent once; no claim is left behind', async () => {
    const text = 'resent while it was being sent';
    fake.failWhere('POST', `/bot${TELEGRAM_TOKEN}/sendMessage`, (r) => r.json().text === text, { slowMs: 800 }); // under the channel's 1 s timeout
    const admin = await app.login('admin@demo.local');
    const clientMessageId = randomUUID();
    const post = () => app.api('POST', `/api/v1/conversations/${conversationId}/messages`, { token: admin, body: { text, clientMessageId } });
    const first = await post();
    expect(first.status, JSON.stringify(first.body)).to.equal(201);
    await sleep(100); // the platform is holding the send
    expect((await storedMessage(app, first.body.id)).status).to.equal('pending');
    const again = await post(); // pending: its job is queued, and waits for the lease
    expect(again.status, JSON.stringify(again.body)).to.be.oneOf([200, 201]);
    expect(again.body.id).to.equal(first.body.id);
    await waitUntil(async () => (await storedMessage(app, first.body.id)).status === 'sent');
    // The resend's job looks again after its wait, finds the reply sent, and ends.
    const queue = new Queue('gateway-outbound', { connection: app.ctx.redis, prefix: app.ctx.key('bull') });
    try {
      await waitUntil(async () => (await (await queue.getJob(`out-${first.body.id}`))?.getState()) === 'completed', 8000, 'the resend\'s job done');
    } finally {
      await queue.close();
    }
    expect(sent(text)).to.equal(1);
    // The resend's own claim (for an id never stored) was given back, and the reply's released.
    expect(await app.ctx.redis.keys(`${app.ctx.key('outbound-sending')}:*`)).to.deep.equal([]);
  });

  it('a reply claimed for a send at once but refused for want of room goes to its job at once: the claim is given back, not left to run out', async () => {
    const text = 'claimed, then no room';
    const msg = await pendingReply(text);
    const here = sendingNow(app.ctx);
    const claim = await here.claim(msg.id);
    expect(claim, 'claimed').to.not.equal(null);
    const outbound = app.ctx.outbound;
    outbound.sendHere({ claim: here.claim, start: () => false }); // as when too many sends are under way here
    try {
      await outbound.send(msg.id, await snapshotOf(msg), claim);
    } finally {
      outbound.sendHere(sendingNow(app.ctx));
    }
    await waitUntil(async () => (await storedMessage(app, msg.id)).status === 'sent', 10_000); // a claim kept would hold the job for 30 s
    expect(sent(text)).to.equal(1);
  });

  it('a job queued again without its message (a resend) records a send the platform has, without sending again', async () => {
    const text = 'queued again after it was sent';
    const msg = await pendingReply(text);
    await app.ctx.redis.set(marker(msg.id), '424244', 'EX', 60);
    await deliverOutbound(app.ctx, { messageId: msg.id }, run({}), 'token');
    expect(await storedMessage(app, msg.id)).to.include({ status: 'sent', externalMessageId: '424244' });
    expect(sent(text)).to.equal(0);
  });

  it('a periodic sweep queues the send of a reply stored minutes ago and never queued, once; a fresh one is left to its producer', async () => {
    const old = await pendingReply('stored, then the process died', new Date(Date.now() - 5 * 60_000));
    const fresh = await pendingReply('stored a moment ago');
    expect(await requeuePendingSends(app.ctx)).to.be.at.least(1);
    await waitUntil(async () => (await storedMessage(app, old.id)).status === 'sent');
    await requeuePendingSends(app.ctx);
    await new Promise((r) => setTimeout(r, 300));
    expect(sent('stored, then the process died')).to.equal(1);
    expect(sent('stored a moment ago')).to.equal(0);
    expect((await storedMessage(app, fresh.id)).status).to.equal('pending');
  });
  it('sends an agent reply at once from the process that stored it: no job, and no lease or marker left', async () => {
    const text = 'sent at once';
    const admin = await app.login('admin@demo.local');
    const r = await app.api('POST', `/api/v1/conversations/${conversationId}/messages`, { token: admin, body: { text, clientMessageId: randomUUID() } });
    expect(r.status, JSON.stringify(r.body)).to.equal(201);
    await waitUntil(async () => (await storedMessage(app, r.body.id)).status === 'sent');
    expect(sent(text)).to.equal(1);
    expect(await app.ctx.redis.exists(app.ctx.key('bull', 'gateway-outbound', `out-${r.body.id}`)), 'no job').to.equal(0);
    expect(await app.ctx.redis.exists(sendingKey(app.ctx, r.body.id), marker(r.body.id))).to.equal(0);
  });

  it('a job that finds its message being sent waits, sending nothing; once the lease is free it sends it once', async () => {
    const text = 'sent while a job waited';
    const msg = await pendingReply(text);
    const lease = (await takeSendLease(app.ctx, msg.id))!;
    const delayedTo: number[] = [];
    const job = Object.assign(run({}), { moveToDelayed: async (at: number) => { delayedTo.push(at); } }) as unknown as Job;
    const err = await deliverOutbound(app.ctx, { messageId: msg.id }, job, 'token').then(() => null, (e: unknown) => e);
    expect(err).to.be.instanceOf(DelayedError);
    expect(delayedTo).to.have.length(1);
    expect(delayedTo[0]).to.be.greaterThan(Date.now());
    expect(sent(text)).to.equal(0);
    await lease.release();
    await deliverOutbound(app.ctx, { messageId: msg.id }, job, 'token');
    expect(sent(text)).to.equal(1);
    expect(await storedMessage(app, msg.id)).to.include({ status: 'sent' });
  });

  it('a lease given back after it ran out does not free the one another sender took since', async () => {
    const id = newId();
    const first = (await takeSendLease(app.ctx, id))!;
    await app.ctx.redis.del(sendingKey(app.ctx, id)); // as if it ran out
    const second = (await takeSendLease(app.ctx, id))!;
    expect(second).to.not.equal(null);
    expect(await takeSendLease(app.ctx, id), 'held').to.equal(null);
    await first.release();
    expect(await app.ctx.redis.exists(sendingKey(app.ctx, id)), 'still the second sender\'s').to.equal(1);
    await second.release();
    expect(await app.ctx.redis.exists(sendingKey(app.ctx, id))).to.equal(0);
  });

  it('sends a reply left pending by a process that died while sending it, once, when its lease has run out', async () => {
    const text = 'the sender died';
    const msg = await pendingReply(text, new Date(Date.now() - 5 * 60_000));
    await app.ctx.redis.set(sendingKey(app.ctx, msg.id), 'a dead process', 'PX', 1500);
    await requeuePendingSends(app.ctx);
    await sleep(300);
    expect(sent(text), 'not while the lease holds').to.equal(0);
    await waitUntil(async () => (await storedMessage(app, msg.id)).status === 'sent', 8000);
    expect(sent(text)).to.equal(1);
  });

  it('a reply a job sent before its send at once began is not sent again', async () => {
    const text = 'sent by a resend first';
    const msg = await pendingReply(text);
    const snapshot = await snapshotOf(msg);
    await deliverOutbound(app.ctx, { messageId: msg.id }, run({}), 'token');
    expect(sendingNow(app.ctx).start(msg.id, snapshot)).to.equal(true);
    await sleep(200);
    expect(sent(text)).to.equal(1);
  });

  it('hands a reply whose send at once failed to its job, after the first backoff with jitter, and it is sent once', async () => {
    const text = 'failed at once, then retried';
    fake.failWhere('POST', `/bot${TELEGRAM_TOKEN}/sendMessage`, (r) => r.json().text === text, { status: 502, body: { ok: false, error_code: 502, description: 'Bad Gateway' } });
    const msg = await pendingReply(text);
    expect(sendingNow(app.ctx).start(msg.id, await snapshotOf(msg))).to.equal(true);
    await waitUntil(async () => (await storedMessage(app, msg.id)).status === 'sent');
    expect(sent(text), 'tried twice, sent once').to.equal(2);
    const queue = new Queue('gateway-outbound', { connection: app.ctx.redis, prefix: app.ctx.key('bull') });
    try {
      const job = await queue.getJob(`out-${msg.id}`);
      expect(job?.opts.delay, 'between half the backoff and all of it').to.be.within(app.ctx.config.jobBackoffMs / 2, app.ctx.config.jobBackoffMs);
    } finally {
      await queue.close();
    }
  });

  it('sends replies to one conversation one after another: the next leaves once the platform has answered the one before', async () => {
    const texts = ['first of three in a row', 'second of three in a row', 'third of three in a row'];
    fake.failWhere('POST', `/bot${TELEGRAM_TOKEN}/sendMessage`, (r) => r.json().text === texts[0], { slowMs: 300 });
    const now = sendingNow(app.ctx);
    const msgs: Message[] = [];
    for (const text of texts) msgs.push(await pendingReply(text));
    for (const m of msgs) expect(now.start(m.id, await snapshotOf(m))).to.equal(true);
    await waitUntil(async () => (await Promise.all(msgs.map((m) => storedMessage(app, m.id)))).every((m) => m.status === 'sent'));
    const arrivals = texts.map((t) => telegramCase.sends(fake).find((r) => telegramCase.sentText(r) === t)!);
    const at = arrivals.map((r) => Number(r.headers['x-fake-received-at']));
    expect(at[1] - at[0], 'the second waited for the slow first').to.be.at.least(290);
    expect(at[2]).to.be.at.least(at[1]);
  });

  it('sends at most so many at once from a process; beyond that a reply goes to its job', async () => {
    const now = sendingNow({ ...app.ctx, config: { ...app.ctx.config, sendsAtOnce: 1 } });
    const [a, b] = [await pendingReply('first of two at once'), await pendingReply('second of two at once')];
    expect(now.start(a.id, await snapshotOf(a))).to.equal(true);
    expect(now.start(b.id, await snapshotOf(b)), 'one is under way').to.equal(false);
    // Room again once the first is over: the second starts then (a refusal does nothing).
    const snapshotB = await snapshotOf(b);
    await waitUntil(() => now.start(b.id, snapshotB));
    expect((await storedMessage(app, a.id)).status).to.equal('sent');
    await waitUntil(async () => (await storedMessage(app, b.id)).status === 'sent');
    expect([sent('first of two at once'), sent('second of two at once')]).to.deep.equal([1, 1]);
  });

  it('hands a reply to its job when this process does not send at once', async () => {
    const text = 'sent by its job';
    const msg = await pendingReply(text);
    const outbound = app.ctx.outbound;
    outbound.sendHere({ claim: async () => null, start: () => false }); // as when too many sends are under way here
    try {
      await outbound.send(msg.id, await snapshotOf(msg));
    } finally {
      outbound.sendHere(sendingNow(app.ctx));
    }
    await waitUntil(async () => (await storedMessage(app, msg.id)).status === 'sent');
    expect(sent(text)).to.equal(1);
    expect(await app.ctx.redis.exists(app.ctx.key('bull', 'gateway-outbound', `out-${msg.id}`)), 'its job').to.equal(1);
  });
});
