//! Party members, one branch at a time: names, ID numbers, dates, education, work
//! units and addresses that fit the branch they belong to.

use super::data::{
    BRAND_FIRST, BRAND_SECOND, COMPANY_ENDS, DISTRICTS, District, ESTATE_ENDS, FEMALE_OLD, FEMALE_YOUNG, FLOW_IN_PLACES,
    FLOW_OUT_PLACES, GOV_DEPTS, INDUSTRIES, MALE_OLD, MALE_YOUNG, MINORITIES, OTHER_CODES, PHONE_PREFIXES, PLACE_WORDS,
    SCHOOL_KINDS, SOCIAL_ORGS, SURNAMES, ZHEJIANG_CODES,
};
use super::rng::{Table, age_on, birthday, chance, date_between, days_after, days_before, pick, pick_ref, stream, weighted, ymd};
use super::{MemberSeed, OrgSeed, sample_size};
use chacha20::ChaCha12Rng as StdRng;
use chrono::{Datelike, NaiveDate};
use rand::RngExt;
use std::collections::HashSet;
use std::fmt::Write;
use vanguard_domain::member::idcard::{IdNumber, compose};
use vanguard_domain::member::{Category, Education, Ethnicity, Flow, Gender, MemberFields, PartyStatus};
use vanguard_domain::org::{OrgKind, Sector};

/// Generates members branch by branch, so a city (500k members) never has to sit in
/// memory at once. ID numbers and phone numbers are unique across every call of one
/// generator.
pub struct MemberGenerator {
    seed: u64,
    today: NaiveDate,
    /// Latest birth date: 20 years before today, and not after 2005.
    youngest: NaiveDate,
    oldest: NaiveDate,
    surnames: Table<&'static str>,
    minorities: Table<&'static str>,
    /// The first 17 digits of every ID number handed out.
    ids: HashSet<u64>,
    phones: HashSet<u64>,
}

/// What kind of people a branch holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Profile {
    Community,
    Rural,
    Government,
    Retired,
    School,
    Hospital,
    Teacher,
    Student,
    StateEnterprise,
    Private,
    Social,
    Mobile,
    Temporary,
}

/// Where a branch sits: its district and 街道/镇, its unit and (for 社区/村) locality.
struct Place {
    district: Option<&'static District>,
    town: Option<&'static str>,
    profile: Profile,
    kind: OrgKind,
    /// The unit's formal name for work units (`宁波市江北区发展和改革局`).
    unit: String,
    /// `槐树路社区` or `半浦村` for community and village branches.
    locality: Option<String>,
}

impl MemberGenerator {
    pub fn new(seed: u64, today: NaiveDate) -> Self {
        let twenty = days_before(ymd(today.year() - 20, today.month(), today.day().min(28)), 1);
        let youngest = twenty.min(ymd(2005, 12, 31));
        let oldest = ymd(1935, 1, 1).min(youngest);
        MemberGenerator {
            seed,
            today,
            youngest,
            oldest,
            surnames: Table::new(SURNAMES),
            minorities: Table::new(MINORITIES),
            ids: HashSet::new(),
            phones: HashSet::new(),
        }
    }

    /// The members of `orgs[branch]` (call for each branch index in increasing order;
    /// the output for a given (seed, orgs, call sequence) is deterministic). Returns
    /// nothing for an org that is not a branch.
    pub fn members_of(&mut self, orgs: &[OrgSeed], branch: usize) -> Vec<MemberSeed> {
        let Some(org) = orgs.get(branch) else {
            return Vec::new();
        };
        if !org.kind.is_branch() {
            return Vec::new();
        }
        // The 党小组 of a branch directly follow it.
        let groups: Vec<usize> =
            (branch + 1..orgs.len()).take_while(|&i| orgs[i].kind == OrgKind::Group && orgs[i].parent == Some(branch)).collect();
        let mut rng = stream(self.seed, branch as u64 + 1);
        let place = place_of(orgs, branch);
        let size = sample_size(&mut rng, org.kind, org.sector, groups.len() as u8).max(1);

        let mut out = Vec::with_capacity(size);
        for i in 0..size {
            let fields = self.member(&mut rng, &place, i == 0);
            let group = if groups.is_empty() { None } else { Some(groups[i * groups.len() / size]) };
            out.push(MemberSeed { branch, group, fields, is_secretary: i == 0, is_group_leader: false });
        }
        for &g in &groups {
            let leader = |m: &MemberSeed, strict: bool| {
                m.group == Some(g)
                    && m.fields.category == Category::Formal
                    && (!strict
                        || (!m.is_secretary
                            && m.fields.party_status == PartyStatus::Normal
                            && m.fields.flow != Flow::Out
                            && m.fields.lost_contact_since.is_none()))
            };
            let pos = out
                .iter()
                .position(|m| leader(m, true))
                .or_else(|| out.iter().position(|m| leader(m, false)))
                .or_else(|| out.iter().position(|m| m.group == Some(g)));
            if let Some(p) = pos {
                out[p].is_group_leader = true;
            }
        }
        out
    }

    fn member(&mut self, rng: &mut StdRng, place: &Place, secretary: bool) -> MemberFields {
        // A student branch's secretary is a teacher (辅导员).
        let profile = match place.profile {
            Profile::Student if secretary => Profile::Teacher,
            p => p,
        };
        let today = self.today;
        let gender =
            if chance(rng, male_share(profile) + if secretary { 0.1 } else { 0.0 }) { Gender::Male } else { Gender::Female };
        let age = if secretary { secretary_age(rng, profile) } else { age(rng, profile) };
        let birth = {
            let anchor = ymd(today.year() - age, today.month(), today.day().min(28));
            let birth = days_before(anchor, rng.random_range(0..365));
            if birth > self.youngest {
                days_before(self.youngest, rng.random_range(0..365))
            } else if birth < self.oldest {
                days_after(self.oldest, rng.random_range(0..365))
            } else {
                birth
            }
        };
        let age = age_on(birth, today);

        let flow_in = !secretary
            && match profile {
                Profile::Mobile => chance(rng, 0.9),
                Profile::Private => chance(rng, 0.004),
                _ => chance(rng, 0.0005),
            };
        let origin = flow_in.then(|| pick(rng, FLOW_IN_PLACES));

        let region = match origin {
            Some((_, code, _)) => code,
            None => self.region(rng, place, profile, birth),
        };
        let (birth, id_number) = self.id_number(rng, region, birth, gender);

        let ethnicity = match origin {
            Some((_, _, local)) if !local.is_empty() && chance(rng, 0.25) => pick(rng, local),
            _ if chance(rng, 0.02) => self.minorities.pick(rng),
            _ => "汉族",
        };
        let ethnicity = Ethnicity::parse(ethnicity).unwrap_or(Ethnicity::HAN);

        let name = self.name(rng, gender, birth.year());
        let education = education(rng, profile, birth.year(), age);
        let phone_share = match age {
            ..70 => 0.94,
            70..80 => 0.82,
            _ => 0.6,
        };
        let phone = (secretary || chance(rng, phone_share)).then(|| self.phone(rng));

        // 入党: at 18 or later; 预备党员 joined within the last year.
        let adult = birthday(birth, 18);
        let probationary_share = match (profile, age) {
            (Profile::Student, _) => 0.30,
            (_, ..36) => 0.13,
            (_, 36..46) => 0.045,
            _ => 0.004,
        };
        let probationary = !secretary && chance(rng, probationary_share);
        let (joined_on, confirmed_on, category) = if probationary {
            let from = adult.max(days_before(today, 360));
            let joined = date_between(rng, from, days_before(today, 1).max(from));
            (joined, None, Category::Probationary)
        } else {
            let latest = days_before(today, 380);
            let join_age = join_age(rng, profile);
            let mut joined = days_after(birthday(birth, join_age), rng.random_range(0..365));
            if chance(rng, 0.15) {
                joined = ymd(joined.year(), 7, 1);
            }
            if joined < adult || joined > latest {
                joined = date_between(rng, adult, latest);
            }
            let confirmed = days_after(joined, 365 + rng.random_range(0..=12) as u64 - 2);
            (joined, Some(confirmed.min(today)), Category::Formal)
        };

        let mut flow = Flow::None;
        let mut flow_place = String::new();
        if let Some((from, _, _)) = origin {
            flow = Flow::In;
            flow_place = (*from).to_string();
        } else if !secretary && profile != Profile::Mobile && chance(rng, flow_out_share(profile)) {
            flow = Flow::Out;
            flow_place = (pick(rng, FLOW_OUT_PLACES)).to_string();
        }

        let (party_status, lost_contact_since) = {
            let r: f64 = if secretary { 1.0 } else { rng.random() };
            if r < 0.001 {
                (PartyStatus::Suspended, Some(days_before(today, rng.random_range(183..=900))))
            } else if r < 0.003 {
                (PartyStatus::Normal, Some(days_before(today, rng.random_range(31..=900))))
            } else {
                (PartyStatus::Normal, None)
            }
        };
        let lost_contact_since = lost_contact_since.map(|d| d.max(joined_on));

        let graduate = education.is_some_and(|e| e <= Education::Bachelor);
        let work_unit = work_unit(rng, place, profile, gender, age, flow, graduate);
        let residence = residence(rng, place);

        MemberFields {
            name,
            gender,
            ethnicity,
            birth_date: birth,
            id_number,
            education,
            phone,
            joined_on,
            confirmed_on,
            category,
            party_status,
            work_unit,
            residence,
            flow,
            flow_place,
            lost_contact_since,
        }
    }

    /// The 6-digit region code on the member's ID card.
    fn region(&self, rng: &mut StdRng, place: &Place, profile: Profile, birth: NaiveDate) -> &'static str {
        let (home, ningbo, zhejiang) = match profile {
            Profile::Private | Profile::Mobile => (55, 65, 80),
            Profile::Student | Profile::Teacher => (40, 55, 80),
            Profile::Rural | Profile::Retired => (88, 94, 98),
            _ => (75, 85, 94),
        };
        let r = rng.random_range(0..100);
        let district = match place.district {
            Some(d) if r < home => d,
            _ if r < ningbo => pick_ref(rng, &DISTRICTS),
            _ if r < zhejiang => return pick(rng, ZHEJIANG_CODES),
            _ => return pick(rng, OTHER_CODES),
        };
        // Older codes (江东区, 鄞县, 奉化市) only for people registered before they went.
        if district.codes.len() > 1 && birth.year() < 2000 && chance(rng, 0.3) {
            pick(rng, &district.codes[1..])
        } else {
            district.codes[0]
        }
    }

    /// A unique ID number; when a day is crowded, the birth date moves by a day.
    fn id_number(&mut self, rng: &mut StdRng, region: &str, mut birth: NaiveDate, gender: Gender) -> (NaiveDate, IdNumber) {
        let region_num: u64 = region.parse().unwrap_or(0);
        let parity = u16::from(gender == Gender::Male);
        loop {
            let date_num = u64::from(birth.year() as u32) * 10_000 + u64::from(birth.month() * 100 + birth.day());
            for _ in 0..16 {
                let seq = rng.random_range(0..500u16) * 2 + parity;
                let key = (region_num * 100_000_000 + date_num) * 1000 + u64::from(seq);
                if self.ids.insert(key) {
                    let id = IdNumber::parse(&compose(region, birth, seq)).expect("composed ID numbers are valid");
                    return (birth, id);
                }
            }
            birth = if birth > self.oldest { days_before(birth, 1) } else { days_after(birth, 1) };
        }
    }

    fn phone(&mut self, rng: &mut StdRng) -> String {
        loop {
            let number = u64::from(pick(rng, PHONE_PREFIXES)) * 100_000_000 + rng.random_range(0..100_000_000u64);
            if self.phones.insert(number) {
                return number.to_string();
            }
        }
    }

    fn name(&self, rng: &mut StdRng, gender: Gender, born: i32) -> String {
        let older = born < 1965;
        let pool = match (gender, older) {
            (Gender::Male, true) => MALE_OLD,
            (Gender::Male, false) => MALE_YOUNG,
            (Gender::Female, true) => FEMALE_OLD,
            (Gender::Female, false) => FEMALE_YOUNG,
        };
        let mut name = String::with_capacity(12);
        name.push_str(self.surnames.pick(rng));
        let first = pick(rng, pool);
        name.push_str(first);
        let single = if older { 0.12 } else { 0.2 };
        if !chance(rng, single) {
            let mut second = pick(rng, pool);
            // Doubled characters (婷婷, 丹丹) only now and then.
            if second == first && !chance(rng, 0.3) {
                second = pick(rng, pool);
            }
            name.push_str(second);
        }
        name
    }
}

/// Finds the branch's district, 街道/镇, unit and locality by walking up the tree.
fn place_of(orgs: &[OrgSeed], branch: usize) -> Place {
    let org = &orgs[branch];
    let mut chain = Vec::with_capacity(8);
    let mut at = org.parent;
    while let Some(p) = at {
        chain.push(p);
        at = orgs[p].parent;
        if chain.len() > 16 {
            break;
        }
    }
    let district = chain.iter().find_map(|&i| DISTRICTS.iter().find(|d| d.committee == orgs[i].name));
    let town = district.and_then(|d| {
        chain.iter().find_map(|&i| {
            let name = &orgs[i].name;
            let bare = name.strip_suffix("党工委").or_else(|| name.strip_suffix("党委"))?;
            d.towns.iter().find(|t| t.name == bare).map(|t| t.name)
        })
    });
    let profile = profile_of(org);
    let base = unit_of(&org.name);
    let locality = match org.sector {
        Sector::Community => base.find("社区").map(|i| base[..i + "社区".len()].to_string()),
        Sector::Rural => base.find('村').map(|i| base[..i + '村'.len_utf8()].to_string()),
        _ => None,
    };
    let unit = formal_unit(&base, district, town);
    Place { district, town, profile, kind: org.kind, unit, locality }
}

fn profile_of(org: &OrgSeed) -> Profile {
    let n = org.name.as_str();
    match org.kind {
        OrgKind::MobileBranch => return Profile::Mobile,
        OrgKind::TemporaryBranch => return Profile::Temporary,
        _ => {}
    }
    if n.contains("离退休") || n.contains("老年党员") {
        return Profile::Retired;
    }
    match org.sector {
        Sector::Community => Profile::Community,
        Sector::Rural => Profile::Rural,
        Sector::Government => Profile::Government,
        Sector::PublicInstitution => {
            if ["医院", "卫生", "疾病", "保健", "急救", "血液"].iter().any(|k| n.contains(k)) {
                Profile::Hospital
            } else {
                Profile::School
            }
        }
        Sector::University if n.contains("学生") || n.contains("研究生") => Profile::Student,
        Sector::University => Profile::Teacher,
        Sector::StateEnterprise => Profile::StateEnterprise,
        Sector::PrivateEnterprise => Profile::Private,
        Sector::SocialOrganization | Sector::Other => Profile::Social,
    }
}

/// The unit a branch belongs to, from its name: `槐树路社区第一党支部` → `槐树路社区`,
/// `宁波甬丰机械有限公司生产党支部` → `宁波甬丰机械有限公司`.
fn unit_of(name: &str) -> String {
    let mut s = name;
    for suffix in ["流动党员e支部", "联合党支部", "临时党支部", "党支部", "党总支", "党委"] {
        if let Some(rest) = s.strip_suffix(suffix) {
            s = rest;
            break;
        }
    }
    // A trailing ordinal: 第一, 第十二.
    if let Some(i) = s.rfind('第')
        && s[i + '第'.len_utf8()..].chars().all(|c| "一二三四五六七八九十".contains(c))
    {
        s = &s[..i];
    }
    for suffix in ["离退休干部", "离退休教师", "离退休", "老年党员", "研究生", "教工", "学生", "机关"] {
        if let Some(rest) = s.strip_suffix(suffix) {
            s = rest;
            break;
        }
    }
    if let Some(i) = s.rfind("公司") {
        s = &s[..i + "公司".len()];
    }
    s.to_string()
}

/// A unit as written on a form: `江北区财政局` → `宁波市江北区财政局`,
/// `中马街道` → `宁波市江北区中马街道办事处`.
fn formal_unit(base: &str, district: Option<&District>, town: Option<&str>) -> String {
    let mut unit = String::with_capacity(base.len() + 24);
    if let Some(d) = district {
        if base.starts_with(d.short) && d.addr.len() > d.short.len() {
            unit.push_str(&d.addr[..d.addr.len() - d.short.len()]);
        } else if town.is_some_and(|t| base.starts_with(t)) {
            unit.push_str(d.addr);
        }
    }
    unit.push_str(base);
    if base.ends_with("街道") {
        unit.push_str("办事处");
    } else if base.ends_with('镇') || base.ends_with('乡') {
        unit.push_str("人民政府");
    }
    unit
}

fn male_share(p: Profile) -> f64 {
    match p {
        Profile::Community => 0.58,
        Profile::Rural => 0.76,
        Profile::Government => 0.66,
        Profile::Retired => 0.70,
        Profile::School => 0.36,
        Profile::Hospital => 0.40,
        Profile::Teacher => 0.56,
        Profile::Student => 0.44,
        Profile::StateEnterprise => 0.76,
        Profile::Private => 0.72,
        Profile::Social => 0.56,
        Profile::Mobile => 0.78,
        Profile::Temporary => 0.70,
    }
}

fn age(rng: &mut StdRng, p: Profile) -> i32 {
    let r = rng.random_range(0..100);
    let (lo, hi) = match p {
        Profile::Community if r < 45 => (60, 91),
        Profile::Community if r < 75 => (40, 59),
        Profile::Community => (24, 39),
        Profile::Rural if r < 42 => (60, 89),
        Profile::Rural if r < 78 => (40, 59),
        Profile::Rural => (23, 39),
        Profile::Retired => (58, 92),
        Profile::Government | Profile::StateEnterprise => (24, 59),
        Profile::School => (23, 59),
        Profile::Hospital => (24, 59),
        Profile::Teacher => (28, 64),
        Profile::Student => (20, 26),
        Profile::Private if r < 70 => (23, 45),
        Profile::Private => (46, 60),
        Profile::Social => (25, 66),
        Profile::Mobile => (23, 55),
        Profile::Temporary => (28, 50),
    };
    rng.random_range(lo..=hi)
}

fn secretary_age(rng: &mut StdRng, p: Profile) -> i32 {
    match p {
        Profile::Retired => rng.random_range(60..=75),
        Profile::Community | Profile::Rural => rng.random_range(35..=62),
        Profile::Student => rng.random_range(28..=45),
        _ => rng.random_range(30..=58),
    }
}

fn join_age(rng: &mut StdRng, p: Profile) -> i32 {
    if p == Profile::Student {
        return rng.random_range(19..=22);
    }
    match rng.random_range(0..100) {
        0..55 => rng.random_range(19..=27),
        55..85 => rng.random_range(28..=36),
        _ => rng.random_range(37..=50),
    }
}

fn flow_out_share(p: Profile) -> f64 {
    match p {
        Profile::Rural | Profile::Private => 0.045,
        Profile::Community | Profile::Social => 0.03,
        Profile::Student => 0.02,
        Profile::Retired => 0.005,
        _ => 0.008,
    }
}

/// 学历 by birth cohort, nudged by the kind of unit.
fn education(rng: &mut StdRng, p: Profile, born: i32, age: i32) -> Option<Education> {
    use Education::*;
    const LEVELS: [Education; 8] = [Doctorate, Master, Bachelor, Associate, SecondaryVocational, HighSchool, JuniorHigh, Primary];
    if chance(rng, 0.01) {
        return None;
    }
    match p {
        Profile::Student => {
            return Some(if age >= 23 || chance(rng, 0.15) { Master } else { Bachelor });
        }
        Profile::Teacher => {
            return Some(weighted(rng, &[(Doctorate, 45), (Master, 35), (Bachelor, 18), (Associate, 2)]));
        }
        _ => {}
    }
    let weights: [u32; 8] = match born {
        ..1950 => [0, 0, 3, 6, 8, 20, 35, 28],
        1950..1965 => [0, 1, 8, 13, 10, 30, 28, 10],
        1965..1980 => [0, 4, 32, 26, 9, 17, 11, 1],
        _ => [1, 12, 56, 21, 4, 5, 1, 0],
    };
    let mut r = rng.random_range(0..weights.iter().sum::<u32>());
    let mut level = 0;
    for (i, w) in weights.iter().enumerate() {
        if r < *w {
            level = i;
            break;
        }
        r -= w;
    }
    let shift: i32 = match p {
        Profile::Government | Profile::School | Profile::Hospital if chance(rng, 0.5) => -1,
        Profile::Rural | Profile::Mobile if chance(rng, 0.4) => 1,
        Profile::Private if chance(rng, 0.25) => 1,
        _ => 0,
    };
    let level = (level as i32 + shift).clamp(0, 7) as usize;
    Some(LEVELS[level])
}

fn company(rng: &mut StdRng, place: &Place) -> String {
    let prefix = place.district.map_or("宁波", |d| d.company_prefix);
    let mut s = String::with_capacity(48);
    s.push_str(prefix);
    s.push_str(pick(rng, BRAND_FIRST));
    s.push_str(pick(rng, BRAND_SECOND));
    s.push_str(pick(rng, INDUSTRIES));
    s.push_str(pick(rng, COMPANY_ENDS));
    s
}

fn addr(place: &Place) -> &'static str {
    place.district.map_or("宁波市", |d| d.addr)
}

/// 工作单位及职务.
fn work_unit(rng: &mut StdRng, place: &Place, profile: Profile, gender: Gender, age: i32, flow: Flow, graduate: bool) -> String {
    const ENTERPRISE: &[&str] = &[
        "员工",
        "技术员",
        "工程师",
        "销售经理",
        "车间主任",
        "质检员",
        "会计",
        "行政主管",
        "总经理",
        "副总经理",
        "操作工",
        "设计师",
        "采购员",
    ];
    const STATE: &[&str] =
        &["职员", "工程师", "助理工程师", "高级工程师", "技术员", "班组长", "部门经理", "副总经理", "会计", "调度员", "操作员"];
    const GOV: &[&str] = &[
        "一级科员",
        "四级主任科员",
        "三级主任科员",
        "二级主任科员",
        "一级主任科员",
        "副科长",
        "科长",
        "办公室主任",
        "工作人员",
        "副局长",
    ];
    const SCHOOL: &[&str] = &["教师", "教师", "教师", "班主任", "教研组长", "教导主任", "副校长", "校长"];
    const HOSPITAL: &[&str] =
        &["医师", "主治医师", "副主任医师", "主任医师", "护士", "护师", "主管护师", "护士长", "药师", "技师", "行政人员"];
    const TEACHER: &[&str] = &["讲师", "副教授", "教授", "助教", "辅导员", "实验师", "行政人员"];
    const SOCIAL: &[&str] = &["工作人员", "秘书长", "副秘书长", "会员", "社工"];
    const WORKER: &[&str] = &["个体经营", "快递员", "外卖骑手", "建筑工人", "网约车司机", "保安"];

    let retire_age = if gender == Gender::Male { 60 } else { 55 };
    let retired = age >= retire_age;
    let unit = place.unit.as_str();
    let joint = place.kind == OrgKind::JointBranch;
    let mut s = String::with_capacity(64);
    match profile {
        Profile::Retired => s.push_str("退休"),
        Profile::Community | Profile::Rural if flow == Flow::Out => {
            s.push_str(if chance(rng, 0.7) { "外出务工" } else { "外出经商" })
        }
        Profile::Community if retired => s.push_str("退休"),
        Profile::Rural if retired => s.push_str(if chance(rng, 0.6) { "务农" } else { "退休" }),
        Profile::Community | Profile::Rural => {
            let r = rng.random_range(0..100);
            let rural = profile == Profile::Rural;
            match (r, &place.locality) {
                (0..8, Some(loc)) => {
                    s.push_str(loc);
                    s.push_str(if rural { "村民委员会委员" } else { "居民委员会社区工作者" });
                }
                (8..35, _) if rural => s.push_str("务农"),
                (8..18, _) if !graduate => s.push_str(pick(rng, WORKER)),
                _ => {
                    s.push_str(&company(rng, place));
                    s.push_str(pick(rng, ENTERPRISE));
                }
            }
        }
        Profile::Government | Profile::Temporary => {
            if profile == Profile::Temporary || unit.is_empty() {
                let a = addr(place);
                let short = place.district.map_or("宁波市", |d| d.short);
                s.push_str(&a[..a.len() - short.len()]);
                s.push_str(short);
                s.push_str(pick(rng, GOV_DEPTS));
            } else {
                s.push_str(unit);
            }
            s.push_str(pick(rng, GOV));
        }
        Profile::School => {
            if joint {
                s.push_str(addr(place));
                s.push_str(pick(rng, PLACE_WORDS));
                s.push_str(pick(rng, SCHOOL_KINDS));
            } else {
                s.push_str(unit);
            }
            s.push_str(pick(rng, SCHOOL));
        }
        Profile::Hospital => {
            let end =
                ["医院", "卫生院", "保健院", "中心"].iter().find_map(|k| unit.find(k).map(|i| i + k.len())).unwrap_or(unit.len());
            s.push_str(&unit[..end]);
            s.push_str(pick(rng, HOSPITAL));
        }
        Profile::Teacher => {
            s.push_str(unit);
            s.push_str(pick(rng, TEACHER));
        }
        Profile::Student => {
            s.push_str(unit);
            s.push_str(if age >= 23 { "研究生" } else { "本科生" });
        }
        Profile::StateEnterprise => {
            s.push_str(unit);
            s.push_str(pick(rng, STATE));
        }
        Profile::Private if joint || unit.is_empty() => {
            s.push_str(&company(rng, place));
            s.push_str(pick(rng, ENTERPRISE));
        }
        Profile::Private => {
            s.push_str(unit);
            s.push_str(pick(rng, ENTERPRISE));
        }
        Profile::Social => {
            if joint || !unit.ends_with(['会', '所', '心', '站']) {
                s.push_str(addr(place));
                s.push_str(pick(rng, SOCIAL_ORGS));
                s.push_str(pick(rng, SOCIAL));
            } else if unit.ends_with("律师事务所") {
                s.push_str(unit);
                s.push_str(if chance(rng, 0.8) { "律师" } else { "合伙人" });
            } else if unit.ends_with("事务所") {
                s.push_str(unit);
                s.push_str(if chance(rng, 0.7) { "注册会计师" } else { "审计助理" });
            } else {
                s.push_str(unit);
                s.push_str(pick(rng, SOCIAL));
            }
        }
        Profile::Mobile => {
            if graduate || chance(rng, 0.5) {
                s.push_str(&company(rng, place));
                s.push_str(pick(rng, ENTERPRISE));
            } else {
                s.push_str(pick(rng, WORKER));
            }
        }
    }
    s
}

/// 现居住地, in the branch's district (and 街道/镇 or village where known).
fn residence(rng: &mut StdRng, place: &Place) -> String {
    let district = match place.district {
        Some(d) => d,
        // City-level units: mostly the central districts.
        None if chance(rng, 0.7) => &DISTRICTS[pick(rng, &[0usize, 1, 4])],
        None => pick_ref(rng, &DISTRICTS),
    };
    let town = match place.town {
        Some(t) if place.district.is_some() && chance(rng, 0.85) => t,
        _ => pick_ref(rng, district.towns).name,
    };
    let mut s = String::with_capacity(72);
    s.push_str(district.addr);
    s.push_str(town);
    match &place.locality {
        Some(village) if village.ends_with('村') && place.town == Some(town) => {
            s.push_str(village);
            let _ = write!(s, "{}号", rng.random_range(1..=320));
            return s;
        }
        Some(community) if place.town == Some(town) => s.push_str(community),
        _ => {
            s.push_str(pick(rng, PLACE_WORDS));
            s.push_str(pick(rng, ESTATE_ENDS));
        }
    }
    let _ = write!(s, "{}幢{}{:02}室", rng.random_range(1..=40), rng.random_range(1..=18), rng.random_range(1..=4));
    s
}
