// Ad-hoc screenshot helper for development: node shot.mjs URL OUT.png [user] [width] [height]
import { chromium } from 'playwright-core';
const [url, out, user, w, h] = process.argv.slice(2);
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'] });
const page = await browser.newPage({ viewport: { width: Number(w || 1280), height: Number(h || 900) } });
if (user) {
  const base = new URL(url).origin;
  await page.goto(base + '/login');
  await page.fill('input[name=login]', user);
  await page.fill('input[name=password]', 'Demo@2026');
  await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
}
await page.goto(url);
await page.screenshot({ path: out, fullPage: false });
await browser.close();
