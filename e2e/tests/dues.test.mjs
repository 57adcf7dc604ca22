// 党费 on a 375×667 phone: a member opens 我的党费, pays the open months (and a voluntary
// yuan) through the simulated gateway, sees the record in the history; the same payment
// confirmed a second time records nothing more.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, launch, newPage, login, shot, assertNoSideScroll } from '../lib.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser.close(); });

const historyCount = (page) => page.locator('#history li:not(.muted)').count();

test('a member pays dues on a phone once, however often the payment is confirmed', async () => {
  const page = await newPage(browser, { width: 375, height: 667 });
  await login(page, 'member');
  await page.goto(BASE + '/m/dues');
  await page.locator('#my-pay').waitFor();
  await assertNoSideScroll(page);
  await shot(page, 'dues-portal');
  const before = await historyCount(page);
  const months = await page.locator('#unpaid input[name=months]:checked').count();
  await page.fill('#my-pay input[name=voluntary]', '1');

  await Promise.all([page.waitForURL(/\/m\/dues\/orders\/\d+$/), page.locator('#pay-online').click()]);
  await assertNoSideScroll(page);
  assert.match(await page.locator('#order-total').textContent(), /\d+\.\d{2}\s*元/);
  await shot(page, 'dues-checkout');
  const form = await page.evaluate(() => {
    const f = document.querySelector('form[action^="/m/dues/orders/"]');
    return { action: f.getAttribute('action'), csrf: f.querySelector('[name=_csrf]').value, order: f.querySelector('[name=order_id]').value };
  });

  await Promise.all([page.waitForURL(/\/m\/dues\?done=dues_online$/), page.locator('#confirm-pay').click()]);
  await page.locator('#flash').waitFor();
  const paid = await historyCount(page);
  // One entry per month paid, one for the voluntary yuan.
  assert.equal(paid, before + months + 1, `history grew by the ${months} months and the voluntary payment`);
  assert.match(await page.locator('#history').textContent(), /1\.00\s*元/);
  await assertNoSideScroll(page);
  await shot(page, 'dues-paid');

  // The gateway's confirmation arrives again (a double click, a retried notification).
  const status = await page.evaluate(async ({ action, csrf, order }) => {
    const body = new URLSearchParams({ _csrf: csrf, order_id: order, action: 'pay' });
    const res = await fetch(action, { method: 'POST', body, redirect: 'follow' });
    return res.status;
  }, form);
  assert.ok(status < 500, `a repeated confirmation is answered without a server error (${status})`);
  await page.goto(BASE + '/m/dues');
  assert.equal(await historyCount(page), paid, 'the repeated confirmation recorded nothing');
  // The checkout of a settled order is not offered again.
  await page.goto(BASE + form.action);
  await page.waitForURL(/\/m\/dues$/);
});
