// A branch secretary's everyday jobs in a few obvious steps, at 1366 px and on a 375 px
// phone: archiving with confirmation and restoring, recording a meeting and a whole
// branch's attendance in one save, QR sign-in with the live count, the cockpit's running
// period, a finding answered and accepted, a member's leave request approved; and the
// pages' weight.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, VIEWPORTS, launch, newPage, login, shot, chinaTime, assertNoSideScroll, assertBadgesOnOneLine, pageWeight } from '../lib.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser.close(); });

async function branchOf(page) {
  return page.locator('aside.tree #tree-body > ul > li > a').first().getAttribute('href');
}

function today() {
  return chinaTime().slice(0, 10);
}

/** Creates a meeting on its own page; answers the page it lands on. */
async function newMeeting(page, branch, type, fields) {
  await page.goto(`${BASE}${branch}/meetings/new?type=${type}`);
  for (const [name, value] of Object.entries(fields)) {
    await page.fill(`#new-meeting [name=${name}]`, value);
  }
  await Promise.all([page.waitForURL(/\/meetings\/\d+/), page.click('#save-meeting')]);
  return page.url();
}

for (const vp of VIEWPORTS) {
  test(`[${vp.name}] a member is archived only after confirming name and reason, and restored`, async () => {
    const page = await newPage(browser, vp);
    await login(page, 'secretary');
    await page.goto(`${BASE}/members`);
    await assertNoSideScroll(page);
    const row = page.locator('#roster tbody tr td:first-child a').nth(vp.width > 400 ? 2 : 3);
    const name = (await row.textContent()).trim();
    await row.click();
    await page.waitForURL(/\/members\/\d+$/);
    const memberUrl = page.url();
    await page.goto(`${memberUrl}/archive`);
    assert.equal(await page.locator('select[name=reason]').inputValue(), '', 'no reason is chosen for the secretary');
    assert.equal(await page.locator('input[name=left_on]').inputValue(), '', 'no date is filled in');
    await page.selectOption('select[name=reason]', 'transferred_out');
    await page.fill('input[name=left_on]', today());
    await page.click('#archive-form button[type=submit]');
    const summary = page.locator('#archive-summary');
    await summary.waitFor();
    assert.match(await summary.textContent(), new RegExp(`${name}.*组织关系转出`));
    await shot(page, `archive-confirm-${vp.name}`);
    await page.click('#confirm-archive');
    await page.locator('#flash', { hasText: '已移入历史库' }).waitFor();
    await page.goto(`${BASE}/members?archived=true&q=${encodeURIComponent(name)}`);
    const archived = await page.locator('#roster').textContent();
    assert.match(archived, /组织关系转出/);
    assert.doesNotMatch(archived, /transferred_out/);
    await page.goto(memberUrl);
    await page.click('#restore');
    await page.fill('input[name=note]', '误操作减少');
    await page.click('#confirm-restore');
    await page.locator('#flash', { hasText: '已恢复在册' }).waitFor();
    assert.equal(await page.locator('#restore').count(), 0);
    await shot(page, `restored-${vp.name}`);
    await page.context().close();
  });

  test(`[${vp.name}] a meeting is created on its own page and the whole branch's attendance saved at once`, async () => {
    const page = await newPage(browser, vp);
    await login(page, 'secretary');
    const branch = await branchOf(page);
    const todo = page.locator('#todo-theme-day a');
    if (await todo.count()) {
      await todo.click();
      await page.waitForURL(/\/meetings\/new\?type=theme_day/);
    } else {
      await page.goto(`${BASE}${branch}/meetings/new?type=theme_day`);
    }
    assert.equal(await page.locator('#new-meeting [name=lecturer]').count(), 0, 'only the chosen type’s fields show');
    await assertNoSideScroll(page);
    await page.fill('#new-meeting [name=held_at]', chinaTime());
    await page.fill('#new-meeting [name=place]', '党群服务中心会议室');
    await page.fill('#new-meeting [name=host]', '支部书记');
    await page.fill('#new-meeting [name=recorder]', '组织委员');
    await page.fill('#new-meeting [name=topic]', `主题党日（${vp.name}）`);
    await Promise.all([page.waitForURL(/\/meetings\/\d+\/attendance/), page.click('#save-meeting')]);
    const rows = page.locator('.att-row');
    const count = await rows.count();
    assert.ok(count >= 3, 'everyone on the roll is listed');
    await page.click('#all-present');
    const second = rows.nth(1);
    const absentee = (await second.locator('td').first().textContent()).trim();
    await second.locator('select').selectOption('excused');
    await page.click('#save-attendance');
    const error = page.locator('#form-error');
    await error.waitFor();
    assert.match(await error.textContent(), new RegExp(`${absentee}：请假须填写请假原因`), 'the error names the member');
    await page.locator('.att-row').nth(1).locator('input[type=text]').fill('外出培训');
    await Promise.all([page.waitForURL(/\/meetings\/\d+\?done=attendance/), page.click('#save-attendance')]);
    await page.locator('#flash', { hasText: '出勤已保存' }).waitFor();
    assert.equal(Number(await page.locator('#present-count').textContent()), count - 1);
    await assertNoSideScroll(page);
    await shot(page, `attendance-saved-${vp.name}`);
    await page.context().close();
  });

  test(`[${vp.name}] members sign in by QR code while the recorder watches the count rise`, async () => {
    const secretary = await newPage(browser, vp);
    await login(secretary, 'secretary');
    const branch = await branchOf(secretary);
    await newMeeting(secretary, branch, 'party_lecture', {
      held_at: chinaTime(), place: '会议室', host: '书记', recorder: '委员', lecturer: '支部书记', topic: `扫码党课（${vp.name}）`,
    });
    await secretary.goto(secretary.url().replace(/\/attendance.*$/, ''));
    await secretary.click('#open-signin');
    const url = (await secretary.locator('#signin-url').textContent()).trim();
    assert.match(url, /^https?:\/\/[^/]+\/s\/\d+\/\w+$/, 'the full link is shown');
    assert.match(await secretary.locator('#signin-expires').textContent(), /\d{4}-\d\d-\d\d \d\d:\d\d/);
    const before = Number(await secretary.locator('#signin-count').textContent());
    await shot(secretary, `signin-open-${vp.name}`);

    const member = await newPage(browser, { width: 375, height: 667 });
    await login(member, 'member');
    await member.goto(url);
    assert.match(await member.locator('#signin-meeting').textContent(), /扫码党课/, 'the confirm page names the meeting');
    await member.click('#signin');
    assert.match(await member.locator('#signin-result').textContent(), /签到成功（\d{4}-\d\d-\d\d \d\d:\d\d/);
    // The recorder's page counts the new sign-in without a reload.
    await secretary.locator('#signin-count', { hasText: String(before + 1) }).waitFor({ timeout: 15000 });
    await secretary.click('#close-signin');
    await secretary.locator('#open-signin').waitFor();
    for (const p of [secretary, member]) { await p.context().close(); }
  });

  test(`[${vp.name}] a running period shows as in progress against its deadline`, async () => {
    const page = await newPage(browser, vp);
    await login(page, 'orgadmin');
    const root = (await branchOf(page)).split('/').pop();
    await page.goto(`${BASE}/cockpit/${root}`);
    const current = chinaTime().slice(0, 7);
    await page.selectOption('#period', current);
    await Promise.all([page.waitForURL(new RegExp(`period=${current}`)), page.click('#period-form button[type=submit]')]);
    const running = page.locator('#rules tr.running');
    assert.ok(await running.count() >= 1, 'a monthly rule is running this month');
    const first = await running.first().textContent();
    assert.match(first, /进行中/);
    assert.match(first, /截止 \d{4}-\d\d-\d\d/);
    assert.equal(await running.locator('.badge.red').count(), 0, 'a running period is not red');
    await page.locator('#trend-chart svg').waitFor();
    await assertNoSideScroll(page);
    await shot(page, `cockpit-running-${vp.name}`);
    await page.context().close();
  });

  test(`[${vp.name}] a finding is answered by the branch and accepted by the parent`, async () => {
    const secretary = await newPage(browser, vp);
    await login(secretary, 'secretary');
    // The home to-dos and the findings list keep their badges on one line (no "预/警").
    await secretary.goto(`${BASE}/`);
    await assertBadgesOnOneLine(secretary);
    await secretary.goto(`${BASE}/findings`);
    await assertNoSideScroll(secretary);
    assert.ok(await secretary.locator('.badge').count() > 0, 'the findings list shows severity badges');
    await assertBadgesOnOneLine(secretary);
    const open = secretary.locator('a.finding-link', { hasText: '待整改' }).first();
    await open.click();
    await secretary.waitForURL(/\/findings\/\d+$/);
    const findingUrl = secretary.url();
    await secretary.fill('#respond-form [name=measure]', '已于本月补开，并建立提醒');
    await secretary.fill('#respond-form [name=evidence]', '会议记录及照片');
    await secretary.click('#respond');
    await secretary.locator('#rectify-state', { hasText: '待上级审核' }).waitFor();

    const parent = await newPage(browser, vp);
    await login(parent, 'committee');
    await parent.goto(findingUrl);
    assert.match(await parent.locator('#rectify-steps').textContent(), /已于本月补开/);
    await parent.click('#accept');
    await parent.locator('#rectify-state', { hasText: '整改通过' }).waitFor();
    await shot(parent, `finding-accepted-${vp.name}`);
    for (const p of [secretary, parent]) { await p.context().close(); }
  });

  test(`[${vp.name}] a member asks for leave online and the secretary approves it`, async () => {
    const secretary = await newPage(browser, vp);
    await login(secretary, 'secretary');
    const branch = await branchOf(secretary);
    const topic = `请假党课${vp.name}${Date.now() % 100000}`;
    const meetingUrl = await newMeeting(secretary, branch, 'party_lecture', {
      planned_at: chinaTime(2), place: '会议室', lecturer: '支部书记', topic,
    });

    const member = await newPage(browser, { width: 375, height: 667 });
    await login(member, 'member');
    await member.locator('#upcoming a', { hasText: topic }).click();
    await member.waitForURL(/\/m\/meetings\/\d+$/);
    await member.fill('#leave-form [name=reason]', '外地出差');
    await member.click('#ask-leave');
    await member.locator('#leave-state', { hasText: '待审批' }).waitFor();
    await assertNoSideScroll(member);

    await secretary.goto(meetingUrl.replace(/\?.*$/, ''));
    await secretary.locator('#leave-requests .approve-leave').first().click();
    await secretary.locator('#flash', { hasText: '请假申请已处理' }).waitFor();
    await member.reload();
    assert.match(await member.locator('#my-attendance').textContent(), /请假（外地出差）/);
    await shot(member, `leave-approved-${vp.name}`);
    for (const p of [secretary, member]) { await p.context().close(); }
  });
}

test('pages stay light: under 100 KB, the cockpit under 150 KB', async () => {
  const page = await newPage(browser);
  await login(page, 'secretary');
  const branch = await branchOf(page);
  await page.goto(`${BASE}${branch}/meetings`);
  const meeting = await page.locator('#meetings tbody a').first().getAttribute('href');
  const weights = {};
  for (const path of ['/', '/members', `${branch}/meetings`, meeting, `${meeting}/attendance`, `${branch}/meetings/new`, '/findings', `${branch}/ledger`]) {
    weights[path] = await pageWeight(page, BASE + path);
  }
  await page.context().close();
  const admin = await newPage(browser);
  await login(admin, 'orgadmin');
  const root = await branchOf(admin);
  const cockpit = await pageWeight(admin, `${BASE}/cockpit/${root.split('/').pop()}`);
  await admin.context().close();
  const member = await newPage(browser, { width: 375, height: 667 });
  await login(member, 'member');
  weights['/m'] = await pageWeight(member, `${BASE}/m`);
  await member.context().close();
  console.log('page weights (bytes):', JSON.stringify({ ...weights, cockpit }));
  for (const [path, bytes] of Object.entries(weights)) {
    assert.ok(bytes < 100 * 1024, `${path} weighs ${bytes} bytes`);
  }
  assert.ok(cockpit < 150 * 1024, `the cockpit weighs ${cockpit} bytes`);
});
