//! The question bank's .xlsx template and the reading of its rows: one question per
//! row under the headings 题型, 题干, 选项A–选项F, 答案, 出处, 解析. Every bad row is
//! reported with its sheet row number and Chinese reasons.

use super::quiz::{QuestionDraft, QuestionKind, parse_key};
use crate::kernel::error::Invalid;
use crate::member::roster::Table;
use serde::Serialize;

/// The template's headings, in order.
pub const HEADINGS: [&str; 11] = ["题型", "题干", "选项A", "选项B", "选项C", "选项D", "选项E", "选项F", "答案", "出处", "解析"];

/// Most questions one file may hold.
pub const MAX_ROWS: usize = 5_000;

/// A row that cannot be imported, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct RowProblem {
    pub sheet: String,
    /// The row number as the sheet shows it (1-based).
    pub row: usize,
    pub reasons: Vec<String>,
}

/// What a file held.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ParsedBank {
    /// Good rows: their sheet row number and the validated question.
    pub questions: Vec<(usize, QuestionDraft)>,
    pub problems: Vec<RowProblem>,
}

fn kind_of(text: &str) -> Option<QuestionKind> {
    QuestionKind::parse(text).or(match text.trim() {
        "单选" => Some(QuestionKind::Single),
        "多选" => Some(QuestionKind::Multiple),
        "判断" => Some(QuestionKind::TrueFalse),
        "填空" => Some(QuestionKind::FillIn),
        _ => None,
    })
}

fn heading(text: &str) -> String {
    text.replace("（必填）", "").replace("(必填)", "").trim().to_string()
}

/// Reads the questions of the first sheet that has the headings 题干 and 答案.
pub fn parse_bank(tables: &[Table]) -> Result<ParsedBank, Invalid> {
    for t in tables {
        let Some((h, head)) = t.rows.iter().enumerate().take(10).find(|(_, r)| {
            let hs: Vec<String> = r.iter().map(|c| heading(&c.text())).collect();
            hs.iter().any(|x| x == "题干") && hs.iter().any(|x| x == "答案")
        }) else {
            continue;
        };
        let col = |name: &str| head.iter().position(|c| heading(&c.text()) == name);
        let (kind_c, stem_c, key_c, src_c, expl_c) = (col("题型"), col("题干"), col("答案"), col("出处"), col("解析"));
        let option_cs: Vec<usize> = HEADINGS[2..8].iter().filter_map(|n| col(n)).collect();
        let mut out = ParsedBank::default();
        let data = &t.rows[h + 1..];
        if data.len() > MAX_ROWS {
            return Err(Invalid::one(
                "file",
                "learning.import_too_many",
                format!("一次最多导入 {MAX_ROWS} 道题，请分成几个文件"),
            ));
        }
        for (i, r) in data.iter().enumerate() {
            if r.iter().all(|c| c.is_blank()) {
                continue;
            }
            let row_no = t.first_row + h + 1 + i;
            let cell = |c: Option<usize>| c.and_then(|c| r.get(c)).map(|c| c.text()).unwrap_or_default();
            let mut reasons = Vec::new();
            let kind_text = cell(kind_c);
            let kind = kind_of(&kind_text);
            if kind.is_none() {
                reasons.push(if kind_text.is_empty() {
                    "请填写题型（单选题、多选题、判断题或填空题）".to_string()
                } else {
                    format!(
                        "题型“{}”无法识别，应为单选题、多选题、判断题或填空题",
                        kind_text.chars().take(20).collect::<String>()
                    )
                });
            }
            let key = kind.map(|k| parse_key(k, &cell(key_c)));
            if let Some(Err(e)) = &key {
                reasons.push(e.clone());
            }
            if let (Some(kind), Some(Ok(key))) = (kind, key) {
                let draft = QuestionDraft {
                    kind,
                    stem: cell(stem_c),
                    options: option_cs.iter().map(|c| cell(Some(*c))).collect(),
                    key,
                    source: cell(src_c),
                    explanation: cell(expl_c),
                };
                match draft.validate() {
                    Ok(q) => out.questions.push((row_no, q)),
                    Err(inv) => reasons.extend(inv.errors.into_iter().map(|e| e.message)),
                }
            }
            if !reasons.is_empty() {
                out.problems.push(RowProblem { sheet: t.sheet.clone(), row: row_no, reasons });
            }
        }
        return Ok(out);
    }
    Err(Invalid::one(
        "file",
        "learning.import_no_heading",
        format!("文件中没有找到题库表头（应含“题干”和“答案”列），请下载题库导入模板填写：{}", HEADINGS.join("、")),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::member::roster::Cell;

    fn table(rows: &[&[&str]]) -> Table {
        Table {
            sheet: "题库".into(),
            rows: rows.iter().map(|r| r.iter().map(|c| Cell::Text(c.to_string())).collect()).collect(),
            first_row: 1,
            first_col: 0,
            hidden_rows: vec![],
        }
    }

    #[test]
    fn good_rows_become_questions_and_bad_rows_are_reported_with_their_row_number() {
        let t = table(&[
            &HEADINGS,
            &["单选题", "党的最高领导机关是？", "全国代表大会和中央委员会", "中央政治局", "", "", "", "", "A", "党章第十条", ""],
            &["判断", "预备期为一年。", "", "", "", "", "", "", "对", "党章第七条", "预备期为一年。"],
            &["", "", "", "", "", "", "", "", "", "", ""],
            &["多选题", "下列哪些是？", "甲", "乙", "丙", "", "", "", "A", "出处", ""],
            &["问答题", "什么是？", "", "", "", "", "", "", "略", "出处", ""],
            &["填空题", "党的根本宗旨是（）。", "", "", "", "", "", "", "全心全意为人民服务", "", ""],
        ]);
        let p = parse_bank(&[t]).unwrap();
        assert_eq!(p.questions.iter().map(|(r, _)| *r).collect::<Vec<_>>(), vec![2, 3]);
        assert_eq!(p.questions[1].1.kind, QuestionKind::TrueFalse);
        let rows: Vec<usize> = p.problems.iter().map(|x| x.row).collect();
        assert_eq!(rows, vec![5, 6, 7]);
        assert!(p.problems[0].reasons[0].contains("至少两个正确选项"));
        assert!(p.problems[1].reasons[0].contains("题型“问答题”无法识别"));
        assert!(p.problems[2].reasons[0].contains("出处"));
    }

    #[test]
    fn a_file_without_the_headings_is_refused_naming_them() {
        let inv = parse_bank(&[table(&[&["姓名", "性别"]])]).unwrap_err();
        assert!(inv.has("learning.import_no_heading") && inv.to_string().contains("题干"));
    }
}
