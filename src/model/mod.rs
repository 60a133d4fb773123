//! The domain vocabulary shared by every layer: partners, roles, visibility, TRUST tags,
//! identifiers, and the persisted session record.
//!
//! Must not depend on egui, printpdf, the file system or the clock: time always comes in
//! as an argument.

pub mod audience;
pub mod couple;
pub mod course;
pub mod letters;
pub mod note;
pub mod protocol;
pub mod screen;
pub mod session;
pub mod takehome;
pub mod worksheet_json;

use serde::{Deserialize, Serialize};
use std::fmt;

pub use audience::*;
pub use couple::*;
pub use course::*;
pub use note::*;
pub use protocol::*;
pub use screen::*;
pub use session::*;
pub use takehome::*;

/// A count with its noun, singular or plural: "1 attempt", "3 attempts". One wording for
/// the screen, the drafted note and the PDF.
pub fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// One of the two partners of a couple. Names live in the couple's record; sessions
/// only ever refer to the slot, so a session record carries no names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Partner {
    A,
    B,
}

impl Partner {
    pub const BOTH: [Partner; 2] = [Partner::A, Partner::B];

    /// The other partner.
    pub fn other(self) -> Partner {
        match self {
            Partner::A => Partner::B,
            Partner::B => Partner::A,
        }
    }
}

impl fmt::Display for Partner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Partner::A => f.write_str("partner A"),
            Partner::B => f.write_str("partner B"),
        }
    }
}

/// Whose a commitment is: one partner's, or both partners' together (a shared
/// commitment, reviewed from each side). Written `A`, `B` or `Both`: commitments recorded
/// when only one partner could own one read as before.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Owner {
    A,
    B,
    Both,
}

impl Owner {
    /// Every owner, as the plan offers them.
    pub const ALL: [Owner; 3] = [Owner::A, Owner::B, Owner::Both];

    /// Whether `partner` is (one of) its owners.
    pub fn includes(self, partner: Partner) -> bool {
        match self {
            Owner::Both => true,
            Owner::A => partner == Partner::A,
            Owner::B => partner == Partner::B,
        }
    }

    /// Its owners, A first.
    pub fn partners(self) -> &'static [Partner] {
        match self {
            Owner::A => &[Partner::A],
            Owner::B => &[Partner::B],
            Owner::Both => &Partner::BOTH,
        }
    }

    /// The one partner who owns it; `None` for a shared commitment.
    pub fn partner(self) -> Option<Partner> {
        match self {
            Owner::A => Some(Partner::A),
            Owner::B => Some(Partner::B),
            Owner::Both => None,
        }
    }
}

impl From<Partner> for Owner {
    fn from(p: Partner) -> Owner {
        match p {
            Partner::A => Owner::A,
            Partner::B => Owner::B,
        }
    }
}

/// A role a protocol gives a partner. Roles come in complementary pairs: binding one
/// member of a pair to a partner binds the other member to the other partner.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Role {
    Speaker,
    Listener,
    HurtPartner,
    DisclosingPartner,
    PartnerA,
    PartnerB,
}

impl Role {
    pub const ALL: [Role; 6] = [
        Role::Speaker,
        Role::Listener,
        Role::HurtPartner,
        Role::DisclosingPartner,
        Role::PartnerA,
        Role::PartnerB,
    ];

    /// The name used between braces in template text, e.g. `{hurt_partner}`.
    pub fn placeholder(self) -> &'static str {
        match self {
            Role::Speaker => "speaker",
            Role::Listener => "listener",
            Role::HurtPartner => "hurt_partner",
            Role::DisclosingPartner => "disclosing_partner",
            Role::PartnerA => "partner_a",
            Role::PartnerB => "partner_b",
        }
    }

    /// The role for a placeholder name, if it is one.
    pub fn from_placeholder(name: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.placeholder() == name)
    }

    /// The other member of this role's pair.
    pub fn counterpart(self) -> Role {
        match self {
            Role::Speaker => Role::Listener,
            Role::Listener => Role::Speaker,
            Role::HurtPartner => Role::DisclosingPartner,
            Role::DisclosingPartner => Role::HurtPartner,
            Role::PartnerA => Role::PartnerB,
            Role::PartnerB => Role::PartnerA,
        }
    }

    /// `PartnerA` and `PartnerB` are always bound; the other roles only when a template
    /// declares them.
    pub fn is_always_bound(self) -> bool {
        matches!(self, Role::PartnerA | Role::PartnerB)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.placeholder())
    }
}

/// Which partner holds each pair of roles. `speaker` binds Speaker (and so Listener to the
/// other partner); `hurt_partner` binds HurtPartner (and DisclosingPartner).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bindings {
    #[serde(default)]
    pub speaker: Option<Partner>,
    #[serde(default)]
    pub hurt_partner: Option<Partner>,
}

impl Bindings {
    /// The partner a role is bound to, if it is bound.
    pub fn partner(&self, role: Role) -> Option<Partner> {
        match role {
            Role::PartnerA => Some(Partner::A),
            Role::PartnerB => Some(Partner::B),
            Role::Speaker => self.speaker,
            Role::Listener => self.speaker.map(Partner::other),
            Role::HurtPartner => self.hurt_partner,
            Role::DisclosingPartner => self.hurt_partner.map(Partner::other),
        }
    }

    /// The same bindings with speaker and listener exchanged.
    pub fn swapped(self) -> Bindings {
        Bindings {
            speaker: self.speaker.map(Partner::other),
            hurt_partner: self.hurt_partner,
        }
    }
}

/// Who may see an item.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
pub enum Visibility {
    /// Both partners and the therapist.
    #[default]
    Joint,
    /// Each partner's own entries are seen by that partner and the therapist only.
    PartnerPrivate,
    /// The therapist only.
    ClinicianOnly,
}

impl Visibility {
    pub const ALL: [Visibility; 3] = [
        Visibility::Joint,
        Visibility::PartnerPrivate,
        Visibility::ClinicianOnly,
    ];

    /// How many audiences see a step: the joint view is the widest, clinician-only the
    /// narrowest.
    fn reach(self) -> u8 {
        match self {
            Visibility::Joint => 2,
            Visibility::PartnerPrivate => 1,
            Visibility::ClinicianOnly => 0,
        }
    }

    /// True when `self` lets more people see a step than `other`.
    pub fn is_wider_than(self, other: Visibility) -> bool {
        self.reach() > other.reach()
    }

    /// Plain words for the therapist's screen.
    pub fn describe(self) -> &'static str {
        match self {
            Visibility::Joint => "Both partners",
            Visibility::PartnerPrivate => "Each partner their own",
            Visibility::ClinicianOnly => "Therapist only",
        }
    }
}

/// The five dimensions of the TRUST framework a protocol works on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum TrustTag {
    /// Truth and transparency.
    Truth,
    Responsibility,
    Understanding,
    /// Sympathy and support.
    Sympathy,
    Time,
}

impl TrustTag {
    pub fn label(self) -> &'static str {
        match self {
            TrustTag::Truth => "Truth and transparency",
            TrustTag::Responsibility => "Responsibility",
            TrustTag::Understanding => "Understanding",
            TrustTag::Sympathy => "Sympathy and support",
            TrustTag::Time => "Time",
        }
    }
}

/// Who answers a step: both together, each partner separately, one role, or the
/// therapist.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Respondents {
    #[default]
    Joint,
    Each,
    Role(Role),
    Clinician,
}

/// Whose entry a piece of recorded content is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Respondent {
    Joint,
    Partner(Partner),
    Clinician,
}

/// The therapist's decision after both safety screens.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum SafetyDecision {
    JointWork,
    JointWorkWithSafetyProtocol,
    IndividualWorkOnly,
}

/// What is known about a couple outside the session being run, passed in at start so the
/// runner stays pure: which partners have a recorded safety screen, and the decision.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CoupleFacts {
    pub screened: std::collections::BTreeSet<Partner>,
    pub safety_decision: Option<SafetyDecision>,
}

/// Identifier of a couple record.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct CoupleId(pub uuid::Uuid);

/// Identifier of a session record.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct SessionId(pub uuid::Uuid);

/// Display names (and pronouns, as the couple's record gives them) for the two partners,
/// used only to fill placeholders on screen.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PartnerNames {
    pub a: String,
    pub b: String,
    /// As recorded, e.g. "she/her"; empty when not given.
    pub pronouns_a: String,
    pub pronouns_b: String,
}

impl PartnerNames {
    pub fn of(&self, partner: Partner) -> &str {
        match partner {
            Partner::A => &self.a,
            Partner::B => &self.b,
        }
    }

    /// A partner's pronouns, from the record (they/them when not given or not known).
    pub fn pronouns(&self, partner: Partner) -> Pronouns {
        Pronouns::from_record(match partner {
            Partner::A => &self.pronouns_a,
            Partner::B => &self.pronouns_b,
        })
    }
}

/// A form of a pronoun, named by its they/them word: `{hurt_partner:their}` in a template.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PronounForm {
    /// Subject: they, she, he.
    They,
    /// Object: them, her, him.
    Them,
    /// Possessive before a noun: their, her, his.
    Their,
    /// Possessive on its own: theirs, hers, his.
    Theirs,
    /// Reflexive: themself, herself, himself.
    Themself,
}

impl PronounForm {
    pub const ALL: [PronounForm; 5] = [
        PronounForm::They,
        PronounForm::Them,
        PronounForm::Their,
        PronounForm::Theirs,
        PronounForm::Themself,
    ];

    /// The word that names the form in a template (lower case).
    pub fn name(self) -> &'static str {
        match self {
            PronounForm::They => "they",
            PronounForm::Them => "them",
            PronounForm::Their => "their",
            PronounForm::Theirs => "theirs",
            PronounForm::Themself => "themself",
        }
    }

    /// The form a template names, in any case ("Their" starts a sentence).
    pub fn from_name(name: &str) -> Option<PronounForm> {
        PronounForm::ALL
            .into_iter()
            .find(|f| f.name().eq_ignore_ascii_case(name))
    }
}

/// A partner's pronouns in their five forms.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pronouns {
    forms: [String; 5],
}

/// Pronoun sets Tandem knows by their first two words; anything else reads they/them.
const KNOWN_PRONOUNS: [[&str; 5]; 6] = [
    ["she", "her", "her", "hers", "herself"],
    ["he", "him", "his", "his", "himself"],
    ["they", "them", "their", "theirs", "themself"],
    ["ze", "hir", "hir", "hirs", "hirself"],
    ["xe", "xem", "xyr", "xyrs", "xemself"],
    ["ey", "em", "eir", "eirs", "emself"],
];

impl Pronouns {
    /// They/them.
    pub fn neutral() -> Pronouns {
        Pronouns::from_set(&KNOWN_PRONOUNS[2])
    }

    fn from_set(set: &[&str; 5]) -> Pronouns {
        Pronouns {
            forms: set.map(str::to_string),
        }
    }

    /// From what a couple's record says ("she/her", "He / him", "they/them", "she/they"):
    /// the set its first word starts; they/them when it is empty or not one Tandem knows.
    pub fn from_record(text: &str) -> Pronouns {
        let first = text
            .split(|c: char| c == '/' || c == ',' || c.is_whitespace())
            .find(|w| !w.is_empty())
            .map(str::to_lowercase)
            .unwrap_or_default();
        KNOWN_PRONOUNS
            .iter()
            .find(|set| set[0] == first)
            .map_or_else(Pronouns::neutral, Pronouns::from_set)
    }

    /// One form, in lower case.
    pub fn form(&self, form: PronounForm) -> &str {
        let index = PronounForm::ALL
            .iter()
            .position(|f| *f == form)
            .unwrap_or(0);
        &self.forms[index]
    }
}

/// How the app looks: light, dark, or as the system says (light when it says nothing).
/// A preference of the person using Tandem, kept in the vault's header; not clinical.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Appearance {
    /// Follow the system's light or dark setting.
    #[default]
    System,
    Light,
    Dark,
}

impl Appearance {
    pub const ALL: [Appearance; 3] = [Appearance::System, Appearance::Light, Appearance::Dark];

    /// The choice as the settings show it.
    pub fn label(self) -> &'static str {
        match self {
            Appearance::System => "As the system",
            Appearance::Light => "Light",
            Appearance::Dark => "Dark",
        }
    }
}

/// How exported documents write a date: one style throughout a document (header, facts,
/// text and tables), chosen for the practice in its settings.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum DateStyle {
    /// 27 Nov 2026
    #[default]
    DayMonthYear,
    /// Nov 27, 2026
    MonthDayYear,
    /// 2026-11-27
    Iso,
}

impl DateStyle {
    pub const ALL: [DateStyle; 3] = [
        DateStyle::DayMonthYear,
        DateStyle::MonthDayYear,
        DateStyle::Iso,
    ];

    /// The chrono format of a date in this style.
    pub fn format(self) -> &'static str {
        match self {
            DateStyle::DayMonthYear => "%-d %b %Y",
            DateStyle::MonthDayYear => "%b %-d, %Y",
            DateStyle::Iso => "%Y-%m-%d",
        }
    }

    /// The choice as the settings show it: an example date.
    pub fn label(self) -> &'static str {
        match self {
            DateStyle::DayMonthYear => "27 Nov 2026",
            DateStyle::MonthDayYear => "Nov 27, 2026",
            DateStyle::Iso => "2026-11-27",
        }
    }

    /// The name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            DateStyle::DayMonthYear => "day-month-year",
            DateStyle::MonthDayYear => "month-day-year",
            DateStyle::Iso => "iso",
        }
    }

    pub fn from_name(name: &str) -> Option<DateStyle> {
        DateStyle::ALL.into_iter().find(|d| d.name() == name)
    }
}

#[cfg(test)]
mod owner_tests {
    use super::*;

    #[test]
    fn a_commitment_recorded_before_shared_ones_existed_reads_as_its_partners() {
        // As a record of an earlier version holds it: the owner was a `Partner`.
        let old = r#"(owner: B, category: "", behaviour: "walk", rhythm: "daily",
            verification: SelfReport, starts_on: "2026-11-23", review_on: "2026-11-30")"#;
        let draft: CommitmentDraft = ron::from_str(old).expect("reads");
        assert_eq!(draft.owner, Owner::B);
        let shared = ron::to_string(&CommitmentDraft {
            owner: Owner::Both,
            ..draft
        })
        .expect("writes");
        assert!(shared.contains("owner:Both"), "{shared}");
        let back: CommitmentDraft = ron::from_str(&shared).expect("reads back");
        assert_eq!(back.owner, Owner::Both);
        assert_eq!(Owner::Both.partners(), &Partner::BOTH);
        assert!(!Owner::A.includes(Partner::B));
    }
}
