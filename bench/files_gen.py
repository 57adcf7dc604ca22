#!/usr/bin/env python3
"""Writes the hostile files of bench/files.sh (issue 10 §1) and a 20,000-row roster.

    files_gen.py OUT_DIR SQLITE_DB

The roster's branches are read from the demo database (full paths from the region root),
its ID numbers are valid GB 11643 numbers no demo member has (birth years 1950-1959)."""
import io, os, random, sqlite3, sys, zipfile

out, db = sys.argv[1], sys.argv[2]
os.makedirs(out, exist_ok=True)

CT = ('<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
      '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
      '<Default Extension="xml" ContentType="application/xml"/>'
      '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
      '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
      '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
      '</Types>')
RELS = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>')
WB = ('<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
      'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="花名册" sheetId="1" r:id="rId1"/></sheets></workbook>')
WB_RELS = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
           '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
           '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>')
NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'


def col(i):
    s = ''
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        s = chr(65 + r) + s
    return s


def esc(t):
    return t.replace('&', '&amp;').replace('<', '&lt;').replace('>', '&gt;')


def xlsx(path, rows=None, dimension=None, sst=None, sheet_chunks=None, extra=()):
    """rows: lists of strings (inline strings); sheet_chunks: an iterator of XML pieces."""
    with zipfile.ZipFile(path, 'w', zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr('[Content_Types].xml', CT)
        z.writestr('_rels/.rels', RELS)
        z.writestr('xl/workbook.xml', WB)
        z.writestr('xl/_rels/workbook.xml.rels', WB_RELS)
        z.writestr('xl/sharedStrings.xml', sst or f'<?xml version="1.0" encoding="UTF-8"?><sst {NS} count="0" uniqueCount="0"></sst>')
        with z.open('xl/worksheets/sheet1.xml', 'w', force_zip64=True) as f:
            f.write(f'<?xml version="1.0" encoding="UTF-8"?><worksheet {NS}>'.encode())
            if dimension:
                f.write(f'<dimension ref="{dimension}"/>'.encode())
            f.write(b'<sheetData>')
            if rows:
                for r, row in enumerate(rows):
                    cells = ''.join(f'<c r="{col(c)}{r + 1}" t="inlineStr"><is><t>{esc(v)}</t></is></c>' for c, v in enumerate(row) if v)
                    f.write(f'<row r="{r + 1}">{cells}</row>'.encode())
            for chunk in sheet_chunks or ():
                f.write(chunk)
            f.write(b'</sheetData></worksheet>')
        for name, data in extra:
            with z.open(name, 'w', force_zip64=True) as f:
                for chunk in data:
                    f.write(chunk)


HEAD = ['姓名', '公民身份号码', '民族', '入党日期', '人员类别', '所在党组织']
W = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]


def idnum(region, birth, seq):
    s = f'{region}{birth}{seq:03d}'
    return s + '10X98765432'[sum(int(d) * w for d, w in zip(s, W)) % 11]


# 1. A sheet that claims the last cell (4.9 KB in the report).
xlsx(f'{out}/dimension.xlsx', rows=[HEAD, ['张三', idnum('330205', '19800101', 1), '汉族', '2005-07-01', '正式党员', 'x']],
     dimension='A1:XFD1048576')

# 2. A huge shared-strings table: 400,000 distinct strings of 2 KB (very repetitive).
def sst_chunks(n, size):
    yield f'<?xml version="1.0" encoding="UTF-8"?><sst {NS} count="{n}" uniqueCount="{n}">'.encode()
    pad = 'a' * size
    for i in range(n):
        yield f'<si><t>{i}{pad}</t></si>'.encode()
    yield b'</sst>'


with zipfile.ZipFile(f'{out}/shared-strings.xlsx', 'w', zipfile.ZIP_DEFLATED, compresslevel=9) as z:
    z.writestr('[Content_Types].xml', CT)
    z.writestr('_rels/.rels', RELS)
    z.writestr('xl/workbook.xml', WB)
    z.writestr('xl/_rels/workbook.xml.rels', WB_RELS)
    with z.open('xl/sharedStrings.xml', 'w', force_zip64=True) as f:
        for c in sst_chunks(60_000, 2000):
            f.write(c)
    z.writestr('xl/worksheets/sheet1.xml', f'<?xml version="1.0" encoding="UTF-8"?><worksheet {NS}><sheetData>'
               '<row r="1"><c r="A1" t="s"><v>0</v></c></row></sheetData></worksheet>')

# 3. Many rows: 1,048,576 rows of a number each, no dimension.
def many_rows():
    for r in range(1, 1_048_577):
        yield f'<row r="{r}"><c r="A{r}"><v>{r}</v></c><c r="B{r}"><v>{r}</v></c></row>'.encode()


xlsx(f'{out}/many-rows.xlsx', sheet_chunks=many_rows())

# 4. A zip bomb: 1 GB of spaces in one part.
def spaces():
    block = b' ' * (1 << 20)
    for _ in range(1024):
        yield block


xlsx(f'{out}/zip-bomb.xlsx', rows=[HEAD], extra=[('xl/styles.xml', spaces())])

# 5. A bad .xls: the compound-file magic, then garbage claiming huge sector tables.
bad = bytearray(b'\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1' + b'\x00' * 16 + b'\x3E\x00\x03\x00\xFE\xFF\x09\x00' + b'\x06\x00' + b'\x00' * 6)
bad += b'\xFF\xFF\xFF\x7F' * 4 + b'\x00' * (512 - len(bad) - 16)
bad += bytes(random.Random(7).getrandbits(8) for _ in range(64 * 1024))
open(f'{out}/bad.xls', 'wb').write(bad)

# 6. A huge CSV line: 30 MB without a line break.
with open(f'{out}/huge-line.csv', 'wb') as f:
    f.write('姓名,公民身份号码\n'.encode())
    for _ in range(30):
        f.write(b'x' * (1 << 20))

# A tiny valid roster: the idle baseline of the command.
con = sqlite3.connect(db)
orgs = {r[0]: r for r in con.execute("SELECT id, parent_id, name, kind, status FROM orgs")}


def path(i):
    names = []
    while i is not None:
        o = orgs[i]
        names.append(o[2])
        i = o[1]
    return '/'.join(reversed(names))


branches = [path(i) for i, o in orgs.items() if o[3] in ('branch', 'joint_branch') and o[4] == 'normal']
random.Random(1).shuffle(branches)
with open(f'{out}/tiny.csv', 'w', encoding='utf-8-sig') as f:
    f.write(','.join(HEAD) + '\n')
    f.write(f'张三,{idnum("330205", "19500101", 1)},汉族,1975-07-01,正式党员,{branches[0]}\n')

# 20,000 rows to import: valid, new, spread over the branches.
rows = [HEAD]
rng = random.Random(2026)
fam, giv = '王李张刘陈杨黄赵周吴徐孙胡朱高林何郭马罗', '伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂'
for k in range(20_000):
    y, d = 1950 + k % 10, k // 10
    birth = f'{y}{1 + d % 12:02d}{1 + d // 12 % 28:02d}'
    rows.append([rng.choice(fam) + rng.choice(giv) + rng.choice(giv), idnum('110101', birth, (k // 3360) * 2 + 501),
                 '汉族', f'{y + 25}-07-01', '正式党员', branches[k % len(branches)]])
xlsx(f'{out}/roster-20k.xlsx', rows=rows)
for n in sorted(os.listdir(out)):
    print(f'{n}\t{os.path.getsize(os.path.join(out, n))}')
