//! The question bank (题库): questions owned by an org, written by its branch or
//! committee (audited), read by its members' quizzes. A question is never deleted once
//! it may have been answered: it is withdrawn (`active = false`).

use super::Learning;
use crate::platform::audit::{self, Event};
use crate::platform::bulk::{self, bulk_row};
use crate::platform::error::decode;
use crate::platform::ids;
use crate::platform::paging::{SortKey, capped_page};
use crate::platform::query::Sql;
use crate::{StoreError, StoreResult, Tx};
use serde::Serialize;
use vanguard_domain::Invalid;
use vanguard_domain::kernel::paging::{Page, PageRequest};
use vanguard_domain::learning::{AnswerKey, QuestionDraft, QuestionKind};

/// A question as its editor sees it, answer key included.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct QuestionView {
    pub id: i64,
    pub org_id: i64,
    pub kind: QuestionKind,
    pub kind_label: &'static str,
    pub stem: String,
    pub options: Vec<String>,
    pub key: AnswerKey,
    /// The key as people write it (`AC`, `正确`, `党章|中国共产党章程`).
    pub key_text: String,
    pub source: String,
    pub explanation: String,
    pub active: bool,
    pub updated_at: i64,
}

#[derive(sqlx::FromRow)]
pub(crate) struct QuestionRow {
    pub id: i64,
    pub org_id: i64,
    pub org_path: String,
    pub kind: String,
    pub stem: String,
    pub options: String,
    pub answer_key: String,
    pub source: String,
    pub explanation: String,
    pub active: bool,
    pub updated_at: i64,
}

macro_rules! question_cols {
    () => {
        "SELECT id, org_id, org_path, kind, stem, options, answer_key, source, explanation, active, updated_at FROM learning_questions"
    };
}
pub(crate) use question_cols;

const QUESTION_COLS: &str = question_cols!();

const BANK_ORDER: SortKey = SortKey { columns: &["id"], descending: true };

pub(crate) fn json_column<T: serde::de::DeserializeOwned>(column: &'static str, text: &str) -> StoreResult<T> {
    serde_json::from_str(text).map_err(|_| StoreError::Corrupt { column: column.into(), value: text.chars().take(40).collect() })
}

pub(crate) fn to_json<T: Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_default()
}

impl QuestionRow {
    pub(crate) fn kind(&self) -> StoreResult<QuestionKind> {
        decode("learning_questions.kind", &self.kind, QuestionKind::from_code)
    }
    pub(crate) fn options(&self) -> StoreResult<Vec<String>> {
        json_column("learning_questions.options", &self.options)
    }
    pub(crate) fn key(&self) -> StoreResult<AnswerKey> {
        json_column("learning_questions.answer_key", &self.answer_key)
    }
    fn view(&self) -> StoreResult<QuestionView> {
        let kind = self.kind()?;
        let key = self.key()?;
        Ok(QuestionView {
            id: self.id,
            org_id: self.org_id,
            kind,
            kind_label: kind.label(),
            stem: self.stem.clone(),
            options: self.options()?,
            key_text: key.display(kind),
            key,
            source: self.source.clone(),
            explanation: self.explanation.clone(),
            active: self.active,
            updated_at: self.updated_at,
        })
    }
}

/// Most questions one import may bring.
pub const MAX_IMPORT_QUESTIONS: usize = 5_000;

impl Learning<'_> {
    /// The org a bank write is for: within the writable subtree.
    async fn bank_org(&self, org_id: i64) -> StoreResult<crate::org::OrgRow> {
        let root = self.scope.writable_root().ok_or(StoreError::Forbidden)?;
        let org = self.scoped().orgs().org(org_id).await?;
        if !vanguard_domain::org::path::within(&org.path, root) {
            return Err(StoreError::NotFound);
        }
        Ok(org)
    }

    async fn question_row(&self, id: i64) -> StoreResult<QuestionRow> {
        let (lo, hi) = self.scope.org_range();
        let row: Option<QuestionRow> = crate::read!(self.db, c => sqlx::query_as(
            concat!(question_cols!(), " WHERE region_id = $1 AND id = $2 AND org_path >= $3 AND org_path < $4"))
            .bind(self.scope.region_id).bind(id).bind(&lo).bind(&hi).fetch_optional(c).await)?;
        row.ok_or(StoreError::NotFound)
    }

    /// One question of a bank within reach, with its key.
    pub async fn question(&self, id: i64) -> StoreResult<QuestionView> {
        self.question_row(id).await?.view()
    }

    /// The questions of the banks within reach (of `org_id`'s subtree when given), newest
    /// first, optionally of one kind and only the active ones.
    pub async fn questions(
        &self,
        org_id: Option<i64>,
        kind: Option<QuestionKind>,
        active_only: bool,
        req: &PageRequest,
    ) -> StoreResult<Page<QuestionView>> {
        let (mut lo, mut hi) = self.scope.org_range();
        if let Some(org_id) = org_id {
            let org = self.scoped().orgs().org(org_id).await?;
            lo = org.path.clone();
            hi = vanguard_domain::org::path::upper(&org.path);
        }
        let mut filters = Sql::new(" WHERE region_id = ");
        filters.bind(self.scope.region_id).push(" AND org_path >= ").bind(lo).push(" AND org_path < ").bind(hi);
        if let Some(k) = kind {
            filters.push(" AND kind = ").bind(k.code());
        }
        if active_only {
            filters.push(" AND active = ").bind(true);
        }
        let page: Page<QuestionRow> =
            capped_page(self.db, "learning_questions", QUESTION_COLS, &filters, &BANK_ORDER, req, |r: &QuestionRow| {
                vec![r.id.into()]
            })
            .await?;
        page.try_map(|r| r.view())
    }

    /// Adds a question to `org_id`'s bank. Audited.
    pub async fn create_question(&self, org_id: i64, draft: QuestionDraft) -> StoreResult<QuestionView> {
        let org = self.bank_org(org_id).await?;
        let q = draft.validate().map_err(StoreError::Invalid)?;
        let mut tx = self.db.begin().await?;
        let id = insert_questions(&mut tx, self.db, org.region_id, org.id, &org.path, std::slice::from_ref(&q)).await?[0];
        audit::append(
            &mut tx,
            self.db,
            &self.scope.actor,
            Event::ok("learning.question.create", format!("question:{id}")).detail(short(&q.stem)),
        )
        .await?;
        tx.commit().await?;
        self.question(id).await
    }

    /// Rewrites a question within the writable subtree. Audited. Answers already given
    /// keep the grade they got.
    pub async fn update_question(&self, id: i64, draft: QuestionDraft) -> StoreResult<QuestionView> {
        let row = self.question_row(id).await?;
        self.bank_org(row.org_id).await?;
        let q = draft.validate().map_err(StoreError::Invalid)?;
        let mut tx = self.db.begin().await?;
        let now = self.db.clock().now_ms();
        crate::exec_tx!(tx, c => sqlx::query(
            "UPDATE learning_questions SET kind = $1, stem = $2, options = $3, answer_key = $4, source = $5, explanation = $6, updated_at = $7, \
             blanks = $10 WHERE region_id = $8 AND id = $9")
            .bind(q.kind.code()).bind(&q.stem).bind(to_json(&q.options)).bind(to_json(&q.key)).bind(&q.source)
            .bind(&q.explanation).bind(now).bind(self.scope.region_id).bind(id).bind(blanks_of(&q.key)).execute(c).await)?;
        audit::append(
            &mut tx,
            self.db,
            &self.scope.actor,
            Event::ok("learning.question.update", format!("question:{id}")).detail(short(&q.stem)),
        )
        .await?;
        tx.commit().await?;
        self.question(id).await
    }

    /// Withdraws a question from (or puts it back into) the draw. Audited.
    pub async fn set_question_active(&self, id: i64, active: bool) -> StoreResult<QuestionView> {
        let row = self.question_row(id).await?;
        self.bank_org(row.org_id).await?;
        let mut tx = self.db.begin().await?;
        crate::exec_tx!(tx, c => sqlx::query("UPDATE learning_questions SET active = $1, updated_at = $2 WHERE region_id = $3 AND id = $4")
            .bind(active).bind(self.db.clock().now_ms()).bind(self.scope.region_id).bind(id).execute(c).await)?;
        let action = if active { "learning.question.restore" } else { "learning.question.withdraw" };
        audit::append(&mut tx, self.db, &self.scope.actor, Event::ok(action, format!("question:{id}")).detail(short(&row.stem)))
            .await?;
        tx.commit().await?;
        self.question(id).await
    }

    /// Adds validated questions (an import's good rows) to `org_id`'s bank in one
    /// transaction with one audit record. Returns how many were added.
    pub async fn import_questions(&self, org_id: i64, questions: &[QuestionDraft], file_name: &str) -> StoreResult<usize> {
        if questions.len() > MAX_IMPORT_QUESTIONS {
            return Err(StoreError::Invalid(Invalid::one(
                "file",
                "learning.import_too_many",
                format!("一次最多导入 {MAX_IMPORT_QUESTIONS} 道题，请分成几个文件"),
            )));
        }
        let org = self.bank_org(org_id).await?;
        let mut tx = self.db.begin().await?;
        let ids = insert_questions(&mut tx, self.db, org.region_id, org.id, &org.path, questions).await?;
        audit::append(
            &mut tx,
            self.db,
            &self.scope.actor,
            Event::ok("learning.question.import", format!("org:{org_id}")).detail(format!(
                "{}：{} 道题",
                short(file_name),
                ids.len()
            )),
        )
        .await?;
        tx.commit().await?;
        Ok(ids.len())
    }
}

/// Blanks of a 填空题's key (0 for a choice key).
pub(crate) fn blanks_of(key: &AnswerKey) -> i64 {
    match key {
        AnswerKey::Blanks(b) => b.len() as i64,
        AnswerKey::Choices(_) => 0,
    }
}

fn short(s: &str) -> String {
    s.chars().take(60).collect()
}

/// Inserts questions already validated; returns their ids in order.
pub(crate) async fn insert_questions(
    tx: &mut Tx,
    db: &crate::Db,
    region_id: i64,
    org_id: i64,
    org_path: &str,
    questions: &[QuestionDraft],
) -> StoreResult<Vec<i64>> {
    let now = db.clock().now_ms();
    let ids: Vec<i64> = questions.iter().map(|_| ids::next()).collect();
    let rows: Vec<_> = questions
        .iter()
        .zip(&ids)
        .map(|(q, id)| {
            bulk_row![
                region_id,
                *id,
                org_id,
                org_path,
                q.kind.code(),
                q.stem.as_str(),
                to_json(&q.options),
                to_json(&q.key),
                blanks_of(&q.key),
                q.source.as_str(),
                q.explanation.as_str(),
                true,
                now,
                now
            ]
        })
        .collect();
    bulk::insert(
        tx,
        "learning_questions",
        &[
            "region_id",
            "id",
            "org_id",
            "org_path",
            "kind",
            "stem",
            "options",
            "answer_key",
            "blanks",
            "source",
            "explanation",
            "active",
            "created_at",
            "updated_at",
        ],
        &rows,
    )
    .await?;
    Ok(ids)
}

/// The outcome of a question bank file: questions added, or (when any row is bad)
/// nothing added and every bad row with its reasons.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct BankImport {
    pub file_name: String,
    /// Questions found in good rows.
    pub good_rows: usize,
    pub added: usize,
    pub problems: Vec<vanguard_domain::learning::bank_import::RowProblem>,
}

impl Learning<'_> {
    /// Reads a question bank file through the one bounded reader and, when every row is
    /// good, adds its questions to `org_id`'s bank (one transaction, one audit record).
    /// A file with any bad row adds nothing and reports each row.
    pub async fn import_file(&self, org_id: i64, filename: &str, bytes: Vec<u8>) -> StoreResult<BankImport> {
        self.bank_org(org_id).await?;
        let tables = crate::platform::upload::read_tables(self.db, filename, bytes)
            .await
            .map_err(|e| StoreError::Invalid(e.into_invalid()))?;
        let parsed = vanguard_domain::learning::bank_import::parse_bank(&tables).map_err(StoreError::Invalid)?;
        let good_rows = parsed.questions.len();
        let mut added = 0;
        if parsed.problems.is_empty() && good_rows > 0 {
            let qs: Vec<QuestionDraft> = parsed.questions.into_iter().map(|(_, q)| q).collect();
            added = self.import_questions(org_id, &qs, filename).await?;
        }
        Ok(BankImport { file_name: filename.to_string(), good_rows, added, problems: parsed.problems })
    }
}

/// The question bank's import template: the headings and one example row per kind.
pub fn template_xlsx() -> StoreResult<Vec<u8>> {
    use crate::platform::xlsx::{Book, XlsxCell, XlsxColumn};
    use vanguard_domain::learning::bank_import::HEADINGS;
    let mut book = Book::new(&std::env::temp_dir())?;
    let columns: Vec<XlsxColumn> =
        HEADINGS.iter().map(|h| XlsxColumn::new(*h, if *h == "题干" || *h == "解析" { 40.0 } else { 14.0 })).collect();
    book.sheet("题库", None, &columns)?;
    let examples: [[&str; 11]; 4] = [
        [
            "单选题",
            "党的最高领导机关是（）。",
            "党的全国代表大会和它所产生的中央委员会",
            "中央政治局",
            "中央书记处",
            "",
            "",
            "",
            "A",
            "《中国共产党章程》第十条",
            "",
        ],
        [
            "多选题",
            "党员的权利包括（）。",
            "参加党的有关会议",
            "在党的会议上参加讨论",
            "对党的工作提出建议",
            "",
            "",
            "",
            "ABC",
            "《中国共产党章程》第四条",
            "",
        ],
        ["判断题", "预备党员的预备期为一年。", "", "", "", "", "", "", "正确", "《中国共产党章程》第七条", ""],
        [
            "填空题",
            "党的根本宗旨是（）。",
            "",
            "",
            "",
            "",
            "",
            "",
            "全心全意为人民服务",
            "《中国共产党章程》总纲",
            "多个可接受答案用|分隔，多个空用；分隔",
        ],
    ];
    for row in examples {
        let cells: Vec<XlsxCell> = row.iter().map(|c| XlsxCell::text(*c)).collect();
        book.row(&cells)?;
    }
    book.into_bytes()
}
