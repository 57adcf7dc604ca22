// 组织关系接转 in the browser: the branch secretary starts a member's transfer to a branch of
// another street, the street committee (another account) approves it and the letter is
// issued, the receiving side accepts it, the sender records the 回执; the letter prints and
// fits a phone. (A transfer across two district roots is covered by the store and API
// tests: the demo has one district.)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, launch, newPage, login, shot, assertNoSideScroll } from '../lib.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser.close(); });

async function act(page, action) {
  await Promise.all([page.waitForURL(/\/transfers\/\d+\?done=transfer_done$/), page.locator(`#action-${action} button[type=submit]`).click()]);
}

test('a transfer to another street is approved by another account and accepted by the receiving side', async () => {
  const sec = await newPage(browser, { width: 1366, height: 900 });
  await login(sec, 'secretary');
  await sec.goto(BASE + '/members');
  const first = sec.locator('table a[href^="/members/"]').first();
  const href = await first.getAttribute('href');
  const memberId = href.match(/\/members\/(\d+)/)[1];
  await sec.goto(`${BASE}/members/${memberId}`);
  await Promise.all([sec.waitForURL(/\/transfer$/), sec.locator('#transfer-link').click()]);
  const current = (await sec.locator('p.muted').first().textContent()).replace(/^.*现所在党组织：/, '').replace(/。.*$/, '');
  // Submitting with no receiving org and no reason names both fields.
  await sec.locator('#initiate-transfer').click();
  await sec.locator('#form-error').waitFor();
  await sec.fill('#to_org_id-picker input[type=search]', '党支部');
  await sec.locator('#to_org_id-picker .picker-options label.pick input[value]:not([value=""])').first().waitFor();
  const options = sec.locator('#to_org_id-picker label.pick');
  let picked = false;
  for (const o of await options.all()) {
    const name = (await o.locator('.pick-name').count()) ? await o.locator('.pick-name').textContent() : '';
    if (name && name !== current) { await o.locator('input').check(); picked = true; break; }
  }
  assert.ok(picked, 'another branch is offered');
  await sec.fill('input[name=reason]', '工作调动');
  await Promise.all([sec.waitForURL(/\/transfers\/\d+\?done=transfer_initiated$/), sec.locator('#initiate-transfer').click()]);
  const url = sec.url().replace(/\?.*$/, '');
  assert.match(await sec.locator('#transfer-state').textContent(), /待转出审批/);
  assert.equal(await sec.locator('#action-approve').count(), 0, 'the initiator is not offered the approval');
  await shot(sec, 'transfer-initiated');

  const committee = await newPage(browser, { width: 1366, height: 900 });
  await login(committee, 'committee');
  await committee.goto(BASE + '/transfers');
  assert.ok(await committee.locator(`#transfers-awaiting a[href="${new URL(url).pathname}"]`).count() === 1, 'the approval waits for the committee');
  await committee.goto(url);
  await act(committee, 'approve');
  assert.match(await committee.locator('#transfer-state').textContent(), /在途/);
  assert.match(await committee.locator('#letter-no').textContent(), /转字第\d{4}号/);
  assert.match(await committee.locator('#valid-until').textContent(), /10天/);
  await shot(committee, 'transfer-letter');

  const admin = await newPage(browser, { width: 1366, height: 900 });
  await login(admin, 'orgadmin');
  await admin.goto(BASE + '/transfers');
  assert.ok(await admin.locator(`#transfers-in a[href="${new URL(url).pathname}"]`).count() === 1, 'the receiving side sees it among incoming transfers');
  await admin.goto(url);
  await act(admin, 'accept');
  assert.match(await admin.locator('#transfer-state').textContent(), /已接收/);
  assert.match(await admin.locator('#accepted-on').textContent(), /\d{4}-\d{2}-\d{2}/);

  await sec.goto(url);
  await act(sec, 'receipt');
  assert.match(await sec.locator('#transfer-state').textContent(), /已完成/);

  const phone = await newPage(browser, { width: 375, height: 667 });
  await login(phone, 'orgadmin');
  await phone.goto(url);
  await assertNoSideScroll(phone);
  await shot(phone, 'transfer-letter-phone');
});
