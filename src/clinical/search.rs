//! Full-text search over a practice: an inverted index (word → the places it occurs in)
//! over couples, sessions, clinical notes, process notes and courses. Every query word
//! must match (AND) as the start of a word, ignoring case and accents; `"quoted words"`
//! must occur one after the other. Results come grouped by couple, each hit with where
//! in the record it is and a short snippet.
//!
//! Pure: no file system, no clock, no egui. The caller loads the records and adds them;
//! the index keeps the text it indexed so that hits can show a snippet. `to_bytes` and
//! `from_bytes` turn an index into compact bytes (postcard) and back, so that it can be
//! kept as a derived cache instead of being rebuilt from every record.

use crate::model::{
    ClinicalNote, Couple, CoupleId, Course, Exchange, LoopStage, Partner, ProcessNote, Respondent,
    Session, StepData, StepRecord,
};
use crate::template::{Template, fill, find_step};
use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::ops::{Bound, Range};
use unicode_normalization::char::{decompose_canonical, is_combining_mark};
use uuid::Uuid;

/// Format of `SearchIndex::to_bytes`. Bump it whenever the encoding changes *or* what the
/// `add_*` methods index (fields, place labels, word splitting, folding): a saved index of
/// another format is then rebuilt from the records instead of being trusted. The test
/// `saved_bytes_are_pinned_so_a_change_bumps_the_format` fails as a reminder.
pub const INDEX_FORMAT: u32 = 1;

/// Characters a snippet holds at most (not counting the "…" at either end).
pub const SNIPPET_CHARS: usize = 80;
/// Characters of context a snippet shows before the match, at most.
const SNIPPET_LEAD: usize = 30;

/// The kind of record a hit is in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum HitKind {
    Couple,
    Session,
    /// A session's clinical (progress) note.
    Note,
    /// A process note: the clinician's own working notes, kept apart from exports.
    ProcessNote,
    /// A couple's course (commitments ledger, affair-recovery map). Its id is the
    /// couple's id.
    Course,
}

impl HitKind {
    const ALL: [HitKind; 5] = [
        HitKind::Couple,
        HitKind::Session,
        HitKind::Note,
        HitKind::ProcessNote,
        HitKind::Course,
    ];

    /// The kind's number in saved indexes (never reuse one).
    fn code(self) -> u8 {
        match self {
            HitKind::Couple => 0,
            HitKind::Session => 1,
            HitKind::Note => 2,
            HitKind::ProcessNote => 3,
            HitKind::Course => 4,
        }
    }

    fn from_code(code: u8) -> Option<HitKind> {
        HitKind::ALL.into_iter().find(|k| k.code() == code)
    }

    /// How the kind is named in result lists.
    pub fn label(self) -> &'static str {
        match self {
            HitKind::Couple => "couple",
            HitKind::Session => "session",
            HitKind::Note => "note",
            HitKind::ProcessNote => "process note",
            HitKind::Course => "course",
        }
    }
}

/// One record that matches every word of a query.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hit {
    pub kind: HitKind,
    /// The record's id (for a course, the couple's id).
    pub record: Uuid,
    /// When the matching text was written: the session's start, the note's creation or
    /// amendment, the course entry's date.
    pub at: DateTime<Utc>,
    /// Where in the record, e.g. "Send and mirror › mirror 2" or "Assessment".
    pub place: String,
    /// About `SNIPPET_CHARS` characters around the first match, on one line, with "…"
    /// where text was cut.
    pub snippet: String,
    /// The byte range of the match within `snippet`, for highlighting.
    pub highlight: Range<usize>,
}

/// The hits of one couple, newest first.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CoupleHits {
    pub couple: CoupleId,
    /// The couple's code; empty when the couple's own record was not added.
    pub code: String,
    pub hits: Vec<Hit>,
}

/// The answer to a query: couples with the most hits first.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SearchResults {
    pub groups: Vec<CoupleHits>,
    /// Hits over all groups.
    pub total: usize,
}

impl SearchResults {
    pub fn is_empty(&self) -> bool {
        self.total == 0
    }
}

/// How big an index is.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct IndexStats {
    pub records: usize,
    /// Indexed pieces of text (including those of removed records not yet compacted).
    pub places: usize,
    /// Distinct words.
    pub words: usize,
    /// (word, place) pairs.
    pub postings: usize,
    /// The indexed text, kept for snippets.
    pub text_bytes: usize,
    /// Approximate heap memory of the whole index.
    pub heap_bytes: usize,
}

/// One indexed record.
#[derive(Clone, Debug)]
struct Doc {
    kind: HitKind,
    record: Uuid,
    couple: CoupleId,
    /// Its fields, which are contiguous in `SearchIndex::fields`.
    fields: Range<u32>,
    is_live: bool,
}

/// One indexed piece of text and where it is.
#[derive(Clone, Debug)]
struct Field {
    doc: u32,
    /// Byte range in `SearchIndex::text`.
    text: Range<u32>,
    /// Index into `SearchIndex::places`.
    place: u32,
    at: DateTime<Utc>,
}

/// An inverted index over a practice's records. Add records with the `add_*` methods
/// (adding a record again replaces it), drop them with `remove`, query with `search`.
#[derive(Clone, Debug, Default)]
pub struct SearchIndex {
    docs: Vec<Doc>,
    fields: Vec<Field>,
    /// The text of every field, one after the other.
    text: String,
    /// Folded word → the fields it occurs in, ascending. Sorted, for prefix lookups.
    terms: BTreeMap<Box<str>, Vec<u32>>,
    /// Place labels, each stored once (most repeat across records).
    places: Vec<Box<str>>,
    place_ids: HashMap<Box<str>, u32>,
    by_record: HashMap<(HitKind, Uuid), u32>,
    codes: HashMap<CoupleId, String>,
    dead_fields: usize,
}

impl SearchIndex {
    pub fn new() -> SearchIndex {
        SearchIndex::default()
    }

    /// Records in the index.
    pub fn len(&self) -> usize {
        self.by_record.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_record.is_empty()
    }

    /// The records in the index, as (kind, id), in no particular order.
    pub fn records(&self) -> impl Iterator<Item = (HitKind, Uuid)> + '_ {
        self.by_record.keys().copied()
    }

    /// Index a couple: code, partner names and pronouns. Also gives hits in the couple's
    /// other records their group's code.
    pub fn add_couple(&mut self, couple: &Couple) {
        self.codes.insert(couple.id, couple.code.clone());
        let mut doc = self.begin(
            HitKind::Couple,
            couple.id.0,
            couple.id,
            midnight(couple.created_on),
        );
        doc.put(format_args!("code"), &couple.code);
        for partner in Partner::BOTH {
            let info = couple.partner(partner);
            doc.put(format_args!("{partner}"), &info.name);
            doc.put(format_args!("{partner}'s pronouns"), &info.pronouns);
        }
    }

    /// Index a session: its title and every text recorded in it (messages, mirrors,
    /// stages, floor turns, rule breaches, questions and answers, commitments, entries,
    /// the clinician's notes, skip reasons, unsubmitted drafts). With its template, hits
    /// name steps by title rather than by id.
    pub fn add_session(&mut self, session: &Session, template: Option<&Template>) {
        let mut doc = self.begin(
            HitKind::Session,
            session.id.0,
            session.couple,
            session.started_at,
        );
        doc.put(format_args!("title"), &session.template_title);
        for record in &session.steps {
            let step = step_label(record, template);
            index_step(&mut doc, &step, record);
        }
        for text in session.drafts.values() {
            doc.put(format_args!("unsubmitted draft"), text);
        }
    }

    /// Index a clinical note: the text as it reads now, every earlier amendment with its
    /// reason, and the original.
    pub fn add_note(&mut self, note: &ClinicalNote) {
        let mut doc = self.begin(HitKind::Note, note.id.0, note.couple, note.created_at);
        // Newest text first, so a hit points at the note as it now reads when the same
        // words are also in earlier versions.
        for (i, amendment) in note.amendments.iter().enumerate().rev() {
            let n = i + 1;
            doc.at = amendment.signed.at;
            for section in &amendment.sections {
                doc.put(
                    format_args!("{} (amendment {n})", section.heading),
                    &section.text,
                );
            }
            doc.put(format_args!("reason for amendment {n}"), &amendment.reason);
        }
        doc.at = note.created_at;
        let amended = !note.amendments.is_empty();
        for section in &note.sections {
            if amended {
                doc.put(
                    format_args!("{} (original)", section.heading),
                    &section.text,
                );
            } else {
                doc.put(format_args!("{}", section.heading), &section.text);
            }
        }
    }

    /// Index a process note. Its hits have kind `HitKind::ProcessNote`.
    pub fn add_process_note(&mut self, note: &ProcessNote) {
        let mut doc = self.begin(
            HitKind::ProcessNote,
            note.id.0,
            note.couple,
            note.written_at,
        );
        doc.put(format_args!("process note"), &note.text);
    }

    /// Index a couple's course: every wording of every commitment with the reasons for
    /// revising, review notes, retirement reasons, the triggers log and exit criteria.
    pub fn add_course(&mut self, course: &Course) {
        let start = course
            .ledger
            .iter()
            .flat_map(|i| i.versions.first())
            .map(|v| v.at)
            .min()
            .unwrap_or(DateTime::<Utc>::MIN_UTC);
        let mut doc = self.begin(HitKind::Course, course.couple.0, course.couple, start);
        for item in &course.ledger {
            let id = item.id;
            if let Some(first) = item.versions.first() {
                doc.at = first.at;
            }
            doc.put(format_args!("commitment #{id} › category"), &item.category);
            for (i, version) in item.versions.iter().enumerate() {
                doc.at = version.at;
                let n = i + 1;
                doc.put(
                    format_args!("commitment #{id} (version {n}) › behaviour"),
                    &version.behaviour,
                );
                doc.put(
                    format_args!("commitment #{id} (version {n}) › rhythm"),
                    &version.rhythm,
                );
                doc.put(
                    format_args!("commitment #{id} (version {n}) › reason for revising"),
                    &version.reason,
                );
            }
            for review in &item.reviews {
                doc.at = review.at;
                doc.put(
                    format_args!("commitment #{id} › review by {}", review.by),
                    &review.note,
                );
            }
            if let Some(retired) = &item.retired {
                doc.at = retired.at;
                doc.put(
                    format_args!("commitment #{id} › reason retired"),
                    &retired.reason,
                );
            }
        }
        for entry in &course.recovery.triggers {
            doc.at = midnight(entry.on);
            doc.put(format_args!("triggers log › trigger"), &entry.trigger);
            doc.put(format_args!("triggers log › response"), &entry.response);
            doc.put(format_args!("triggers log › repair"), &entry.repair);
        }
        for spell in &course.recovery.phases {
            for criterion in &spell.exit_criteria {
                doc.at = midnight(criterion.met_on.unwrap_or(spell.entered_on));
                doc.put(
                    format_args!("{} › exit criterion", spell.phase.label()),
                    &criterion.text,
                );
            }
        }
    }

    /// Drop a record from the index. Returns whether it was there. (For a course, `id`
    /// is the couple's id.)
    pub fn remove(&mut self, kind: HitKind, id: Uuid) -> bool {
        let Some(doc) = self.by_record.remove(&(kind, id)) else {
            return false;
        };
        let doc = &mut self.docs[doc as usize];
        doc.is_live = false;
        self.dead_fields += doc.fields.len();
        if kind == HitKind::Couple {
            self.codes.remove(&CoupleId(id));
        }
        // Postings still name the dropped fields; rebuild once they are most of them.
        if self.dead_fields > 4096 && self.dead_fields > self.fields.len() / 2 {
            self.compact();
        }
        true
    }

    /// Give back memory reserved for growth: call after adding many records at once
    /// (the word lists and the kept text otherwise hold up to twice what they use).
    pub fn shrink_to_fit(&mut self) {
        self.text.shrink_to_fit();
        self.fields.shrink_to_fit();
        self.docs.shrink_to_fit();
        for fields in self.terms.values_mut() {
            fields.shrink_to_fit();
        }
    }

    /// Sizes of the index, for diagnostics and benchmarks.
    pub fn stats(&self) -> IndexStats {
        IndexStats {
            records: self.len(),
            places: self.fields.len(),
            words: self.terms.len(),
            postings: self.terms.values().map(Vec::len).sum(),
            text_bytes: self.text.len(),
            heap_bytes: self.heap_bytes(),
        }
    }

    /// Approximate heap memory held by the index, in bytes.
    fn heap_bytes(&self) -> usize {
        use std::mem::size_of;
        // A B-tree or hash map entry costs about its key and value plus some overhead.
        const ENTRY_OVERHEAD: usize = 16;
        let terms: usize = self
            .terms
            .iter()
            .map(|(k, v)| {
                k.len()
                    + v.capacity() * size_of::<u32>()
                    + size_of::<Box<str>>()
                    + size_of::<Vec<u32>>()
                    + ENTRY_OVERHEAD
            })
            .sum();
        let places: usize = self.places.iter().map(|p| 2 * p.len()).sum::<usize>()
            + self.places.len() * (3 * size_of::<Box<str>>() + ENTRY_OVERHEAD);
        self.text.capacity()
            + self.fields.capacity() * size_of::<Field>()
            + self.docs.capacity() * size_of::<Doc>()
            + terms
            + places
            + self.by_record.capacity() * (size_of::<(HitKind, Uuid)>() + 4 + ENTRY_OVERHEAD)
            + self
                .codes
                .values()
                .map(|c| c.capacity() + size_of::<(CoupleId, String)>() + ENTRY_OVERHEAD)
                .sum::<usize>()
    }

    /// Every record matching every word of `query`, grouped by couple.
    pub fn search(&self, query: &str) -> SearchResults {
        self.run(query, None)
    }

    /// As `search`, within one couple's records.
    pub fn search_couple(&self, query: &str, couple: CoupleId) -> SearchResults {
        self.run(query, Some(couple))
    }

    fn run(&self, query: &str, couple: Option<CoupleId>) -> SearchResults {
        let terms = parse_query(query);
        if terms.is_empty() {
            return SearchResults::default();
        }
        // The fields each term occurs in, ascending.
        let mut matched: Vec<Cow<'_, [u32]>> = Vec::with_capacity(terms.len());
        for term in &terms {
            let fields = self.fields_matching(term);
            if fields.is_empty() {
                return SearchResults::default();
            }
            matched.push(fields);
        }
        // Records holding every term (each term may be in a different field).
        let mut doc_sets: Vec<Vec<u32>> = matched.iter().map(|f| self.docs_of(f)).collect();
        doc_sets.sort_by_key(Vec::len);
        let mut docs = doc_sets.swap_remove(0);
        for other in &doc_sets {
            docs = intersect(&docs, other);
        }
        let mut groups: HashMap<CoupleId, Vec<Hit>> = HashMap::new();
        let mut candidates = Vec::new();
        for doc_id in docs {
            let doc = &self.docs[doc_id as usize];
            if !doc.is_live || couple.is_some_and(|c| c != doc.couple) {
                continue;
            }
            // The place that holds the most terms, the first one on a tie.
            candidates.clear();
            for fields in &matched {
                let from = fields.partition_point(|f| *f < doc.fields.start);
                let to = fields.partition_point(|f| *f < doc.fields.end);
                candidates.extend_from_slice(&fields[from..to]);
            }
            candidates.sort_unstable();
            let mut best = (0usize, 0u32);
            for run in candidates.chunk_by(|a, b| a == b) {
                if run.len() > best.0 {
                    best = (run.len(), run[0]);
                }
            }
            let field = &self.fields[best.1 as usize];
            let text = self.field_text(field);
            let found = terms
                .iter()
                .filter_map(|t| first_match(text, t))
                .min_by_key(|r| r.start)
                .unwrap_or(0..0);
            let (snippet, highlight) = snippet(text, found);
            groups.entry(doc.couple).or_default().push(Hit {
                kind: doc.kind,
                record: doc.record,
                at: field.at,
                place: self.places[field.place as usize].to_string(),
                snippet,
                highlight,
            });
        }
        let mut groups: Vec<CoupleHits> = groups
            .into_iter()
            .map(|(couple, mut hits)| {
                hits.sort_by(|a, b| {
                    b.at.cmp(&a.at)
                        .then(a.kind.cmp(&b.kind))
                        .then(a.record.cmp(&b.record))
                });
                CoupleHits {
                    couple,
                    code: self.codes.get(&couple).cloned().unwrap_or_default(),
                    hits,
                }
            })
            .collect();
        groups.sort_by(|a, b| {
            b.hits
                .len()
                .cmp(&a.hits.len())
                .then_with(|| a.code.cmp(&b.code))
                .then(a.couple.cmp(&b.couple))
        });
        let total = groups.iter().map(|g| g.hits.len()).sum();
        SearchResults { groups, total }
    }

    /// The fields a term occurs in, ascending.
    fn fields_matching(&self, term: &Term) -> Cow<'_, [u32]> {
        match term {
            Term::Word(word) => self.fields_with_prefix(word),
            Term::Phrase(words) => {
                let mut sets: Vec<Cow<'_, [u32]>> =
                    words.iter().map(|w| self.fields_with_prefix(w)).collect();
                sets.sort_by_key(|s| s.len());
                let mut candidates = sets[0].to_vec();
                for other in &sets[1..] {
                    candidates = intersect(&candidates, other);
                }
                candidates.retain(|f| {
                    let field = &self.fields[*f as usize];
                    self.docs[field.doc as usize].is_live
                        && phrase_at(self.field_text(field), words).is_some()
                });
                Cow::Owned(candidates)
            }
        }
    }

    /// The fields holding a word that starts with `prefix`, ascending.
    fn fields_with_prefix(&self, prefix: &str) -> Cow<'_, [u32]> {
        let lists: Vec<&[u32]> = self
            .terms
            .range::<str, _>((Bound::Included(prefix), Bound::Unbounded))
            .take_while(|(term, _)| term.starts_with(prefix))
            .map(|(_, fields)| fields.as_slice())
            .collect();
        match lists.as_slice() {
            [] => Cow::Borrowed(&[]),
            [only] => Cow::Borrowed(only),
            _ => Cow::Owned(union(&lists, self.fields.len())),
        }
    }

    /// The records of ascending fields, ascending and once each.
    fn docs_of(&self, fields: &[u32]) -> Vec<u32> {
        let mut docs: Vec<u32> = Vec::new();
        for f in fields {
            let doc = self.fields[*f as usize].doc;
            if docs.last() != Some(&doc) {
                docs.push(doc);
            }
        }
        docs
    }

    fn field_text(&self, field: &Field) -> &str {
        self.text
            .get(field.text.start as usize..field.text.end as usize)
            .unwrap_or("")
    }

    /// Start a record, replacing an earlier version of it.
    fn begin(
        &mut self,
        kind: HitKind,
        record: Uuid,
        couple: CoupleId,
        at: DateTime<Utc>,
    ) -> DocWriter<'_> {
        if let Some(old) = self.by_record.get(&(kind, record)).copied() {
            let old = &mut self.docs[old as usize];
            old.is_live = false;
            self.dead_fields += old.fields.len();
        }
        let id = self.docs.len() as u32;
        let start = self.fields.len() as u32;
        self.docs.push(Doc {
            kind,
            record,
            couple,
            fields: start..start,
            is_live: true,
        });
        self.by_record.insert((kind, record), id);
        DocWriter {
            index: self,
            doc: id,
            at,
            place: String::new(),
            folded: String::new(),
        }
    }

    fn place_id(&mut self, place: &str) -> u32 {
        if let Some(id) = self.place_ids.get(place) {
            return *id;
        }
        let id = self.places.len() as u32;
        self.places.push(place.into());
        self.place_ids.insert(place.into(), id);
        id
    }

    /// Append one field to the record being written and post its words.
    fn push_field(
        &mut self,
        doc: u32,
        place: u32,
        text: &str,
        at: DateTime<Utc>,
        folded: &mut String,
    ) {
        let field = self.fields.len() as u32;
        let start = self.text.len() as u32;
        self.text.push_str(text);
        self.fields.push(Field {
            doc,
            text: start..self.text.len() as u32,
            place,
            at,
        });
        for range in words(text) {
            folded.clear();
            fold_into(&text[range], folded);
            match self.terms.get_mut(folded.as_str()) {
                Some(fields) => {
                    if fields.last() != Some(&field) {
                        fields.push(field);
                    }
                }
                None => {
                    self.terms.insert(folded.as_str().into(), vec![field]);
                }
            }
        }
        self.docs[doc as usize].fields.end = field + 1;
    }

    /// Rebuild without the records that were removed or replaced.
    fn compact(&mut self) {
        let old = std::mem::take(self);
        self.places = old.places;
        self.place_ids = old.place_ids;
        self.codes = old.codes;
        let mut folded = String::new();
        for doc in old.docs.iter().filter(|d| d.is_live) {
            let id = self.docs.len() as u32;
            let start = self.fields.len() as u32;
            self.docs.push(Doc {
                fields: start..start,
                ..doc.clone()
            });
            self.by_record.insert((doc.kind, doc.record), id);
            for field in &old.fields[doc.fields.start as usize..doc.fields.end as usize] {
                let text = old
                    .text
                    .get(field.text.start as usize..field.text.end as usize)
                    .unwrap_or("");
                self.push_field(id, field.place, text, field.at, &mut folded);
            }
        }
    }
}

/// Why saved bytes were not taken as an index. Names no content.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum IndexDecodeError {
    #[error("the saved search index has format {found}; this Tandem uses {supported}")]
    Format { found: u32, supported: u32 },
    #[error("the saved search index is damaged: {0}")]
    Damaged(&'static str),
}

/// A saved index: the records, fields and word lists of the live records only, in columns
/// (postcard writes each number in as few bytes as it needs). Derived lookups
/// (`place_ids`, `by_record`) are rebuilt on load: rebuilding them costs about what
/// decoding them would.
#[derive(Serialize, Deserialize)]
struct Saved<'a> {
    /// `INDEX_FORMAT`; first, so another format is told apart from damage.
    format: u32,
    docs: Vec<SavedDoc>,
    /// Per field, in order: the length in bytes of its text (the texts follow each other
    /// in `text`), its place, and when it was written (seconds, nanoseconds).
    text_lens: Vec<u32>,
    field_places: Vec<u32>,
    field_at: Vec<(i64, u32)>,
    #[serde(borrow)]
    text: Cow<'a, str>,
    /// Each word with the fields it occurs in, ascending, each stored as the difference
    /// from the one before.
    #[serde(borrow)]
    terms: Vec<(&'a str, Vec<u32>)>,
    #[serde(borrow)]
    places: Vec<&'a str>,
    #[serde(borrow)]
    codes: Vec<(Uuid, &'a str)>,
}

#[derive(Serialize, Deserialize)]
struct SavedDoc {
    kind: u8,
    record: Uuid,
    couple: Uuid,
    /// How many fields it has: a record's fields follow those of the record before.
    fields: u32,
}

impl SearchIndex {
    /// The index as compact bytes (postcard), live records only; `from_bytes` gives back
    /// an index that answers every query the same. Deterministic: the same index gives
    /// the same bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        let live = self.docs.iter().filter(|d| d.is_live);
        let live_fields: usize = live.clone().map(|d| d.fields.len()).sum();
        // Fields of dropped records are left out and the rest renumbered, keeping order.
        let mut renumbered = vec![u32::MAX; self.fields.len()];
        let mut docs = Vec::with_capacity(self.len());
        let mut text_lens = Vec::with_capacity(live_fields);
        let mut field_places = Vec::with_capacity(live_fields);
        let mut field_at = Vec::with_capacity(live_fields);
        let mut text = String::new();
        let copy_text = self.dead_fields > 0;
        for doc in live {
            docs.push(SavedDoc {
                kind: doc.kind.code(),
                record: doc.record,
                couple: doc.couple.0,
                fields: doc.fields.len() as u32,
            });
            for f in doc.fields.clone() {
                renumbered[f as usize] = text_lens.len() as u32;
                let field = &self.fields[f as usize];
                let field_text = self.field_text(field);
                if copy_text {
                    text.push_str(field_text);
                }
                text_lens.push(field_text.len() as u32);
                field_places.push(field.place);
                field_at.push((field.at.timestamp(), field.at.timestamp_subsec_nanos()));
            }
        }
        let terms = self
            .terms
            .iter()
            .filter_map(|(term, fields)| {
                let mut deltas = Vec::with_capacity(fields.len());
                let mut previous = 0;
                for f in fields {
                    let f = renumbered[*f as usize];
                    if f != u32::MAX {
                        deltas.push(f - previous);
                        previous = f;
                    }
                }
                (!deltas.is_empty()).then_some((term.as_ref(), deltas))
            })
            .collect();
        let mut codes: Vec<(Uuid, &str)> = self
            .codes
            .iter()
            .map(|(c, code)| (c.0, code.as_str()))
            .collect();
        codes.sort_unstable();
        let saved = Saved {
            format: INDEX_FORMAT,
            docs,
            text_lens,
            field_places,
            field_at,
            text: if copy_text {
                Cow::Owned(text)
            } else {
                Cow::Borrowed(self.text.as_str())
            },
            terms,
            places: self.places.iter().map(|p| p.as_ref()).collect(),
            codes,
        };
        // Serializing vectors, strings and numbers into memory cannot fail.
        postcard::to_stdvec(&saved).unwrap_or_default()
    }

    /// An index from `to_bytes`'s output. Bytes of another format, or that do not hold a
    /// consistent index, are refused; never a panic.
    pub fn from_bytes(bytes: &[u8]) -> Result<SearchIndex, IndexDecodeError> {
        use IndexDecodeError::Damaged;
        let (found, _) =
            postcard::take_from_bytes::<u32>(bytes).map_err(|_| Damaged("it is empty"))?;
        if found != INDEX_FORMAT {
            return Err(IndexDecodeError::Format {
                found,
                supported: INDEX_FORMAT,
            });
        }
        let saved: Saved<'_> =
            postcard::from_bytes(bytes).map_err(|_| Damaged("it does not decode"))?;
        let count = saved.text_lens.len();
        if saved.field_places.len() != count || saved.field_at.len() != count {
            return Err(Damaged("its field columns differ in length"));
        }
        if saved.docs.iter().map(|d| d.fields as usize).sum::<usize>() != count {
            return Err(Damaged("its records do not account for its fields"));
        }
        let mut index = SearchIndex {
            text: saved.text.into_owned(),
            places: saved.places.iter().map(|p| Box::<str>::from(*p)).collect(),
            ..SearchIndex::default()
        };
        if index.places.len() > u32::MAX as usize || count > u32::MAX as usize {
            return Err(Damaged("it is too large"));
        }
        index.place_ids = index
            .places
            .iter()
            .enumerate()
            .map(|(i, p)| (p.clone(), i as u32))
            .collect();
        index.docs.reserve_exact(saved.docs.len());
        index.fields.reserve_exact(count);
        let mut columns = saved
            .text_lens
            .iter()
            .zip(&saved.field_places)
            .zip(&saved.field_at);
        let mut offset = 0usize;
        // Most fields of a record share its date: convert each run once.
        let mut last_at: Option<((i64, u32), DateTime<Utc>)> = None;
        for (doc_id, doc) in saved.docs.iter().enumerate() {
            let kind = HitKind::from_code(doc.kind).ok_or(Damaged("a record has no kind"))?;
            let start = index.fields.len() as u32;
            for ((len, place), (secs, nanos)) in columns.by_ref().take(doc.fields as usize) {
                let end = offset + *len as usize;
                if !index.text.is_char_boundary(end) || end > index.text.len() {
                    return Err(Damaged("a field's text is out of place"));
                }
                if *place as usize >= index.places.len() {
                    return Err(Damaged("a field has no place"));
                }
                let at = match last_at {
                    Some((key, at)) if key == (*secs, *nanos) => at,
                    _ => {
                        let at = DateTime::from_timestamp(*secs, *nanos)
                            .ok_or(Damaged("a field's date is out of range"))?;
                        last_at = Some(((*secs, *nanos), at));
                        at
                    }
                };
                index.fields.push(Field {
                    doc: doc_id as u32,
                    text: offset as u32..end as u32,
                    place: *place,
                    at,
                });
                offset = end;
            }
            index.docs.push(Doc {
                kind,
                record: doc.record,
                couple: CoupleId(doc.couple),
                fields: start..index.fields.len() as u32,
                is_live: true,
            });
            if index
                .by_record
                .insert((kind, doc.record), doc_id as u32)
                .is_some()
            {
                return Err(Damaged("a record appears twice"));
            }
        }
        if offset != index.text.len() {
            return Err(Damaged("its text does not match its fields"));
        }
        let mut previous: Option<&str> = None;
        let mut terms = Vec::with_capacity(saved.terms.len());
        for (term, deltas) in saved.terms {
            if previous.is_some_and(|p| p >= term) {
                return Err(Damaged("its words are out of order"));
            }
            previous = Some(term);
            let mut fields = Vec::with_capacity(deltas.len());
            let mut field = 0u32;
            for (i, delta) in deltas.iter().enumerate() {
                if i > 0 && *delta == 0 {
                    return Err(Damaged("a word's fields are out of order"));
                }
                field = field
                    .checked_add(*delta)
                    .filter(|f| (*f as usize) < count)
                    .ok_or(Damaged("a word names a field it does not have"))?;
                fields.push(field);
            }
            terms.push((Box::<str>::from(term), fields));
        }
        // Sorted and distinct, so the tree is built in one pass.
        index.terms = terms.into_iter().collect();
        index.codes = saved
            .codes
            .iter()
            .map(|(couple, code)| (CoupleId(*couple), code.to_string()))
            .collect();
        Ok(index)
    }
}

/// Writes one record's fields.
struct DocWriter<'a> {
    index: &'a mut SearchIndex,
    doc: u32,
    /// The date given to the fields put from now on.
    at: DateTime<Utc>,
    place: String,
    folded: String,
}

impl DocWriter<'_> {
    /// Index `text` (if it has any) at the place `place` names.
    fn put(&mut self, place: std::fmt::Arguments<'_>, text: &str) {
        if text.trim().is_empty() {
            return;
        }
        self.place.clear();
        // Writing into a String cannot fail.
        let _ = self.place.write_fmt(place);
        let place = self.index.place_id(&self.place);
        self.index
            .push_field(self.doc, place, text, self.at, &mut self.folded);
    }
}

/// A step's title as the template has it (role placeholders filled with "partner A" or
/// "partner B", never names), its id otherwise, with the pass inside a repeat.
fn step_label(record: &StepRecord, template: Option<&Template>) -> String {
    let title = template
        .and_then(|t| find_step(&t.steps, &record.step_id))
        .map_or(record.step_id.as_str(), |s| s.title.as_str());
    let title = if title.contains('{') {
        fill(title, |role| {
            record.roles.partner(role).map(|p| p.to_string())
        })
    } else {
        title.to_string()
    };
    if record.pass > 1 {
        format!("{title} (pass {})", record.pass)
    } else {
        title
    }
}

fn respondent_label(respondent: Respondent) -> String {
    match respondent {
        Respondent::Joint => "joint".to_string(),
        Respondent::Partner(p) => p.to_string(),
        Respondent::Clinician => "clinician".to_string(),
    }
}

fn index_step(doc: &mut DocWriter<'_>, step: &str, record: &StepRecord) {
    match &record.data {
        // Numbers and fixed answers to the template's own items: nothing typed to find.
        StepData::Script | StepData::SwapRoles | StepData::Rating(_) | StepData::YesNo(_) => {}
        StepData::Loop(l) => {
            if let Some(message) = &l.message {
                doc.put(format_args!("{step} › message"), &message.text);
            }
            for (i, attempt) in l.attempts.iter().enumerate() {
                let n = i + 1;
                doc.put(format_args!("{step} › mirror {n}"), &attempt.text);
                doc.put(format_args!("{step} › reply to mirror {n}"), &attempt.reply);
            }
            for (stage, attempts) in &l.stages {
                let stage = match stage {
                    LoopStage::Summary => "summary",
                    LoopStage::Validation => "validation",
                    LoopStage::Empathy => "empathy",
                };
                for attempt in attempts {
                    doc.put(format_args!("{step} › {stage}"), &attempt.text);
                    doc.put(
                        format_args!("{step} › {stage} feelings"),
                        &attempt.feelings.join(", "),
                    );
                }
            }
        }
        StepData::Floor(f) => {
            for exchange in &f.exchanges {
                match exchange {
                    Exchange::Chunk { by, text, .. } => {
                        doc.put(format_args!("{step} › {by} speaking"), text)
                    }
                    Exchange::Paraphrase { by, text, .. } => {
                        doc.put(format_args!("{step} › {by} paraphrasing"), text)
                    }
                }
            }
            for breach in &f.breaches {
                doc.put(
                    format_args!("{step} › rule breach by {}", breach.by),
                    &breach.rule,
                );
            }
        }
        StepData::Questions(q) => {
            let owner = q.owner;
            for question in &q.items {
                let n = question.id;
                doc.put(
                    format_args!("{step} › {owner}'s question {n}"),
                    &question.text,
                );
                doc.put(
                    format_args!("{step} › why {owner} asks question {n}"),
                    &question.why,
                );
                if let Some(answer) = &question.answer {
                    doc.put(
                        format_args!("{step} › answer to question {n}"),
                        &answer.text,
                    );
                }
            }
        }
        StepData::Plan(p) => {
            for c in &p.commitments {
                let (n, owner) = (c.id, c.draft.owner);
                let owner = match owner.partner() {
                    Some(p) => format!("{p}'s"),
                    None => "the shared".into(),
                };
                doc.put(
                    format_args!("{step} › {owner} commitment {n}"),
                    &c.draft.behaviour,
                );
                doc.put(
                    format_args!("{step} › rhythm of commitment {n}"),
                    &c.draft.rhythm,
                );
                doc.put(
                    format_args!("{step} › category of commitment {n}"),
                    &c.draft.category,
                );
            }
        }
        StepData::Text(e) => {
            for (who, text) in &e.entries {
                doc.put(format_args!("{step} › {}", respondent_label(*who)), text);
            }
        }
        StepData::Choice(e) | StepData::Checklist(e) => {
            for (who, chosen) in &e.entries {
                doc.put(
                    format_args!("{step} › {}", respondent_label(*who)),
                    &chosen.join(", "),
                );
            }
        }
        StepData::Reply(r) => {
            let author = r.author;
            for (i, reply) in r.replies.iter().enumerate() {
                let n = i + 1;
                doc.put(format_args!("{step} › {author}'s answer {n}"), &reply.text);
            }
        }
    }
    doc.put(
        format_args!("{step} › clinician's note"),
        &record.clinician_note,
    );
    if let Some(reason) = &record.skip_reason {
        doc.put(format_args!("{step} › reason skipped"), reason);
    }
}

fn midnight(date: NaiveDate) -> DateTime<Utc> {
    date.and_time(NaiveTime::MIN).and_utc()
}

/// One thing a query asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Term {
    /// A word start.
    Word(String),
    /// Word starts one right after the other.
    Phrase(Vec<String>),
}

/// Split a query into terms: words (folded), `"quoted phrases"`, and words that hold
/// punctuation ("G-0042", "don't"), which are phrases of their parts.
fn parse_query(query: &str) -> Vec<Term> {
    let mut terms = Vec::new();
    let add = |part: &str, terms: &mut Vec<Term>| {
        let mut words: Vec<String> = words(part)
            .map(|r| {
                let mut w = String::new();
                fold_into(&part[r], &mut w);
                w
            })
            .collect();
        let term = match words.len() {
            0 => return,
            1 => Term::Word(words.remove(0)),
            _ => Term::Phrase(words),
        };
        if !terms.contains(&term) {
            terms.push(term);
        }
    };
    for (i, part) in query.split('"').enumerate() {
        if i % 2 == 1 {
            add(part, &mut terms);
        } else {
            for word in part.split_whitespace() {
                add(word, &mut terms);
            }
        }
    }
    terms
}

fn is_word_char(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_alphanumeric()
    } else {
        c.is_alphanumeric() || is_combining_mark(c)
    }
}

/// The byte ranges of the words of `text`: runs of letters, digits and combining marks.
fn words(text: &str) -> impl Iterator<Item = Range<usize>> + '_ {
    let mut chars = text.char_indices().peekable();
    std::iter::from_fn(move || {
        let start = loop {
            let (i, c) = chars.next()?;
            if is_word_char(c) {
                break i;
            }
        };
        let mut end = text.len();
        while let Some((i, c)) = chars.peek().copied() {
            if !is_word_char(c) {
                end = i;
                break;
            }
            chars.next();
        }
        Some(start..end)
    })
}

/// Lower-case `word` and strip accents ("Émilie" → "emilie"), appending to `out`.
fn fold_into(word: &str, out: &mut String) {
    for c in word.chars() {
        if c.is_ascii() {
            out.push(c.to_ascii_lowercase());
            continue;
        }
        if let Some(plain) = fold_special(c) {
            out.push_str(plain);
            continue;
        }
        for lower in c.to_lowercase() {
            decompose_canonical(lower, |d| {
                if !is_combining_mark(d) {
                    out.push(d);
                }
            });
        }
    }
}

/// Letters that carry no separate accent to strip, as they are typed on keyboards that
/// lack them.
fn fold_special(c: char) -> Option<&'static str> {
    Some(match c {
        'ı' => "i",
        'ø' | 'Ø' => "o",
        'ł' | 'Ł' => "l",
        'đ' | 'Đ' => "d",
        'ß' => "ss",
        'æ' | 'Æ' => "ae",
        'œ' | 'Œ' => "oe",
        _ => return None,
    })
}

/// The longest phrase matched word by word; words after it are ignored.
const MAX_PHRASE_WORDS: usize = 64;

/// Where words starting with `phrase`'s words follow one another in `text`, from the first
/// word's start to the last one's end (a shift-and scan: one pass, no allocation per word).
fn phrase_at(text: &str, phrase: &[String]) -> Option<Range<usize>> {
    let k = phrase.len().min(MAX_PHRASE_WORDS);
    let done = 1u64 << k.checked_sub(1)?;
    let mut state = 0u64;
    let mut starts = [0usize; MAX_PHRASE_WORDS];
    let mut folded = String::new();
    for (n, range) in words(text).enumerate() {
        folded.clear();
        fold_into(&text[range.clone()], &mut folded);
        let mut fits = 0u64;
        for (j, word) in phrase[..k].iter().enumerate() {
            if folded.starts_with(word.as_str()) {
                fits |= 1 << j;
            }
        }
        // Bit j: the last j + 1 words match the phrase's first j + 1.
        state = ((state << 1) | 1) & fits;
        starts[n % k] = range.start;
        if state & done != 0 {
            return Some(starts[(n + 1) % k]..range.end);
        }
    }
    None
}

/// The first place in `text` that a term matches.
fn first_match(text: &str, term: &Term) -> Option<Range<usize>> {
    match term {
        Term::Word(word) => phrase_at(text, std::slice::from_ref(word)),
        Term::Phrase(words) => phrase_at(text, words),
    }
}

/// About `SNIPPET_CHARS` characters of `text` around `found`, on one line, starting and
/// ending at word boundaries where one is near, with "…" where text was cut; and where the
/// match is in it.
fn snippet(text: &str, found: Range<usize>) -> (String, Range<usize>) {
    let found = found.start.min(text.len())..found.end.min(text.len());
    let mut start = found.start;
    for (i, _) in text[..found.start].char_indices().rev().take(SNIPPET_LEAD) {
        start = i;
    }
    // Cut mid-word: begin at the next word instead, when it is before the match.
    if text[..start]
        .chars()
        .next_back()
        .is_some_and(|c| !c.is_whitespace())
        && let Some((i, c)) = text[start..found.start]
            .char_indices()
            .find(|(_, c)| c.is_whitespace())
    {
        start += i + c.len_utf8();
    }
    let end = text[start..]
        .char_indices()
        .nth(SNIPPET_CHARS)
        .map_or(text.len(), |(i, _)| start + i);
    let mut end = end;
    // Cut mid-word: end at the last space after the match instead.
    if end < text.len()
        && end > found.end
        && let Some(space) = text[found.end..end].rfind(char::is_whitespace)
    {
        end = found.end + space;
    }
    let mut out = String::with_capacity(end - start + 8);
    if start > 0 {
        out.push('…');
    }
    let mut highlight = out.len()..out.len();
    let mut in_space = false;
    for (i, c) in text[start..end].char_indices() {
        let i = start + i;
        if i == found.start {
            highlight.start = out.len();
        }
        if i == found.end {
            highlight.end = out.len();
        }
        if c.is_whitespace() || c.is_control() {
            if !in_space {
                out.push(' ');
            }
            in_space = true;
        } else {
            out.push(c);
            in_space = false;
        }
    }
    if found.end >= end {
        highlight.end = out.len();
    }
    if highlight.end < highlight.start {
        highlight.end = highlight.start;
    }
    if end < text.len() {
        out.push('…');
    }
    (out, highlight)
}

/// The elements of any of `lists` (each ascending, each element below `universe`),
/// ascending and once each.
fn union(lists: &[&[u32]], universe: usize) -> Vec<u32> {
    let total: usize = lists.iter().map(|l| l.len()).sum();
    if total < universe / 256 {
        let mut all: Vec<u32> = Vec::with_capacity(total);
        for list in lists {
            all.extend_from_slice(list);
        }
        all.sort_unstable();
        all.dedup();
        return all;
    }
    // Many elements (a short prefix such as "s"): a bit per element beats sorting.
    let mut bits = vec![0u64; universe.div_ceil(64)];
    for list in lists {
        for x in *list {
            if let Some(word) = bits.get_mut(*x as usize / 64) {
                *word |= 1 << (x % 64);
            }
        }
    }
    let mut out = Vec::with_capacity(total);
    for (i, word) in bits.iter().enumerate() {
        let mut word = *word;
        while word != 0 {
            out.push(i as u32 * 64 + word.trailing_zeros());
            word &= word - 1;
        }
    }
    out
}

/// The elements of two ascending lists that are in both.
fn intersect(a: &[u32], b: &[u32]) -> Vec<u32> {
    let (small, large) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    let mut out = Vec::with_capacity(small.len());
    let mut rest = large;
    for x in small {
        let skip = rest.partition_point(|y| y < x);
        rest = &rest[skip..];
        match rest.first() {
            Some(y) if y == x => out.push(*x),
            Some(_) => {}
            None => break,
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::*;
    use crate::template::Library;
    use chrono::TimeZone;
    use std::collections::BTreeMap;

    fn at(day: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, day, 10, 0, 0).unwrap()
    }

    fn id(n: u128) -> Uuid {
        Uuid::from_u128(n)
    }

    fn couple(n: u128, code: &str, a: &str, b: &str) -> Couple {
        Couple {
            format: COUPLE_FORMAT,
            id: CoupleId(id(n)),
            code: code.into(),
            partner_a: PartnerInfo {
                name: a.into(),
                pronouns: "she/her".into(),
            },
            partner_b: PartnerInfo {
                name: b.into(),
                pronouns: "he/him".into(),
            },
            created_on: at(1).date_naive(),
            archived: false,
        }
    }

    fn step(step_id: &str, data: StepData) -> StepRecord {
        StepRecord {
            step_id: step_id.into(),
            pass: 1,
            visibility: Visibility::Joint,
            roles: Bindings {
                speaker: Some(Partner::A),
                hurt_partner: Some(Partner::B),
            },
            status: StepStatus::Done,
            first_entered_at: None,
            visit_started_at: None,
            active_secs: 0,
            skip_reason: None,
            confirmations: Vec::new(),
            clinician_note: String::new(),
            data,
        }
    }

    fn session(n: u128, couple: u128, day: u32, steps: Vec<StepRecord>) -> Session {
        Session {
            format: SESSION_FORMAT,
            id: SessionId(id(n)),
            couple: CoupleId(id(couple)),
            template_id: "intentional-dialogue".into(),
            template_title: "Intentional dialogue".into(),
            protocol: None,
            screen: None,
            started_at: at(day),
            ended_at: None,
            bindings: Bindings::default(),
            current: 0,
            steps,
            log: Vec::new(),
            drafts: BTreeMap::new(),
            take_home: None,
            paused_at: None,
            paused_secs: 0,
            ended_secs: 0,
        }
    }

    fn dialogue(message: &str, mirror: &str, reply: &str) -> StepData {
        let mut l = LoopRecord::new(Partner::A, Partner::B);
        l.message = Some(Utterance {
            text: message.into(),
            at: at(2),
        });
        l.attempts.push(MirrorAttempt {
            text: mirror.into(),
            at: at(2),
            outcome: Some(MirrorOutcome::Corrected),
            reply: reply.into(),
        });
        StepData::Loop(l)
    }

    fn text_entry(who: Respondent, text: &str) -> StepData {
        StepData::Text(EntriesRecord {
            entries: [(who, text.to_string())].into_iter().collect(),
        })
    }

    /// Two couples: C-0002 with a dialogue, a note and a process note; C-0001 with two
    /// sessions, a course, and partner names with accents.
    fn practice() -> SearchIndex {
        let library = Library::builtin();
        practice_with(library.get("intentional-dialogue"))
    }

    /// The practice, with step titles from `template` (none: steps named by id).
    fn practice_with(template: Option<&Template>) -> SearchIndex {
        let mut index = SearchIndex::new();
        index.add_couple(&couple(1, "C-0001", "Émilie Durand", "Özgür Aydın"));
        index.add_couple(&couple(2, "C-0002", "Sam Lee", "Jo Park"));

        let mut mirror = step(
            "mirror",
            dialogue(
                "I feel lonely in the evenings when we sit on our phones.",
                "You feel alone in the evenings. Did I get it?",
                "Not quite: I mirrored back that it is the phones.",
            ),
        );
        mirror.clinician_note = "Watch for withdrawal when money comes up.".into();
        let mut skipped = step("request", StepData::Script);
        skipped.status = StepStatus::Skipped;
        skipped.skip_reason = Some("ran out of time".into());
        let mut s10 = session(10, 2, 3, vec![mirror, skipped]);
        s10.drafts.insert(
            "mirror/text".into(),
            "half a sentence about holidays".into(),
        );
        index.add_session(&s10, template);

        index.add_session(
            &session(
                11,
                1,
                4,
                vec![step(
                    "request-chosen",
                    text_entry(
                        Respondent::Joint,
                        "A short message at lunch, every weekday.",
                    ),
                )],
            ),
            template,
        );
        index.add_session(
            &session(
                12,
                1,
                6,
                vec![step(
                    "appointment",
                    text_entry(
                        Respondent::Partner(Partner::B),
                        "Sunday evenings after the kids sleep.",
                    ),
                )],
            ),
            template,
        );

        let sections = |s: &str, a: &str| {
            vec![
                NoteSection {
                    heading: "Subjective".into(),
                    text: s.into(),
                },
                NoteSection {
                    heading: "Assessment".into(),
                    text: a.into(),
                },
            ]
        };
        let mut note = ClinicalNote::new(
            NoteId(id(20)),
            CoupleId(id(2)),
            SessionId(id(10)),
            NoteStyle::Soap,
            sections("Both report loneliness.", "Engaged; anxious attachment."),
            at(3),
        );
        note.finalize("Dr. R. Vale", at(3)).unwrap();
        note.amend(
            "Dr. R. Vale",
            "wrong attachment style",
            sections("Both report loneliness.", "Engaged; avoidant attachment."),
            at(5),
        )
        .unwrap();
        index.add_note(&note);

        index.add_process_note(&ProcessNote {
            format: PROCESS_NOTE_FORMAT,
            id: ProcessNoteId(id(30)),
            couple: CoupleId(id(2)),
            session: Some(SessionId(id(10))),
            written_at: at(7),
            updated_at: at(7),
            text: "My own countertransference: I felt protective of Sam.".into(),
        });

        let mut course = Course::new(CoupleId(id(1)));
        course.carry_forward(&session(
            13,
            1,
            4,
            vec![step(
                "plan",
                StepData::Plan(PlanRecord {
                    commitments: vec![Commitment {
                        id: 1,
                        draft: CommitmentDraft {
                            owner: crate::model::Owner::A,
                            category: "Connection".into(),
                            behaviour: "Walk together without phones".into(),
                            rhythm: "Wednesdays".into(),
                            verification: Verification::SelfReport,
                            starts_on: at(4).date_naive(),
                            review_on: at(11).date_naive(),
                        },
                        added_at: at(4),
                    }],
                    next_id: 1,
                }),
            )],
        ));
        course
            .review(1, Partner::B, Outcome::Partly, "rained twice", None, at(8))
            .unwrap();
        course
            .recovery
            .enter(RecoveryPhase::Atone, at(1).date_naive());
        course.recovery.log_trigger(
            at(9).date_naive(),
            "a song in the supermarket",
            "left the shop",
            "talked it through at home",
        );
        index.add_course(&course);
        index
    }

    /// A hit as (couple code, kind, record number, place).
    type Row = (String, HitKind, u128, String);

    /// Every hit, in result order.
    fn hits(index: &SearchIndex, query: &str) -> Vec<Row> {
        index
            .search(query)
            .groups
            .iter()
            .flat_map(|g| {
                g.hits
                    .iter()
                    .map(|h| (g.code.clone(), h.kind, h.record.as_u128(), h.place.clone()))
            })
            .collect()
    }

    /// A query and the hits expected, as (couple code, kind, record number, place).
    type Case<'a> = (&'a str, Vec<(String, HitKind, u128, &'a str)>);

    #[test]
    fn queries_find_exactly_the_records_that_hold_every_word() {
        use HitKind::*;
        let index = practice();
        let c1 = "C-0001".to_string();
        let c2 = "C-0002".to_string();
        let cases: Vec<Case> = vec![
            // A word start matches: "mirr" finds "mirrored".
            (
                "mirr",
                vec![(
                    c2.clone(),
                    Session,
                    10,
                    "Send and mirror › reply to mirror 1",
                )],
            ),
            // Case does not matter.
            (
                "LONELY",
                vec![(c2.clone(), Session, 10, "Send and mirror › message")],
            ),
            // Every word must match, in any field of the record.
            (
                "lonely withdrawal",
                vec![(c2.clone(), Session, 10, "Send and mirror › message")],
            ),
            ("lonely lunch", vec![]),
            // Only the start of a word: "irror" is inside "mirror", not a word start.
            ("irror", vec![]),
            ("xylophone", vec![]),
            // Accents and case folded both ways.
            ("emilie", vec![(c1.clone(), Couple, 1, "partner A")]),
            ("ÖZGÜR", vec![(c1.clone(), Couple, 1, "partner B")]),
            ("aydın", vec![(c1.clone(), Couple, 1, "partner B")]),
            ("aydin", vec![(c1.clone(), Couple, 1, "partner B")]),
            // Codes, with their punctuation, and pronouns.
            ("C-0002", vec![(c2.clone(), Couple, 2, "code")]),
            // Steps are named by title, the pass and the field.
            (
                "lunch",
                vec![(
                    c1.clone(),
                    Session,
                    11,
                    "The request that was chosen › joint",
                )],
            ),
            (
                "kids",
                vec![(c1.clone(), Session, 12, "Making an appointment › partner B")],
            ),
            (
                "ran out",
                vec![(
                    c2.clone(),
                    Session,
                    10,
                    "A request for change (optional) › reason skipped",
                )],
            ),
            (
                "holidays",
                vec![(c2.clone(), Session, 10, "unsubmitted draft")],
            ),
            // Note hits point at the text as it now reads; earlier text is found too.
            (
                "avoidant",
                vec![(c2.clone(), Note, 20, "Assessment (amendment 1)")],
            ),
            (
                "anxious",
                vec![(c2.clone(), Note, 20, "Assessment (original)")],
            ),
            (
                "loneliness",
                vec![(c2.clone(), Note, 20, "Subjective (amendment 1)")],
            ),
            (
                "wrong style",
                vec![(c2.clone(), Note, 20, "reason for amendment 1")],
            ),
            // Process notes are found, and labelled as such.
            (
                "countertransference",
                vec![(c2.clone(), ProcessNote, 30, "process note")],
            ),
            // Courses: commitments, reviews, the triggers log.
            (
                "rained",
                vec![(c1.clone(), Course, 1, "commitment #1 › review by partner B")],
            ),
            (
                "supermarket",
                vec![(c1.clone(), Course, 1, "triggers log › trigger")],
            ),
            // Quoted words must follow each other.
            (
                "\"feel lonely\"",
                vec![(c2.clone(), Session, 10, "Send and mirror › message")],
            ),
            ("\"lonely feel\"", vec![]),
            // Newest first within a couple; couples with more hits first.
            (
                "phones",
                vec![
                    (
                        c1.clone(),
                        Course,
                        1,
                        "commitment #1 (version 1) › behaviour",
                    ),
                    (c2.clone(), Session, 10, "Send and mirror › message"),
                ],
            ),
            (
                "evenings",
                vec![
                    (c1.clone(), Session, 12, "Making an appointment › partner B"),
                    (c2.clone(), Session, 10, "Send and mirror › message"),
                ],
            ),
            ("", vec![]),
            ("  -- ", vec![]),
        ];
        for (query, expected) in cases {
            let expected: Vec<Row> = expected
                .into_iter()
                .map(|(c, k, r, p)| (c, k, r, p.to_string()))
                .collect();
            assert_eq!(hits(&index, query), expected, "query {query:?}");
        }
    }

    #[test]
    fn couples_with_more_hits_come_first_and_hits_are_newest_first() {
        let index = practice();
        // Words starting with "e": C-0001's couple record ("Émilie") and two sessions;
        // C-0002's session and note.
        let results = index.search("e");
        let codes: Vec<&str> = results.groups.iter().map(|g| g.code.as_str()).collect();
        assert_eq!(codes, ["C-0001", "C-0002"]);
        assert_eq!(
            results.total,
            results.groups.iter().map(|g| g.hits.len()).sum::<usize>()
        );
        for group in &results.groups {
            assert!(group.hits.windows(2).all(|w| w[0].at >= w[1].at));
        }
        let c1 = &results.groups[0];
        assert_eq!(c1.couple, CoupleId(id(1)));
        assert!(c1.hits.len() > results.groups[1].hits.len());
        // A tie in hits goes to the lower code.
        let tie = index.search("she");
        let codes: Vec<&str> = tie.groups.iter().map(|g| g.code.as_str()).collect();
        assert_eq!(codes, ["C-0001", "C-0002"]);
    }

    #[test]
    fn search_within_one_couple_leaves_the_others_out() {
        let index = practice();
        let results = index.search_couple("evenings", CoupleId(id(2)));
        assert_eq!(results.total, 1);
        assert_eq!(results.groups[0].code, "C-0002");
    }

    #[test]
    fn hits_carry_a_snippet_with_the_match_highlighted() {
        let index = practice();
        let results = index.search("withdrawal");
        let hit = &results.groups[0].hits[0];
        assert_eq!(hit.place, "Send and mirror › clinician's note");
        assert_eq!(hit.snippet, "Watch for withdrawal when money comes up.");
        assert_eq!(&hit.snippet[hit.highlight.clone()], "withdrawal");
        assert_eq!(hit.at, at(3));
    }

    #[test]
    fn snippets_cut_long_text_on_char_and_word_boundaries() {
        let word = "ünïcödé";
        let filler = "ça fait mal 😢 très ";
        let text = format!("{}{word} {}", filler.repeat(10), filler.repeat(10));
        let cases = [
            // (text, query, starts cut, ends cut)
            (text.clone(), "unicode", true, true),
            (
                format!("{word} {}", filler.repeat(10)),
                "UNICODE",
                false,
                true,
            ),
            (
                format!("{}{word}", filler.repeat(10)),
                "unicod",
                true,
                false,
            ),
            ("short ünïcödé text".to_string(), "unicode", false, false),
        ];
        for (text, query, cut_start, cut_end) in cases {
            let term = &parse_query(query)[0];
            let found = first_match(&text, term).expect("the word is there");
            let (snippet, highlight) = snippet(&text, found);
            assert_eq!(&snippet[highlight.clone()], word, "{snippet}");
            assert_eq!(snippet.starts_with('…'), cut_start, "{snippet}");
            assert_eq!(snippet.ends_with('…'), cut_end, "{snippet}");
            let body = snippet.trim_matches('…');
            assert!(body.chars().count() <= SNIPPET_CHARS, "{snippet}");
            assert_eq!(body, body.trim(), "no space at either end: {snippet:?}");
            assert!(text.contains(body), "{snippet}");
        }
        // Line breaks become spaces; a match at the very start and a text of one long
        // word are cut on character boundaries.
        let (s, h) = snippet("one\n\ntwo\tthree", 5..8);
        assert_eq!((s.as_str(), &s[h]), ("one two three", "two"));
        let long = "é".repeat(200);
        let (s, h) = snippet(&long, 0..long.len());
        assert_eq!(s.chars().count(), SNIPPET_CHARS + 1);
        assert_eq!(&s[h], "é".repeat(SNIPPET_CHARS));
    }

    #[test]
    fn adding_a_record_again_replaces_it_and_removing_drops_it() {
        let mut index = practice();
        assert_eq!(index.len(), 8);
        let mut changed = session(
            12,
            1,
            6,
            vec![step(
                "appointment",
                text_entry(Respondent::Joint, "Saturday morning."),
            )],
        );
        index.add_session(&changed, None);
        assert_eq!(index.len(), 8);
        assert_eq!(hits(&index, "kids"), vec![]);
        assert_eq!(
            hits(&index, "saturday"),
            vec![(
                "C-0001".into(),
                HitKind::Session,
                12,
                "appointment › joint".into()
            )]
        );
        assert!(index.remove(HitKind::Session, id(12)));
        assert!(!index.remove(HitKind::Session, id(12)));
        assert_eq!(hits(&index, "saturday"), vec![]);
        assert_eq!(index.len(), 7);
        // The course shares the couple's id but is its own record.
        assert!(index.remove(HitKind::Course, id(1)));
        assert_eq!(hits(&index, "emilie").len(), 1);

        // Many replacements trigger a rebuild that loses nothing still in the index.
        for n in 0..3000 {
            changed.steps[0].clinician_note = format!("version {n}");
            index.add_session(&changed, None);
        }
        assert!(
            index.fields.len() < 4 * 4096,
            "rebuilt: {}",
            index.fields.len()
        );
        assert_eq!(hits(&index, "version").len(), 1);
        assert_eq!(hits(&index, "2999").len(), 1);
        assert_eq!(hits(&index, "2998"), vec![]);
        assert_eq!(hits(&index, "mirr").len(), 1);
        assert_eq!(hits(&index, "aydin").len(), 1);
        assert_eq!(index.len(), 7);
    }

    #[test]
    fn shrinking_gives_back_memory_and_changes_no_result() {
        let mut index = practice();
        let before = index.stats();
        let found = index.search("e");
        index.shrink_to_fit();
        let after = index.stats();
        assert_eq!(index.search("e"), found);
        assert!(after.heap_bytes < before.heap_bytes, "{before:?} {after:?}");
        assert_eq!(
            (after.records, after.places),
            (before.records, before.places)
        );
        assert_eq!(
            (after.words, after.postings),
            (before.words, before.postings)
        );
        assert!(after.text_bytes > 0 && after.postings >= after.words);
    }

    #[test]
    fn hits_without_the_couples_record_are_grouped_under_an_empty_code() {
        let mut index = SearchIndex::new();
        index.add_session(
            &session(
                1,
                99,
                2,
                vec![step("x", text_entry(Respondent::Clinician, "orphan"))],
            ),
            None,
        );
        let results = index.search("orphan");
        assert_eq!(results.groups[0].couple, CoupleId(id(99)));
        assert_eq!(results.groups[0].code, "");
        assert_eq!(results.groups[0].hits[0].place, "x › clinician");
    }

    #[test]
    fn queries_split_into_words_phrases_and_punctuated_words() {
        let w = |s: &str| Term::Word(s.into());
        let p = |s: &[&str]| Term::Phrase(s.iter().map(|x| x.to_string()).collect());
        let cases = [
            ("Mirror  the", vec![w("mirror"), w("the")]),
            (
                "\"that's it\" Café",
                vec![p(&["that", "s", "it"]), w("cafe")],
            ),
            ("G-00042 g-00042", vec![p(&["g", "00042"])]),
            ("\"unclosed phrase", vec![p(&["unclosed", "phrase"])]),
            ("\"\" , ;", vec![]),
        ];
        for (query, expected) in cases {
            assert_eq!(parse_query(query), expected, "{query:?}");
        }
    }

    #[test]
    fn phrases_match_consecutive_word_starts() {
        let check = |text: &str, phrase: &[&str], expected: Option<Range<usize>>| {
            let phrase: Vec<String> = phrase.iter().map(|w| w.to_string()).collect();
            assert_eq!(phrase_at(text, &phrase), expected, "{text:?} {phrase:?}");
        };
        check("that that is it", &["that", "is"], Some(5..12));
        check("a a a b", &["a", "a", "b"], Some(2..7));
        check("Is THAT it?", &["that", "it"], Some(3..10));
        check("that, it", &["that", "it"], Some(0..8));
        check("it that", &["that", "it"], None);
        check("mirrored back", &["mirr", "ba"], Some(0..13));
        check("anything", &[], None);
    }

    #[test]
    fn union_gives_each_element_once_in_order_both_ways() {
        let lists: [&[u32]; 3] = [&[1, 5, 9], &[0, 5, 70], &[9, 200]];
        for universe in [201, 1_000_000] {
            assert_eq!(union(&lists, universe), vec![0, 1, 5, 9, 70, 200]);
        }
    }

    /// Every query worth asking of an index: each word it holds, whole and by its first
    /// letter, each couple's code, phrases, and words it does not hold.
    fn every_query(index: &SearchIndex) -> Vec<String> {
        let mut queries: Vec<String> = index.terms.keys().map(|t| t.to_string()).collect();
        queries.extend(
            index
                .terms
                .keys()
                .filter_map(|t| t.chars().next().map(String::from)),
        );
        queries.extend(index.codes.values().cloned());
        queries.extend(
            [
                "\"feel lonely\"",
                "\"lonely feel\"",
                "lonely withdrawal",
                "evenings phones",
                "xylophone",
                "",
            ]
            .map(String::from),
        );
        queries.sort();
        queries.dedup();
        queries
    }

    fn assert_same_answers(loaded: &SearchIndex, original: &SearchIndex) {
        for query in every_query(original) {
            assert_eq!(loaded.search(&query), original.search(&query), "{query:?}");
            for couple in [1, 2, 99] {
                let couple = CoupleId(id(couple));
                assert_eq!(
                    loaded.search_couple(&query, couple),
                    original.search_couple(&query, couple),
                    "{query:?} in {couple:?}"
                );
            }
        }
    }

    #[test]
    fn an_index_saved_and_loaded_answers_every_query_identically() {
        let mut index = practice();
        // A replaced record and a removed one leave fields behind that are not saved.
        index.add_session(
            &session(
                12,
                1,
                6,
                vec![step(
                    "appointment",
                    text_entry(Respondent::Joint, "Saturday morning, café."),
                )],
            ),
            None,
        );
        assert!(index.remove(HitKind::ProcessNote, id(30)));
        assert!(index.dead_fields > 0);

        let bytes = index.to_bytes();
        let loaded = SearchIndex::from_bytes(&bytes).expect("loads");
        assert_same_answers(&loaded, &index);
        assert!(every_query(&index).len() > 50);
        assert_eq!(hits(&loaded, "countertransference"), vec![]);
        assert_eq!(hits(&loaded, "cafe").len(), 1);
        assert_eq!(hits(&loaded, "kids"), vec![]);
        let (before, after) = (index.stats(), loaded.stats());
        assert_eq!(after.records, before.records);
        assert!(after.places < before.places, "dropped fields are not saved");
        assert!(after.postings < before.postings, "nor their words");
        // Saving is deterministic, and what was loaded saves the same bytes.
        assert_eq!(index.to_bytes(), bytes);
        assert_eq!(loaded.to_bytes(), bytes);

        // A loaded index is an index like any other: records are added and removed.
        let mut loaded = loaded;
        let changed = session(
            11,
            1,
            4,
            vec![step(
                "x",
                text_entry(Respondent::Clinician, "violin lesson"),
            )],
        );
        loaded.add_session(&changed, None);
        index.add_session(&changed, None);
        assert!(loaded.remove(HitKind::Couple, id(2)));
        assert!(index.remove(HitKind::Couple, id(2)));
        assert_same_answers(&loaded, &index);
        assert_eq!(hits(&loaded, "violin").len(), 1);
    }

    #[test]
    fn an_empty_index_round_trips() {
        let empty = SearchIndex::new();
        let loaded = SearchIndex::from_bytes(&empty.to_bytes()).expect("loads");
        assert!(loaded.is_empty());
        assert!(loaded.search("a").is_empty());
    }

    #[test]
    fn damaged_or_foreign_bytes_are_refused_and_never_panic() {
        let bytes = practice().to_bytes();
        assert_eq!(bytes[0], INDEX_FORMAT as u8, "the format comes first");
        let mut newer = bytes.clone();
        newer[0] = INDEX_FORMAT as u8 + 1;
        assert_eq!(
            SearchIndex::from_bytes(&newer).err(),
            Some(IndexDecodeError::Format {
                found: INDEX_FORMAT + 1,
                supported: INDEX_FORMAT
            })
        );
        assert!(SearchIndex::from_bytes(&[]).is_err());
        for len in 0..bytes.len() {
            assert!(
                SearchIndex::from_bytes(&bytes[..len]).is_err(),
                "cut at {len} of {}",
                bytes.len()
            );
        }
        // Changed bytes may still decode into some index; it must answer without panicking.
        let mut refused = 0;
        for i in 1..bytes.len() {
            for flip in [0x01u8, 0x80, 0xff] {
                let mut damaged = bytes.clone();
                damaged[i] ^= flip;
                match SearchIndex::from_bytes(&damaged) {
                    Err(IndexDecodeError::Damaged(_)) => refused += 1,
                    Err(other) => panic!("byte {i}: {other}"),
                    Ok(index) => {
                        for query in ["e", "lonely", "\"feel lonely\"", "c-0001", "s"] {
                            let _ = index.search(query);
                            let _ = index.search_couple(query, CoupleId(id(1)));
                        }
                        let _ = index.to_bytes();
                    }
                }
            }
        }
        assert!(refused > bytes.len(), "most damage is caught: {refused}");
    }

    #[test]
    fn saved_bytes_are_pinned_so_a_change_bumps_the_format() {
        use sha2::{Digest, Sha256};
        // Without a template, so that editing a shipped protocol does not trip this.
        let bytes = practice_with(None).to_bytes();
        let hash: String = Sha256::digest(&bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(
            (INDEX_FORMAT, hash.as_str()),
            (
                1,
                "bbffdaeb72c7b42b4f995c7b7a0a53d1b5c6b820fd6525d61fd7b046c2f5d2a0"
            ),
            "the saved index changed: if the encoding or what is indexed changed, bump \
             INDEX_FORMAT (old caches are then rebuilt) and pin the new format and hash"
        );
    }

    #[test]
    fn intersect_keeps_common_elements() {
        assert_eq!(intersect(&[1, 3, 5, 7], &[2, 3, 4, 7, 9]), vec![3, 7]);
        assert_eq!(intersect(&[], &[1]), Vec::<u32>::new());
        assert_eq!(intersect(&[9], &[1, 2, 9]), vec![9]);
    }
}
