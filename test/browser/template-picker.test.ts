// The WhatsApp template picker in a real browser: past the 24-hour window the composer says so, the
// agent picks an approved template, fills its parameters (the preview follows) and sends it, and the
// fake WhatsApp receives a `type: template` message with them; failures read in plain words.
import { expect } from 'chai';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { ConversationEntity, MessageEntity } from '../../shared/db/entities/index.js';
import { createChannel, postWebhook, storedMessages, waitFor, type CreatedChannel } from '../helpers/gateway.js';
import { customerSocket, emitAck } from '../helpers/sockets.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { FAKE_WABA_ID, FakeWhatsappServer, graphError } from '../fakes/whatsapp-server.js';
import { metaSignature, waBody, waMessage } from '../fixtures/whatsapp/signing.js';
import { buildWebBundles, launchBrowser, newPage, screenshot, signIn } from './browser-harness.js';

const TOKEN = 'EAAGpicker-test-access-token';
const APP_SECRET = 'picker-app-secret-0123456789';
const PHONE_ID = '106540352242922';
const CUSTOMER = '16505553434';
const TEMPLATES_PATH = `/v21.0/${FAKE_WABA_ID}/message_templates`;
const MESSAGES_PATH = `/v21.0/${PHONE_ID}/messages`;

describe('WhatsApp template picker, in a browser', function () {
  this.timeout(60_000);
  let browser: Browser;
  let app: TestApp;
  let fake: FakeWhatsappServer;
  let ch: CreatedChannel;
  let context: BrowserContext | undefined;
  let pageErrors: string[] = [];

  before(async () => {
    buildWebBundles();
    browser = await launchBrowser();
  });
  after(async () => { await browser?.close(); });
  beforeEach(async () => {
    app = await startTestApp();
    fake = await new FakeWhatsappServer(TOKEN, PHONE_ID).start();
    ch = await createChannel(app, 'whatsapp', { phoneNumberId: PHONE_ID, accessToken: TOKEN, appSecret: APP_SECRET, verifyToken: 'picker-verify', businessAccountId: FAKE_WABA_ID, apiBaseUrl: fake.url, timeoutMs: 1000 });
  });
  afterEach(async () => {
    await context?.close();
    await fake.close();
    await app.stop();
    expect(pageErrors.splice(0), 'errors in the page').to.deep.equal([]);
  });

  /** The customer wrote `hoursAgo` hours ago (stored now, then dated back before any agent sees it). */
  async function customerWrote(text: string, hoursAgo: number): Promise<string> {
    const body = waBody(PHONE_ID, { messages: [waMessage('text', CUSTOMER, { text: { body: text } })] });
    expect((await postWebhook(app, ch.path, body, { 'content-type': 'application/json', 'x-hub-signature-256': metaSignature(APP_SECRET, body) })).status).to.equal(200);
    await waitFor(async () => (await storedMessages(app, ch.id)).length === 1);
    const [m] = await storedMessages(app, ch.id);
    const then = new Date(Date.now() - hoursAgo * 3_600_000);
    await app.ctx.db.manager.update(MessageEntity, { id: m.id }, { createdAt: then, updatedAt: then });
    await app.ctx.db.manager.update(ConversationEntity, { id: m.conversationId }, { lastMessageAt: then });
    return m.conversationId;
  }

  /** agent1 signs in (which puts them online: the waiting conversation is theirs) and opens it. */
  async function agentOpens(conversationId: string, text: string): Promise<Page> {
    const p = await newPage(browser);
    context = p.context;
    pageErrors = p.errors;
    await signIn(p.page, app.url, 'agent1@demo.local');
    await p.page.locator(`[data-testid="conversation-item"][data-conversation-id="${conversationId}"]`).getByRole('button').click();
    await p.page.getByTestId('message-list').getByText(text).waitFor();
    return p.page;
  }

  it('says the 24-hour window is closed, and sends a template filled in the picker', async () => {
    const conversationId = await customerWrote('Please call me back about my loan', 26);
    const agent = await agentOpens(conversationId, 'Please call me back about my loan');

    const banner = agent.getByTestId('window-banner');
    await banner.waitFor();
    expect(await banner.textContent()).to.contain('More than 24 hours have passed since the customer last wrote');
    expect(await agent.getByLabel('Your reply').getAttribute('placeholder')).to.contain('24-hour window is closed');
    await screenshot(agent, 'template-picker-window-closed');

    // The notice points to the picker; it lists the approved templates, with their language and wording.
    await banner.getByRole('button', { name: 'Choose a template' }).click();
    const picker = agent.getByRole('dialog', { name: 'WhatsApp templates' });
    await picker.getByTestId('template-item').first().waitFor();
    expect(await picker.getByTestId('template-item').evaluateAll((els) => els.map((e) => e.getAttribute('data-template'))))
      .to.deep.equal(['callback_offer:en_US', 'callback_offer:es_ES', 'follow_up:en_US', 'follow_up:pt_BR', 'order_update:en_US']);
    expect(await picker.getByTestId('template-item').first().textContent()).to.contain('Hello {{1}}, we can call you back {{2}}');
    // Keyboard first: the first template has the focus.
    expect(await agent.evaluate(() => document.activeElement?.getAttribute('data-template'))).to.equal('callback_offer:en_US');
    await screenshot(agent, 'template-picker-list');

    await picker.getByTestId('template-item').first().click();
    const preview = picker.getByTestId('template-preview');
    expect(await preview.textContent()).to.equal('Your callbackHello {{1}}, we can call you back {{2}}. Reply YES to confirm.Contact Center');
    await picker.getByLabel('Parameter {{1}}').fill('Ada');
    expect(await preview.textContent()).to.contain('Hello Ada, we can call you back {{2}}.');

    // A parameter left empty is said, not sent.
    await picker.getByRole('button', { name: 'Send template' }).click();
    expect(await picker.getByTestId('template-error').textContent()).to.equal('Fill in parameter {{2}}: WhatsApp does not send a template with an empty one.');
    expect(await agent.evaluate(() => document.activeElement?.id)).to.equal('template-param-2');
    await screenshot(agent, 'template-picker-empty-parameter');
    await agent.keyboard.type('tomorrow at 10:00');
    expect(await preview.textContent()).to.contain('Hello Ada, we can call you back tomorrow at 10:00.');
    await screenshot(agent, 'template-picker-filled');
    await agent.keyboard.press('Enter');

    // Sent as the composer sends: one message:send, shown at once, and WhatsApp gets the template.
    await picker.waitFor({ state: 'hidden' });
    const [sent] = await fake.waitFor('POST', MESSAGES_PATH);
    expect(sent.json()).to.deep.equal({
      messaging_product: 'whatsapp', recipient_type: 'individual', to: CUSTOMER, type: 'template',
      template: { name: 'callback_offer', language: { policy: 'deterministic', code: 'en_US' }, components: [{ type: 'body', parameters: [{ type: 'text', text: 'Ada' }, { type: 'text', text: 'tomorrow at 10:00' }] }] },
    });
    const mine = agent.locator('[data-testid="message"][data-direction="out"]');
    await mine.filter({ hasText: '[WhatsApp template callback_offer (en_US): Ada | tomorrow at 10:00]' }).locator('[data-testid="message-status"]', { hasText: 'Sent' }).waitFor();
    expect(await mine.count()).to.equal(1);
    const stored = (await storedMessages(app, ch.id, 'out')).filter((m) => m.sender === 'agent');
    expect(stored).to.have.length(1);
    expect(stored[0].clientMessageId).to.be.a('string').and.not.equal('');
    expect(await agent.evaluate(() => document.activeElement?.id)).to.equal('template-button');
    await screenshot(agent, 'template-picker-sent');
  });

  it('shows no notice inside the window, closes with Escape, and says in plain words why templates cannot be loaded', async () => {
    const conversationId = await customerWrote('Hi, quick question', 1);
    const agent = await agentOpens(conversationId, 'Hi, quick question');
    expect(await agent.getByTestId('window-banner').isHidden()).to.equal(true);

    fake.failNext('GET', TEMPLATES_PATH, graphError(401, 190, 'Invalid OAuth access token - Cannot parse access token'));
    await agent.getByRole('button', { name: 'Template' }).click();
    const status = agent.getByTestId('template-status');
    await status.filter({ hasText: 'WhatsApp refused' }).waitFor();
    // What the agent can do first, then WhatsApp's own reason, and a way to try again (which has the focus).
    const said = await status.textContent();
    expect(said).to.contain('WhatsApp refused to give the list of templates. Ask an admin to check this channel\'s WhatsApp settings.');
    expect(said).to.contain('WhatsApp answered 401: (#190) Invalid OAuth access token - Cannot parse access token: the channel\'s access token has expired or was revoked');
    expect(await status.getAttribute('role')).to.equal('alert');
    expect(await agent.evaluate(() => document.activeElement?.textContent)).to.equal('Try again');
    await screenshot(agent, 'template-picker-error');
    await agent.keyboard.press('Escape');
    await agent.getByTestId('template-picker').waitFor({ state: 'hidden' });
    expect(await agent.evaluate(() => document.activeElement?.id)).to.equal('template-button');
    expect(await agent.getByTestId('template-button').getAttribute('aria-expanded')).to.equal('false');

    // Opened again, the failure was not kept: the list is there; Escape from a field closes too.
    await agent.keyboard.press('Enter');
    await agent.getByTestId('template-item').first().waitFor();
    expect(await status.isHidden()).to.equal(true);
    await agent.locator('[data-template="follow_up:pt_BR"]').click();
    expect(await agent.getByTestId('template-param').count()).to.equal(0);
    expect(await agent.getByTestId('template-detail').textContent()).to.contain('This template has no parameters');
    await screenshot(agent, 'template-picker-no-parameters');
    await agent.getByRole('button', { name: 'Send template' }).focus();
    await agent.keyboard.press('Escape');
    await agent.getByTestId('template-picker').waitFor({ state: 'hidden' });
    expect(fake.to('POST', MESSAGES_PATH)).to.have.length(0);
  });

  it('offers no template button on other platforms', async () => {
    const p = await newPage(browser);
    context = p.context;
    pageErrors = p.errors;
    await signIn(p.page, app.url, 'agent1@demo.local');
    await p.page.getByTestId('app-view').waitFor();
    const c = await customerSocket(app.url, app.channelId);
    try {
      const ack = await emitAck(c.socket, 'message:send', { text: 'Web chat here', clientMessageId: 'web-1' });
      await p.page.locator(`[data-testid="conversation-item"][data-conversation-id="${ack.message.conversationId}"]`).getByRole('button').click();
      await p.page.getByTestId('message-list').getByText('Web chat here').waitFor();
      expect(await p.page.getByTestId('template-button').isHidden()).to.equal(true);
      expect(await p.page.getByTestId('window-banner').isHidden()).to.equal(true);
    } finally { c.socket.close(); }
  });
});
