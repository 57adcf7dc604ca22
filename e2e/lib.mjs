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

/** The two widths every job is tried at: a laptop and a phone. */
export const VIEWPORTS = [
  { name: 'desktop', width: 1366, height: 900 },
  { name: 'phone', width: 375, height: 667 },
];

/** China wall-clock time now (or `days` ahead) as a `datetime-local` value. */
export function chinaTime(days = 0) {
  return new Date(Date.now() + 8 * 3600 * 1000 + days * 86400 * 1000).toISOString().slice(0, 16);
}

/** The page does not scroll sideways (tables scroll inside themselves). */
export async function assertNoSideScroll(page) {
  const { scroll, width } = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, width: window.innerWidth }));
  if (scroll > width + 1) { throw new Error(`${page.url()} is ${scroll} px wide in a ${width} px window`); }
}

/**
 * Every visible badge (预警, 问题, …) stands on one line: an inline box that wraps has more
 * than one client rect, and an inline-block one grows taller than two lines of its font.
 */
export async function assertBadgesOnOneLine(page) {
  const wrapped = await page.evaluate(() => [...document.querySelectorAll('.badge')]
    .filter((el) => el.offsetParent !== null)
    .filter((el) => {
      const rects = el.getClientRects();
      const font = parseFloat(getComputedStyle(el).fontSize) || 16;
      return rects.length > 1 || el.getBoundingClientRect().height > 2 * font;
    })
    .map((el) => el.textContent.trim()));
  if (wrapped.length > 0) { throw new Error(`${page.url()}: badges wrap: ${wrapped.join(', ')}`); }
}

/**
 * Bytes a first visit to `url` transfers (document and every resource, cache off), as
 * the browser counts them.
 */
export async function pageWeight(page, url) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
  let bytes = 0;
  const onDone = (e) => { bytes += e.encodedDataLength; };
  cdp.on('Network.loadingFinished', onDone);
  await page.goto(url, { waitUntil: 'load' });
  await page.waitForTimeout(300);
  cdp.off('Network.loadingFinished', onDone);
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: false });
  await cdp.detach();
  return bytes;
}
