// The workbench (管理端) as each demo role sees it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { BASE, launch, newPage, login, shot } from '../lib.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser.close(); });

async function treeRoot(page) {
  return (await page.locator('aside.tree #tree-body > ul > li > a').first().textContent()).trim();
}

test('each demo role logs in and sees only its own scope', async () => {
  const roots = {};
  for (const user of ['orgadmin', 'committee', 'secretary', 'groupleader']) {
    const page = await newPage(browser);
    await login(page, user);
    await shot(page, `home-${user}`);
    roots[user] = await treeRoot(page);
    assert.ok(roots[user].length > 0, `${user} has a tree root`);
    await page.context().close();
  }
  assert.match(roots.orgadmin, /江北区/);
  assert.match(roots.committee, /(党工委|党委)$/);
  assert.match(roots.secretary, /支部$/);
  assert.match(roots.groupleader, /党小组$/);
  assert.equal(new Set(Object.values(roots)).size, 4, 'every role has a different scope');

  // The committee admin cannot open the district root: it is outside its scope (404, not 403).
  const admin = await newPage(browser);
  await login(admin, 'orgadmin');
  const rootHref = await admin.locator('aside.tree #tree-body > ul > li > a').first().getAttribute('href');
  await admin.context().close();
  const committee = await newPage(browser);
  await login(committee, 'committee');
  const res = await committee.goto(BASE + rootHref);
  assert.equal(res.status(), 404);
  await assert.doesNotReject(committee.getByText('未找到').first().waitFor());
  await shot(committee, 'out-of-scope-404');
  await committee.context().close();

  // The member lands on the portal; the auditor and the system administrator see no roster.
  const member = await newPage(browser);
  await login(member, 'member');
  assert.equal(new URL(member.url()).pathname, '/m');
  // A member's roster holds only the member.
  await member.goto(BASE + '/members');
  assert.equal(await member.locator('#roster strong').first().textContent(), '1');
  await member.context().close();
  for (const [user, has, hasNot] of [['auditor', '审计日志', '花名册'], ['sysadmin', '账户管理', '花名册']]) {
    const page = await newPage(browser);
    await login(page, user);
    await assert.doesNotReject(page.locator('header nav').getByText(has).waitFor());
    assert.equal(await page.locator('header nav').getByText(hasNot).count(), 0);
    assert.equal((await page.goto(BASE + '/members')).status(), 403);
    await shot(page, `home-${user}`);
    await page.context().close();
  }
});

test('the org tree expands lazily and leads to the org page', async () => {
  const page = await newPage(browser);
  await login(page, 'orgadmin');
  await page.locator('aside.tree button.toggle').first().click();
  const child = page.locator('aside.tree #tree-body > ul > li > ul > li > a').first();
  await child.waitFor();
  const name = (await child.textContent()).trim();
  await child.click();
  await page.waitForURL(/\/orgs\/\d+$/);
  assert.equal((await page.locator('main h1').textContent()).trim().startsWith(name), true);
  await shot(page, 'org-page');
  // Search by name in the tree.
  await page.fill('aside.tree input[type=search]', name.slice(0, 2));
  await page.locator('#tree-body li a', { hasText: name }).first().waitFor();
  await page.context().close();
});

test('the roster searches by name and filters by category', async () => {
  const page = await newPage(browser);
  await login(page, 'committee');
  await page.goto(BASE + '/members');
  const total = async () => Number(await page.locator('#roster strong').first().textContent());
  const all = await total();
  assert.ok(all > 100, `the street has many members (${all})`);
  await page.fill('form.filters input[name=q]', '王');
  await page.waitForFunction((n) => Number(document.querySelector('#roster strong').textContent) < n, all);
  const wang = await total();
  assert.ok(wang > 0 && wang < all);
  const names = await page.locator('#roster tbody td:first-child a').allTextContents();
  assert.ok(names.every((n) => n.startsWith('王')), names.join(','));
  await page.fill('form.filters input[name=q]', '');
  await page.selectOption('select[name=category]', 'probationary');
  await page.waitForFunction(() => [...document.querySelectorAll('#roster tbody tr td:nth-child(7)')].every((td) => td.textContent.includes('预备党员')));
  const prob = await total();
  assert.ok(prob > 0 && prob < all);
  await shot(page, 'roster-filtered');
  await page.context().close();
});

test('the roster export says how many members it is exporting, then downloads the file', async () => {
  const page = await newPage(browser);
  await login(page, 'secretary');
  await page.goto(BASE + '/members');
  const total = (await page.locator('#roster strong').first().textContent()).trim();
  const downloaded = page.waitForEvent('download');
  // Read in the same tick as the click: the link shows its progress and disables itself.
  const shown = await page.evaluate(() => {
    const a = document.querySelector('#export');
    a.click();
    return { text: a.textContent, disabled: a.getAttribute('aria-disabled') };
  });
  assert.equal(shown.text, `正在导出…（共 ${total} 人）`);
  assert.equal(shown.disabled, 'true');
  const download = await downloaded;
  assert.match(download.suggestedFilename(), /^党员花名册\d{8}\.xlsx$/);
  const bytes = readFileSync(await download.path());
  assert.equal(bytes.subarray(0, 2).toString(), 'PK', 'an .xlsx (zip) file');
  // Then the link is itself again, and says the file was handed to the browser.
  await page.waitForFunction(() => {
    const a = document.querySelector('#export');
    return a.getAttribute('aria-disabled') === null && a.textContent === '导出 Excel';
  });
  await assert.doesNotReject(page.locator('[data-export-status]').getByText('已导出').waitFor());
  await page.context().close();
});

test('a secretary edits a member and finds the change in its history', async () => {
  const page = await newPage(browser);
  await login(page, 'secretary');
  await page.goto(BASE + '/members');
  await page.locator('#roster tbody td:first-child a').first().click();
  await page.waitForURL(/\/members\/\d+$/);
  const memberUrl = page.url();
  // A failed submit keeps what was typed and shows the error beside the field.
  await page.getByText('修改档案').click();
  await page.waitForURL(/\/edit$/);
  const home = `江北区测试路${Date.now() % 100000}号`;
  await page.fill('input[name=residence]', home);
  await page.fill('input[name=phone]', '123');
  await page.click('main form button[type=submit]');
  await page.locator('.field-error', { hasText: '手机号码' }).waitFor();
  assert.equal(await page.inputValue('input[name=residence]'), home);
  await shot(page, 'member-edit-error');
  await page.fill('input[name=phone]', '');
  await page.click('main form button[type=submit]');
  await page.waitForURL(`${memberUrl}?done=saved`);
  await page.getByText('已保存。').waitFor();
  await page.locator('dd', { hasText: home }).waitFor();
  const row = page.locator('table tbody tr', { hasText: '现居住地' }).first();
  await assert.doesNotReject(row.waitFor());
  assert.match(await row.textContent(), new RegExp(home));
  await shot(page, 'member-history');
  // Reveal the ID number: the clear value appears, and the auditor finds the reveal.
  assert.match(await page.locator('#id-number').textContent(), /\*{8}/);
  await page.locator('dd button', { hasText: '显示' }).first().click();
  await page.waitForFunction(() => /^\d{17}[\dX]$/.test(document.querySelector('dd .masked').textContent.trim()));
  await page.context().close();
  const auditor = await newPage(browser);
  await login(auditor, 'auditor');
  await auditor.goto(BASE + '/audit?action=member.reveal');
  await auditor.locator('tbody tr', { hasText: 'secretary' }).first().waitFor();
  await shot(auditor, 'audit-reveal');
  // The auditor verifies the hash chain; the verification is shown and itself recorded.
  await auditor.locator('a', { hasText: '校验哈希链' }).click();
  await auditor.locator('.notice.ok', { hasText: '哈希链完整' }).waitFor();
  assert.match(await auditor.locator('#last-verification').textContent(), /最近一次哈希链校验：.*auditor，通过/);
  await auditor.locator('tbody tr', { hasText: '校验审计哈希链' }).first().waitFor();
  await shot(auditor, 'audit-verify');
  await auditor.context().close();
});
