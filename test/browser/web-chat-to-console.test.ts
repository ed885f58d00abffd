// End to end in a real browser: a customer on the demo site's web chat and an agent in the
// console talk to each other through the running application.
import { expect } from 'chai';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startTestApp, type TestApp } from '../helpers/test-app.js';
import { buildWebBundles, customerSays, launchBrowser, newPage, openWidget, screenshot, signIn } from './browser-harness.js';

describe('web chat to agent console, in a browser', function () {
  this.timeout(60_000);
  let browser: Browser;
  let app: TestApp;
  const contexts: BrowserContext[] = [];
  const pageErrors: string[][] = [];

  async function page(): Promise<Page> {
    const p = await newPage(browser);
    contexts.push(p.context);
    pageErrors.push(p.errors);
    return p.page;
  }

  before(async () => {
    buildWebBundles();
    browser = await launchBrowser();
  });
  after(async () => { await browser?.close(); });
  beforeEach(async () => { app = await startTestApp(); });
  afterEach(async () => {
    await Promise.all(contexts.splice(0).map((c) => c.close()));
    await app.stop();
    const errors = pageErrors.splice(0).flat();
    expect(errors, 'errors in the pages').to.deep.equal([]);
  });

  it('carries a customer message to the agent who signs in, and the agent\'s reply back', async () => {
    const customer = await page();
    await openWidget(customer, app.url, app.channelId);
    await customerSays(customer, 'Hello, my card is blocked');
    await customer.locator('[data-testid="widget-message"][data-state="sent"]', { hasText: 'Hello, my card is blocked' }).waitFor();
    await screenshot(customer, 'widget-waiting');

    const agent = await page();
    await signIn(agent, app.url, 'agent1@demo.local');
    await agent.getByTestId('app-view').waitFor();
    expect(await agent.getByTestId('agent-name').textContent()).to.equal('Alice Agent');
    expect(await agent.getByTestId('status-select').inputValue()).to.equal('online');
    const item = agent.getByTestId('conversation-item').first();
    await item.waitFor();
    await item.locator('[data-testid="conversation-preview"]', { hasText: 'Hello, my card is blocked' }).waitFor();
    await screenshot(agent, 'console-conversation-arrived');

    await item.getByRole('button').click();
    await agent.getByTestId('message-list').getByText('Hello, my card is blocked').waitFor();
    await agent.getByLabel('Your reply').fill('I can help with that. Which card is it?');
    await agent.getByLabel('Your reply').press('Enter');
    const reply = agent.locator('[data-testid="message"][data-direction="out"]', { hasText: 'I can help with that.' });
    await reply.and(agent.locator('[data-status="sent"]')).waitFor();
    expect(await reply.count()).to.equal(1); // the pending copy was replaced by the stored one, not doubled

    await customer.locator('[data-testid="widget-message"][data-direction="out"]', { hasText: 'I can help with that. Which card is it?' }).waitFor();
    await customer.getByTestId('widget-note').filter({ hasText: 'Alice Agent joined the chat' }).waitFor();
    expect(await customer.getByTestId('widget-status').textContent()).to.equal('Alice Agent is here to help');
    expect(await customer.locator('[data-testid="widget-message"][data-direction="in"]').count()).to.equal(1); // own echo shown once
    await customerSays(customer, 'The one ending in 4821.');
    await agent.getByTestId('message-list').getByText('The one ending in 4821.').waitFor();
    await screenshot(customer, 'widget-conversation');
    await screenshot(agent, 'console-conversation');
  });

  it('shows an error on the sign-in form for a wrong password, and stays there', async () => {
    const agent = await page();
    await signIn(agent, app.url, 'agent1@demo.local', 'not-the-password');
    const error = agent.getByTestId('login-error');
    await error.waitFor();
    expect(await error.textContent()).to.equal('The tenant, email or password is wrong.');
    expect(await agent.getByTestId('app-view').isHidden()).to.equal(true);
    expect(await agent.evaluate(() => sessionStorage.length)).to.equal(0);
    await screenshot(agent, 'console-login-error');

    await agent.getByLabel('Password').fill('demo');
    await agent.getByRole('button', { name: 'Sign in' }).click();
    await agent.getByTestId('app-view').waitFor();
    await agent.getByTestId('conversation-empty').waitFor();
    await screenshot(agent, 'console-empty');
  });

  it('resumes the same conversation with its history when the customer reloads the page', async () => {
    const agentToken = await app.login('agent1@demo.local');
    const customer = await page();
    await openWidget(customer, app.url, app.channelId);
    await customerSays(customer, 'first visit');
    await customer.locator('[data-testid="widget-message"][data-state="sent"]', { hasText: 'first visit' }).waitFor();
    const tokenBefore = await customer.evaluate(() => Object.entries(localStorage).find(([k]) => k.endsWith(':visitor-token'))?.[1]);
    expect(tokenBefore).to.be.a('string');

    await customer.reload();
    // The chat was open: it opens again, and the history comes back from the server.
    await customer.getByTestId('widget-panel').waitFor();
    await customer.locator('[data-testid="widget-message"][data-direction="in"]', { hasText: 'first visit' }).waitFor();
    await customerSays(customer, 'back again');
    await customer.locator('[data-testid="widget-message"][data-state="sent"]', { hasText: 'back again' }).waitFor();
    const tokenAfter = await customer.evaluate(() => Object.entries(localStorage).find(([k]) => k.endsWith(':visitor-token'))?.[1]);
    expect(tokenAfter).to.equal(tokenBefore);
    await screenshot(customer, 'widget-after-reload');

    const admin = await app.login('admin@demo.local');
    const list = await app.api('GET', '/api/v1/conversations', { token: admin });
    expect(list.body.items).to.have.length(1); // one conversation, resumed, not a second one
    const history = await app.api('GET', `/api/v1/conversations/${list.body.items[0].id}/messages`, { token: admin });
    expect(history.body.items.map((m: { text: string }) => m.text)).to.deep.equal(['first visit', 'back again']);
    expect(agentToken).to.be.a('string');
  });
});
