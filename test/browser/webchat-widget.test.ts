// The embeddable web chat widget in a real browser, on the demo site, against the running
// application; the agent's side is a plain socket here (the console has its own suites).
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { agentSocket, emitAck, once, type AnySocket } from '../helpers/sockets.js';
import { buildWebBundles, customerSays, launchBrowser, newPage, openWidget, screenshot } from './browser-harness.js';

describe('web chat widget, in a browser', function () {
  this.timeout(60_000);
  let browser: Browser;
  let app: TestApp | undefined;
  const contexts: BrowserContext[] = [];
  const sockets: AnySocket[] = [];
  let errors: string[] = [];

  async function customerPage(): Promise<Page> {
    const p = await newPage(browser);
    contexts.push(p.context);
    errors = p.errors;
    return p.page;
  }

  async function onlineAgent(a: TestApp): Promise<AnySocket> {
    const socket = await agentSocket(a.url, await a.login('agent1@demo.local'));
    sockets.push(socket);
    expect((await emitAck(socket, 'agent:status', { status: 'online' })).ok).to.equal(true);
    return socket;
  }

  const theirs = (page: Page, text: string) => page.locator('[data-testid="widget-message"][data-direction="out"]', { hasText: text });

  before(async () => {
    buildWebBundles();
    browser = await launchBrowser();
  });
  after(async () => { await browser?.close(); });
  afterEach(async () => {
    sockets.splice(0).forEach((s) => s.close());
    await Promise.all(contexts.splice(0).map((c) => c.close()));
    await app?.stop();
    app = undefined;
    expect(errors, 'errors in the page').to.deep.equal([]);
  });

  it('finds the demo channel by itself, shows the agent typing, and tells the customer when the chat ends', async () => {
    app = await startTestApp();
    const agent = await onlineAgent(app);
    const customer = await customerPage();
    await customer.goto(`${app.url}/widget`); // no ?channel=: the page asks /widget/demo-channel
    await customer.getByTestId('widget-launcher').click();
    const assigned = once(agent, 'conversation:assigned');
    await customerSays(customer, 'Is anyone there?');
    const conversationId = (await assigned).conversation.id as string;
    await customer.getByTestId('widget-note').filter({ hasText: 'Alice Agent joined the chat' }).waitFor();

    agent.emit('typing', { conversationId });
    await customer.getByTestId('widget-typing').filter({ hasText: 'Alice Agent is typing…' }).waitFor();
    await emitAck(agent, 'message:send', { conversationId, text: 'Yes, I am here.', clientMessageId: randomUUID() });
    await theirs(customer, 'Yes, I am here.').waitFor();
    await customer.getByTestId('widget-typing').waitFor({ state: 'hidden' });

    expect((await emitAck(agent, 'conversation:close', { conversationId })).ok).to.equal(true);
    await customer.getByTestId('widget-note').filter({ hasText: 'This chat has ended.' }).waitFor();
    await screenshot(customer, 'widget-closed');

    // Writing again starts a new conversation, which an agent picks up.
    const again = once(agent, 'conversation:assigned');
    await customerSays(customer, 'One more question');
    expect((await again).conversation.id).to.not.equal(conversationId);
  });

  it('shows a refused message politely, with a way to try again', async () => {
    app = await startTestApp({ env: { MESSAGE_MAX_CHARS: '20' } });
    const customer = await customerPage();
    await openWidget(customer, app.url, app.channelId);
    await customerSays(customer, 'This message is far longer than twenty characters');
    const failed = customer.locator('[data-testid="widget-message"][data-state="failed"]');
    await failed.waitFor();
    expect(await failed.getByRole('alert').textContent()).to.equal('Sorry, this message was not sent: at most 20 characters.');
    await failed.getByRole('button', { name: 'Try again' }).waitFor();
    await screenshot(customer, 'widget-refused');

    await customerSays(customer, 'Short one');
    await customer.locator('[data-testid="widget-message"][data-state="sent"]', { hasText: 'Short one' }).waitFor();
  });

  it('marks the chat button when a reply arrives while the chat is closed, and keeps the host page\'s styles out', async () => {
    app = await startTestApp();
    const agent = await onlineAgent(app);
    const customer = await customerPage();
    await openWidget(customer, app.url, app.channelId);
    const assigned = once(agent, 'conversation:assigned');
    await customerSays(customer, 'Call me back later');
    const conversationId = (await assigned).conversation.id as string;
    await customer.getByRole('button', { name: 'Minimize chat' }).click();
    await customer.getByTestId('widget-panel').waitFor({ state: 'hidden' });

    await emitAck(agent, 'message:send', { conversationId, text: 'Sure, talk soon', clientMessageId: randomUUID() });
    await customer.getByTestId('widget-unread').waitFor();
    await screenshot(customer, 'widget-unread');
    await customer.getByRole('button', { name: 'Open chat' }).click();
    await theirs(customer, 'Sure, talk soon').waitFor();
    expect(await customer.getByTestId('widget-unread').isHidden()).to.equal(true);

    // The demo site sets Georgia on its body and upper-cases its buttons; the widget is untouched.
    const look = await customer.getByTestId('widget-input').evaluate((el) => getComputedStyle(el).fontFamily);
    expect(look).to.not.match(/Georgia/);
  });

  it('works embedded on another site, talking to the server its script came from', async () => {
    app = await startTestApp();
    const agent = await onlineAgent(app);
    const site = await companySite(`<script src="${app.url}/widget.js" data-channel-id="${app.channelId}" data-title="Shop support"></script>`);
    try {
      const customer = await customerPage();
      await customer.goto(site.url);
      await customer.getByRole('button', { name: 'Open chat' }).click();
      expect(await customer.getByRole('dialog').getAttribute('aria-label')).to.equal('Shop support');
      const assigned = once(agent, 'conversation:assigned');
      await customerSays(customer, 'Hello from the shop');
      const conversationId = (await assigned).conversation.id as string;
      await emitAck(agent, 'message:send', { conversationId, text: 'Hello, shopper', clientMessageId: randomUUID() });
      await theirs(customer, 'Hello, shopper').waitFor();
    } finally {
      await site.close();
    }
  });

  it('does not run on a site that the channel does not allow', async () => {
    app = await startTestApp();
    const admin = await app.login('admin@demo.local');
    const created = await app.api('POST', '/api/v1/channels', { token: admin, body: { platform: 'webchat', name: 'Shop only', config: { allowedOrigins: ['https://shop.example'] } } });
    expect(created.status).to.equal(201);
    const site = await companySite(`<script src="${app.url}/widget.js" data-channel-id="${created.body.id}"></script>`);
    try {
      const customer = await customerPage();
      await customer.goto(site.url);
      await customer.getByRole('button', { name: 'Open chat' }).click();
      await customer.getByTestId('widget-notice').filter({ hasText: 'Sorry, this chat is not available right now.' }).waitFor();
      expect(errors.splice(0)).to.deep.equal(['[chat widget] This site may not embed this chat.']);
    } finally {
      await site.close();
    }
  });

  it('says politely that the chat is unavailable for an unknown channel', async () => {
    app = await startTestApp();
    const customer = await customerPage();
    await openWidget(customer, app.url, '01234567-0000-7000-8000-000000000000');
    const notice = customer.getByTestId('widget-notice').filter({ hasText: 'Sorry, this chat is not available right now.' });
    await notice.waitFor();
    expect(await customer.getByTestId('widget-input').isDisabled()).to.equal(true);
    // The site's owner finds the reason in the browser console.
    expect(errors.splice(0)).to.deep.equal(['[chat widget] This chat is not available: the channel id is unknown.']);
  });
});

/** A company's own site on another origin (another port), embedding the widget with one script tag. */
async function companySite(embed: string): Promise<{ url: string; close: () => Promise<void> }> {
  const html = `<!doctype html><html lang="en"><head><title>Shop</title></head><body><h1>The Shop</h1>${embed}</body></html>`;
  const server = http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/`, close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }) };
}
