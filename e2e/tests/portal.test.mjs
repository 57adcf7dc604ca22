// The member portal (党员端) on a 375×667 phone.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, launch, newPage, login, shot } from '../lib.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser.close(); });

test('a member uses the portal on a small phone', async () => {
  const page = await newPage(browser, { width: 375, height: 667 });
  let bytes = 0;
  page.on('response', async (r) => {
    const len = Number(r.headers()['content-length'] || 0) || (await r.body().catch(() => Buffer.alloc(0))).length;
    bytes += len;
  });
  await login(page, 'member');
  assert.equal(new URL(page.url()).pathname, '/m');
  await shot(page, 'portal-home');
  // Large tap targets.
  for (const box of await page.locator('.tiles a').evaluateAll((els) => els.map((e) => e.getBoundingClientRect().height))) {
    assert.ok(box >= 48, `tile height ${box}`);
  }
  bytes = 0;
  await page.getByText('我的档案').click();
  await page.waitForURL(/\/m\/profile$/);
  await page.waitForLoadState('networkidle');
  assert.ok(bytes < 100 * 1024, `profile page weighs ${bytes} bytes`);
  assert.match(await page.locator('dd.masked').first().textContent(), /^\d\*{16}[\dX]$/);
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 375, `no horizontal scrolling (${width}px)`);
  await shot(page, 'portal-profile');
  await page.goto(BASE + '/m/branch');
  await page.locator('dt', { hasText: '支部书记' }).waitFor();
  await shot(page, 'portal-branch');
  // Another member of the same branch, who exists (the secretary opens the record), is
  // outside a member's reach: not found. The member's own record id is skipped.
  const me = await (await page.request.get(BASE + '/api/v1/auth/me')).json();
  const secretary = await newPage(browser);
  await login(secretary, 'secretary');
  const roster = await (await secretary.request.get(BASE + '/api/v1/members?limit=20')).json();
  const other = roster.items.map((m) => m.id).find((id) => id !== me.member_id);
  assert.ok(other, `the secretary's roster names another member: ${JSON.stringify(roster).slice(0, 200)}`);
  assert.equal((await secretary.goto(BASE + `/members/${other}`)).status(), 200, 'the record exists');
  assert.equal((await page.goto(BASE + `/members/${other}`)).status(), 404);
  await secretary.context().close();
  await page.context().close();
});
