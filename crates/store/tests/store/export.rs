//! The roster export (issue 9 §4, issue 10 §1): every selected member once, in the
//! roster's order, across the chunks it is read in, with dates as date cells.

use super::roster_support::{X, headings, row, xlsx};
use super::{each_backend, opts, system, tree};
use std::collections::HashSet;
use std::io::Cursor;
use vanguard_store::member::MemberFilter;

/// More than two of the export's read chunks (2,000 members each), not a multiple.
const N: u16 = 4_321;

#[tokio::test]
async fn an_export_of_n_members_has_n_rows_each_once_with_dates_as_date_cells() {
    use calamine::{Data, Reader};
    for t in each_backend().await {
        let tr = tree(&t.db).await;
        let sys = system(&tr.root);
        let s = t.db.scoped(&sys);
        let mut rows: Vec<Vec<X>> = vec![headings()];
        for seq in 1..=N {
            let branch = if seq % 2 == 0 { "槐树社区第一党支部" } else { "槐树社区第二党支部" };
            let mut r = row("张三", seq, branch);
            r[3] = "2015.7.1".into(); // every member of age when joining
            rows.push(r);
        }
        let p = s.roster().preview_import("大名册.xlsx", xlsx(rows), &opts()).await.unwrap();
        assert_eq!(p.counts.to_create, usize::from(N), "{}: {:?}", t.backend, p.problems.first());
        s.roster().commit_import(p.batch_id.unwrap(), |_, _| {}).await.unwrap();

        let mut file = s.roster().export_members(&MemberFilter::default(), true).await.unwrap();
        assert_eq!(file.count, usize::from(N), "{}", t.backend);
        let bytes = file.bytes().unwrap();
        let mut book = calamine::open_workbook_auto_from_rs(Cursor::new(bytes)).unwrap();
        let (_, range) = book.worksheets().into_iter().next().unwrap();
        assert_eq!(range.height(), usize::from(N) + 1, "{}: a heading row and one row per member", t.backend);
        let heading: Vec<String> = range.rows().next().unwrap().iter().map(|c| c.to_string()).collect();
        let col = |h: &str| heading.iter().position(|x| x == h).unwrap();
        let (id_col, joined, birth, org) = (col("公民身份号码"), col("入党日期"), col("出生日期"), col("所在党组织"));
        let mut ids = HashSet::new();
        let mut orgs = Vec::new();
        for r in range.rows().skip(1) {
            for c in [joined, birth] {
                assert!(matches!(r[c], Data::DateTime(_)), "{}: {} is {:?}", t.backend, heading[c], r[c]);
            }
            ids.insert(r[id_col].to_string());
            orgs.push(r[org].to_string());
        }
        assert_eq!(ids.len(), usize::from(N), "{}: every member once", t.backend);
        // The roster's order (by branch): the first branch's members, then the second's.
        let switches = orgs.windows(2).filter(|w| w[0] != w[1]).count();
        assert_eq!(switches, 1, "{}: rows grouped by branch as the roster orders them", t.backend);

        // The masked export selects the same members.
        let masked = s.roster().export_members(&MemberFilter::default(), false).await.unwrap();
        assert_eq!(masked.count, usize::from(N), "{}", t.backend);
    }
}
