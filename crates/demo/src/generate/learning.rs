//! A demo question bank and a month of members' daily quizzes and logins, pure: the bank
//! from a table of facts of the 党章 and the 支部工作条例 in four forms (单选, 判断 right
//! and wrong, 填空), and per member a habit (keen, steady, never) that decides the days
//! they answer and how well.

use super::rng::{chance, mix, stream};
use chrono::NaiveDate;
use rand::RngExt;
use vanguard_domain::learning::{AnswerKey, QuestionDraft, QuestionKind};

/// One fact: a sentence with its blank `（）`, the right words and three wrong ones.
struct Fact {
    topic: &'static str,
    stem: &'static str,
    answer: &'static str,
    wrong: [&'static str; 3],
    source: &'static str,
}

const FACTS: &[Fact] = &[
    Fact {
        topic: "党章",
        stem: "党的最高领导机关，是党的全国代表大会和它所产生的（）。",
        answer: "中央委员会",
        wrong: ["中央政治局", "中央书记处", "中央军事委员会"],
        source: "《中国共产党章程》第十条",
    },
    Fact {
        topic: "党章",
        stem: "预备党员的预备期为（）。",
        answer: "一年",
        wrong: ["半年", "两年", "三年"],
        source: "《中国共产党章程》第七条",
    },
    Fact {
        topic: "党章",
        stem: "年满（）岁的中国工人、农民、军人、知识分子和其他社会阶层的先进分子，可以申请加入中国共产党。",
        answer: "十八",
        wrong: ["十六", "二十", "二十二"],
        source: "《中国共产党章程》第一条",
    },
    Fact {
        topic: "党章",
        stem: "党员如果没有正当理由，连续（）不参加党的组织生活，或不交纳党费，或不做党所分配的工作，就被认为是自行脱党。",
        answer: "六个月",
        wrong: ["三个月", "一年", "两个月"],
        source: "《中国共产党章程》第九条",
    },
    Fact {
        topic: "党章",
        stem: "党的思想路线是一切从实际出发，理论联系实际，（），在实践中检验真理和发展真理。",
        answer: "实事求是",
        wrong: ["与时俱进", "解放思想", "求真务实"],
        source: "《中国共产党章程》总纲",
    },
    Fact {
        topic: "党章",
        stem: "党的根本宗旨是（）。",
        answer: "全心全意为人民服务",
        wrong: ["为人民谋幸福", "实现共产主义", "发展生产力"],
        source: "《中国共产党章程》总纲",
    },
    Fact {
        topic: "党章",
        stem: "党的全国代表大会每（）年举行一次，由中央委员会召集。",
        answer: "五",
        wrong: ["三", "四", "十"],
        source: "《中国共产党章程》第十九条",
    },
    Fact {
        topic: "党章",
        stem: "企业、农村、机关、学校、医院、科研院所、街道社区、社会组织、人民解放军连队和其他基层单位，凡是有正式党员（）人以上的，都应当成立党的基层组织。",
        answer: "三",
        wrong: ["五", "七", "十"],
        source: "《中国共产党章程》第三十条",
    },
    Fact {
        topic: "党章",
        stem: "党的纪律处分有五种：警告、严重警告、撤销党内职务、（）、开除党籍。",
        answer: "留党察看",
        wrong: ["降级", "记过", "停职检查"],
        source: "《中国共产党章程》第四十一条",
    },
    Fact {
        topic: "党章",
        stem: "留党察看最长不超过（）。",
        answer: "两年",
        wrong: ["一年", "三年", "六个月"],
        source: "《中国共产党章程》第四十一条",
    },
    Fact {
        topic: "党章",
        stem: "党组织讨论决定问题，必须执行少数服从多数的原则。决定重要问题，要进行（）。",
        answer: "表决",
        wrong: ["公示", "备案", "请示"],
        source: "《中国共产党章程》第十五条",
    },
    Fact {
        topic: "党章",
        stem: "党的基层委员会每届任期三年至（）年。",
        answer: "五",
        wrong: ["四", "六", "八"],
        source: "《中国共产党章程》第三十一条",
    },
    Fact {
        topic: "支部工作条例",
        stem: "党支部党员人数一般不超过（）人。",
        answer: "50",
        wrong: ["30", "100", "80"],
        source: "《中国共产党支部工作条例（试行）》第五条",
    },
    Fact {
        topic: "支部工作条例",
        stem: "正式党员（）人以上的党支部，设立党支部委员会。",
        answer: "7",
        wrong: ["5", "3", "9"],
        source: "《中国共产党支部工作条例（试行）》第十八条",
    },
    Fact {
        topic: "支部工作条例",
        stem: "党支部委员会一般每月召开（）次。",
        answer: "1",
        wrong: ["2", "3", "4"],
        source: "《中国共产党支部工作条例（试行）》第十条",
    },
    Fact {
        topic: "支部工作条例",
        stem: "党支部党员大会一般每季度召开（）次。",
        answer: "1",
        wrong: ["2", "3", "半"],
        source: "《中国共产党支部工作条例（试行）》第十条",
    },
    Fact {
        topic: "支部工作条例",
        stem: "党支部每届任期为（）年。",
        answer: "3",
        wrong: ["2", "4", "5"],
        source: "《中国共产党支部工作条例（试行）》第十八条",
    },
    Fact {
        topic: "支部工作条例",
        stem: "党支部应当每月相对固定1天开展（）。",
        answer: "主题党日",
        wrong: ["志愿服务", "集中学习", "民主评议"],
        source: "《中国共产党支部工作条例（试行）》第十条",
    },
    Fact {
        topic: "党员教育",
        stem: "党员每年集中学习培训时间一般不少于（）学时。",
        answer: "32",
        wrong: ["24", "40", "56"],
        source: "《中国共产党党员教育管理工作条例》第十二条",
    },
    Fact {
        topic: "党员教育",
        stem: "基层党组织书记和班子成员每年集中学习培训时间不少于（）学时。",
        answer: "56",
        wrong: ["32", "40", "72"],
        source: "《中国共产党党员教育管理工作条例》第十二条",
    },
    Fact {
        topic: "党费",
        stem: "按月工资收入交纳党费的党员，税后月收入在3000元以下（含3000元）者，交纳月工资收入的（）。",
        answer: "0.5%",
        wrong: ["1%", "1.5%", "2%"],
        source: "《关于中国共产党党费收缴、使用和管理的规定》",
    },
    Fact {
        topic: "党费",
        stem: "党员应当（）交纳党费。",
        answer: "按月",
        wrong: ["按季", "按年", "按半年"],
        source: "《关于中国共产党党费收缴、使用和管理的规定》",
    },
    Fact {
        topic: "两学一做",
        stem: "“两学一做”是指学党章党规、学系列讲话，（）。",
        answer: "做合格党员",
        wrong: ["做优秀党员", "做先锋模范", "做表率"],
        source: "中共中央办公厅《关于在全体党员中开展“学党章党规、学系列讲话，做合格党员”学习教育方案》",
    },
    Fact {
        topic: "组织生活",
        stem: "“三会一课”中的“一课”是指（）。",
        answer: "党课",
        wrong: ["团课", "形势政策课", "专题讲座"],
        source: "《中国共产党支部工作条例（试行）》第十条",
    },
    Fact {
        topic: "组织生活",
        stem: "党员领导干部应当以（）身份参加所在党支部或党小组的组织生活。",
        answer: "普通党员",
        wrong: ["领导干部", "列席人员", "指导员"],
        source: "《关于新形势下党内政治生活的若干准则》",
    },
];

/// Rounds of the bank: each fact in each form once per round.
fn stem_of(f: &Fact, round: usize) -> String {
    format!("【{}·第{}期】{}", f.topic, round + 1, f.stem)
}

/// About `size` questions (a multiple of the facts × 4 forms, at least one round).
pub fn question_bank(seed: u64, size: usize) -> Vec<QuestionDraft> {
    let mut rng = stream(seed, 0x1EA2);
    let rounds = (size / (FACTS.len() * 4)).max(1);
    let mut out = Vec::with_capacity(rounds * FACTS.len() * 4);
    for round in 0..rounds {
        for f in FACTS {
            let stem = stem_of(f, round);
            let mut options: Vec<String> = f.wrong.iter().map(|w| w.to_string()).collect();
            let at = rng.random_range(0..=options.len());
            options.insert(at, f.answer.to_string());
            let explanation = f.stem.replace("（）", &format!("“{}”", f.answer));
            out.push(QuestionDraft {
                kind: QuestionKind::Single,
                stem: stem.clone(),
                options,
                key: AnswerKey::Choices(vec![at as u8]),
                source: f.source.into(),
                explanation: explanation.clone(),
            });
            let wrong = f.wrong[rng.random_range(0..f.wrong.len())];
            for (said, right) in [(f.answer, true), (wrong, false)] {
                out.push(QuestionDraft {
                    kind: QuestionKind::TrueFalse,
                    stem: format!("【{}·第{}期】{}", f.topic, round + 1, f.stem.replace("（）", said)),
                    options: vec![],
                    key: AnswerKey::Choices(vec![if right { 0 } else { 1 }]),
                    source: f.source.into(),
                    explanation: explanation.clone(),
                });
            }
            out.push(QuestionDraft {
                kind: QuestionKind::FillIn,
                stem,
                options: vec![],
                key: AnswerKey::Blanks(vec![vec![f.answer.to_string()]]),
                source: f.source.into(),
                explanation,
            });
        }
    }
    out
}

/// A member's habit with the daily quiz.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Habit {
    /// Nearly every day, nearly every answer right (15 %).
    Keen,
    /// Some days, most answers right (55 %).
    Steady,
    /// Never (30 %).
    Never,
}

pub fn habit(seed: u64, member_id: i64) -> Habit {
    match mix(seed ^ mix(member_id as u64)) % 100 {
        0..15 => Habit::Keen,
        15..70 => Habit::Steady,
        _ => Habit::Never,
    }
}

/// One day of a member's: the minute of the day they logged in and answered, and how
/// many of `size` answers were right.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuizDay {
    pub date: NaiveDate,
    pub minute: u32,
    pub right: u32,
}

/// The days a member answered among `days`, by their habit; mostly in the 学习强国
/// windows (morning, noon, evening).
pub fn quiz_days(seed: u64, member_id: i64, days: &[NaiveDate], size: u32) -> Vec<QuizDay> {
    let h = habit(seed, member_id);
    let mut rng = stream(seed ^ 0x5EED, member_id as u64);
    let (p, skill) = match h {
        Habit::Keen => (0.9, 0.9),
        Habit::Steady => (0.35, 0.7),
        Habit::Never => return Vec::new(),
    };
    days.iter()
        .filter_map(|d| {
            if !chance(&mut rng, p) {
                return None;
            }
            let base = [7 * 60, 12 * 60 + 20, 20 * 60 + 30, 16 * 60][rng.random_range(0..4)];
            let minute = base + rng.random_range(0..60);
            let right = (0..size).filter(|_| chance(&mut rng, skill)).count() as u32;
            Some(QuizDay { date: *d, minute, right })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bank_has_about_a_thousand_valid_questions_and_no_stem_twice() {
        let bank = question_bank(7, 1000);
        assert!((900..=1100).contains(&bank.len()), "{}", bank.len());
        let mut stems: Vec<(&str, QuestionKind)> = bank.iter().map(|q| (q.stem.as_str(), q.kind)).collect();
        stems.sort();
        stems.dedup();
        assert_eq!(stems.len(), bank.len());
        assert!(bank.into_iter().all(|q| q.validate().is_ok()));
    }

    #[test]
    fn habits_give_variety_and_never_means_no_day() {
        let days: Vec<NaiveDate> = (1..=28).filter_map(|d| NaiveDate::from_ymd_opt(2026, 2, d)).collect();
        let counts: Vec<usize> = (0..300).map(|m| quiz_days(3, m, &days, 5).len()).collect();
        assert!(counts.contains(&0));
        assert!(counts.iter().any(|c| *c >= 20));
        assert!(counts.iter().any(|c| (5..15).contains(c)));
        assert_eq!(quiz_days(3, 42, &days, 5), quiz_days(3, 42, &days, 5));
    }
}
