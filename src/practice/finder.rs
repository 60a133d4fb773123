//! The practice's full-text search: the search cache (`search::SearchCache`) loaded off
//! the UI thread right after unlock (reading only records changed since it was written),
//! kept current on every save, and written back when the practice closes. Searching is
//! logged, once per unlock, before the first results are handed out.
//!
//! Saves made while the cache loads are remembered in order and announced to it once it
//! has loaded, so it misses none of them.

use super::job::Job;
use super::search::{LoadReport, SearchCache};
use super::{Practice, PracticeError};
use crate::clinical::search::SearchResults;
use crate::model::CoupleId;
use crate::template::Library;
use crate::vault::audit::AuditAction;
use crate::vault::saver::SaveOutcome;
use crate::vault::{FileProblem, RecordBody, RecordKind, Stamp, Vault};
use chrono::{DateTime, Utc};
use std::time::Duration;

/// Something that happened to a record while the cache was loading.
enum Event {
    Saved(Box<RecordBody>),
    Acknowledged(RecordKind, uuid::Uuid, Stamp),
}

/// The cache being loaded on a job.
type Loading = Job<(SearchCache, LoadReport), PracticeError>;

/// Where the practice's search index stands.
#[derive(Default)]
enum Index {
    /// Not loaded (yet, or the last load failed: the next search tries again).
    #[default]
    Unloaded,
    Loading {
        job: Box<Loading>,
        /// Saves queued and acknowledged since the load started, in order.
        since: Vec<Event>,
    },
    Ready {
        cache: Box<SearchCache>,
        /// Record files the load could not read (damaged, unreadable, conflicts).
        unsearched: usize,
        write_error: Option<String>,
    },
}

/// The search index and whether searching was logged since unlock.
#[derive(Default)]
pub(crate) struct SearchState {
    index: Index,
    is_logged: bool,
}

impl SearchState {
    /// A record was queued for saving: index it now (or once the cache has loaded).
    pub(crate) fn saved(&mut self, body: &RecordBody, library: &Library) {
        match &mut self.index {
            Index::Unloaded => {}
            Index::Loading { since, .. } => since.push(Event::Saved(Box::new(body.clone()))),
            Index::Ready { cache, .. } => cache.record_saved(body, library),
        }
    }

    /// Saves were acknowledged: the cache learns the stamps of the files written.
    pub(crate) fn acknowledged(&mut self, outcomes: &[SaveOutcome]) {
        for outcome in outcomes {
            let SaveOutcome::Saved {
                kind, id, stamp, ..
            } = outcome
            else {
                continue;
            };
            match &mut self.index {
                Index::Unloaded => {}
                Index::Loading { since, .. } => {
                    since.push(Event::Acknowledged(*kind, *id, *stamp));
                }
                Index::Ready { cache, .. } => cache.stamp_saved(*kind, *id, *stamp),
            }
        }
    }

    /// Take in a finished load: the events since it started are announced to the cache in
    /// order.
    fn loaded(
        &mut self,
        outcome: Result<(SearchCache, LoadReport), PracticeError>,
        library: &Library,
    ) -> Result<(), PracticeError> {
        let since = match std::mem::take(&mut self.index) {
            Index::Loading { since, .. } => since,
            Index::Unloaded | Index::Ready { .. } => Vec::new(),
        };
        let (mut cache, report) = outcome?;
        for event in since {
            match event {
                Event::Saved(body) => cache.record_saved(&body, library),
                Event::Acknowledged(kind, id, stamp) => cache.stamp_saved(kind, id, stamp),
            }
        }
        self.index = Index::Ready {
            cache: Box::new(cache),
            unsearched: report
                .problems
                .iter()
                .filter(|p| !matches!(p, FileProblem::Unexpected { .. }))
                .count(),
            write_error: report.write_error,
        };
        Ok(())
    }
}

/// What a search found, how many record files could not be searched, and why the cache
/// could not be kept for next time, if it could not.
pub struct Found {
    pub results: SearchResults,
    pub unsearched: usize,
    pub write_error: Option<String>,
}

impl Practice {
    /// Start loading the search index on a job of its own (the app, right after unlock).
    pub fn load_search_in_background(&mut self) {
        if !matches!(self.search.index, Index::Unloaded) {
            return;
        }
        let reader = self.vault.reader();
        let library = self.library().clone();
        let job = Job::spawn("search-index", move |_| {
            Ok(SearchCache::load(&reader, &library)?)
        });
        self.search.index = Index::Loading {
            job: Box::new(job),
            since: Vec::new(),
        };
    }

    /// Load the search index on this thread (the command line).
    pub fn load_search_now(&mut self) -> Result<(), PracticeError> {
        if matches!(self.search.index, Index::Ready { .. }) {
            return Ok(());
        }
        let vault = &self.vault;
        let library = self
            .library
            .get_or_init(|| super::protocols::build_library(vault));
        let outcome = SearchCache::load(&self.vault.reader(), library).map_err(PracticeError::from);
        self.search.loaded(outcome, library)
    }

    /// Take in the search index once its job has finished: `Some` when it just did.
    pub fn poll_search(&mut self) -> Option<Result<(), PracticeError>> {
        let outcome = {
            let Index::Loading { job, .. } = &mut self.search.index else {
                return None;
            };
            job.poll()?
        };
        let vault = &self.vault;
        let library = self
            .library
            .get_or_init(|| super::protocols::build_library(vault));
        Some(self.search.loaded(outcome, library))
    }

    /// Whether the search index is being loaded on its job.
    pub fn is_search_loading(&self) -> bool {
        matches!(self.search.index, Index::Loading { .. })
    }

    /// Whether the search index is loaded.
    pub fn is_search_ready(&self) -> bool {
        matches!(self.search.index, Index::Ready { .. })
    }

    /// Search every record (or one couple's). `None` while the index is still loading
    /// (the search is then started if it was not). Logged once per unlock, before the first
    /// results are handed out.
    pub fn search(
        &mut self,
        query: &str,
        couple: Option<CoupleId>,
        now: DateTime<Utc>,
    ) -> Result<Option<Found>, PracticeError> {
        let Index::Ready {
            cache,
            unsearched,
            write_error,
        } = &self.search.index
        else {
            self.load_search_in_background();
            return Ok(None);
        };
        if !self.search.is_logged {
            self.log(AuditAction::Open, couple.map(|c| c.0), "search", now)?;
            self.search.is_logged = true;
        }
        let results = match couple {
            Some(couple) => cache.search_couple(query, couple),
            None => cache.search(query),
        };
        Ok(Some(Found {
            results,
            unsearched: *unsearched,
            write_error: write_error.clone(),
        }))
    }
}

/// Write the search cache if it changed, then let the vault go: the last thing a closing
/// practice does (on a job of its own, so locking never waits for it). A load still
/// running is waited for: what it found is worth keeping.
pub(crate) fn persist_and_close(
    mut state: SearchState,
    vault: Vault,
    library: &std::sync::OnceLock<Library>,
) {
    let outcome = match &mut state.index {
        Index::Loading { job, .. } => job.wait(Duration::from_secs(60)),
        Index::Unloaded | Index::Ready { .. } => None,
    };
    if let Some(outcome) = outcome {
        // A failed load leaves nothing to keep.
        let _ = state.loaded(
            outcome,
            library.get_or_init(|| super::protocols::build_library(&vault)),
        );
    }
    if let Index::Ready { cache, .. } = &mut state.index
        && cache.is_dirty()
    {
        // Derived data: a failed write costs only speed at the next load.
        let _ = cache.persist(&vault.reader());
    }
    drop(vault);
}
