//! The couple record: who the two partners are. The only record that holds names.

use super::{CoupleId, Partner, PartnerNames};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Format version written into every couple record.
pub const COUPLE_FORMAT: u32 = 1;

/// One partner as the therapist knows them.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartnerInfo {
    pub name: String,
    #[serde(default)]
    pub pronouns: String,
}

/// A couple in the practice.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Couple {
    pub format: u32,
    pub id: CoupleId,
    /// A short code for headers and lists that carries no name (e.g. "C-0412").
    pub code: String,
    pub partner_a: PartnerInfo,
    pub partner_b: PartnerInfo,
    pub created_on: NaiveDate,
    #[serde(default)]
    pub archived: bool,
}

impl Couple {
    pub fn partner(&self, partner: Partner) -> &PartnerInfo {
        match partner {
            Partner::A => &self.partner_a,
            Partner::B => &self.partner_b,
        }
    }

    /// A partner's name as documents and screens show it: "Partner A" (or B) when the
    /// record has none.
    pub fn display_name(&self, partner: Partner) -> String {
        let name = self.partner(partner).name.trim();
        if name.is_empty() {
            match partner {
                Partner::A => "Partner A".into(),
                Partner::B => "Partner B".into(),
            }
        } else {
            name.to_string()
        }
    }

    /// Whose a commitment is, as documents and screens say it: one partner's name, or
    /// both ("Maya Okafor and Daniel Reyes") for a shared one.
    pub fn owner_name(&self, owner: super::Owner) -> String {
        match owner.partner() {
            Some(p) => self.display_name(p),
            None => format!(
                "{} and {}",
                self.display_name(Partner::A),
                self.display_name(Partner::B)
            ),
        }
    }

    /// The names used to fill placeholders.
    pub fn names(&self) -> PartnerNames {
        PartnerNames {
            a: self.partner_a.name.clone(),
            b: self.partner_b.name.clone(),
            pronouns_a: self.partner_a.pronouns.clone(),
            pronouns_b: self.partner_b.pronouns.clone(),
        }
    }
}
