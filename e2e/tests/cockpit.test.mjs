// 驾驶舱: a finding shows in the cockpit, leads to the branch, and goes away once resolved.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, launch, newPage, login, shot } from '../lib.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser.close(); });

/** Last month in China time, as `YYYY-MM`. */
function lastMonth() {
  const now = new Date(Date.now() + 8 * 3600 * 1000);
  const d = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 15));
  return d.toISOString().slice(0, 7);
}

test('a missed theme day shows in the cockpit and disappears when the meeting is recorded', async () => {
  const page = await newPage(browser);
  await login(page, 'orgadmin');
  const root = await page.locator('aside.tree #tree-body > ul > li > a').first().getAttribute('href');
  const rootId = root.split('/').pop();
  const period = lastMonth();
  await page.goto(`${BASE}/cockpit/${rootId}?period=${period}`);
  await page.locator('#rules').waitFor();
  await page.locator('#trend-chart svg').first().waitFor();
  await shot(page, 'cockpit');
  const drill = `${BASE}/cockpit/${rootId}/branches?rule=orglife.theme_day&period=${period}`;
  await page.goto(drill);
  const first = page.locator('#branches tbody tr td:first-child a').first();
  await first.waitFor();
  const name = (await first.textContent()).trim();
  const total = async () => Number((await page.locator('h1').textContent()).match(/共 (\d+) 条/)[1]);
  assert.match(await page.locator('h1').textContent(), /主题党日/, 'the heading names the rule');
  const before = await total();
  await shot(page, 'cockpit-drilldown');

  // Record the missed 主题党日, late: held on the 15th of that month.
  await page.locator('#branches tbody tr').first().locator('a', { hasText: '补记' }).click();
  await page.waitForURL(/\/meetings\/new\?type=theme_day/);
  await page.fill('#new-meeting [name=held_at]', `${period}-15T09:30`);
  await page.fill('#new-meeting [name=place]', '党员活动室');
  await page.fill('#new-meeting [name=host]', '支部书记');
  await page.fill('#new-meeting [name=recorder]', '组织委员');
  await page.fill('#new-meeting [name=topic]', '补记：主题党日');
  await page.click('#save-meeting');
  await page.waitForURL(/\/meetings\/\d+/);

  await page.goto(drill);
  await page.locator('#branches').waitFor();
  const names = await page.locator('#branches tbody tr td:first-child').allTextContents();
  assert.ok(!names.map((n) => n.trim()).includes(name), `${name} is no longer behind the number`);
  assert.equal(await total(), before - 1);
  await page.context().close();
});
