// 组织生活: the annual plan's round trip, a meeting record with attendance, QR sign-in.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, launch, newPage, login, shot } from '../lib.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser.close(); });

const YEAR = new Date().getFullYear() + 1;

async function branchOf(page) {
  return page.locator('aside.tree #tree-body > ul > li > a').first().getAttribute('href');
}

test('a plan is drafted, returned, fixed, acknowledged and published to members', async () => {
  const secretary = await newPage(browser);
  await login(secretary, 'secretary');
  const branch = await branchOf(secretary);
  await secretary.goto(`${BASE}${branch}/plan?year=${YEAR}`);
  for (let m = 1; m <= 12; m += 1) {
    const mm = String(m).padStart(2, '0');
    await secretary.fill(`input[name=date_${m}]`, `${YEAR}-${mm}-15`);
    await secretary.fill(`input[name=theme_${m}]`, `${m}月主题党日：学习党章`);
    await secretary.fill(`input[name=form_${m}]`, '集中学习');
  }
  await secretary.click('#submit-plan');
  await secretary.locator('#plan-state', { hasText: '已报备' }).waitFor();
  await shot(secretary, 'plan-submitted');

  // The parent (the street committee) returns it with a reason.
  const parent = await newPage(browser);
  await login(parent, 'committee');
  await parent.goto(`${BASE}${branch}/plan?year=${YEAR}`);
  await parent.fill('#return-reason', '请把3月改为学雷锋志愿服务');
  await parent.click('#return');
  await parent.locator('#plan-state', { hasText: '退回' }).waitFor();

  // The secretary sees the reason, fixes March and resubmits.
  await secretary.goto(`${BASE}${branch}/plan?year=${YEAR}`);
  assert.match(await secretary.locator('#returned-reason').textContent(), /学雷锋/);
  await secretary.fill('input[name=theme_3]', '3月主题党日：学雷锋志愿服务');
  await secretary.fill('input[name=form_3]', '志愿服务');
  await secretary.click('#submit-plan');
  await secretary.locator('#plan-state', { hasText: '已报备' }).waitFor();

  // The parent acknowledges; its overview shows the branch's plan as filed.
  await parent.goto(`${BASE}${branch}/plan?year=${YEAR}`);
  await parent.click('#acknowledge');
  await parent.locator('#plan-state', { hasText: '已备案' }).waitFor();
  const parentRoot = await branchOf(parent);
  await parent.goto(`${BASE}${parentRoot}/plans?year=${YEAR}`);
  await parent.locator('#plans tbody tr', { hasText: '已备案' }).first().waitFor();
  await shot(parent, 'plans-overview');

  // The secretary publishes; members see it on their phones.
  await secretary.goto(`${BASE}${branch}/plan?year=${YEAR}`);
  await secretary.click('#publish');
  await secretary.locator('#plan-state', { hasText: '已公布' }).waitFor();
  const member = await newPage(browser, { width: 375, height: 667 });
  await login(member, 'member');
  await member.goto(`${BASE}/m/plan?year=${YEAR}`);
  assert.match(await member.locator('#published-plan').textContent(), /学雷锋志愿服务/);
  await shot(member, 'portal-plan');
  for (const p of [secretary, parent, member]) { await p.context().close(); }
});

test('a meeting is recorded with attendance and members sign in by QR code on a phone', async () => {
  const secretary = await newPage(browser);
  await login(secretary, 'secretary');
  const branch = await branchOf(secretary);
  await secretary.goto(`${BASE}${branch}/meetings`);
  await secretary.click('#new-meeting');
  await secretary.waitForURL(/\/meetings\/new/);
  // Wait for the chosen type's page: filling the form before it loads loses the input.
  await Promise.all([
    secretary.waitForURL(/type=theme_day/),
    secretary.click('#new-meeting-links a[href$="type=theme_day"], nav a[href$="type=theme_day"]'),
  ]);
  const now = new Date(Date.now() + 8 * 3600 * 1000).toISOString().slice(0, 16);
  await secretary.fill('#new-meeting [name=held_at]', now);
  await secretary.fill('#new-meeting [name=place]', '党群服务中心会议室');
  await secretary.fill('#new-meeting [name=host]', '支部书记');
  await secretary.fill('#new-meeting [name=recorder]', '组织委员');
  await secretary.fill('#new-meeting [name=topic]', '学习贯彻党的创新理论');
  await Promise.all([secretary.waitForURL(/\/meetings\/\d+\/attendance/), secretary.click('#save-meeting')]);
  const meetingUrl = secretary.url().replace(/\/attendance.*$/, '');
  // Mark one attendee as excused with a reason, leave everyone else unmarked.
  const firstRow = secretary.locator('.att-row').first();
  await firstRow.locator('select').selectOption('excused');
  await firstRow.locator('input[type=text]').fill('外出培训');
  for (const row of await secretary.locator('.att-row').all()) {
    if ((await row.locator('select').inputValue()) === 'present') { await row.locator('select').selectOption('absent'); }
  }
  await firstRow.locator('select').selectOption('excused');
  await Promise.all([secretary.waitForURL(/done=attendance/), secretary.click('#save-attendance')]);
  await secretary.locator('td', { hasText: '外出培训' }).waitFor();
  // Open sign-in and read the link the QR code carries.
  await secretary.click('#open-signin');
  await secretary.locator('#signin-url').waitFor();
  const signinUrl = (await secretary.locator('#signin-url').textContent()).trim();
  assert.match(signinUrl, /^https?:\/\/[^/]+\/s\/\d+\/\w+$/);
  await shot(secretary, 'meeting-signin-open');

  const member = await newPage(browser, { width: 375, height: 667 });
  await login(member, 'member');
  await member.goto(signinUrl);
  await member.click('#signin');
  await member.locator('#signin-result').waitFor();
  assert.match(await member.locator('#signin-result').textContent(), /签到|扫码时间/);
  await shot(member, 'portal-signed-in');
  // Scanning again answers that the member has already signed in.
  await member.goto(signinUrl);
  await member.click('#signin');
  assert.match(await member.locator('#signin-result').textContent(), /无需重复签到|已签到/);

  await secretary.goto(meetingUrl);
  await secretary.locator('#attendance + div table td.nowrap', { hasText: /\d\d:\d\d:\d\d/ }).first().waitFor();
  for (const p of [secretary, member]) { await p.context().close(); }
});
