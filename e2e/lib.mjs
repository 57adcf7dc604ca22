// Shared helpers of the browser scenarios.
import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

export const BASE = process.env.BASE_URL || 'http://127.0.0.1:8080';
export const PASSWORD = 'Demo@2026';
const SHOTS = process.env.SCREENSHOT_DIR || join(import.meta.dirname, 'screenshots', 'local');
mkdirSync(SHOTS, { recursive: true });

export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** A fresh browser context (own cookies) with a page. */
export async function newPage(browser, viewport = { width: 1280, height: 900 }) {
  const context = await browser.newContext({ viewport, locale: 'zh-CN' });
  const page = await context.newPage();
  page.setDefaultTimeout(30000);
  return page;
}

export async function login(page, user, password = PASSWORD) {
  await page.goto(BASE + '/login');
  await page.fill('input[name=login]', user);
  await page.fill('input[name=password]', password);
  await Promise.all([page.waitForURL((u) => !u.pathname.startsWith('/login')), page.click('button[type=submit]')]);
}

let counter = 0;
export async function shot(page, name) {
  counter += 1;
  await page.screenshot({ path: join(SHOTS, `${String(counter).padStart(2, '0')}-${name}.png`), fullPage: true });
}
