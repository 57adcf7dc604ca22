// 三亮三比 on a 375×667 phone: a member writes the year's commitment in the portal; the
// branch secretary approves it and publishes the branch's page; the public page, opened
// without logging in, shows the member's name and commitment — and no phone or ID number.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, launch, newPage, login, shot, assertNoSideScroll } from '../lib.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser.close(); });

test('a member commits on a phone, the secretary approves and publishes, the public sees name and commitment only', async () => {
  const promise = `带头做好窗口服务，每月参加一次志愿服务（${Date.now() % 100000}）`;
  const phone = await newPage(browser, { width: 375, height: 667 });
  await login(phone, 'member');
  await phone.goto(BASE + '/m/pledge');
  await phone.locator('#pledge-form').waitFor();
  await assertNoSideScroll(phone);
  await phone.fill('#pledge-form textarea[name=text]', promise);
  await Promise.all([phone.waitForURL(/\/m\/pledge\?done=saved$/), phone.locator('#pledge-form button[type=submit]').click()]);
  assert.match(await phone.locator('#commitment-state').textContent(), /待支部审核/);
  await assertNoSideScroll(phone);
  await shot(phone, 'pledge-portal');
  const memberName = await phone.evaluate(async () => (await (await fetch('/api/v1/pledges/me')).json())?.member_name ?? '');

  const desk = await newPage(browser);
  await login(desk, 'secretary');
  const branch = await desk.evaluate(async () => (await (await fetch('/api/v1/auth/me')).json()).scope_org_id);
  assert.ok(branch, 'the secretary has a branch');
  await desk.goto(`${BASE}/orgs/${branch}/pledges`);
  const row = desk.locator('#commitments tr', { hasText: promise });
  await row.locator('button[value=approve]').click();
  await desk.waitForURL(/\/pledges\?done=saved$/);
  assert.match(await desk.locator('#commitments tr', { hasText: promise }).textContent(), /已通过/);
  // Publish if not yet published (a rerun finds it published).
  if (await desk.locator('#publish').count()) {
    await Promise.all([desk.waitForURL(/\/pledges\?done=saved$/), desk.locator('#publish').click()]);
  }
  await desk.locator('#public-link').waitFor();
  await shot(desk, 'pledge-secretary');

  // The public page: a fresh browser context, no login.
  const anon = await newPage(browser, { width: 375, height: 667 });
  const res = await anon.goto(`${BASE}/public/orgs/${branch}/pledges`);
  assert.equal(res.status(), 200);
  assert.ok(!anon.url().includes('/login'), 'no login asked');
  const text = await anon.locator('#public-pledges').textContent();
  assert.ok(text.includes(promise), 'the commitment is shown');
  if (memberName) assert.ok(text.includes(memberName), `the member's name ${memberName} is shown`);
  const body = await anon.locator('body').textContent();
  assert.doesNotMatch(body, /1[3-9]\d{9}/, 'no phone number');
  assert.doesNotMatch(body, /\d{17}[\dXx]/, 'no ID number');
  await assertNoSideScroll(anon);
  await shot(anon, 'pledge-public');
  // Another org that did not publish: not found.
  const other = await anon.goto(`${BASE}/public/orgs/1/pledges`);
  assert.equal(other.status(), 404);
});
