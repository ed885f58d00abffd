// The agent console in a real browser against the running application: the live conversation
// list with unread badges, typing, closing, status and sign-out, and catching up after a reconnect.
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { deleteRedisPrefix, startTestApp, type TestApp } from '../helpers/test-app.js';
import { customerSocket, emitAck, once, type AnySocket } from '../helpers/sockets.js';
import { buildWebBundles, launchBrowser, newPage, screenshot, signIn } from './browser-harness.js';
import * as media from '../media-server/media-fixtures.js';
import { upload } from '../media-server/media-app.js';

async function upload200(r: ReturnType<typeof upload>): Promise<string> {
  const res = await r;
  expect(res.status, JSON.stringify(res.body)).to.equal(201);
  return res.body.id as string;
}

describe('agent console, in a browser', function () {
  this.timeout(60_000);
  let browser: Browser;
  let app: TestApp;
  const contexts: BrowserContext[] = [];
  const sockets: AnySocket[] = [];
  const pageErrors: string[][] = [];

  async function signedInAgent(email = 'agent1@demo.local', baseUrl = app.url): Promise<Page> {
    const p = await newPage(browser);
    contexts.push(p.context);
    pageErrors.push(p.errors);
    await signIn(p.page, baseUrl, email);
    await p.page.getByTestId('app-view').waitFor();
    return p.page;
  }

  async function customer(text: string, url = app.url, channelId = app.channelId) {
    const c = await customerSocket(url, channelId);
    sockets.push(c.socket);
    const ack = await emitAck(c.socket, 'message:send', { text, clientMessageId: randomUUID() });
    expect(ack.ok, JSON.stringify(ack)).to.equal(true);
    return { socket: c.socket, conversationId: ack.message.conversationId as string };
  }

  const row = (page: Page, conversationId: string) => page.locator(`[data-testid="conversation-item"][data-conversation-id="${conversationId}"]`);

  async function agentStatus(name: string): Promise<string> {
    const stats = await app.api('GET', '/api/v1/stats/queues', { token: await app.login('supervisor@demo.local') });
    return stats.body.agents.find((a: { name: string }) => a.name === name)?.status;
  }

  before(async () => {
    buildWebBundles();
    browser = await launchBrowser();
  });
  after(async () => { await browser?.close(); });
  beforeEach(async () => { app = await startTestApp(); });
  afterEach(async () => {
    sockets.splice(0).forEach((s) => s.close());
    await Promise.all(contexts.splice(0).map((c) => c.close()));
    await app.stop();
    expect(pageErrors.splice(0).flat(), 'errors in the pages').to.deep.equal([]);
  });

  it('lists conversations as they are assigned, counts unread messages, and clears the count when opened', async () => {
    const agent = await signedInAgent();
    await agent.getByTestId('conversation-empty').waitFor();
    expect(await agentStatus('Alice Agent')).to.equal('online'); // signing in sets the agent online

    const a = await customer('I lost my card');
    const b = await customer('How do I change my address?');
    await row(agent, a.conversationId).getByTestId('unread-badge').filter({ hasText: '1' }).waitFor();
    await row(agent, b.conversationId).getByTestId('unread-badge').filter({ hasText: '1' }).waitFor();
    await emitAck(a.socket, 'message:send', { text: 'It was stolen, actually', clientMessageId: randomUUID() });
    await row(agent, a.conversationId).getByTestId('unread-badge').filter({ hasText: '2' }).waitFor();
    expect(await agent.title()).to.equal('(3) Agent console');
    // Newest activity first.
    expect(await agent.getByTestId('conversation-item').evaluateAll((els) => els.map((e) => e.getAttribute('data-conversation-id'))))
      .to.deep.equal([a.conversationId, b.conversationId]);
    await screenshot(agent, 'console-unread');

    await row(agent, a.conversationId).getByRole('button').click();
    await agent.getByTestId('message-list').getByText('It was stolen, actually').waitFor();
    expect(await row(agent, a.conversationId).getByTestId('unread-badge').count()).to.equal(0);
    expect(await agent.title()).to.equal('(1) Agent console');
    expect(await agent.getByTestId('message-text').allTextContents()).to.deep.equal(['I lost my card', 'It was stolen, actually']);

    // The customer types: the open conversation says so.
    a.socket.emit('typing');
    await agent.getByTestId('typing-indicator').waitFor();

    // A reload keeps the agent signed in and on the same conversation.
    await agent.reload();
    await agent.getByTestId('message-list').getByText('It was stolen, actually').waitFor();
    expect(await agent.getByTestId('chat-pane').getAttribute('data-conversation-id')).to.equal(a.conversationId);
  });

  it('offers a conversation from a queue with offers, and makes it the agent\'s when accepted', async () => {
    const admin = await app.login('admin@demo.local');
    const post = async (path: string, body: unknown) => {
      const r = await app.api('POST', path, { token: admin, body });
      expect(r.status, JSON.stringify(r.body)).to.equal(201);
      return r.body.id as string;
    };
    const queueId = await post('/api/v1/queues', { name: 'Cards', offerTimeoutSeconds: 30 });
    await post('/api/v1/agents', { name: 'Olga Offer', email: 'olga@demo.local', password: 'olga-pass', role: 'agent', queueIds: [queueId] });
    const channelId = await post('/api/v1/channels', { platform: 'webchat', name: 'Cards chat', queueId, config: {} });

    const p = await newPage(browser);
    contexts.push(p.context);
    pageErrors.push(p.errors);
    const agent = p.page;
    await signIn(agent, app.url, 'olga@demo.local', 'olga-pass');
    await agent.getByTestId('conversation-empty').waitFor();
    const c = await customer('My card was swallowed by an ATM', app.url, channelId);

    const offer = agent.locator(`[data-testid="offer-item"][data-conversation-id="${c.conversationId}"]`);
    await offer.getByText('My card was swallowed by an ATM').waitFor();
    expect(await offer.getByTestId('offer-timer').textContent()).to.match(/^(30|29|28) s$/);
    await screenshot(agent, 'console-offer');
    await offer.getByRole('button', { name: 'Accept' }).click();

    await row(agent, c.conversationId).waitFor();
    expect(await offer.count()).to.equal(0);
    await agent.getByTestId('message-list').getByText('My card was swallowed by an ATM').waitFor();
    expect(await agent.getByTestId('chat-pane').getAttribute('data-conversation-id')).to.equal(c.conversationId);
    expect((await app.api('GET', `/api/v1/conversations/${c.conversationId}`, { token: admin })).body).to.include({ status: 'assigned' });
  });

  it('closes a conversation after confirmation, and the customer is told', async () => {
    const agent = await signedInAgent();
    const c = await customer('Please close my ticket');
    await row(agent, c.conversationId).getByRole('button').click();
    await agent.getByTestId('message-list').getByText('Please close my ticket').waitFor();

    const closed = once(c.socket, 'conversation:closed');
    await agent.getByRole('button', { name: 'Close conversation' }).click();
    await agent.getByTestId('close-confirm').waitFor();
    await screenshot(agent, 'console-close-confirm');
    await agent.getByRole('button', { name: 'Close it' }).click();
    await closed;
    await agent.getByTestId('closed-banner').waitFor();
    expect(await agent.getByTestId('chat-subtitle').textContent()).to.equal('Web chat · Closed');
    expect(await agent.getByLabel('Your reply').isDisabled()).to.equal(true);
    expect(await row(agent, c.conversationId).getAttribute('data-status')).to.equal('closed');
    const admin = await app.login('admin@demo.local');
    expect((await app.api('GET', `/api/v1/conversations/${c.conversationId}`, { token: admin })).body.status).to.equal('closed');
  });

  it('shows a customer\'s picture and file in the conversation, loaded through short-lived links', async () => {
    const agent = await signedInAgent();
    const c = await customerSocket(app.url, app.channelId);
    sockets.push(c.socket);
    const widgetUpload = (bytes: Buffer, name: string) => upload(`${app.url}/webchat/${app.channelId}/media`, bytes, name, { headers: { 'x-visitor-token': c.session.visitorToken } });
    const photo = await upload200(widgetUpload(await media.jpeg(480, 360), 'cracked-screen.jpg'));
    const invoice = await upload200(widgetUpload(media.pdf(3000), 'invoice.pdf'));
    const first = await emitAck(c.socket, 'message:send', { mediaId: photo, text: 'This is what it looks like', clientMessageId: randomUUID() });
    await emitAck(c.socket, 'message:send', { mediaId: invoice, clientMessageId: randomUUID() });

    await row(agent, first.message.conversationId).getByRole('button').click();
    const attachments = agent.getByTestId('attachment');
    await agent.locator('[data-testid="attachment"][data-state="ready"]').nth(1).waitFor();
    expect(await attachments.count()).to.equal(2);
    // The picture really loaded (a thumbnail the browser decoded), and links open the file itself.
    const img = attachments.nth(0).locator('img');
    await waitFor(async () => (await img.evaluate((el: HTMLImageElement) => (el.complete ? el.naturalWidth : 0))) > 0);
    expect(await attachments.nth(0).locator('a').getAttribute('href')).to.match(/\/media\/signed\//);
    expect(await agent.getByTestId('message-text').allTextContents()).to.deep.equal(['This is what it looks like']);
    const file = attachments.nth(1).locator('a');
    expect(await file.textContent()).to.contain('invoice.pdf');
    const res = await fetch((await file.getAttribute('href'))!.replace('localhost', '127.0.0.1'));
    expect(res.status).to.equal(200);
    expect(res.headers.get('content-disposition')).to.match(/^attachment/);
    await screenshot(agent, 'console-attachments');
  });

  it('sets the status the agent chooses, and signing out takes them offline', async () => {
    const agent = await signedInAgent();
    await agent.getByLabel('Your status').selectOption('away');
    await waitFor(async () => (await agentStatus('Alice Agent')) === 'away');
    expect(await agent.getByTestId('status-select').inputValue()).to.equal('away');

    await agent.getByRole('button', { name: 'Sign out' }).click();
    await agent.getByTestId('login-view').waitFor();
    expect(await agent.evaluate(() => sessionStorage.getItem('cc-console.session'))).to.equal(null);
    await waitFor(async () => (await agentStatus('Alice Agent')) === 'offline');
    // The company is remembered for the next sign-in.
    expect(await agent.getByLabel('Company').inputValue()).to.equal('demo');
  });

  it('catches up after a lost connection with the messages it missed (sync from the last one seen)', async () => {
    // Two processes of one deployment: the agent's console talks to the first, the customer to the second.
    const second = await startTestApp({ sameDeploymentAs: app });
    let restarted: TestApp | undefined;
    try {
      const agent = await signedInAgent();
      const c = await customer('before the outage', second.url);
      await row(agent, c.conversationId).getByRole('button').click();
      await agent.getByTestId('message-list').getByText('before the outage').waitFor();

      // The agent's process goes away; the customer keeps writing through the other one.
      await app.close();
      await agent.getByTestId('connection-banner').waitFor();
      await screenshot(agent, 'console-reconnecting');
      for (const text of ['missed one', 'missed two']) await emitAck(c.socket, 'message:send', { text, clientMessageId: randomUUID() });

      // It comes back on the same address; the console reconnects by itself and syncs.
      restarted = await startTestApp({ sameDeploymentAs: app, env: { PORT: String(app.port) } });
      await agent.getByTestId('message-list').getByText('missed two').waitFor({ timeout: 15_000 });
      await agent.getByTestId('connection-banner').waitFor({ state: 'hidden' });
      expect(await agent.getByTestId('message-text').allTextContents()).to.deep.equal(['before the outage', 'missed one', 'missed two']);
      await waitFor(async () => (await agentStatus('Alice Agent')) === 'online'); // the status is set again on reconnect

      await agent.getByLabel('Your reply').fill('Sorry, we were briefly offline.');
      await agent.getByLabel('Your reply').press('Enter');
      await agent.locator('[data-testid="message"][data-status="sent"]', { hasText: 'Sorry, we were briefly offline.' }).waitFor();
    } finally {
      await restarted?.stop();
      await second.stop();
      // `app` was closed, not stopped: its database and Redis keys are the shared ones to drop.
      await app.db.drop();
      await deleteRedisPrefix(app.prefix);
      app = { stop: async () => {} } as TestApp;
    }
  });
});

async function waitFor(check: () => Promise<boolean>, ms = 5000): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('condition not met in time');
}
