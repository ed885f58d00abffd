// What the browser suites share: Debian's Chromium driven by playwright-core (never a downloaded
// browser), the web bundles built from the current sources, sign-in, screenshots, page errors.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const SCREENSHOTS = path.join(root, 'test-results/browser');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

let built = false;
/** The pages are served from dist/web: build them from the sources under test, once per run. */
export function buildWebBundles(): void {
  if (built) return;
  execFileSync(process.execPath, [path.join(root, 'scripts/build-web.mjs')], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  built = true;
}

export async function launchBrowser(): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`No Chromium at ${CHROMIUM}: install Debian's "chromium" package (or set CHROMIUM_PATH).`);
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}

/** A fresh browser profile (its own localStorage and sessionStorage) on a 1280x800 screen. */
export async function newPage(browser: Browser): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-GB', timezoneId: 'UTC' });
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(`${err.name}: ${err.message}`));
  page.on('console', (msg) => { if (msg.type() === 'error' && !/Failed to load resource/.test(msg.text())) errors.push(msg.text()); });
  return { context, page, errors };
}

export async function screenshot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`) });
}

/** Signs in on the console's form (the demo tenant's password is "demo"). */
export async function signIn(page: Page, baseUrl: string, email: string, password = 'demo', tenant = 'demo'): Promise<void> {
  await page.goto(`${baseUrl}/console`);
  await page.getByLabel('Company').fill(tenant);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** The customer's page: the demo site with the widget of that channel, chat opened. */
export async function openWidget(page: Page, baseUrl: string, channelId: string): Promise<void> {
  await page.goto(`${baseUrl}/widget?channel=${encodeURIComponent(channelId)}`);
  await page.getByTestId('widget-launcher').click();
  await page.getByTestId('widget-panel').waitFor();
}

/** Types a message in the widget and sends it with the Send button. */
export async function customerSays(page: Page, text: string): Promise<void> {
  await page.getByTestId('widget-input').fill(text);
  await page.getByTestId('widget-send').click();
}
