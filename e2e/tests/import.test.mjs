// Roster import (花名册导入): bad rows are reported with row and column, good rows imported.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BASE, launch, newPage, login, shot } from '../lib.mjs';

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
  await page.click('main form button[type=submit]');
  await page.locator('#problems').waitFor();
  await shot(page, 'import-preview');
  const problems = await page.locator('#problems tbody tr').allTextContents();
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
