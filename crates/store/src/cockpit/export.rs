//! The cockpit's views as .xlsx workbooks (through the one writer,
//! [`crate::platform::xlsx`]): the overview and the tree with their children ranked and
//! coloured, the trend, and the lists behind a number (branches, members, findings),
//! each list at most [`EXPORT_ROWS`] rows.

use super::{Cockpit, CockpitReads, EXPORT_ROWS, FindingFilter, FindingView, Rate, RuleRate};
use crate::platform::paging::collect_pages;
use crate::platform::xlsx::{Book, Fill, XlsxCell, XlsxColumn};
use crate::{StoreError, StoreResult};
use vanguard_domain::cockpit::Rag;
use vanguard_domain::kernel::time::{china_date, date_text};
use vanguard_domain::orglife::check::rule_title;

/// A cockpit view to export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportView {
    Overview,
    Tree,
    Trend,
    Branches,
    Members,
    Findings,
}

impl ExportView {
    pub fn parse(s: &str) -> Option<ExportView> {
        Some(match s.trim() {
            "" | "overview" => ExportView::Overview,
            "tree" => ExportView::Tree,
            "trend" => ExportView::Trend,
            "branches" => ExportView::Branches,
            "members" => ExportView::Members,
            "findings" | "todo" => ExportView::Findings,
            _ => return None,
        })
    }
}

/// What to export.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::IntoParams)]
#[serde(default)]
pub struct ExportRequest {
    pub view: String,
    pub period: Option<String>,
    pub year: Option<i32>,
    pub rule: Option<String>,
    pub compliant: Option<bool>,
}

/// An exported workbook.
#[derive(Debug, Clone)]
pub struct CockpitFile {
    pub bytes: Vec<u8>,
    pub filename: String,
}

/// One sheet of a cockpit workbook, built before it is written (bounded by
/// [`EXPORT_ROWS`]).
struct Sheet {
    name: String,
    columns: Vec<XlsxColumn>,
    rows: Vec<Vec<XlsxCell>>,
}

fn columns(spec: &[(&str, f64)]) -> Vec<XlsxColumn> {
    spec.iter().map(|(h, w)| XlsxColumn::new(*h, *w)).collect()
}

fn fill(rag: Rag) -> Fill {
    match rag {
        Rag::Green => Fill::Green,
        Rag::Amber => Fill::Amber,
        Rag::Red => Fill::Red,
        Rag::NoData => Fill::None,
    }
}

fn pct(r: &Rate) -> XlsxCell {
    match r.basis_points {
        Some(b) => XlsxCell::Filled(fill(r.rag), format!("{:.1}%", f64::from(b) / 100.0)),
        None => XlsxCell::Text("—".into()),
    }
}

fn rule_sheet(name: &str, rules: &[RuleRate]) -> Sheet {
    Sheet {
        name: name.into(),
        columns: columns(&[
            ("规则", 36.0),
            ("频次", 14.0),
            ("统计周期", 16.0),
            ("达标", 8.0),
            ("应考核", 8.0),
            ("达标率", 10.0),
            ("状态", 10.0),
        ]),
        rows: rules
            .iter()
            .map(|r| {
                vec![
                    XlsxCell::text(r.title.clone()),
                    XlsxCell::text(r.frequency.clone()),
                    XlsxCell::text(r.period_label.clone()),
                    XlsxCell::Number(f64::from(r.rate.compliant)),
                    XlsxCell::Number(f64::from(r.rate.total)),
                    pct(&r.rate),
                    XlsxCell::text(if r.open { "进行中".to_string() } else { r.rate.rag_label.to_string() }),
                ]
            })
            .collect(),
    }
}

fn children_sheet(c: &Cockpit, by_rule: bool) -> Sheet {
    let rule_titles: Vec<(String, String)> = {
        let mut v: Vec<(String, String)> = Vec::new();
        for r in c.children.iter().flat_map(|ch| ch.rules.iter()) {
            if !v.iter().any(|(code, _)| *code == r.rule_code) {
                v.push((r.rule_code.clone(), r.title.clone()));
            }
        }
        v
    };
    let mut cols = columns(&[
        ("排名", 6.0),
        ("党组织", 36.0),
        ("类别", 10.0),
        ("达标", 8.0),
        ("应考核", 8.0),
        ("综合达标率", 12.0),
        ("未整改问题", 10.0),
    ]);
    if by_rule {
        cols.extend(rule_titles.iter().map(|(_, t)| XlsxColumn::new(t.clone(), 18.0)));
    }
    let rows = c
        .children
        .iter()
        .map(|ch| {
            let mut row = vec![
                ch.rank.map_or(XlsxCell::Text("—".into()), |r| XlsxCell::Number(f64::from(r))),
                XlsxCell::text(ch.org.name.clone()),
                XlsxCell::text(ch.org.kind_label),
                XlsxCell::Number(f64::from(ch.overall.compliant)),
                XlsxCell::Number(f64::from(ch.overall.total)),
                pct(&ch.overall),
                XlsxCell::Number(ch.open_findings as f64),
            ];
            if by_rule {
                for (code, _) in &rule_titles {
                    row.push(ch.rules.iter().find(|r| r.rule_code == *code).map_or(XlsxCell::Text("—".into()), |r| pct(&r.rate)));
                }
            }
            row
        })
        .collect();
    Sheet { name: if by_rule { "下级党组织红黄绿".into() } else { "下级党组织排名".into() }, columns: cols, rows }
}

fn findings_sheet(name: &str, items: &[FindingView]) -> Sheet {
    let day = |ms: i64| date_text(china_date(ms));
    Sheet {
        name: name.into(),
        columns: vec![
            XlsxColumn::new("严重程度", 10.0),
            XlsxColumn::new("规则", 28.0),
            XlsxColumn::new("对象", 16.0),
            XlsxColumn::new("所在党组织", 30.0),
            XlsxColumn::new("周期", 14.0),
            XlsxColumn::new("情况", 60.0),
            XlsxColumn::new("处理建议", 40.0),
            XlsxColumn::of("首次发现", 12.0, crate::platform::xlsx::Kind::Date),
            XlsxColumn::of("整改时间", 12.0, crate::platform::xlsx::Kind::Date),
        ],
        rows: items
            .iter()
            .map(|f| {
                vec![
                    XlsxCell::text(f.severity_label),
                    XlsxCell::text(f.rule_title.clone()),
                    XlsxCell::text(f.subject_name.clone()),
                    XlsxCell::text(f.org_name.clone()),
                    XlsxCell::text(f.period_label.clone()),
                    XlsxCell::text(f.evidence.clone()),
                    XlsxCell::text(f.action.clone()),
                    XlsxCell::date(Some(day(f.first_seen_at))),
                    XlsxCell::date(f.resolved_at.map(day)),
                ]
            })
            .collect(),
    }
}

impl CockpitReads<'_> {
    /// Exports one cockpit view of an org to .xlsx.
    pub async fn cockpit_export(&self, org_id: i64, req: &ExportRequest) -> StoreResult<CockpitFile> {
        let view = ExportView::parse(&req.view).ok_or_else(|| {
            StoreError::invalid("view", "view.unknown", "导出内容应为 overview、tree、trend、branches、members 或 findings")
        })?;
        let (org, _) = self.cockpit_org(org_id).await?;
        let (sheets, what) = match view {
            ExportView::Overview | ExportView::Tree => {
                let c = self.overview(org_id, req.period.as_deref()).await?;
                let what = format!("{}驾驶舱", c.period_label);
                let mut s = vec![rule_sheet("各项规则落实情况", &c.rules), children_sheet(&c, view == ExportView::Tree)];
                if view == ExportView::Overview {
                    s.push(Sheet {
                        name: "预警与问题".into(),
                        columns: columns(&[("规则", 36.0), ("对象", 8.0), ("严重程度", 10.0), ("数量", 8.0)]),
                        rows: c
                            .findings
                            .iter()
                            .map(|f| {
                                vec![
                                    XlsxCell::text(f.title.clone()),
                                    XlsxCell::text(if f.subject_kind == "member" { "党员" } else { "党组织" }),
                                    XlsxCell::text(f.severity_label),
                                    XlsxCell::Number(f.count as f64),
                                ]
                            })
                            .collect(),
                    });
                }
                (s, what)
            }
            ExportView::Trend => {
                let t = self.cockpit_trend(org_id, req.year).await?;
                let mut cols = vec![XlsxColumn::new("规则", 36.0)];
                cols.extend((1..=12).map(|m| XlsxColumn::new(format!("{m}月"), 9.0)));
                let rows = t
                    .series
                    .iter()
                    .map(|s| {
                        let mut row = vec![XlsxCell::text(s.title.clone())];
                        row.extend(s.points.iter().map(|p| p.rate.as_ref().map_or(XlsxCell::Text("—".into()), pct)));
                        row
                    })
                    .collect();
                (vec![Sheet { name: "逐月趋势".into(), columns: cols, rows }], format!("{}年逐月趋势", t.year))
            }
            ExportView::Branches => {
                let rule = req.rule.clone().unwrap_or_else(|| "orglife.theme_day".into());
                let (period, compliant) = (req.period.as_deref(), req.compliant);
                let items = collect_pages!(EXPORT_ROWS, p => self.cockpit_branches(org_id, &rule, period, compliant, &p));
                let rows = items
                    .iter()
                    .map(|b| {
                        vec![
                            XlsxCell::text(b.org.name.clone()),
                            XlsxCell::text(b.parent_name.clone().unwrap_or_default()),
                            XlsxCell::text(b.period_label.clone()),
                            XlsxCell::Number(b.expected as f64),
                            XlsxCell::Number(b.held as f64),
                            if b.compliant {
                                XlsxCell::Filled(Fill::Green, "达标".into())
                            } else {
                                XlsxCell::Filled(Fill::Red, "未达标".into())
                            },
                        ]
                    })
                    .collect();
                let title = rule_title(&self.db.rules(), &rule);
                let sheet = Sheet {
                    name: "党组织明细".into(),
                    columns: columns(&[
                        ("党组织", 36.0),
                        ("上级党组织", 30.0),
                        ("周期", 16.0),
                        ("应开展", 8.0),
                        ("已开展", 8.0),
                        ("结果", 10.0),
                    ]),
                    rows,
                };
                (vec![sheet], format!("{title}明细"))
            }
            ExportView::Members => {
                let rule = req.rule.as_deref();
                let items = collect_pages!(EXPORT_ROWS, p => self.cockpit_members(org_id, rule, &p));
                (vec![findings_sheet("党员预警明细", &items)], "党员预警明细".to_string())
            }
            ExportView::Findings => {
                let f = FindingFilter { org_id: Some(org_id), status: Some("open".into()), ..Default::default() };
                let items = collect_pages!(EXPORT_ROWS, p => self.findings(&f, &p));
                (vec![findings_sheet("待办与问题清单", &items)], "待办与问题清单".to_string())
            }
        };
        let title = format!("{} {}", org.name, what);
        let scratch = self.db.scratch_dir();
        let bytes = tokio::task::spawn_blocking(move || {
            let mut book = Book::new(&scratch)?;
            for s in &sheets {
                book.sheet(&s.name, Some(&title), &s.columns)?;
                for row in &s.rows {
                    book.row(row)?;
                }
            }
            book.into_bytes()
        })
        .await
        .map_err(|e| StoreError::Other(format!("生成 Excel 文件时出错：{e}")))??;
        Ok(CockpitFile { bytes, filename: format!("{}_{}.xlsx", org.name, what) })
    }
}
