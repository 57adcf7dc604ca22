// 软弱涣散整顿 in the browser: the listed branch's secretary submits its open rectification
// task with evidence; the street committee (another account, the parent) accepts it (验收)
// and clears the branch (销号); the 清零 rate of the committee's subtree moves — read
// before and after.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, launch, newPage, login, shot, assertNoSideScroll } from '../lib.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser.close(); });

/** The account's own org: the root of its org tree. */
async function ownOrg(page) {
  const href = await page.locator('#tree-body > ul > li > a').first().getAttribute('href');
  return href.match(/\/orgs\/(\d+)/)[1];
}

async function rate(page, orgId) {
  await page.goto(`${BASE}/orgs/${orgId}/weak-branches`);
  return {
    cleared: Number(await page.locator('#weak-cleared').textContent()),
    listed: Number(await page.locator('#weak-listed').textContent()),
    shown: (await page.locator('#weak-rate-value').textContent()).trim(),
  };
}

test('the branch submits its task, the parent accepts it and clears the branch, the 清零 rate moves', async () => {
  const committee = await newPage(browser, { width: 1366, height: 900 });
  await login(committee, 'committee');
  await committee.goto(BASE + '/');
  const cid = await ownOrg(committee);
  const before = await rate(committee, cid);
  assert.ok(before.listed > before.cleared, `the demo lists branches still rectifying: ${JSON.stringify(before)}`);

  const sec = await newPage(browser, { width: 375, height: 667 });
  await login(sec, 'secretary');
  await sec.goto(BASE + '/members');
  const sid = await ownOrg(sec);
  await sec.goto(`${BASE}/orgs/${sid}/weak-branches`);
  await assertNoSideScroll(sec);
  await Promise.all([sec.waitForURL(/\/weak-branches\/\d+$/), sec.locator('#weak-list a[href^="/weak-branches/"]').first().click()]);
  const detail = sec.url();
  const form = sec.locator('form.submit-form').first();
  await form.locator('textarea[name=evidence]').fill('三会一课按期召开，会议记录和照片已归档备查');
  await Promise.all([sec.waitForURL(/\?done=saved$/), form.locator('button[type=submit]').click()]);
  assert.equal(await sec.locator('form.submit-form').count(), 0, 'no task left open');
  assert.ok((await sec.locator('#weak-tasks .task-state').allTextContents()).includes('待验收'));
  // The branch cannot accept its own task.
  await Promise.all([sec.waitForLoadState(), sec.locator('form.decide-form button[value=accept]').first().click()]);
  await sec.locator('#form-error').waitFor();
  assert.match(await sec.locator('#form-error').textContent(), /上级党组织验收/);
  await shot(sec, 'weak-submitted');

  await committee.goto(detail);
  await Promise.all([committee.waitForURL(/\?done=saved$/), committee.locator('form.decide-form button[value=accept]').first().click()]);
  assert.ok(!(await committee.locator('#weak-tasks .task-state').allTextContents()).some((s) => s !== '已验收'), 'every task accepted');
  await committee.goto(detail);
  await committee.locator('#weak-clear-form textarea[name=note]').fill('经验收，整顿达到预期目标');
  await Promise.all([committee.waitForURL(/\?done=saved$/), committee.locator('#weak-clear-form button[type=submit]').click()]);
  assert.match(await committee.locator('h1').textContent(), /已销号/);
  await shot(committee, 'weak-cleared');

  const after = await rate(committee, cid);
  assert.equal(after.listed, before.listed);
  assert.equal(after.cleared, before.cleared + 1, `the 清零 rate moves: ${before.shown} → ${after.shown}`);
  assert.notEqual(after.shown, before.shown);
});
