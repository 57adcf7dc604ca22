//! The org tree: 市委 → 区委 → 街道党工委/镇党委 and 系统党委 → 社区/村/企业/学校 →
//! 党总支 → 党支部 → 党小组, never deeper than six levels.

use super::data::{
    BRAND_FIRST, BRAND_SECOND, CITY_DEPTS, CITY_DIRECT_WEIGHT, CITY_SOES, COLLEGES, COMMUNITY_ENDS, COMPANY_DEPTS, COMPANY_ENDS,
    DISTRICT_SOES, DISTRICTS, District, FIRM_KINDS, GOV_DEPTS, HOSPITAL_DEPTS, INDUSTRIES, JIANGBEI, JIANGBEI_PLACES,
    PLACE_WORDS, PORT_SUBSIDIARIES, PROJECTS, SCHOOL_KINDS, SOCIAL_ORGS, SOE_SUBSIDIARIES, Town, UNIVERSITIES, VILLAGE_FIRST,
    VILLAGE_SECOND, cn_number,
};
use super::rng::{chance, date_between, days_after, days_before, pick, stream, ymd};
use super::{OrgSeed, Scale, expected_size, member_target};
use chacha20::ChaCha12Rng as StdRng;
use chrono::{Datelike, NaiveDate};
use rand::RngExt;
use std::collections::HashSet;
use vanguard_domain::kernel::rules::{OrgRules, RuleSet};
use vanguard_domain::org::{OrgKind, Sector, default_term_years};

/// Root = level 1; 党小组 are the deepest and may sit at most at this level.
pub(super) const MAX_LEVEL: u8 = 6;

/// Branches built per thousand expected members. The city model has fewer, larger
/// branches (its counties are more rural), which keeps it near 25 000 orgs.
fn branches_per_thousand(scale: Scale) -> f64 {
    match scale {
        Scale::District => 50.0,
        Scale::City => 44.0,
    }
}

/// The org tree, parents first. Deterministic for (scale, seed, today).
pub fn generate_orgs(scale: Scale, seed: u64, today: NaiveDate) -> Vec<OrgSeed> {
    let mut b = Builder::new(seed, today);
    let per_thousand = branches_per_thousand(scale);
    match scale {
        Scale::District => {
            let d = &DISTRICTS[JIANGBEI];
            b.district(None, JIANGBEI, f64::from(d.weight) * per_thousand);
        }
        Scale::City => b.city(per_thousand),
    }
    b.balance(member_target(scale));
    b.emit()
}

struct Node {
    parent: Option<usize>,
    name: String,
    kind: OrgKind,
    sector: Sector,
    established_on: NaiveDate,
    term_started_on: Option<NaiveDate>,
    term_years: Option<u8>,
    level: u8,
    /// 党小组 to create under a branch: 0, 2, 3 or 4.
    groups: u8,
}

struct Builder {
    rng: StdRng,
    today: NaiveDate,
    rules: OrgRules,
    nodes: Vec<Node>,
    /// Unit names already used in the current district (communities, villages,
    /// companies, schools).
    names: HashSet<String>,
    branches: usize,
}

impl Builder {
    fn new(seed: u64, today: NaiveDate) -> Self {
        Builder {
            rng: stream(seed, 0x0_0465),
            today,
            rules: RuleSet::default().org,
            nodes: Vec::new(),
            names: HashSet::new(),
            branches: 0,
        }
    }

    // ----- primitives -----

    fn add_at(
        &mut self,
        parent: Option<usize>,
        name: String,
        kind: OrgKind,
        sector: Sector,
        established: Option<NaiveDate>,
    ) -> usize {
        let latest = days_before(self.today, 90);
        let (level, floor) = match parent {
            Some(p) => (self.nodes[p].level + 1, self.nodes[p].established_on),
            None => (1, ymd(1949, 5, 1)),
        };
        debug_assert!(parent.is_none_or(|p| self.nodes[p].kind.may_contain(kind)), "{name}");
        debug_assert!(level + u8::from(kind.is_branch()) <= MAX_LEVEL, "{name}");
        let established_on = match established {
            Some(d) => d.max(floor).min(self.today),
            None if kind == OrgKind::TemporaryBranch => {
                let from = days_before(self.today, 700).max(floor);
                date_between(&mut self.rng, from, days_before(self.today, 30).max(from))
            }
            None if kind.is_branch() => date_between(&mut self.rng, floor, latest.max(floor)),
            // Containers come earlier: within the first half of the window after the parent.
            None => {
                let half = days_after(floor, ((latest - floor).num_days().max(0) / 2) as u64);
                date_between(&mut self.rng, floor, half)
            }
        };
        let (term_started_on, term_years) = self.term(kind, sector, established_on);
        let groups = if kind.is_branch() {
            self.branches += 1;
            self.initial_groups(kind, sector)
        } else {
            0
        };
        self.nodes.push(Node { parent, name, kind, sector, established_on, term_started_on, term_years, level, groups });
        self.nodes.len() - 1
    }

    fn add(&mut self, parent: usize, name: String, kind: OrgKind, sector: Sector) -> usize {
        self.add_at(Some(parent), name, kind, sector, None)
    }

    fn branch(&mut self, parent: usize, name: String, sector: Sector) -> usize {
        self.add(parent, name, OrgKind::Branch, sector)
    }

    /// Whether `layers` more levels (counting the 党小组) fit below `parent`.
    fn room(&self, parent: usize, layers: u8) -> bool {
        self.nodes[parent].level + layers <= MAX_LEVEL
    }

    /// A container of `n` branches named `{prefix}第N党支部`, as `kind` if it fits
    /// below `parent`, else a single branch `{prefix}党支部`.
    fn unit(&mut self, parent: usize, prefix: &str, kind: OrgKind, n: usize, sector: Sector) -> usize {
        if !self.room(parent, 3) {
            return self.branch(parent, format!("{prefix}党支部"), sector);
        }
        let suffix = if kind == OrgKind::GeneralBranch { "党总支" } else { "党委" };
        let c = self.add(parent, format!("{prefix}{suffix}"), kind, sector);
        for i in 1..=n {
            self.branch(c, format!("{prefix}第{}党支部", cn_number(i)), sector);
        }
        c
    }

    /// A name from `gen` not yet used in this district.
    fn unique(&mut self, make: impl Fn(&mut StdRng) -> String) -> String {
        for _ in 0..60 {
            let name = make(&mut self.rng);
            if self.names.insert(name.clone()) {
                return name;
            }
        }
        let base = make(&mut self.rng);
        let mut k = 2;
        loop {
            let name = format!("{base}{}分部", cn_number(k));
            if self.names.insert(name.clone()) {
                return name;
            }
            k += 1;
        }
    }

    fn company(&mut self, d: &District) -> String {
        let prefix = d.company_prefix;
        self.unique(|rng| {
            format!(
                "{prefix}{}{}{}{}",
                pick(rng, BRAND_FIRST),
                pick(rng, BRAND_SECOND),
                pick(rng, INDUSTRIES),
                pick(rng, COMPANY_ENDS)
            )
        })
    }

    fn community_name(&mut self) -> String {
        self.unique(|rng| format!("{}{}", pick(rng, PLACE_WORDS), pick(rng, COMMUNITY_ENDS)))
    }

    fn village_name(&mut self) -> String {
        self.unique(|rng| format!("{}{}村", pick(rng, VILLAGE_FIRST), pick(rng, VILLAGE_SECOND)))
    }

    fn place_word(&mut self, suffix: &str) -> String {
        self.unique(|rng| format!("{}{suffix}", pick(rng, PLACE_WORDS)))
    }

    /// The committee term: most orgs are within their term, about 6 % are overdue for
    /// 换届; 村/社区 organizations follow Zhejiang's five-yearly 村社换届 waves.
    fn term(&mut self, kind: OrgKind, sector: Sector, established: NaiveDate) -> (Option<NaiveDate>, Option<u8>) {
        let Some(years) = default_term_years(kind, sector, &self.rules) else {
            return (None, None);
        };
        if kind == OrgKind::TemporaryBranch {
            return (Some(established), Some(years));
        }
        let span = u64::from(years) * 365;
        let overdue = chance(&mut self.rng, 0.06);
        let start = if matches!(sector, Sector::Rural | Sector::Community) {
            let mut y = 2021 + 5 * (self.today.year() - 2021).div_euclid(5);
            if days_after(ymd(y, 1, 15), 75) > self.today {
                y -= 5;
            }
            if overdue {
                y -= 5;
            }
            let offset = self.rng.random_range(0..=165);
            days_after(days_before(ymd(y, 1, 15), 90), offset)
        } else if overdue {
            days_before(self.today, span + self.rng.random_range(10..=400))
        } else {
            days_before(self.today, self.rng.random_range(15..=span - 15))
        };
        (Some(start.max(established).min(self.today)), Some(years))
    }

    /// The first guess of a branch's 党小组 count by its sector; [`Builder::balance`]
    /// adjusts it to the member target.
    fn initial_groups(&mut self, kind: OrgKind, sector: Sector) -> u8 {
        let p: [u32; 4] = match (kind, sector) {
            (OrgKind::TemporaryBranch, _) => return 0,
            (OrgKind::MobileBranch, _) => [60, 40, 0, 0],
            (OrgKind::JointBranch, _) => [60, 35, 5, 0],
            (_, Sector::Community) => [25, 42, 22, 11],
            (_, Sector::Rural) => [28, 40, 21, 11],
            (_, Sector::Government) => [45, 40, 12, 3],
            (_, Sector::PublicInstitution | Sector::University | Sector::StateEnterprise) => [38, 38, 17, 7],
            (_, Sector::PrivateEnterprise) => [62, 28, 8, 2],
            (_, Sector::SocialOrganization) => [75, 22, 3, 0],
            (_, Sector::Other) => [50, 40, 10, 0],
        };
        let mut r = self.rng.random_range(0..p.iter().sum::<u32>());
        for (g, w) in [0u8, 2, 3, 4].into_iter().zip(p) {
            if r < w {
                return g;
            }
            r -= w;
        }
        0
    }

    // ----- the city and its districts -----

    fn city(&mut self, per_thousand: f64) {
        let root = self.add_at(None, "中共宁波市委员会".into(), OrgKind::Committee, Sector::Government, Some(ymd(1949, 5, 26)));
        for (di, d) in DISTRICTS.iter().enumerate() {
            self.district(Some(root), di, f64::from(d.weight) * per_thousand);
        }
        self.names.clear();
        let direct = f64::from(CITY_DIRECT_WEIGHT) * per_thousand;
        self.organs(root, "宁波市", CITY_DEPTS, direct * 0.26);
        self.education(root, "宁波市", "宁波市", direct * 0.08);
        self.universities(root);
        self.city_hospitals(root, direct * 0.20);
        self.city_soes(root, direct * 0.31);
    }

    fn district(&mut self, parent: Option<usize>, di: usize, budget: f64) {
        let d = &DISTRICTS[di];
        self.names.clear();
        let (y, m, day) = d.established;
        let root = self.add_at(parent, d.committee.into(), OrgKind::Committee, Sector::Government, Some(ymd(y, m, day)));
        let towns_budget = budget * 0.73;
        let weights: u32 = d.towns.iter().map(Town::weight).sum();
        for ti in 0..d.towns.len() {
            let share = f64::from(d.towns[ti].weight()) / f64::from(weights);
            self.town(root, di, ti, towns_budget * share);
        }
        self.organs(root, d.short, GOV_DEPTS, budget * 0.08);
        self.education(root, d.short, d.addr, budget * 0.07);
        self.health(root, d, budget * 0.04);
        self.district_soes(root, d, budget * 0.05);
        self.social(root, d, budget * 0.03);
    }

    /// A 街道党工委 or 镇/乡党委 with its 机关, 流动党员e支部, communities, villages,
    /// enterprises and social organizations.
    fn town(&mut self, root: usize, di: usize, ti: usize, budget: f64) {
        let d = &DISTRICTS[di];
        let town = &d.towns[ti];
        let t = town.name;
        let tc = if town.is_street() {
            self.add(root, format!("{t}党工委"), OrgKind::WorkCommittee, Sector::Government)
        } else {
            self.add(root, format!("{t}党委"), OrgKind::Committee, Sector::Rural)
        };
        let start = self.branches;
        if budget >= 60.0 {
            self.branch(tc, format!("{t}机关第一党支部"), Sector::Government);
            self.branch(tc, format!("{t}机关第二党支部"), Sector::Government);
        } else {
            self.branch(tc, format!("{t}机关党支部"), Sector::Government);
        }
        self.add(tc, format!("{t}流动党员e支部"), OrgKind::MobileBranch, Sector::Other);
        if chance(&mut self.rng, 0.12) {
            let project = pick(&mut self.rng, PROJECTS);
            self.add(tc, format!("{t}{project}临时党支部"), OrgKind::TemporaryBranch, Sector::Government);
        }

        let known: &[&str] = if di == JIANGBEI { JIANGBEI_PLACES.get(ti).copied().unwrap_or(&[]) } else { &[] };
        let mut known_communities = known.iter().filter(|n| n.ends_with("社区")).copied();
        let mut known_villages = known.iter().filter(|n| n.ends_with('村')).copied();
        for name in known {
            self.names.insert((*name).to_string());
        }

        let grass = budget * 0.62;
        let villages = grass * f64::from(town.rural) / 100.0;
        let communities = grass - villages;
        let mut first = true;
        let s = self.branches;
        while ((self.branches - s) as f64) < communities {
            let name = known_communities.next().map(str::to_string).unwrap_or_else(|| self.community_name());
            self.community(tc, &name, first && !known.is_empty());
            first = false;
        }
        let s = self.branches;
        while ((self.branches - s) as f64) < villages {
            let name = known_villages.next().map(str::to_string).unwrap_or_else(|| self.village_name());
            self.village(tc, &name);
        }
        let s = self.branches;
        let mut joint = 0;
        while ((self.branches - s) as f64) < budget * 0.30 {
            self.enterprise(tc, d, town, &mut joint);
        }
        let fixed = ["社会组织联合党支部", "商会党支部", "志愿者协会党支部", "社会工作服务站党支部"];
        let mut k = 0;
        while ((self.branches - start) as f64) < budget {
            match fixed.get(k) {
                Some(f) if k == 0 => {
                    self.add(tc, format!("{t}{f}"), OrgKind::JointBranch, Sector::SocialOrganization);
                }
                Some(f) => {
                    self.branch(tc, format!("{t}{f}"), Sector::SocialOrganization);
                }
                None => {
                    let n = k + 2 - fixed.len();
                    let name = format!("{t}社会组织第{}联合党支部", cn_number(n));
                    self.add(tc, name, OrgKind::JointBranch, Sector::SocialOrganization);
                }
            }
            k += 1;
        }
    }

    fn community(&mut self, tc: usize, name: &str, large: bool) {
        let r: f64 = self.rng.random();
        let sector = Sector::Community;
        if large || r < 0.35 {
            let n = self.rng.random_range(3..=6);
            let c = self.unit(tc, name, OrgKind::Committee, n, sector);
            if self.nodes[c].kind == OrgKind::Committee && chance(&mut self.rng, 0.3) {
                self.add(c, format!("{name}两新组织联合党支部"), OrgKind::JointBranch, Sector::PrivateEnterprise);
            }
        } else if r < 0.70 {
            let n = self.rng.random_range(2..=3);
            self.unit(tc, name, OrgKind::GeneralBranch, n, sector);
        } else {
            self.branch(tc, format!("{name}党支部"), sector);
        }
    }

    fn village(&mut self, tc: usize, name: &str) {
        let r: f64 = self.rng.random();
        let sector = Sector::Rural;
        if r < 0.10 {
            let n = self.rng.random_range(3..=5);
            self.unit(tc, name, OrgKind::Committee, n, sector);
        } else if r < 0.50 {
            let n = self.rng.random_range(2..=3);
            let c = self.unit(tc, name, OrgKind::GeneralBranch, n, sector);
            if self.nodes[c].kind == OrgKind::GeneralBranch && chance(&mut self.rng, 0.3) {
                self.branch(c, format!("{name}老年党员党支部"), sector);
            }
        } else {
            self.branch(tc, format!("{name}党支部"), sector);
        }
    }

    fn enterprise(&mut self, tc: usize, d: &District, town: &Town, joint: &mut usize) {
        let t = town.name;
        let sector = Sector::PrivateEnterprise;
        let r: f64 = self.rng.random();
        if r < 0.2 {
            let name = if chance(&mut self.rng, 0.4) {
                let zone = if town.is_street() { "商务楼宇" } else { "工业区" };
                format!("{t}{}{zone}联合党支部", self.place_word(""))
            } else {
                *joint += 1;
                format!("{t}非公企业第{}联合党支部", cn_number(*joint))
            };
            self.add(tc, name, OrgKind::JointBranch, sector);
            return;
        }
        let co = self.company(d);
        if r < 0.25 && self.room(tc, 3) {
            let c = self.add(tc, format!("{co}党委"), OrgKind::Committee, sector);
            let n = self.rng.random_range(3..=6);
            for dept in &COMPANY_DEPTS[..n] {
                if self.room(c, 3) && chance(&mut self.rng, 0.35) {
                    let g = self.add(c, format!("{co}{dept}党总支"), OrgKind::GeneralBranch, sector);
                    for i in 1..=2 {
                        self.branch(g, format!("{co}{dept}第{}党支部", cn_number(i)), sector);
                    }
                } else {
                    self.branch(c, format!("{co}{dept}党支部"), sector);
                }
            }
        } else if r < 0.35 {
            let n = self.rng.random_range(2..=3);
            self.unit(tc, &co, OrgKind::GeneralBranch, n, sector);
        } else {
            self.branch(tc, format!("{co}党支部"), sector);
        }
    }

    // ----- system committees -----

    /// 机关工委 with the departments' 机关党委/党总支/党支部 (larger departments get more
    /// branches), a 党校 training class and the retired cadres' branches.
    fn organs(&mut self, root: usize, short: &str, depts: &[&str], budget: f64) {
        let sector = Sector::Government;
        let wc = self.add(root, format!("{short}级机关工委"), OrgKind::WorkCommittee, sector);
        let start = self.branches;
        let class = self.rng.random_range(1..=40);
        let name = format!("{short}委党校第{}期中青年干部培训班临时党支部", cn_number(class));
        self.add(wc, name, OrgKind::TemporaryBranch, sector);
        let retired = (budget * 0.06).ceil().max(1.0);
        let per_dept = (budget - retired - 1.0).max(0.0) / depts.len() as f64;
        for dept in depts {
            let unit = format!("{short}{dept}");
            let organ = if dept.ends_with("机关") { unit.clone() } else { format!("{unit}机关") };
            let n = (per_dept * self.rng.random_range(0.4..1.6)).round().max(1.0) as usize;
            match n {
                1 => {
                    self.branch(wc, format!("{organ}党支部"), sector);
                }
                2 | 3 if chance(&mut self.rng, 0.6) => {
                    self.unit(wc, &organ, OrgKind::GeneralBranch, n, sector);
                }
                _ => {
                    let c = self.unit(wc, &organ, OrgKind::Committee, n.max(2), sector);
                    if self.nodes[c].kind == OrgKind::Committee && chance(&mut self.rng, 0.5) {
                        self.branch(c, format!("{unit}离退休干部党支部"), sector);
                    }
                }
            }
        }
        let mut i = 1;
        while ((self.branches - start) as f64) < budget {
            self.branch(wc, format!("{short}级机关离退休干部第{}党支部", cn_number(i)), sector);
            i += 1;
        }
    }

    fn education(&mut self, root: usize, short: &str, addr: &str, budget: f64) {
        let sector = Sector::PublicInstitution;
        let c = self.add(root, format!("{short}教育局党委"), OrgKind::Committee, Sector::Government);
        let start = self.branches;
        self.branch(c, format!("{short}教育局机关党支部"), Sector::Government);
        self.branch(c, format!("{short}教育系统离退休教师党支部"), sector);
        let mut kindergartens = 0;
        while ((self.branches - start) as f64) < budget {
            let kind = pick(&mut self.rng, SCHOOL_KINDS);
            if kind.ends_with("幼儿园") && chance(&mut self.rng, 0.3) {
                kindergartens += 1;
                let name = format!("{short}民办幼儿园第{}联合党支部", cn_number(kindergartens));
                self.add(c, name, OrgKind::JointBranch, sector);
                continue;
            }
            let school = self.unique(|rng| format!("{addr}{}{kind}", pick(rng, PLACE_WORDS)));
            if (kind.contains("中学") || kind.ends_with("学校")) && chance(&mut self.rng, 0.45) {
                let n = self.rng.random_range(2..=3);
                self.unit(c, &school, OrgKind::GeneralBranch, n, sector);
                continue;
            }
            self.branch(c, format!("{school}党支部"), sector);
        }
    }

    fn health(&mut self, root: usize, d: &District, budget: f64) {
        let (short, addr) = (d.short, d.addr);
        let sector = Sector::PublicInstitution;
        let c = self.add(root, format!("{short}卫生健康局党委"), OrgKind::Committee, Sector::Government);
        let start = self.branches;
        self.branch(c, format!("{short}卫生健康局机关党支部"), Sector::Government);
        let n = self.rng.random_range(4..=7);
        self.hospital(c, &format!("{addr}人民医院"), OrgKind::Committee, n);
        let n = self.rng.random_range(2..=3);
        self.hospital(c, &format!("{addr}中医医院"), OrgKind::GeneralBranch, n);
        self.branch(c, format!("{addr}妇幼保健院党支部"), sector);
        self.branch(c, format!("{addr}疾病预防控制中心党支部"), sector);
        for town in d.towns {
            if ((self.branches - start) as f64) >= budget {
                break;
            }
            let centre = if town.is_street() { "社区卫生服务中心" } else { "卫生院" };
            self.branch(c, format!("{addr}{}{centre}党支部", town.name), sector);
        }
    }

    /// A hospital: a 党委 or 党总支 over departmental branches, if the depth allows.
    fn hospital(&mut self, parent: usize, name: &str, kind: OrgKind, n: usize) {
        let sector = Sector::PublicInstitution;
        if !self.room(parent, 3) {
            self.branch(parent, format!("{name}党支部"), sector);
            return;
        }
        let suffix = if kind == OrgKind::Committee { "党委" } else { "党总支" };
        let h = self.add(parent, format!("{name}{suffix}"), kind, sector);
        for i in 0..n {
            let dept = match HOSPITAL_DEPTS.get(i) {
                Some(dept) => (*dept).to_string(),
                None => format!("第{}", cn_number(i + 1 - HOSPITAL_DEPTS.len())),
            };
            self.branch(h, format!("{name}{dept}党支部"), sector);
        }
        if kind == OrgKind::Committee {
            self.branch(h, format!("{name}离退休党支部"), sector);
        }
    }

    fn district_soes(&mut self, root: usize, d: &District, budget: f64) {
        let sector = Sector::StateEnterprise;
        let c = self.add(root, format!("{}属国有企业党委", d.short), OrgKind::Committee, sector);
        let project = pick(&mut self.rng, PROJECTS);
        self.add(c, format!("{}{project}工程临时党支部", d.short), OrgKind::TemporaryBranch, sector);
        let groups: Vec<(String, String)> =
            DISTRICT_SOES.iter().map(|(full, abbr)| (format!("{}{full}", d.addr), format!("{}{abbr}", d.addr))).collect();
        self.state_groups(c, &groups, &[], budget);
    }

    /// State enterprise groups under `c`, each with a 机关党支部, then subsidiaries
    /// added round-robin until the budget is spent.
    fn state_groups(&mut self, c: usize, groups: &[(String, String)], port: &[&str], budget: f64) {
        let sector = Sector::StateEnterprise;
        let start = self.branches;
        let mut heads = Vec::new();
        for (full, _) in groups {
            if !heads.is_empty() && ((self.branches - start) as f64) >= budget * 0.5 {
                break;
            }
            let g = self.add(c, format!("{full}党委"), OrgKind::Committee, sector);
            self.branch(g, format!("{full}机关党支部"), sector);
            heads.push(g);
        }
        let mut next = vec![0usize; heads.len()];
        let mut i = 0;
        while ((self.branches - start) as f64) < budget {
            let h = i % heads.len();
            let abbr = &groups[h].1;
            let subs: Vec<&str> =
                if h == 0 { port.iter().chain(SOE_SUBSIDIARIES).copied().collect() } else { SOE_SUBSIDIARIES.to_vec() };
            let sub = match subs.get(next[h]) {
                Some(s) => format!("{abbr}{s}"),
                None => {
                    let place = self.place_word("分公司");
                    format!("{abbr}{place}")
                }
            };
            next[h] += 1;
            let g = heads[h];
            let r: f64 = self.rng.random();
            if r < 0.45 {
                let n = self.rng.random_range(2..=4);
                self.unit(g, &sub, OrgKind::GeneralBranch, n, sector);
            } else if r < 0.55 {
                let n = self.rng.random_range(3..=5);
                self.unit(g, &sub, OrgKind::Committee, n, sector);
            } else {
                self.branch(g, format!("{sub}党支部"), sector);
            }
            i += 1;
        }
    }

    fn social(&mut self, root: usize, d: &District, budget: f64) {
        let sector = Sector::SocialOrganization;
        let c = self.add(root, format!("{}社会组织综合党委", d.short), OrgKind::Committee, sector);
        let start = self.branches;
        for org in SOCIAL_ORGS {
            if ((self.branches - start) as f64) >= budget {
                break;
            }
            self.branch(c, format!("{}{org}党支部", d.addr), sector);
        }
        let mut joint = 0;
        while ((self.branches - start) as f64) < budget {
            if chance(&mut self.rng, 0.25) {
                joint += 1;
                let name = format!("{}社会组织第{}联合党支部", d.short, cn_number(joint));
                self.add(c, name, OrgKind::JointBranch, sector);
            } else {
                let firm = self
                    .unique(|rng| format!("浙江{}{}{}", pick(rng, BRAND_FIRST), pick(rng, BRAND_SECOND), pick(rng, FIRM_KINDS)));
                self.branch(c, format!("{firm}党支部"), sector);
            }
        }
    }

    // ----- city-level (市直) organizations -----

    fn universities(&mut self, root: usize) {
        let sector = Sector::University;
        for (uni, colleges) in UNIVERSITIES {
            let u = self.add(root, format!("{uni}党委"), OrgKind::Committee, sector);
            let n = self.rng.random_range(3..=5);
            self.unit(u, &format!("{uni}机关"), OrgKind::Committee, n, sector);
            let r = self.add(u, format!("{uni}离退休党总支"), OrgKind::GeneralBranch, sector);
            for i in 1..=2 {
                self.branch(r, format!("{uni}离退休第{}党支部", cn_number(i)), sector);
            }
            for college in &COLLEGES[..*colleges] {
                let kind = if *colleges > 10 { OrgKind::Committee } else { OrgKind::GeneralBranch };
                let suffix = if kind == OrgKind::Committee { "党委" } else { "党总支" };
                let name = format!("{uni}{college}");
                let c = self.add(u, format!("{name}{suffix}"), kind, sector);
                let teachers = self.rng.random_range(1..=2);
                for i in 1..=teachers {
                    self.branch(c, format!("{name}教工第{}党支部", cn_number(i)), sector);
                }
                let students = self.rng.random_range(2..=4);
                for i in 1..=students {
                    self.branch(c, format!("{name}学生第{}党支部", cn_number(i)), sector);
                }
                if kind == OrgKind::Committee {
                    self.branch(c, format!("{name}研究生党支部"), sector);
                }
            }
        }
    }

    fn city_hospitals(&mut self, root: usize, budget: f64) {
        const HOSPITALS: [&str; 8] = [
            "宁波市第一医院",
            "宁波市第二医院",
            "宁波市中医院",
            "宁波市妇女儿童医院",
            "宁波市医疗中心李惠利医院",
            "宁波市康宁医院",
            "宁波市第六医院",
            "宁波市眼科医院",
        ];
        let c = self.add(root, "宁波市卫生健康委员会党委".into(), OrgKind::Committee, Sector::Government);
        for name in ["宁波市疾病预防控制中心", "宁波市急救中心", "宁波市血液中心"] {
            self.branch(c, format!("{name}党支部"), Sector::PublicInstitution);
        }
        let per = ((budget - 3.0) / HOSPITALS.len() as f64).round().max(3.0) as usize;
        for (i, h) in HOSPITALS.iter().enumerate() {
            let kind = if i < 5 { OrgKind::Committee } else { OrgKind::GeneralBranch };
            let n = if i < 5 { per + per / 2 } else { per / 2 };
            self.hospital(c, h, kind, n.max(2));
        }
    }

    fn city_soes(&mut self, root: usize, budget: f64) {
        let c = self.add(root, "宁波市国资委党委".into(), OrgKind::Committee, Sector::StateEnterprise);
        let project = pick(&mut self.rng, PROJECTS);
        self.add(c, format!("宁波市{project}项目临时党支部"), OrgKind::TemporaryBranch, Sector::StateEnterprise);
        let groups: Vec<(String, String)> = CITY_SOES.iter().map(|(f, a)| ((*f).to_string(), (*a).to_string())).collect();
        self.state_groups(c, &groups, PORT_SUBSIDIARIES, budget);
    }

    // ----- balancing and output -----

    /// Moves branches between 党小组 bands until the expected number of members is
    /// within a few of `target`.
    fn balance(&mut self, target: f64) {
        let expected = |n: &Node| expected_size(n.kind, n.sector, n.groups);
        let mut total: f64 = self.nodes.iter().filter(|n| n.kind.is_branch()).map(expected).sum();
        let eligible: Vec<usize> = (0..self.nodes.len())
            .filter(|&i| self.nodes[i].kind.is_branch() && self.nodes[i].kind != OrgKind::TemporaryBranch)
            .collect();
        if eligible.is_empty() {
            return;
        }
        let mut steps = 0;
        while (total - target).abs() > 12.0 && steps < eligible.len() * 40 {
            steps += 1;
            let i = pick(&mut self.rng, &eligible);
            let n = &self.nodes[i];
            let max = match n.kind {
                OrgKind::MobileBranch => 2,
                OrgKind::JointBranch => 3,
                _ => 4,
            };
            let next = if total < target {
                match n.groups {
                    0 => Some(2),
                    2 | 3 => Some(n.groups + 1),
                    _ => None,
                }
            } else {
                match n.groups {
                    2 => Some(0),
                    3 | 4 => Some(n.groups - 1),
                    _ => None,
                }
            };
            if let Some(g) = next.filter(|g| *g <= max) {
                let before = expected(n);
                let n = &mut self.nodes[i];
                n.groups = g;
                total += expected(n) - before;
            }
        }
    }

    /// The nodes with each branch's 党小组 right after it.
    fn emit(mut self) -> Vec<OrgSeed> {
        let groups: usize = self.nodes.iter().map(|n| usize::from(n.groups)).sum();
        let mut out = Vec::with_capacity(self.nodes.len() + groups);
        let mut index = Vec::with_capacity(self.nodes.len());
        let nodes = std::mem::take(&mut self.nodes);
        for n in nodes {
            let at = out.len();
            index.push(at);
            out.push(OrgSeed {
                parent: n.parent.map(|p| index[p]),
                name: n.name,
                kind: n.kind,
                sector: n.sector,
                established_on: n.established_on,
                term_started_on: n.term_started_on,
                term_years: n.term_years,
            });
            for g in 1..=usize::from(n.groups) {
                let latest = days_after(n.established_on, 365).min(self.today);
                out.push(OrgSeed {
                    parent: Some(at),
                    name: format!("第{}党小组", cn_number(g)),
                    kind: OrgKind::Group,
                    sector: n.sector,
                    established_on: date_between(&mut self.rng, n.established_on, latest),
                    term_started_on: None,
                    term_years: None,
                });
            }
        }
        out
    }
}
