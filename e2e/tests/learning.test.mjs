// 学 on a 375×667 phone: a member takes the daily quiz (no answers in the page before
// submission), sees the result with explanations, then points and rank.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, launch, newPage, login, shot } from '../lib.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser.close(); });

async function noSidewaysScroll(page, what) {
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 375, `${what}: no horizontal scrolling (${width}px)`);
}

test('a member takes the daily quiz on a phone', async () => {
  const page = await newPage(browser, { width: 375, height: 667 });
  await login(page, 'member');
  await page.locator('#daily-quiz').click();
  await page.waitForURL(/\/m\/learning$/);
  await noSidewaysScroll(page, '每日一测');
  await shot(page, 'learning-portal');
  if (await page.locator('#start-daily').count()) {
    await Promise.all([page.waitForURL(/\/m\/learning\/attempts\/\d+$/), page.locator('#start-daily').click()]);
  } else {
    await Promise.all([page.waitForURL(/\/m\/learning\/attempts\/\d+$/), page.locator('#daily a.button').click()]);
  }
  if (await page.locator('#paper').count()) {
    const html = await page.content();
    assert.ok(!html.includes('解析') && !html.includes('正确答案'), 'the paper carries no key or explanation');
    await noSidewaysScroll(page, '答题');
    await shot(page, 'learning-paper');
    for (const q of await page.locator('fieldset.question').all()) {
      const text = q.locator('input[type=text]');
      if (await text.count()) {
        for (const t of await text.all()) await t.fill('实事求是');
      } else {
        await q.locator('input').first().check();
      }
    }
    await Promise.all([page.waitForURL(/\/m\/learning\/attempts\/\d+$/), page.locator('#submit-paper').click()]);
  }
  await page.locator('#answers').waitFor();
  assert.match(await page.locator('#answers').textContent(), /正确答案/);
  await noSidewaysScroll(page, '成绩');
  await shot(page, 'learning-result');
  await page.goto(BASE + '/m/points');
  await page.locator('#ranks li').first().waitFor();
  assert.match(await page.locator('#ranks').textContent(), /第\s*\d+\s*名/);
  await noSidewaysScroll(page, '我的积分');
  await shot(page, 'learning-points');
});
