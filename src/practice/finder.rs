//! The practice's full-text search: one index over every record, built once after unlock
//! and kept current on every save, so a search never reads the vault again. Searching
//! is logged (once per unlock: the index is a read of every record).

use super::{Practice, PracticeError};
use crate::clinical::search::{SearchIndex, SearchResults};
use crate::model::CoupleId;
use crate::template::Library;
use crate::vault::audit::AuditAction;
use crate::vault::saver::SaveOutcome;
use crate::vault::{RecordBody, Vault};
use chrono::{DateTime, Utc};

/// The index and whether searching was logged since unlock.
#[derive(Default)]
pub(crate) struct SearchState {
    index: Option<SearchIndex>,
    is_logged: bool,
}

impl SearchState {
    /// A record was queued for saving: index it now.
    pub(crate) fn saved(&mut self, body: &RecordBody, library: &Library) {
        if let Some(index) = self.index.as_mut() {
            index_record(index, body, library);
        }
    }

    /// Saves were acknowledged.
    pub(crate) fn acknowledged(&mut self, _outcomes: &[SaveOutcome]) {}

    /// The practice is closing.
    pub(crate) fn persist_on_close(&mut self, _vault: &Vault) {}
}

/// What a search found, and how many record files could not be searched.
pub struct Found {
    pub results: SearchResults,
    pub unsearched: usize,
}

/// A search index over records as read from the vault.
pub fn search_index(records: &[RecordBody], library: &Library) -> SearchIndex {
    let mut index = SearchIndex::new();
    for body in records {
        index_record(&mut index, body, library);
    }
    index.shrink_to_fit();
    index
}

/// Add (or replace) one record in the index.
pub fn index_record(index: &mut SearchIndex, body: &RecordBody, library: &Library) {
    match body {
        RecordBody::Couple(c) => index.add_couple(c),
        RecordBody::Session(s) => index.add_session(s, library.get(&s.template_id)),
        RecordBody::Note(n) => index.add_note(n),
        RecordBody::ProcessNote(n) => index.add_process_note(n),
        RecordBody::Course(c) => index.add_course(c),
        // An issued worksheet holds no answers: nothing to search.
        RecordBody::Worksheet(_) => {}
    }
}

impl Practice {
    /// Search every record (or one couple's), and `unsaved`, a session as it is now but
    /// not saved yet (the running one). Logged once per unlock, before the first search
    /// reads anything.
    pub fn search(
        &mut self,
        query: &str,
        couple: Option<CoupleId>,
        unsaved: Option<&crate::model::Session>,
        now: DateTime<Utc>,
    ) -> Result<Found, PracticeError> {
        if !self.search.is_logged {
            self.log(AuditAction::Open, couple.map(|c| c.0), "search", now)?;
            self.search.is_logged = true;
        }
        let mut unsearched = 0;
        if self.search.index.is_none() {
            let verified = self.vault.verify()?;
            unsearched = verified
                .problems
                .iter()
                .filter(|p| !matches!(p, crate::vault::FileProblem::Unexpected { .. }))
                .count();
            let library = self.library.get_or_init(Library::builtin);
            self.search.index = Some(search_index(&verified.records, library));
        }
        let library = self.library.get_or_init(Library::builtin);
        if let (Some(index), Some(session)) = (self.search.index.as_mut(), unsaved) {
            index.add_session(session, library.get(&session.template_id));
        }
        let results = match (self.search.index.as_ref(), couple) {
            (Some(index), Some(couple)) => index.search_couple(query, couple),
            (Some(index), None) => index.search(query),
            (None, _) => SearchResults::default(),
        };
        Ok(Found {
            results,
            unsearched,
        })
    }
}
