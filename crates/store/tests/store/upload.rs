//! Untrusted files: hostile files crafted here are refused with a Chinese message that
//! names the limit (before anything large is allocated), every reader survives random
//! bytes, and the roster import handles what real files contain (issue 9 §1).

use super::roster_support::{X, headings, id, read_back, row, xlsx};
use super::{each_backend, member, opts, system, tree};
use std::io::{Cursor, Read, Write};
use vanguard_domain::kernel::upload::{UploadError, UploadLimits};
use vanguard_store::StoreError;
use vanguard_store::member::MemberFilter;
use vanguard_store::member::roster::{CommitOptions, ImportOptions, RowAction};
use vanguard_store::platform::upload::read_tables_blocking;

// ---- Crafting files ------------------------------------------------------------------------

/// The entries of a zip file: (name, content).
fn unzip(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
    (0..zip.len())
        .map(|i| {
            let mut f = zip.by_index(i).unwrap();
            let mut out = Vec::new();
            f.read_to_end(&mut out).unwrap();
            (f.name().unwrap().to_string(), out)
        })
        .collect()
}

/// A zip file of `entries`, deflated.
fn rezip(entries: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let o = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (name, content) in entries {
        w.start_file(name.as_str(), o).unwrap();
        w.write_all(content).unwrap();
    }
    w.finish().unwrap().into_inner()
}

/// A roster workbook with one entry's text changed by `edit`.
fn edited(entry: &str, edit: impl Fn(String) -> String) -> Vec<u8> {
    let file = xlsx(vec![headings(), row("张三", 1, "槐树社区第一党支部")]);
    let entries = unzip(&file)
        .into_iter()
        .map(|(n, c)| if n == entry { (n, edit(String::from_utf8(c).unwrap()).into_bytes()) } else { (n, c) })
        .collect::<Vec<_>>();
    rezip(&entries)
}

fn refused(bytes: &[u8], name: &str, limits: &UploadLimits) -> UploadError {
    let started = std::time::Instant::now();
    let err = read_tables_blocking(name, bytes, limits).expect_err("a hostile file is refused");
    assert!(started.elapsed().as_secs() < 10, "refused quickly: {:?}", started.elapsed());
    err
}

/// A BIFF record.
fn rec(typ: u16, data: &[u8]) -> Vec<u8> {
    let mut out = typ.to_le_bytes().to_vec();
    out.extend((data.len() as u16).to_le_bytes());
    out.extend_from_slice(data);
    out
}

fn bof(dt: u16) -> Vec<u8> {
    let mut d = vec![0u8; 16];
    d[0..2].copy_from_slice(&0x0600u16.to_le_bytes());
    d[2..4].copy_from_slice(&dt.to_le_bytes());
    rec(0x0809, &d)
}

/// A BIFF8 workbook stream: one sheet holding `cells` as (row, column, text) LABEL
/// records, with `extra` records in the sheet and the BoundSheet's position moved by
/// `pos_shift`.
fn biff(cells: &[(u16, u16, &str)], extra: &[Vec<u8>], pos_shift: u32) -> Vec<u8> {
    let sheet_name = b"S1";
    let mut bound = vec![0u8; 8];
    bound[6] = sheet_name.len() as u8;
    bound.extend_from_slice(sheet_name);
    let globals_len = bof(0x0005).len() + rec(0x0085, &bound).len() + rec(0x000A, &[]).len();
    bound[0..4].copy_from_slice(&(globals_len as u32 + pos_shift).to_le_bytes());
    let mut s = bof(0x0005);
    s.extend(rec(0x0085, &bound));
    s.extend(rec(0x000A, &[]));
    s.extend(bof(0x0010));
    for e in extra {
        s.extend_from_slice(e);
    }
    for (r, c, text) in cells {
        let units: Vec<u16> = text.encode_utf16().collect();
        let mut d = Vec::new();
        d.extend(r.to_le_bytes());
        d.extend(c.to_le_bytes());
        d.extend(0u16.to_le_bytes());
        d.extend((units.len() as u16).to_le_bytes());
        d.push(1);
        for u in units {
            d.extend(u.to_le_bytes());
        }
        s.extend(rec(0x0204, &d));
    }
    s.extend(rec(0x000A, &[]));
    s
}

/// A compound file holding `stream` as its Workbook.
fn xls(stream: &[u8]) -> Vec<u8> {
    let mut file = cfb::CompoundFile::create(Cursor::new(Vec::new())).unwrap();
    file.create_stream("/Workbook").unwrap().write_all(stream).unwrap();
    file.flush().unwrap();
    file.into_inner().into_inner()
}

// ---- Hostile files ----------------------------------------------------------------------------

#[test]
fn a_sheet_declaring_the_last_cell_is_refused_before_it_is_read() {
    let file = edited("xl/worksheets/sheet1.xml", |x| {
        let start = x.find("<dimension").unwrap();
        let end = start + x[start..].find("/>").unwrap() + 2;
        format!("{}<dimension ref=\"A1:XFD1048576\"/>{}", &x[..start], &x[end..])
    });
    assert!(file.len() < 10_000, "a few KB claim the whole sheet");
    let e = refused(&file, "a.xlsx", &UploadLimits::default());
    assert_eq!(e.code(), "upload.dimension", "{e}");
    let m = e.to_string();
    assert!(m.contains("A1:XFD1048576") && m.contains("100000 行") && m.contains("删除多余的行列"), "{m}");
}

#[test]
fn a_huge_shared_strings_table_is_refused_by_its_declared_count_and_by_its_actual_size() {
    let claimed = edited("xl/sharedStrings.xml", |x| {
        x.replacen("count=\"", "count=\"900000000", 1).replacen("uniqueCount=\"", "uniqueCount=\"900000000", 1)
    });
    let e = refused(&claimed, "a.xlsx", &UploadLimits::default());
    assert_eq!(e.code(), "upload.shared_strings", "{e}");
    assert!(e.to_string().contains("共享字符串表"), "{e}");
    // Honest counts, but more strings than the limit.
    let many = edited("xl/sharedStrings.xml", |x| {
        let items: String = (0..3000).map(|i| format!("<si><t>{i}</t></si>")).collect();
        x.replacen("</sst>", &format!("{items}</sst>"), 1)
    });
    let limits = UploadLimits { max_shared_strings: 1000, ..Default::default() };
    assert_eq!(refused(&many, "a.xlsx", &limits).code(), "upload.shared_strings");
    // Few strings, too many bytes.
    let long = edited("xl/sharedStrings.xml", |x| {
        let items: String = (0..40).map(|i| format!("<si><t>{i}{}</t></si>", "党".repeat(20_000))).collect();
        x.replacen("</sst>", &format!("{items}</sst>"), 1)
    });
    let limits = UploadLimits { max_shared_string_bytes: 1024 * 1024, max_ratio: 100_000, ..Default::default() };
    let e = refused(&long, "a.xlsx", &limits);
    assert_eq!(e.code(), "upload.shared_strings_size", "{e}");
}

#[test]
fn too_many_rows_are_refused_while_reading_not_after() {
    let mut rows = vec![headings()];
    rows.extend((0..1500).map(|i| row("张三", (i % 500) as u16, "x")));
    let file = xlsx(rows);
    let limits = UploadLimits { max_rows: 1000, ..Default::default() };
    // The sheet says how many rows it has: refused by the declaration.
    assert_eq!(refused(&file, "a.xlsx", &limits).code(), "upload.dimension");
    // Without the declaration, refused at row 1001.
    let entries: Vec<(String, Vec<u8>)> = unzip(&file)
        .into_iter()
        .map(|(n, c)| {
            if n == "xl/worksheets/sheet1.xml" {
                let x = String::from_utf8(c).unwrap();
                let start = x.find("<dimension").unwrap();
                let end = start + x[start..].find("/>").unwrap() + 2;
                (n, format!("{}{}", &x[..start], &x[end..]).into_bytes())
            } else {
                (n, c)
            }
        })
        .collect();
    let e = refused(&rezip(&entries), "a.xlsx", &limits);
    assert_eq!(e.code(), "upload.too_many_rows", "{e}");
    assert!(e.to_string().contains("1000 行"), "{e}");
}

#[test]
fn a_zip_bomb_is_refused_by_its_ratio() {
    let mut entries = unzip(&xlsx(vec![headings(), row("张三", 1, "x")]));
    // 40 MB of one byte: a few tens of KB deflated.
    entries.push(("xl/media/bomb.xml".into(), vec![b' '; 40 * 1024 * 1024]));
    let bomb = rezip(&entries);
    assert!(bomb.len() < 200_000, "{}", bomb.len());
    let e = refused(&bomb, "a.xlsx", &UploadLimits::default());
    assert_eq!(e.code(), "upload.ratio", "{e}");
    assert!(e.to_string().contains("压缩比") && e.to_string().contains("100 倍"), "{e}");
}

/// About `n` bytes of well-formed XML that deflate about 2:1 (hex digits of a reproducible
/// sequence in short elements), so only a size limit, never the ratio or the token
/// length, refuses them.
fn incompressible(n: usize) -> Vec<u8> {
    let mut rng = Rng(0x5DEE_CE66_D1CE_4E5B);
    let mut out = b"<d>".to_vec();
    while out.len() < n {
        out.extend_from_slice(b"<v>");
        out.extend((0..64).map(|_| b"0123456789abcdef"[rng.below(16)]));
        out.extend_from_slice(b"</v>");
    }
    out.extend_from_slice(b"</d>");
    out
}

#[test]
fn one_entry_over_the_decompressed_entry_limit_is_refused_naming_it() {
    let mut entries = unzip(&xlsx(vec![headings(), row("张三", 1, "x")]));
    entries.push(("xl/media/big.xml".into(), incompressible(3 * 1024 * 1024)));
    let file = rezip(&entries);
    // The total would pass: only the one entry is over its limit.
    let limits = UploadLimits { max_entry_bytes: 2 * 1024 * 1024, max_total_bytes: 200 * 1024 * 1024, ..Default::default() };
    let e = refused(&file, "a.xlsx", &limits);
    assert_eq!(e.code(), "upload.entry_too_large", "{e}");
    assert!(e.to_string().contains("xl/media/big.xml") && e.to_string().contains("2 MB"), "{e}");
    // The same file within a larger entry limit is read.
    let wider = UploadLimits { max_entry_bytes: 4 * 1024 * 1024, ..limits };
    assert!(read_tables_blocking("a.xlsx", &file, &wider).map_err(|e| e.to_string()).is_ok_and(|t| !t.is_empty()));
}

#[test]
fn entries_each_within_their_limit_but_over_the_total_are_refused() {
    let mut entries = unzip(&xlsx(vec![headings(), row("张三", 1, "x")]));
    for i in 0..4 {
        entries.push((format!("xl/media/part{i}.xml"), incompressible(900 * 1024)));
    }
    let file = rezip(&entries);
    // Each entry (900 KB) is under the entry limit; the four together are over the total.
    let limits = UploadLimits { max_entry_bytes: 1024 * 1024, max_total_bytes: 3 * 1024 * 1024, ..Default::default() };
    let e = refused(&file, "a.xlsx", &limits);
    assert_eq!(e.code(), "upload.total_too_large", "{e}");
    assert!(e.to_string().contains("3 MB"), "{e}");
    let wider = UploadLimits { max_total_bytes: 4 * 1024 * 1024, ..limits };
    assert!(read_tables_blocking("a.xlsx", &file, &wider).map_err(|e| e.to_string()).is_ok_and(|t| !t.is_empty()));
}

#[test]
fn a_row_with_more_columns_than_allowed_is_refused_though_the_declared_range_is_small() {
    // The sheet declares A1:I2 but its second row also holds a cell in column ZZ (702).
    let file = edited("xl/worksheets/sheet1.xml", |x| {
        let at = x.rfind("</row>").unwrap();
        format!("{}<c r=\"ZZ2\" t=\"inlineStr\"><is><t>多余</t></is></c>{}", &x[..at], &x[at..])
    });
    assert!(
        String::from_utf8(unzip(&file).into_iter().find(|(n, _)| n == "xl/worksheets/sheet1.xml").unwrap().1)
            .unwrap()
            .contains("<dimension ref=\"A1:I2\"/>")
    );
    let e = refused(&file, "a.xlsx", &UploadLimits::default());
    assert_eq!(e.code(), "upload.too_many_columns", "{e}");
    let m = e.to_string();
    assert!(m.contains("200 列") && m.contains("第2行") && m.contains("第702列"), "{m}");
}

#[tokio::test]
async fn with_one_parse_slot_a_second_parse_waits_until_the_first_is_done() {
    use vanguard_store::platform::upload::read_tables;
    let t = vanguard_testkit::sqlite().await;
    t.db.set_upload_limits(UploadLimits { max_concurrent_parses: 1, ..Default::default() });
    let file = xlsx(vec![headings(), row("张三", 1, "槐树社区第一党支部")]);
    // A parse holds the only slot (taken here, so the test decides when it ends).
    let slots = t.db.upload_limits().1;
    let first = slots.clone().acquire_owned().await.unwrap();
    assert_eq!(slots.available_permits(), 0);
    let db = t.db.clone();
    let (f, started) = (file.clone(), std::time::Instant::now());
    let second = tokio::spawn(async move { read_tables(&db, "a.xlsx", f).await });
    for _ in 0..20 {
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        assert!(!second.is_finished(), "a second parse may not start while the only slot is taken");
    }
    drop(first);
    let tables = second.await.unwrap().expect("read once the slot is free");
    assert_eq!(tables[0].rows.len(), 2);
    assert!(started.elapsed() >= std::time::Duration::from_millis(200));
    assert_eq!(slots.available_permits(), 1, "the slot is given back after the parse");
    // With two slots the same parse runs beside the first.
    t.db.set_upload_limits(UploadLimits { max_concurrent_parses: 2, ..Default::default() });
    let slots = t.db.upload_limits().1;
    let _first = slots.clone().acquire_owned().await.unwrap();
    let tables = tokio::time::timeout(std::time::Duration::from_secs(30), read_tables(&t.db, "a.xlsx", file)).await;
    assert_eq!(tables.expect("not waiting").unwrap()[0].rows.len(), 2);
}

#[test]
fn one_endless_xml_token_is_refused_before_the_parser_buffers_it() {
    let file =
        edited("xl/sharedStrings.xml", |x| x.replacen("</sst>", &format!("<si><t>{}</t></si></sst>", "a".repeat(2 << 20)), 1));
    let e = refused(&file, "a.xlsx", &UploadLimits { max_ratio: 100_000, ..Default::default() });
    assert_eq!(e.code(), "upload.token_too_long", "{e}");
}

#[test]
fn a_cell_over_the_text_limit_is_refused_naming_its_row() {
    let file = xlsx(vec![headings(), vec!["张三".into(), "x".repeat(5000).into()]]);
    let limits = UploadLimits { max_cell_chars: 1000, ..Default::default() };
    let e = refused(&file, "a.xlsx", &limits);
    assert_eq!(e.code(), "upload.cell_too_long", "{e}");
    assert!(e.to_string().contains("第2行") && e.to_string().contains("1000 个字符"), "{e}");
}

#[test]
fn bad_xls_files_are_refused_with_a_chinese_error_never_a_panic() {
    let limits = UploadLimits::default();
    // Not a compound file at all, behind the .xls magic.
    let mut garbage = vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    garbage.extend(std::iter::repeat_n(0x41u8, 4000));
    let e = refused(&garbage, "a.xls", &limits);
    assert_eq!(e.code(), "upload.unreadable", "{e}");
    assert!(e.to_string().contains("文件无法打开"), "{e}");
    // A sheet whose position lies past the stream (calamine would panic slicing it).
    let e = refused(&xls(&biff(&[(0, 0, "姓名")], &[], 1_000_000)), "a.xls", &limits);
    assert_eq!(e.code(), "upload.unreadable", "{e}");
    // A sheet declaring 65,536 rows × 256 columns.
    let mut dims = Vec::new();
    dims.extend(0u32.to_le_bytes());
    dims.extend(65_536u32.to_le_bytes());
    dims.extend(0u16.to_le_bytes());
    dims.extend(256u16.to_le_bytes());
    dims.extend(0u16.to_le_bytes());
    let e = refused(&xls(&biff(&[(0, 0, "姓名")], &[rec(0x0200, &dims)], 0)), "a.xls", &limits);
    assert_eq!(e.code(), "upload.dimension", "{e}");
    // One cell in the far corner would make a dense range of millions of cells.
    let e = refused(&xls(&biff(&[(0, 0, "姓名"), (60_000, 190, "x")], &[], 0)), "a.xls", &limits);
    assert_eq!(e.code(), "upload.memory", "{e}");
}

#[test]
fn a_well_formed_xls_is_read_with_its_hidden_rows() {
    let mut row_rec = vec![0u8; 16];
    row_rec[0..2].copy_from_slice(&1u16.to_le_bytes());
    row_rec[12..14].copy_from_slice(&0x20u16.to_le_bytes());
    let stream = biff(&[(0, 0, "姓名"), (0, 1, "民族"), (1, 0, "张三"), (1, 1, "汉族")], &[rec(0x0208, &row_rec)], 0);
    let tables = read_tables_blocking("a.xls", &xls(&stream), &UploadLimits::default()).unwrap();
    assert_eq!(tables.len(), 1);
    assert_eq!(tables[0].rows[1][0], vanguard_domain::member::roster::Cell::Text("张三".into()));
    assert_eq!(tables[0].hidden_rows, vec![2]);
}

#[test]
fn a_huge_csv_line_is_refused_before_it_is_decoded() {
    let mut csv = "姓名,身份证号\n".as_bytes().to_vec();
    csv.extend(std::iter::repeat_n(b'x', 3 << 20));
    let e = refused(&csv, "a.csv", &UploadLimits::default());
    assert_eq!(e.code(), "upload.line_too_long", "{e}");
    assert!(e.to_string().contains("第2行"), "{e}");
    let wide = format!("{}\n", ",".repeat(5000));
    assert_eq!(refused(wide.as_bytes(), "a.csv", &UploadLimits::default()).code(), "upload.line_too_long");
    let big = vec![b'a'; 33 << 20];
    assert_eq!(refused(&big, "a.csv", &UploadLimits::default()).code(), "upload.too_large");
}

#[tokio::test]
async fn a_hostile_upload_is_a_validation_error_of_the_file_and_the_server_reads_on() {
    let t = vanguard_testkit::sqlite().await;
    let tr = tree(&t.db).await;
    let sys = system(&tr.root);
    let s = t.db.scoped(&sys);
    let file =
        edited("xl/worksheets/sheet1.xml", |x| x.replacen("<dimension ref=\"A1:I2\"/>", "<dimension ref=\"A1:XFD1048576\"/>", 1));
    let err = s.roster().preview_import("a.xlsx", file, &opts()).await.unwrap_err();
    assert!(matches!(&err, StoreError::Invalid(i) if i.has("upload.dimension")), "{err:?}");
    // Limits are configuration.
    t.db.set_upload_limits(UploadLimits { max_file_bytes: 1000, ..Default::default() });
    let err = s.roster().preview_import("a.xlsx", xlsx(vec![headings(), row("张三", 1, "x")]), &opts()).await.unwrap_err();
    assert!(matches!(&err, StoreError::Invalid(i) if i.has("upload.too_large")), "{err:?}");
    t.db.set_upload_limits(UploadLimits::default());
    let p = s.roster().preview_import("a.xlsx", xlsx(vec![headings(), row("张三", 1, "槐树社区第一党支部")]), &opts()).await;
    assert_eq!(p.unwrap().counts.to_create, 1);
}

// ---- Fuzzing ------------------------------------------------------------------------------------

/// xorshift64*: reproducible random bytes without a dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// A mutation of `seed`: flipped bytes, a splice, a truncation, inserted noise, or
/// interesting numbers (0xFF.., 0x7F..) over length and count fields.
fn mutate(rng: &mut Rng, seed: &[u8]) -> Vec<u8> {
    let mut b = seed.to_vec();
    for _ in 0..1 + rng.below(8) {
        if b.is_empty() {
            b.push(rng.next() as u8);
        }
        let at = rng.below(b.len());
        match rng.below(6) {
            0 => b[at] ^= 1 << rng.below(8),
            1 => b[at] = rng.next() as u8,
            2 => b.truncate(at.max(1)),
            3 => {
                let n = rng.below(64);
                let noise: Vec<u8> = (0..n).map(|_| rng.next() as u8).collect();
                b.splice(at..at, noise);
            }
            4 => {
                let v: [u8; 4] = match rng.below(4) {
                    0 => [0xFF; 4],
                    1 => [0xFF, 0xFF, 0xFF, 0x7F],
                    2 => [0, 0, 0, 0x80],
                    _ => [0xFE, 0xFF, 0, 0],
                };
                let end = (at + 4).min(b.len());
                b[at..end].copy_from_slice(&v[..end - at]);
            }
            _ => {
                let from = rng.below(b.len());
                let len = rng.below(256).min(b.len() - from);
                let chunk = b[from..from + len].to_vec();
                b.splice(at..at, chunk);
            }
        }
    }
    b
}

/// Panics seen on the fuzzing thread: `(in our own code, in a library)`.
static FUZZ_PANICS: std::sync::Mutex<(u64, u64)> = std::sync::Mutex::new((0, 0));

/// Counts the panics of the calling thread (the reader turns them into a refusal, so the
/// fuzzer would not see them otherwise): one in this workspace's own code is a bug and
/// fails the run; one inside a library (calamine) is counted and reported.
fn count_panics_of_this_thread() {
    let fuzzing = std::thread::current().id();
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if std::thread::current().id() != fuzzing {
            return previous(info);
        }
        let own = info.location().is_some_and(|l| l.file().starts_with("crates/"));
        let mut counts = FUZZ_PANICS.lock().unwrap_or_else(|p| p.into_inner());
        if own {
            counts.0 += 1;
            eprintln!("fuzz: a panic in our own code: {info}");
        } else {
            counts.1 += 1;
        }
    }));
}

/// Feeds mutated files to a reader for `FUZZ_SECS` seconds (default 2): each is read or
/// refused with an [`UploadError`]; a panic inside a library is caught and counted, one in
/// our own code fails the run. The process dying (an allocation failure, a stack
/// overflow) fails the run too.
fn fuzz(name: &str, seeds: &[Vec<u8>], limits: &UploadLimits) -> (u64, u64, u64) {
    let secs: u64 = std::env::var("FUZZ_SECS").ok().and_then(|s| s.parse().ok()).unwrap_or(2);
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ secs ^ name.len() as u64);
    if let Ok(s) = std::env::var("FUZZ_SEED")
        && let Ok(v) = s.parse::<u64>()
    {
        rng = Rng(v | 1);
    }
    let started = std::time::Instant::now();
    let (mut runs, mut read, mut slowest) = (0u64, 0u64, 0u128);
    while started.elapsed().as_secs() < secs {
        let seed = &seeds[rng.below(seeds.len())];
        let file = mutate(&mut rng, seed);
        let one = std::time::Instant::now();
        let outcome = read_tables_blocking(name, &file, limits);
        slowest = slowest.max(one.elapsed().as_millis());
        runs += 1;
        if let Ok(tables) = outcome {
            read += 1;
            let cells: usize = tables.iter().map(|t| t.rows.iter().map(Vec::len).sum::<usize>()).sum();
            assert!(cells as u64 <= limits.max_cells * 4 + 10_000, "{cells} cells from {} bytes", file.len());
        }
    }
    let (own, library) = *FUZZ_PANICS.lock().unwrap_or_else(|p| p.into_inner());
    eprintln!(
        "fuzz {name}: {runs} files in {secs} s, {read} read, {} refused, slowest {slowest} ms; panics so far: {own} in our code, {library} in libraries (caught)",
        runs - read
    );
    assert_eq!(own, 0, "the readers' own code panicked on a fuzzed file (see the message above)");
    (runs, read, slowest as u64)
}

#[test]
fn fuzzed_files_are_read_or_refused_never_panicking() {
    count_panics_of_this_thread();
    let limits = UploadLimits { memory_budget_bytes: 32 << 20, ..Default::default() };
    let xlsx_seeds = vec![
        xlsx(vec![headings(), row("张三", 1, "x"), row("李四", 2, "y")]),
        edited("xl/sharedStrings.xml", |x| x.replacen("count=\"", "count=\"1", 1)),
    ];
    let (runs, ..) = fuzz("a.xlsx", &xlsx_seeds, &limits);
    assert!(runs > 0);
    let mut row_rec = vec![0u8; 16];
    row_rec[12] = 0x20;
    let xls_seeds = vec![
        xls(&biff(&[(0, 0, "姓名"), (0, 1, "民族"), (1, 0, "张三"), (1, 1, "汉族")], &[], 0)),
        xls(&biff(&[(0, 0, "姓名"), (3, 2, "x")], &[rec(0x0208, &row_rec)], 0)),
    ];
    let (runs, ..) = fuzz("a.xls", &xls_seeds, &limits);
    assert!(runs > 0);
    let csv_seeds =
        vec!["姓名,身份证号,民族\r\n张三,\"33020519800101001X\",汉族\r\n\"李\"\"四\",1,\n".as_bytes().to_vec(), {
            let (gb, _, _) = encoding_rs::GB18030.encode("姓名\t民族\n张三\t汉族\n");
            gb.into_owned()
        }];
    let (runs, ..) = fuzz("a.csv", &csv_seeds, &limits);
    assert!(runs > 0);
}

/// A file name from `rng`: an allowed or a foreign extension behind random characters
/// (path separators, control characters, quotes, CJK, very long runs).
fn fuzzed_name(rng: &mut Rng) -> String {
    const PIECES: [&str; 12] = ["会场", "/", "\\", "..", "\u{0}", "\n", "\"", "<", " ", "照片长名", ".", "\u{202e}"];
    let mut name = String::new();
    let most = if rng.below(8) == 0 { 200 } else { 6 };
    for _ in 0..rng.below(most) {
        name.push_str(PIECES[rng.below(PIECES.len())]);
    }
    const EXTS: [&str; 10] = [".jpg", ".JPEG", ".png", ".pdf", " .pdf ", ".exe", ".jpg.exe", "", ".", ".PdF"];
    name.push_str(EXTS[rng.below(EXTS.len())]);
    name
}

#[test]
fn fuzzed_attachments_are_accepted_only_as_what_they_are_or_refused_never_panicking() {
    use vanguard_store::orglife::{ATTACHMENT_MAX_BYTES, check_attachment, sniff_attachment};
    let secs: u64 = std::env::var("FUZZ_SECS").ok().and_then(|s| s.parse().ok()).unwrap_or(2);
    let mut rng = Rng(0xA77A_C4ED_F11E_5EED ^ secs);
    let mut pdf = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n".to_vec();
    pdf.extend(std::iter::repeat_n(b' ', 64));
    let seeds: Vec<Vec<u8>> = vec![
        [&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10][..], b"JFIF\0", &[0u8; 32][..], &[0xFF, 0xD9][..]].concat(),
        [&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A][..], &[0, 0, 0, 13][..], b"IHDR", &[0u8; 17][..]].concat(),
        pdf,
        b"MZ\x90\0 an executable".to_vec(),
        "<svg onload=alert(1)>".as_bytes().to_vec(),
    ];
    let started = std::time::Instant::now();
    let (mut runs, mut accepted) = (0u64, 0u64);
    while started.elapsed().as_secs() < secs {
        let seed = &seeds[rng.below(seeds.len())];
        let bytes = mutate(&mut rng, seed);
        let name = fuzzed_name(&mut rng);
        runs += 1;
        match check_attachment(&name, &bytes) {
            Ok((content_type, ext, shown)) => {
                accepted += 1;
                // Accepted only as what its first bytes are, under an allowed extension.
                assert_eq!(sniff_attachment(&bytes), Some((content_type, ext)), "{name:?}");
                let given = name.rsplit_once('.').map(|(_, e)| e.trim().to_ascii_lowercase()).unwrap_or_default();
                assert!(matches!(given.as_str(), "jpg" | "jpeg" | "png" | "pdf"), "{name:?}");
                assert!(!bytes.is_empty() && bytes.len() <= ATTACHMENT_MAX_BYTES);
                // Shown safely: one short path component without markup or control characters.
                assert!(!shown.is_empty() && shown.chars().count() <= 100, "{shown:?}");
                let unsafe_char = |c: char| c.is_control() || matches!(c, '/' | '\\' | '"' | '<' | '>' | '\u{202a}'..='\u{202e}');
                assert!(!shown.chars().any(unsafe_char), "{shown:?}");
            }
            Err(StoreError::Invalid(i)) => {
                assert!(i.has("file.empty") || i.has("file.type") || i.has("file.content") || i.has("file.too_large"), "{i:?}");
            }
            Err(e) => panic!("{name:?}: not a validation error: {e:?}"),
        }
    }
    eprintln!("fuzz attachments: {runs} files in {secs} s, {accepted} accepted, {} refused", runs - accepted);
    assert!(runs > 0);
    // One byte over the size limit, whatever it holds, is refused by its size.
    let mut big = vec![0u8; ATTACHMENT_MAX_BYTES + 1];
    big[..3].copy_from_slice(&[0xFF, 0xD8, 0xFF]);
    assert!(matches!(check_attachment("会场.jpg", &big), Err(StoreError::Invalid(i)) if i.has("file.too_large")));
}

// ---- What real rosters contain (issue 9 §1) ---------------------------------------------------

const BRANCH: &str = "槐树社区第一党支部";

fn base(name: &str, seq: u16) -> Vec<X> {
    vec![name.into(), id(seq).into(), "汉族".into(), "2005-07-01".into(), "正式党员".into(), BRANCH.into()]
}

fn base_headings() -> Vec<X> {
    ["姓名", "身份证号", "民族", "入党时间", "党员类别", "所在党支部"].into_iter().map(X::from).collect()
}

/// A workbook of several sheets: (name, rows).
fn workbook(sheets: Vec<(&str, Vec<Vec<X>>)>, hidden: &[u32]) -> Vec<u8> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    for (name, rows) in sheets {
        let ws = wb.add_worksheet();
        ws.set_name(name).unwrap();
        for (r, row) in rows.iter().enumerate() {
            for (c, cell) in row.iter().enumerate() {
                match cell {
                    X::S(s) if s.is_empty() => {}
                    X::S(s) => {
                        ws.write_string(r as u32, c as u16, s.as_str()).unwrap();
                    }
                    X::N(v) => {
                        ws.write_number(r as u32, c as u16, *v).unwrap();
                    }
                }
            }
        }
        for h in hidden {
            ws.set_row_hidden(*h).unwrap();
        }
    }
    wb.save_to_buffer().unwrap()
}

#[tokio::test]
async fn a_two_row_merged_heading_is_read_as_one() {
    let t = vanguard_testkit::sqlite().await;
    let tr = tree(&t.db).await;
    let sys = system(&tr.root);
    let s = t.db.scoped(&sys);
    let top: Vec<X> = ["姓名", "基本信息", "", "党员信息", "", "所在党支部"].into_iter().map(X::from).collect();
    let below: Vec<X> = ["", "身份证号", "民族", "入党时间", "党员类别", ""].into_iter().map(X::from).collect();
    let file = xlsx(vec![top, below, base("张三", 1)]);
    let p = s.roster().preview_import("两行表头.xlsx", file, &opts()).await.unwrap();
    assert_eq!(p.counts.to_create, 1, "{:?}", p.problems);
    assert!(p.file_warnings.iter().any(|w| w.contains("两行")), "{:?}", p.file_warnings);
    // A heading that lacks a column says which row it read.
    let file = xlsx(vec![base_headings().into_iter().take(4).collect(), base("张三", 1).into_iter().take(4).collect()]);
    let err = s.roster().preview_import("缺列.xlsx", file, &opts()).await.unwrap_err();
    assert!(err.to_string().contains("按第1行作为表头读取") && err.to_string().contains("人员类别"), "{err}");
}

#[tokio::test]
async fn every_roster_sheet_of_a_workbook_is_read() {
    let t = vanguard_testkit::sqlite().await;
    let tr = tree(&t.db).await;
    let sys = system(&tr.root);
    let s = t.db.scoped(&sys);
    let mut probationary = base("李四", 2);
    probationary[4] = "预备党员".into();
    let file = workbook(
        vec![
            ("正式党员", vec![base_headings(), base("张三", 1)]),
            ("预备党员", vec![base_headings(), probationary]),
            ("说明", vec![vec!["本表由支部填写".into()]]),
        ],
        &[],
    );
    let p = s.roster().preview_import("两个工作表.xlsx", file, &opts()).await.unwrap();
    assert_eq!(p.counts.to_create, 2, "{:?}", p.problems);
    assert!(p.file_warnings.iter().any(|w| w.contains("“正式党员”") && w.contains("“预备党员”")), "{:?}", p.file_warnings);
    assert_eq!(p.rows.iter().map(|r| r.sheet.as_str()).collect::<Vec<_>>(), vec!["正式党员", "预备党员"]);
}

#[tokio::test]
async fn an_id_number_of_a_member_with_another_name_needs_confirmation() {
    for t in each_backend().await {
        let tr = tree(&t.db).await;
        let sys = system(&tr.root);
        let s = t.db.scoped(&sys);
        let m = s.members().create_member(&member("张三", 1, tr.branch_a)).await.unwrap();
        let mut renamed = base("张珊", 1);
        renamed[1] = member("张三", 1, tr.branch_a).fields.id_number.unwrap_or_default().into();
        let p = s.roster().preview_import("改名.xlsx", xlsx(vec![base_headings(), renamed]), &opts()).await.unwrap();
        assert_eq!(p.counts.conflicts, 1, "{}: {:?} {:?}", t.backend, p.problems, p.rows);
        let conflict = p.rows[0].conflict.clone().unwrap_or_default();
        assert!(conflict.contains("张三") && conflict.contains("张珊") && conflict.contains("确认改名"), "{conflict}");
        let batch = p.batch_id.unwrap();
        let err = s.roster().commit_import(batch, |_, _| {}).await.unwrap_err();
        assert!(err.to_string().contains("改名"), "{}: {err}", t.backend);
        assert_eq!(s.members().member(m.id).await.unwrap().name, "张三", "nothing written");
        let r = s.roster().commit_import_with(batch, CommitOptions { confirm_renames: true }, |_, _| {}).await.unwrap();
        assert_eq!(r.updated_total, 1);
        assert_eq!(s.members().member(m.id).await.unwrap().name, "张珊");
    }
}

#[tokio::test]
async fn identical_duplicate_rows_import_once_and_conflicting_ones_are_both_held() {
    let t = vanguard_testkit::sqlite().await;
    let tr = tree(&t.db).await;
    let sys = system(&tr.root);
    let s = t.db.scoped(&sys);
    let mut other = base("王五", 3);
    other[3] = "2006-07-01".into();
    let file = xlsx(vec![base_headings(), base("张三", 1), base("张三", 1), base("王五", 3), other]);
    let p = s.roster().preview_import("重复.xlsx", file, &opts()).await.unwrap();
    assert_eq!((p.counts.to_create, p.counts.duplicates, p.counts.invalid), (1, 1, 2), "{:?}", p.problems);
    assert_eq!(p.rows[1].action, RowAction::Duplicate);
    assert!(p.warnings.iter().any(|w| w.row == 3 && w.message.contains("与第2行完全相同")), "{:?}", p.warnings);
    assert!(p.problems.iter().any(|e| e.row == 4 && e.message.contains("第5行")), "{:?}", p.problems);
    assert!(p.problems.iter().any(|e| e.row == 5 && e.message.contains("第4行")), "{:?}", p.problems);
}

#[tokio::test]
async fn a_masked_export_brought_back_says_so_and_how_to_export_the_full_file() {
    let t = vanguard_testkit::sqlite().await;
    let tr = tree(&t.db).await;
    let sys = system(&tr.root);
    let s = t.db.scoped(&sys);
    s.members().create_member(&member("张三", 1, tr.branch_a)).await.unwrap();
    let mut masked = s.roster().export_members(&MemberFilter::default(), false).await.unwrap();
    let bytes = masked.bytes().unwrap();
    let err = s.roster().preview_import(&masked.filename, bytes, &opts()).await.unwrap_err();
    assert!(matches!(&err, StoreError::Invalid(i) if i.has("roster.masked_export")), "{err:?}");
    assert!(err.to_string().contains("脱敏导出") && err.to_string().contains("导出（含完整号码）"), "{err}");
}

#[tokio::test]
async fn a_leading_apostrophe_is_excels_text_marker_not_part_of_the_value() {
    let t = vanguard_testkit::sqlite().await;
    let tr = tree(&t.db).await;
    let sys = system(&tr.root);
    let s = t.db.scoped(&sys);
    let mut r = base("张三", 1);
    r[1] = format!("'{}", id(1)).into();
    r[3] = "'2005-07-01".into();
    let mut h = base_headings();
    h.push("手机".into());
    r.push("'13912345678".into());
    let p = s.roster().preview_import("撇号.xlsx", xlsx(vec![h, r]), &opts()).await.unwrap();
    assert_eq!((p.counts.to_create, p.counts.invalid), (1, 0), "{:?}", p.problems);
}

#[tokio::test]
async fn totals_and_signature_lines_under_the_table_are_ignored_quietly() {
    let t = vanguard_testkit::sqlite().await;
    let tr = tree(&t.db).await;
    let sys = system(&tr.root);
    let s = t.db.scoped(&sys);
    let file = xlsx(vec![
        base_headings(),
        base("张三", 1),
        base("李四", 2),
        vec!["合计：2人".into()],
        vec!["制表人：王五".into(), "".into(), "审核人：".into()],
        vec!["".into(), "".into(), "".into(), "填报日期：2026年11月".into()],
    ]);
    let p = s.roster().preview_import("合计.xlsx", file, &opts()).await.unwrap();
    assert_eq!((p.counts.rows, p.counts.to_create, p.counts.footer_rows), (2, 2, 3), "{:?}", p.problems);
    assert!(p.problems.is_empty() && p.warnings.is_empty(), "{:?} {:?}", p.problems, p.warnings);
}

#[tokio::test]
async fn hidden_rows_are_read_and_reported() {
    let t = vanguard_testkit::sqlite().await;
    let tr = tree(&t.db).await;
    let sys = system(&tr.root);
    let s = t.db.scoped(&sys);
    let file = workbook(vec![("花名册", vec![base_headings(), base("张三", 1), base("李四", 2)])], &[2]);
    let p = s.roster().preview_import("隐藏行.xlsx", file, &opts()).await.unwrap();
    assert_eq!(p.counts.hidden_rows, 1);
    assert!(p.warnings.iter().any(|w| w.row == 3 && w.message.contains("隐藏行")), "{:?}", p.warnings);
    assert!(p.file_warnings.iter().any(|w| w.contains("第3行") && w.contains("隐藏行")), "{:?}", p.file_warnings);
}

#[tokio::test]
async fn names_with_formulas_or_markup_are_refused_as_names() {
    let t = vanguard_testkit::sqlite().await;
    let tr = tree(&t.db).await;
    let sys = system(&tr.root);
    let s = t.db.scoped(&sys);
    let file = xlsx(vec![
        base_headings(),
        base("=HYPERLINK(\"http://x\")", 1),
        base("<b>王</b>", 2),
        base("阿依古丽·买买提", 3),
        base("Smith John", 4),
    ]);
    let p = s.roster().preview_import("姓名.xlsx", file, &opts()).await.unwrap();
    assert_eq!(p.counts.to_create, 2, "{:?}", p.problems);
    for row in [2, 3] {
        assert!(p.problems.iter().any(|e| e.row == row && e.message.contains("姓名只能由汉字")), "{row}: {:?}", p.problems);
    }
}

#[tokio::test]
async fn exported_dates_are_date_cells() {
    let t = vanguard_testkit::sqlite().await;
    let tr = tree(&t.db).await;
    let sys = system(&tr.root);
    let s = t.db.scoped(&sys);
    s.members().create_member(&member("张三", 1, tr.branch_a)).await.unwrap();
    let mut file = s.roster().export_members(&MemberFilter::default(), true).await.unwrap();
    let bytes = file.bytes().unwrap();
    use calamine::Reader;
    let mut book = calamine::open_workbook_auto_from_rs(Cursor::new(bytes.clone())).unwrap();
    let (_, range) = book.worksheets().into_iter().next().unwrap();
    let heading = read_back(&bytes)[0].clone();
    let col = heading.iter().position(|h| h == "入党日期").unwrap();
    let cell = range.get((1, col)).unwrap();
    assert!(matches!(cell, calamine::Data::DateTime(_)), "{cell:?}");
    let p = s.roster().preview_import(&file.filename, bytes, &ImportOptions::default()).await.unwrap();
    assert_eq!(p.counts.unchanged, 1, "the full export imports back unchanged: {:?}", p.problems);
}
