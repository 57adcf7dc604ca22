// Roster import (花名册导入): bad rows are reported with row and column, good rows imported.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BASE, VIEWPORTS, launch, newPage, login, shot, assertNoSideScroll, pageWeight } from '../lib.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser.close(); });

/** A valid GB 11643 number for a region, birth date (YYYYMMDD) and sequence. */
function idNumber(region, birth, seq) {
  const first17 = `${region}${birth}${String(seq).padStart(3, '0')}`;
  const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = [...first17].reduce((s, d, i) => s + Number(d) * weights[i], 0);
  return first17 + '10X98765432'[sum % 11];
}

test('an import with bad rows reports them and imports the good rows', async () => {
  const page = await newPage(browser);
  await login(page, 'secretary');
  const branch = (await page.locator('aside.tree #tree-body > ul > li > a').first().textContent()).trim();
  const stamp = Date.now() % 1000;
  const seq = 100 + (stamp % 400) * 2 + 1;
  const good1 = idNumber('330205', '19880315', seq);
  const good2 = idNumber('330205', '19900520', seq);
  const bad = good1.slice(0, 17) + (good1[17] === '1' ? '2' : '1');
  const names = [`导入甲${stamp}`, `导入乙${stamp}`].map((n) => n.replace(/\d/g, (d) => '零一二三四五六七八九'[d]));
  const csv = [
    '姓名,身份证号,民族,入党时间,人员类别,所在党组织',
    `${names[0]},${good1},汉,2010.07.01,正式党员,${branch}`,
    `${names[1]},${good2},汉族,2012年7月1日,正式,${branch}`,
    `错号人,${bad},汉族,2010-07-01,正式党员,${branch}`,
    `错日期人,${idNumber('330205', '19850101', seq)},汉族,2010-13-45,正式党员,${branch}`,
  ].join('\r\n');
  const dir = mkdtempSync(join(tmpdir(), 'vanguard-import-'));
  const file = join(dir, '花名册.csv');
  writeFileSync(file, '\ufeff' + csv);

  await page.goto(BASE + '/imports/members');
  await page.setInputFiles('input[type=file]', file);
  await page.click('#upload');
  await page.locator('#lines').waitFor();
  await page.click('nav.status-tabs a:has-text("有问题")');
  await page.locator('nav.status-tabs a[aria-current=page]', { hasText: '有问题' }).waitFor();
  await shot(page, 'import-preview');
  const problems = await page.locator('#lines tbody tr').allTextContents();
  assert.ok(problems.some((p) => p.includes('第 4 行') && p.includes('身份证号') && p.includes('校验位')), problems.join('\n'));
  assert.ok(problems.some((p) => p.includes('第 5 行') && p.includes('入党时间')), problems.join('\n'));
  assert.equal(await page.locator('#count-create').textContent(), '2');
  assert.equal(await page.locator('#count-invalid').textContent(), '2');

  page.once('dialog', (d) => d.accept());
  await page.click('#commit');
  await page.locator('#created').waitFor({ timeout: 30000 });
  assert.equal(await page.locator('#created').textContent(), '2');
  await shot(page, 'import-result');

  // The imported members are in the roster.
  await page.goto(BASE + '/members?q=' + encodeURIComponent(names[0]));
  assert.equal(await page.locator('#roster strong').first().textContent(), '1');
  await page.context().close();
});

/** Digits as Chinese numerals: names hold no digits. */
const chinese = (n) => String(n).replace(/\d/g, (d) => '零一二三四五六七八九'[d]);

for (const [vi, vp] of VIEWPORTS.entries()) {
  test(`[${vp.name}] an import into a branch chosen from the picker: the preview paged and filtered, the result keeps the skipped row's reason`, async () => {
    const page = await newPage(browser, vp);
    await login(page, 'secretary');
    const stamp = (Date.now() + vi * 37) % 100000;
    const rows = ['姓名,身份证号,民族,入党时间,人员类别'];
    for (let i = 1; i <= 25; i += 1) {
      const birth = `19${60 + (i % 30)}0${1 + (i % 9)}1${i % 10}`;
      rows.push(`分页${chinese(stamp)}之${chinese(i)},${idNumber('110101', birth, (stamp + i) % 1000)},汉族,2010-07-01,正式党员`);
    }
    const badName = `错日期${chinese(stamp)}`;
    rows.push(`${badName},${idNumber('110101', '19750505', stamp % 1000)},汉族,2010-13-45,正式党员`);
    const dir = mkdtempSync(join(tmpdir(), 'vanguard-import-'));
    const file = join(dir, '分页花名册.csv');
    writeFileSync(file, '\ufeff' + rows.join('\r\n'));

    // The branch for rows without 所在党组织 is chosen from the picker, found by name.
    await page.goto(BASE + '/imports/members');
    const firstBranch = page.locator('.picker-options input[name=org_id]:not([value=""])').first();
    const branchName = (await page.locator('.picker-options label.pick .pick-name').first().textContent()).trim();
    await Promise.all([page.waitForResponse((r) => r.url().includes('/tree/pick')), page.fill('input[name=pick_q]', branchName.slice(0, 4))]);
    await page.locator('.picker-options .pick-name', { hasText: branchName }).first().waitFor();
    await page.locator('.picker-options label.pick', { hasText: branchName }).first().locator('input').check();
    assert.ok(await firstBranch.count() > 0);
    await assertNoSideScroll(page);
    await shot(page, `import-picker-${vp.name}`);
    await page.setInputFiles('input[type=file]', file);
    await page.click('#upload');
    await page.waitForURL(/\/imports\/\d+$/);
    const batchUrl = page.url();
    await page.locator('#lines').waitFor();
    assert.equal(await page.locator('#count-create').textContent(), '25');
    assert.equal(await page.locator('#lines tbody tr').count(), 20, 'one page of 20 lines');
    assert.match(await page.locator('#lines').textContent(), new RegExp(branchName), 'rows go to the chosen branch');
    await assertNoSideScroll(page);
    await page.click('nav.pager a[rel=next]');
    await page.locator('#lines tbody tr', { hasText: badName }).waitFor();
    await page.click('nav.status-tabs a:has-text("有问题")');
    await page.locator('nav.status-tabs a[aria-current=page]', { hasText: '有问题' }).waitFor();
    assert.equal(await page.locator('#lines tbody tr').count(), 1, await page.locator('#lines').textContent());
    await shot(page, `import-preview-paged-${vp.name}`);
    const weight = await pageWeight(page, batchUrl);
    assert.ok(weight < 100 * 1024, `the preview weighs ${weight} bytes`);

    page.once('dialog', (d) => d.accept());
    await page.click('#commit');
    await page.locator('#result-summary').waitFor({ timeout: 30000 });
    assert.equal(await page.locator('#created').textContent(), '25');
    assert.equal(await page.locator('progress').count(), 0, 'no progress bar once done');
    assert.doesNotMatch(await page.locator('main').textContent(), /已处理/);
    await page.click('nav.status-tabs a:has-text("有问题")');
    await page.locator('nav.status-tabs a[aria-current=page]', { hasText: '有问题' }).waitFor();
    assert.equal(await page.locator('#lines tbody tr').count(), 1, await page.locator('#lines').textContent());
    const skipped = page.locator('#lines tbody tr', { hasText: badName });
    await skipped.waitFor();
    const line = await skipped.textContent();
    assert.match(line, /第 27 行/);
    assert.match(line, /入党时间/);
    await assertNoSideScroll(page);
    await shot(page, `import-result-skipped-${vp.name}`);
    await page.context().close();
  });

  test(`[${vp.name}] an org is moved under a parent chosen from the picker`, async () => {
    const page = await newPage(browser, vp);
    await login(page, 'orgadmin');
    const root = await page.locator('aside.tree #tree-body > ul > li > a').first().getAttribute('href');
    const name = `迁移演练${chinese((Date.now() + vi) % 100000)}支部`;
    await page.goto(`${BASE}${root}/new`);
    await page.fill('input[name=name]', name);
    await page.selectOption('select[name=kind]', 'branch');
    await Promise.all([page.waitForURL(/\/orgs\/\d+\?done=created$/), page.click('main form button[type=submit]')]);
    await page.getByText('已新建。').waitFor();
    const orgUrl = page.url().split('?')[0];
    await page.goto(orgUrl + '/move');
    assert.equal(await page.locator('input[name=parent_id]:checked').count(), 1, 'the current parent is preselected');
    await Promise.all([page.waitForResponse((r) => r.url().includes('/tree/pick')), page.fill('input[name=pick_q]', '党委')]);
    await page.locator('.picker-options label.pick', { hasText: '党委' }).first().waitFor();
    const target = page.locator('.picker-options label.pick').filter({ has: page.locator('input:not(:checked)') }).first();
    const targetName = (await target.locator('.pick-name').textContent()).trim();
    await target.locator('input').check();
    await assertNoSideScroll(page);
    await shot(page, `org-move-picker-${vp.name}`);
    page.once('dialog', (d) => d.accept());
    await Promise.all([page.waitForURL(/done=moved/), page.click('#move')]);
    assert.match(await page.locator('#flash').textContent(), /已迁移/);
    assert.match(await page.locator('main').textContent(), new RegExp(targetName));
    await page.context().close();
  });
}
