// 学时 in the browser: a member on a 375×667 phone sees this year's hours, by source, and
// the progress toward the target; the branch secretary files the branch's yearly study
// plan and the parent (seen by the 组织部) shows it as 已报; the hours report drills down
// from the parent to the branch and to one member.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, launch, newPage, login, shot, assertNoSideScroll } from '../lib.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser.close(); });

test('a member sees their hours and progress on a phone', async () => {
  const page = await newPage(browser, { width: 375, height: 667 });
  await login(page, 'member');
  await page.goto(BASE + '/m');
  await Promise.all([page.waitForURL(/\/m\/hours$/), page.locator('#my-hours').click()]);
  const hours = Number(await page.locator('#hours-value').textContent());
  assert.ok(Number.isFinite(hours) && hours >= 0, `hours shown as a number (${hours})`);
  assert.match(await page.locator('#hours-percent').textContent(), /^\d+%$/);
  assert.equal(await page.locator('#hours-by-source .card').count(), 3, 'online, sessions and training');
  assert.match(await page.locator('#hours-standing').textContent(), /进度正常|进度落后|免予考核/);
  await assertNoSideScroll(page);
  await shot(page, 'hours-portal');
  await page.context().close();
});

test('the secretary files the plan, the parent sees it filed, and the report drills down', async () => {
  const sec = await newPage(browser);
  await login(sec, 'secretary');
  const me = await (await sec.request.get(BASE + '/api/v1/auth/me')).json();
  const branch = me.scope_org_id;
  assert.ok(branch, 'the secretary has a branch');
  const year = new Date().getFullYear();
  await sec.goto(BASE + `/orgs/${branch}/study-plans`);
  await sec.fill('#plan-form textarea[name=topics]', `Q1 学习党章\nQ2 学习党内法规\n${9} 学习系列讲话`);
  await sec.fill('#plan-form textarea[name=required]', '《中国共产党章程》');
  await sec.fill('#plan-form textarea[name=sessions]', `${year}-03-15 集中学习党章\n${year}-09-15 集中学习系列讲话`);
  await Promise.all([sec.waitForURL(/\/study-plans\?year=\d+$/), sec.locator('#file-plan').click()]);
  await sec.locator('#plan-filed').waitFor();
  assert.match(await sec.locator('#plan-topics').textContent(), /第1季度：学习党章/);
  await shot(sec, 'hours-plan-filed');
  await sec.context().close();

  const admin = await newPage(browser);
  await login(admin, 'orgadmin');
  const org = await (await admin.request.get(BASE + `/api/v1/orgs/${branch}`)).json();
  const parent = org.parent_id;
  assert.ok(parent, `the branch has a parent: ${JSON.stringify(org).slice(0, 200)}`);
  await admin.goto(BASE + `/orgs/${parent}/study-plans`);
  const row = admin.locator('#plan-children tr', { has: admin.locator(`a[href^="/orgs/${branch}/study-plans"]`) });
  assert.match(await row.textContent(), /已报/);
  await shot(admin, 'hours-plan-children');

  // The report: parent → branch → member.
  await admin.goto(BASE + `/orgs/${parent}/hours`);
  await admin.locator('#hours-children').waitFor();
  await Promise.all([
    admin.waitForURL(new RegExp(`/orgs/${branch}/hours`)),
    admin.locator(`#hours-children a[href^="/orgs/${branch}/hours"]`).click(),
  ]);
  await admin.locator('#hours-members').waitFor();
  await shot(admin, 'hours-branch-report');
  await Promise.all([admin.waitForURL(/\/members\/\d+\/hours/), admin.locator('#hours-members a').first().click()]);
  assert.match(await admin.locator('#member-hours').textContent(), /学时/);
  await shot(admin, 'hours-member');
  await admin.context().close();
});
