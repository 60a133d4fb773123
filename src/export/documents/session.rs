//! Documents made from one session: the session note, the filled worksheet, the
//! communication plan and the letters, all built from one audience's redacted view.

use super::{
    Context, SessionDocument, audience_line, capitalize, duration, find_step, humanize, name,
    plural, respondent_name, unbreakable,
};
use crate::export::ExportError;
use crate::export::report::{
    Block, DocumentKind, Mark, MarkKind, Report, Section, Table, check_mark,
};
use crate::model::{
    Audience, Bindings, Couple, Exchange, LoopRecord, LoopStage, MirrorOutcome, Owner, Partner,
    PartnerScreen, QuestionStatus, ReplyRecord, Role, Session, SessionView, Shown, StepData,
    StepRecord, StepStatus, Verification, Visibility, letters, letters::Coverage, redact,
};
use crate::template::{RatingItem, Scoring, Step, StepKind, Template};
use std::collections::BTreeMap;

/// Build a document from one session for one audience. `template` is the session's
/// protocol if the library still has it (titles and labels come from it; without it, step
/// ids stand in).
pub fn session_report(
    document: SessionDocument,
    session: &Session,
    couple: &Couple,
    template: Option<&Template>,
    audience: Audience,
    ctx: &Context,
) -> Result<Report, ExportError> {
    let view = redact(session, audience);
    let doc = Doc {
        view: &view,
        template,
        couple,
        ctx,
        rounds: rounds(session),
    };
    match document {
        SessionDocument::Note => Ok(doc.note()),
        SessionDocument::Worksheet => Ok(doc.worksheet()),
        SessionDocument::Plan => doc.plan(),
        SessionDocument::Letters => doc.letters(),
    }
}

/// How many records each step id has (steps inside a repeat have several).
fn rounds(session: &Session) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for record in &session.steps {
        *counts.entry(record.step_id.clone()).or_insert(0) += 1;
    }
    counts
}

fn status_label(status: StepStatus) -> &'static str {
    match status {
        StepStatus::Pending => "not reached",
        StepStatus::Active => "on screen when saved",
        StepStatus::Done => "done",
        StepStatus::Incomplete => "left unfinished",
        StepStatus::Skipped => "skipped",
    }
}

/// Who reads a step's entries, for the clinician's step table.
fn seen_by(visibility: Visibility) -> &'static str {
    match visibility {
        Visibility::Joint => "both partners",
        Visibility::PartnerPrivate => "private to each partner",
        Visibility::ClinicianOnly => "therapist only",
    }
}

/// The label and shading of a step that is not the couple's to read, on the clinician's
/// copy.
fn mark_of(visibility: Visibility) -> Option<Mark> {
    match visibility {
        Visibility::Joint => None,
        Visibility::PartnerPrivate => Some(Mark {
            kind: MarkKind::Private,
            label: "PRIVATE: each partner's own entries, never in the couple's copy or the other partner's."
                .into(),
        }),
        Visibility::ClinicianOnly => Some(Mark {
            kind: MarkKind::TherapistOnly,
            label: "THERAPIST ONLY: in no copy for the couple or either partner.".into(),
        }),
    }
}

/// A step's title and what it came to: "Title: what", or "Title? what" after a question.
fn labelled(title: &str, what: &str) -> String {
    if title.ends_with(['?', '!', ':', '.']) {
        format!("{title} {what}")
    } else {
        format!("{title}: {what}")
    }
}

fn stage_label(stage: LoopStage) -> &'static str {
    match stage {
        LoopStage::Summary => "Summary",
        LoopStage::Validation => "Validation",
        LoopStage::Empathy => "Empathy",
    }
}

fn verification_label(v: Verification) -> &'static str {
    match v {
        Verification::SelfReport => "the owner says whether it happened",
        Verification::PartnerConfirms => "the partner confirms it happened",
    }
}

/// Building documents from one audience's view of a session.
struct Doc<'a> {
    view: &'a SessionView,
    template: Option<&'a Template>,
    couple: &'a Couple,
    ctx: &'a Context,
    rounds: BTreeMap<String, usize>,
}

impl Doc<'_> {
    fn session(&self) -> &Session {
        &self.view.session
    }

    fn step(&self, id: &str) -> Option<&Step> {
        self.template.and_then(|t| find_step(&t.steps, id))
    }

    fn fill(&self, text: &str, roles: Bindings) -> String {
        let people = self.couple.names();
        crate::template::fill_people(text, |role| {
            roles
                .partner(role)
                .map(|p| (name(self.couple, p), people.pronouns(p)))
        })
    }

    fn title_of(&self, step_id: &str, pass: u32, roles: Bindings) -> String {
        let base = match self.step(step_id) {
            Some(step) => self.fill(&step.title, roles),
            None => step_id.to_string(),
        };
        if self.rounds.get(step_id).is_some_and(|n| *n > 1) {
            format!("{base} (round {pass})")
        } else {
            base
        }
    }

    fn shown_title(&self, shown: &Shown) -> String {
        match shown {
            Shown::Step(record) => self.title_of(&record.step_id, record.pass, record.roles),
            Shown::Withheld { step_id, pass, .. } => {
                self.title_of(step_id, *pass, self.session().bindings)
            }
        }
    }

    fn report(&self, kind: DocumentKind, title: String, facts: Vec<(String, String)>) -> Report {
        let session = self.session();
        Report {
            kind,
            title,
            subtitle: format!(
                "{} · {}",
                session.template_title,
                self.ctx.date(session.started_at)
            ),
            practice: self.ctx.practice.clone(),
            couple_code: Some(self.couple.code.clone()),
            date: self.ctx.local(session.started_at).date_naive(),
            dates: self.ctx.dates,
            made_at: self.ctx.now,
            audience: self.view.audience,
            facts,
            sections: Vec::new(),
            stamp: None,
        }
    }

    fn couple_fact(&self) -> (String, String) {
        (
            "Couple".into(),
            format!(
                "{}: {} (A) and {} (B)",
                self.couple.code,
                name(self.couple, Partner::A),
                name(self.couple, Partner::B)
            ),
        )
    }

    fn made_facts(&self) -> [(String, String); 2] {
        [
            (
                "Made for".into(),
                audience_line(self.view.audience, self.couple),
            ),
            ("Made on".into(), self.ctx.made_on()),
        ]
    }

    fn withheld_count(&self) -> usize {
        self.view
            .shown
            .iter()
            .filter(|s| matches!(s, Shown::Withheld { .. }))
            .count()
    }

    // -----------------------------------------------------------------------------------
    // Session note

    fn note(&self) -> Report {
        if self.view.audience != Audience::Clinician {
            return self.summary();
        }
        let session = self.session();
        let mut facts = vec![
            self.couple_fact(),
            ("Protocol".into(), session.template_title.clone()),
            ("Date".into(), self.ctx.date(session.started_at)),
        ];
        let time = match session.ended_at {
            // A take-home worksheet was not timed: say when it went out and came back.
            Some(end) if session.take_home.is_some() => format!(
                "given out {} {}; filled in at home by {} {}",
                self.ctx.date(session.started_at),
                self.ctx.time(session.started_at),
                self.ctx.date(end),
                self.ctx.time(end)
            ),
            // The length leaves pauses out; the clinician's note also says how many
            // there were, and how long.
            Some(end) => {
                let pauses = session.pause_count();
                // Without pauses, the length is the difference of the two times shown (to
                // the minute, as they are), so "10:00 to 10:18" never says 19 min.
                let mut length = if pauses == 0 {
                    duration(
                        (end.timestamp().div_euclid(60)
                            - session.started_at.timestamp().div_euclid(60))
                            * 60,
                    )
                } else {
                    duration(session.active_secs_at(end))
                };
                if self.view.audience == Audience::Clinician && pauses > 0 {
                    length.push_str(&format!(
                        ", not counting {}: {} in all",
                        plural(pauses, "pause", "pauses"),
                        duration(session.paused_secs)
                    ));
                }
                format!(
                    "{} to {} ({length})",
                    self.ctx.time(session.started_at),
                    self.ctx.time(end),
                )
            }
            None => format!(
                "started {}; the session was not ended",
                self.ctx.time(session.started_at)
            ),
        };
        facts.push(("Time".into(), time));
        let b = session.bindings;
        let uses = |role: Role| self.template.is_some_and(|t| t.roles.contains(&role));
        if let Some(speaker) = b.speaker.filter(|_| uses(Role::Speaker)) {
            facts.push((
                "Roles".into(),
                format!(
                    "{} spoke first, {} listened first",
                    name(self.couple, speaker),
                    name(self.couple, speaker.other())
                ),
            ));
        }
        if let Some(hurt) = b.hurt_partner.filter(|_| uses(Role::HurtPartner)) {
            facts.push((
                "Roles".into(),
                format!(
                    "{} is the hurt partner, {} the disclosing partner",
                    name(self.couple, hurt),
                    name(self.couple, hurt.other())
                ),
            ));
        }
        facts.extend(self.made_facts());
        let mut report = self.report(DocumentKind::SessionNote, "Session note".into(), facts);

        let mut summary = Section::new("Summary");
        let outcomes = self.outcomes();
        if outcomes.is_empty() {
            summary.blocks.push(Block::Note(
                "Nothing was recorded in the steps shown here.".into(),
            ));
        } else {
            summary.blocks.push(Block::Bullets(outcomes));
        }
        let withheld = self.withheld_count();
        if withheld > 0 {
            summary.blocks.push(Block::Note(format!(
                "{} not part of this document: private to a partner, or for the therapist only.",
                plural(withheld, "step is", "steps are")
            )));
        }
        report.sections.push(summary);
        if let Some(section) = self.screen_section() {
            report.sections.push(section);
        }

        let mut steps = Section::new("Steps");
        let mut table = Table::new(&[
            ("#", 0.35),
            ("Step", 3.6),
            ("Status", 1.5),
            ("Time", 0.9),
            ("Seen by", 1.5),
        ]);
        for (i, shown) in self.view.shown.iter().enumerate() {
            let (status, time) = match shown {
                Shown::Step(r) => (
                    status_label(r.status).to_string(),
                    if r.first_entered_at.is_some() && self.session().take_home.is_none() {
                        duration(r.active_secs)
                    } else {
                        String::new()
                    },
                ),
                Shown::Withheld { why, .. } => (
                    match why {
                        crate::model::Withheld::ClinicianOnly => "therapist only".into(),
                        crate::model::Withheld::Private => "private".into(),
                    },
                    String::new(),
                ),
            };
            let seen_by = match shown {
                Shown::Step(r) => seen_by(r.visibility),
                Shown::Withheld { .. } => "",
            };
            table.rows.push(vec![
                (i + 1).to_string(),
                self.shown_title(shown),
                status,
                time,
                seen_by.to_string(),
            ]);
        }
        steps.blocks.push(Block::Table(table));
        report.sections.push(steps);

        for (i, record) in self.view.visible() {
            let step = self.step(&record.step_id);
            let mut blocks = self.step_blocks(record, step);
            blocks.extend(self.clinician_blocks(record));
            if blocks.is_empty() {
                continue;
            }
            // Numbered as in the table of steps.
            let mut section = Section::new(format!(
                "{}. {}",
                i + 1,
                self.title_of(&record.step_id, record.pass, record.roles)
            ));
            let mut status = status_label(record.status).to_string();
            if self.session().take_home.is_some() && record.first_entered_at.is_some() {
                status.push_str(" · filled in at home");
            } else if let Some(first) = record.first_entered_at {
                status = format!(
                    "{status} · {} · from {}",
                    duration(record.active_secs),
                    self.ctx.time(first)
                );
            }
            section.blocks.push(Block::Note(capitalize(&status)));
            section.blocks.extend(blocks);
            section.mark = mark_of(record.visibility);
            report.sections.push(section);
        }
        report
    }

    /// A screen's result for each partner and the decision, negative results included:
    /// a screen that raised nothing is a finding too.
    fn screen_section(&self) -> Option<Section> {
        // The view keeps its records apart from the session; the clinician's holds all.
        let mut whole = self.session().clone();
        whole.steps = self.view.visible().map(|(_, r)| r.clone()).collect();
        let result = crate::model::screen_result(&whole)?;
        let mut section = Section::new("Safety screen: result and decision");
        section.keep_together = true;
        section.mark = mark_of(Visibility::ClinicianOnly);
        let mut fields: Vec<(String, String)> = result
            .partners
            .iter()
            .map(|(partner, outcome)| {
                let said = match outcome {
                    PartnerScreen::NoConcern => "negative: every item answered, no concern raised",
                    PartnerScreen::Concern => "positive: a concern was raised (see their screen)",
                    PartnerScreen::NotFinished => "not finished in this session: no result",
                };
                (name(self.couple, *partner), said.to_string())
            })
            .collect();
        let concern = result
            .partners
            .iter()
            .any(|(_, o)| *o == PartnerScreen::Concern);
        fields.push((
            "Decision".into(),
            result
                .decision
                .clone()
                .unwrap_or_else(|| "no decision recorded in this session".into()),
        ));
        if concern {
            fields.push((
                "Fuller assessment".into(),
                if result.assessed {
                    "written"
                } else {
                    "not written: joint work waits for it"
                }
                .into(),
            ));
        }
        if let Some(rescreen) = &result.rescreen {
            fields.push(("Re-screen".into(), rescreen.clone()));
        }
        section.blocks.push(Block::Fields(fields));
        Some(section)
    }

    /// One line per step that recorded something worth a glance.
    fn outcomes(&self) -> Vec<String> {
        let mut lines = Vec::new();
        let shown: Vec<&StepRecord> = self.view.visible().map(|(_, r)| r).collect();
        let done = shown
            .iter()
            .filter(|r| r.status == StepStatus::Done)
            .count();
        let skipped = shown
            .iter()
            .filter(|r| r.status == StepStatus::Skipped)
            .count();
        let mut steps = match (done, shown.len()) {
            (_, 0) => String::new(),
            (d, n) if d == n => format!("{} done", plural(n, "step", "steps")),
            (d, n) => format!("{d} of {} done", plural(n, "step", "steps")),
        };
        if self.session().take_home.is_some() {
            lines.push(
                "Filled in at home as a take-home worksheet and brought back; time spent was not measured."
                    .to_string(),
            );
        }
        if skipped > 0 {
            steps.push_str(&format!(", {skipped} skipped"));
        }
        if !steps.is_empty() {
            steps.push('.');
        }
        for record in shown {
            let mut title = self.title_of(&record.step_id, record.pass, record.roles);
            if record.visibility != Visibility::Joint {
                title.push_str(&format!(" [{}]", seen_by(record.visibility)));
            }
            let step = self.step(&record.step_id);
            match &record.data {
                StepData::Loop(l) => {
                    if !l.attempts.is_empty() {
                        lines.push(labelled(&title, &self.loop_outcome(l)));
                    }
                }
                StepData::Floor(f) => {
                    if f.exchanges.is_empty() && f.breaches.is_empty() {
                        continue;
                    }
                    let paraphrases = f.paraphrase_accuracy();
                    lines.push(labelled(
                        &title,
                        &format!(
                            "{}, {} ({} accurate), {}, {}.",
                            plural(f.turns_speaking(), "turn speaking", "turns speaking"),
                            plural(paraphrases.total, "paraphrase", "paraphrases"),
                            paraphrases.accurate,
                            plural(f.breaches.len(), "rule breach", "rule breaches"),
                            plural(f.timeouts.len(), "time-out", "time-outs")
                        ),
                    ));
                }
                StepData::Questions(q) => {
                    if q.items.is_empty() {
                        continue;
                    }
                    let count =
                        |s: QuestionStatus| q.items.iter().filter(|i| i.status == s).count();
                    let answering = matches!(
                        step.map(|s| &s.kind),
                        Some(StepKind::Questions {
                            answering: true,
                            ..
                        })
                    );
                    if answering {
                        lines.push(labelled(
                            &title,
                            &format!(
                                "{} answered, {} deferred, {} still open.",
                                plural(count(QuestionStatus::Answered), "question", "questions"),
                                count(QuestionStatus::Deferred),
                                count(QuestionStatus::Included)
                            ),
                        ));
                    } else {
                        lines.push(labelled(
                            &title,
                            &format!(
                                "{} on {}'s list, {} included for the session.",
                                plural(q.items.len(), "question", "questions"),
                                name(self.couple, q.owner),
                                count(QuestionStatus::Included)
                            ),
                        ));
                    }
                }
                StepData::Plan(p) => {
                    if p.commitments.is_empty() {
                        continue;
                    }
                    let by = |owner: Owner| {
                        p.commitments
                            .iter()
                            .filter(|c| c.draft.owner == owner)
                            .count()
                    };
                    let shared = match by(Owner::Both) {
                        0 => String::new(),
                        n => format!(", {n} shared"),
                    };
                    lines.push(labelled(
                        &title,
                        &format!(
                            "{} ({} {}, {} {}{shared}).",
                            plural(p.commitments.len(), "commitment", "commitments"),
                            name(self.couple, Partner::A),
                            by(Owner::A),
                            name(self.couple, Partner::B),
                            by(Owner::B)
                        ),
                    ));
                }
                StepData::Rating(r) => {
                    if !r.values.is_empty() {
                        lines.push(format!(
                            "{}.",
                            labelled(&title, &self.rating_summary(r, step))
                        ));
                    }
                }
                StepData::Reply(reply) => match self.reply_coverage(record, reply) {
                    Some(c) => lines.push(format!("{}.", labelled(&title, &coverage_line(&c)))),
                    None if !reply.replies.is_empty() => lines.push(labelled(
                        &title,
                        &format!(
                            "{}.",
                            plural(reply.replies.len(), "point answered", "points answered")
                        ),
                    )),
                    None => {}
                },
                // What was written, chosen or ticked is in the steps themselves.
                StepData::Script
                | StepData::SwapRoles
                | StepData::Text(_)
                | StepData::Choice(_)
                | StepData::Checklist(_)
                | StepData::YesNo(_) => {}
            }
        }
        if !steps.is_empty() {
            lines.push(steps);
        }
        lines
    }

    fn loop_outcome(&self, l: &LoopRecord) -> String {
        let speaker = name(self.couple, l.speaker);
        let n = l.attempts.len();
        let detail = format!(
            "{}, {} \"there is more\"",
            plural(l.corrections(), "correction", "corrections"),
            l.more_cycles()
        );
        if l.is_confirmed() {
            format!(
                "{speaker} felt understood after {} ({detail}).",
                plural(n, "mirror", "mirrors")
            )
        } else {
            format!(
                "{speaker} had not yet said \"that's it\" after {} ({detail}).",
                plural(n, "mirror", "mirrors")
            )
        }
    }

    fn rating_summary(&self, r: &crate::model::RatingRecord, step: Option<&Step>) -> String {
        let mut parts = Vec::new();
        match rating_def(step) {
            Some((_, Scoring::Sum { flag, .. })) => {
                for (partner, score) in &r.scores {
                    let mut part = format!(
                        "{} {} of {}",
                        name(self.couple, *partner),
                        score.total,
                        score.max
                    );
                    if score.below_cutoff {
                        part.push_str(&format!(
                            " ({})",
                            if flag.is_empty() {
                                "below the cutoff"
                            } else {
                                flag
                            }
                        ));
                    }
                    parts.push(part);
                }
                if parts.is_empty() {
                    parts.push("not every item answered".into());
                }
                format!("total {}", parts.join(", "))
            }
            Some((items, Scoring::None)) => {
                for item in items {
                    let values: Vec<String> = r
                        .values
                        .iter()
                        .filter_map(|(p, v)| {
                            v.get(&item.id)
                                .map(|v| format!("{} {v} of {}", name(self.couple, *p), item.max))
                        })
                        .collect();
                    if values.is_empty() {
                        continue;
                    }
                    if items.len() == 1 {
                        parts.push(values.join(", "));
                    } else {
                        parts.push(format!(
                            "{} {}",
                            humanize(&item.id).to_lowercase(),
                            values.join(", ")
                        ));
                    }
                }
                parts.join("; ")
            }
            None => format!("{} rated", plural(r.values.len(), "partner", "partners")),
        }
    }

    fn clinician_blocks(&self, record: &StepRecord) -> Vec<Block> {
        let mut blocks = Vec::new();
        if let Some(reason) = &record.skip_reason {
            blocks.push(Block::Fields(vec![(
                "Skipped because".into(),
                reason.clone(),
            )]));
        }
        if !record.confirmations.is_empty() {
            blocks.push(Block::Bullets(
                record
                    .confirmations
                    .iter()
                    .map(|c| {
                        format!(
                            "Confirmed at {}: {}",
                            self.ctx.time(c.at),
                            self.fill(&c.statement, record.roles)
                        )
                    })
                    .collect(),
            ));
        }
        if !record.clinician_note.trim().is_empty() {
            blocks.push(Block::Said {
                who: "Clinician's note".into(),
                text: record.clinician_note.clone(),
            });
        }
        blocks
    }

    /// What a step recorded, as blocks (the same in notes and worksheets).
    fn step_blocks(&self, record: &StepRecord, step: Option<&Step>) -> Vec<Block> {
        let couple = self.couple;
        let mut blocks = Vec::new();
        match &record.data {
            StepData::Script | StepData::SwapRoles => {}
            StepData::Loop(l) => {
                let speaker = name(couple, l.speaker);
                let listener = name(couple, l.listener);
                blocks.push(Block::Fields(vec![
                    ("Speaker".into(), speaker.clone()),
                    ("Listener".into(), listener.clone()),
                ]));
                if let Some(message) = &l.message {
                    blocks.push(Block::Said {
                        who: format!("{speaker} said ({})", self.ctx.time(message.at)),
                        text: message.text.clone(),
                    });
                }
                for (i, attempt) in l.attempts.iter().enumerate() {
                    let answer = match attempt.outcome {
                        Some(MirrorOutcome::Confirmed) => "\"that's it\"",
                        Some(MirrorOutcome::Corrected) => "\"not quite\"",
                        Some(MirrorOutcome::More) => "\"yes, and there is more\"",
                        None => "no answer yet",
                    };
                    blocks.push(Block::Said {
                        who: format!("Mirror {} by {listener} · {speaker}: {answer}", i + 1),
                        text: attempt.text.clone(),
                    });
                    if !attempt.reply.trim().is_empty() {
                        let what = match attempt.outcome {
                            Some(MirrorOutcome::More) => "added",
                            _ => "corrected",
                        };
                        blocks.push(Block::Said {
                            who: format!("{speaker} {what}"),
                            text: attempt.reply.clone(),
                        });
                    }
                }
                if !l.attempts.is_empty() {
                    blocks.push(Block::Paragraph(self.loop_outcome(l)));
                }
                for (stage, attempts) in &l.stages {
                    for attempt in attempts {
                        let verdict = match attempt.accepted {
                            Some(true) => "accepted",
                            Some(false) => "not accepted",
                            None => "no answer yet",
                        };
                        let mut text = attempt.text.clone();
                        if !attempt.feelings.is_empty() {
                            text.push_str(&format!(
                                "\nFeelings offered: {}",
                                attempt.feelings.join(", ")
                            ));
                        }
                        blocks.push(Block::Said {
                            who: format!("{} by {listener} · {verdict}", stage_label(*stage)),
                            text,
                        });
                    }
                }
            }
            StepData::Floor(f) => {
                if !f.holders.is_empty() {
                    blocks.push(Block::Bullets(
                        f.holders
                            .iter()
                            .map(|h| {
                                format!(
                                    "{} · {} has the floor",
                                    self.ctx.time(h.at),
                                    name(couple, h.holder)
                                )
                            })
                            .collect(),
                    ));
                }
                if !f.exchanges.is_empty() {
                    let mut table =
                        Table::new(&[("Time", 0.8), ("Who", 1.2), ("Turn", 1.3), ("Words", 4.5)]);
                    for e in &f.exchanges {
                        table.rows.push(match e {
                            Exchange::Chunk { by, text, at } => vec![
                                self.ctx.time(*at),
                                name(couple, *by),
                                "speaks".into(),
                                text.clone(),
                            ],
                            Exchange::Paraphrase {
                                by,
                                text,
                                accuracy,
                                at,
                            } => vec![
                                self.ctx.time(*at),
                                name(couple, *by),
                                format!(
                                    "paraphrase, {}",
                                    match accuracy {
                                        crate::model::Accuracy::Accurate => "accurate",
                                        crate::model::Accuracy::Partly => "partly right",
                                        crate::model::Accuracy::Missed => "missed",
                                    }
                                ),
                                text.clone(),
                            ],
                        });
                    }
                    blocks.push(Block::Table(table));
                }
                if !f.breaches.is_empty() {
                    blocks.push(Block::Heading("Rule breaches".into()));
                    blocks.push(Block::Bullets(
                        f.breaches
                            .iter()
                            .map(|b| {
                                format!(
                                    "{} · {}: {}",
                                    self.ctx.time(b.at),
                                    name(couple, b.by),
                                    b.rule
                                )
                            })
                            .collect(),
                    ));
                }
                if !f.timeouts.is_empty() {
                    blocks.push(Block::Heading("Time-outs".into()));
                    blocks.push(Block::Bullets(
                        f.timeouts
                            .iter()
                            .map(|t| {
                                let resumed = t
                                    .resumed_at
                                    .map_or("not resumed in this session".to_string(), |r| {
                                        format!("resumed {}", self.ctx.time(r))
                                    });
                                format!(
                                    "{} called a time-out at {}, to resume by {} {}; {resumed}",
                                    name(couple, t.called_by),
                                    self.ctx.time(t.at),
                                    self.ctx.date(t.resume_at),
                                    self.ctx.time(t.resume_at)
                                )
                            })
                            .collect(),
                    ));
                }
            }
            StepData::Questions(q) => {
                let owner = name(couple, q.owner);
                blocks.push(Block::Fields(vec![
                    ("Whose questions".into(), owner.clone()),
                    (
                        "Released".into(),
                        q.released_at
                            .map_or("not released: private to its owner".into(), |at| {
                                format!("{} {}", self.ctx.date(at), self.ctx.time(at))
                            }),
                    ),
                ]));
                for (n, item) in q.items.iter().enumerate() {
                    let mut who = format!("Question {}", n + 1);
                    if !item.category.is_empty() {
                        who.push_str(&format!(" · {}", item.category));
                    }
                    who.push_str(&format!(" · {}", question_status(item.status)));
                    if item.caution {
                        who.push_str(" · caution: asks for graphic detail");
                    }
                    blocks.push(Block::Said {
                        who,
                        text: item.text.clone(),
                    });
                    if !item.why.trim().is_empty() {
                        blocks.push(Block::Said {
                            who: "Why I need to know".into(),
                            text: item.why.clone(),
                        });
                    }
                    if let Some(answer) = &item.answer {
                        blocks.push(Block::Said {
                            who: format!(
                                "Answer from {} ({})",
                                name(couple, q.owner.other()),
                                self.ctx.time(answer.at)
                            ),
                            text: answer.text.clone(),
                        });
                    }
                }
            }
            StepData::Plan(p) => {
                if !p.commitments.is_empty() {
                    blocks.push(Block::Table(
                        self.commitments_table(p.commitments.iter().map(|c| &c.draft)),
                    ));
                }
            }
            StepData::Rating(r) => {
                if !r.values.is_empty() {
                    blocks.push(Block::Table(self.rating_table(r, step)));
                }
            }
            StepData::Text(e) => {
                for (respondent, text) in &e.entries {
                    if text.trim().is_empty() {
                        continue;
                    }
                    blocks.push(Block::Said {
                        who: respondent_name(couple, *respondent),
                        text: text.clone(),
                    });
                }
            }
            StepData::Reply(reply) => {
                blocks.extend(self.reply_blocks(record, reply, true));
            }
            StepData::Choice(e) | StepData::Checklist(e) => {
                let options = listed(step);
                for (respondent, chosen) in &e.entries {
                    blocks.push(Block::Heading(respondent_name(couple, *respondent)));
                    let mut checks: Vec<(bool, String)> = options
                        .iter()
                        .map(|o| (chosen.contains(o), self.fill(o, record.roles)))
                        .collect();
                    // Anything recorded that the template no longer lists still shows.
                    checks.extend(
                        chosen
                            .iter()
                            .filter(|c| !options.contains(c))
                            .map(|c| (true, c.clone())),
                    );
                    if checks.is_empty() {
                        blocks.push(Block::Note("Nothing ticked.".into()));
                    } else {
                        blocks.push(Block::Checks(checks));
                    }
                }
            }
            StepData::YesNo(e) => {
                let items = match step.map(|s| &s.kind) {
                    Some(StepKind::YesNo { items, .. }) => items.as_slice(),
                    _ => &[],
                };
                for (respondent, answers) in &e.entries {
                    blocks.push(Block::Heading(respondent_name(couple, *respondent)));
                    // Every item the template lists, answered or not (an unanswered item
                    // is said as such, never read as "no"), then anything recorded that
                    // the template no longer lists.
                    let mut fields: Vec<(String, String)> = items
                        .iter()
                        .map(|item| {
                            let answer = answers.get(item).map_or("not answered", |a| a.label());
                            (self.fill(item, record.roles), answer.to_string())
                        })
                        .collect();
                    fields.extend(
                        answers
                            .iter()
                            .filter(|(item, _)| !items.contains(item))
                            .map(|(item, a)| (item.clone(), a.label().to_string())),
                    );
                    blocks.push(Block::Fields(fields));
                }
            }
        }
        blocks
    }

    fn commitments_table<'c>(
        &self,
        commitments: impl Iterator<Item = &'c crate::model::CommitmentDraft>,
    ) -> Table {
        let mut table = Table::new(&[
            ("Who", 1.1),
            ("What exactly", 3.0),
            ("How often, when", 1.8),
            ("How we will know", 1.6),
            ("From", 1.05),
            ("Review", 1.05),
        ]);
        for c in commitments {
            let mut what = c.behaviour.clone();
            if !c.category.is_empty() {
                what.push_str(&format!("\n({})", c.category));
            }
            table.rows.push(vec![
                self.couple.owner_name(c.owner),
                what,
                c.rhythm.clone(),
                verification_label(c.verification).into(),
                self.ctx.day(c.starts_on),
                self.ctx.day(c.review_on),
            ]);
        }
        table
    }

    fn rating_table(&self, r: &crate::model::RatingRecord, step: Option<&Step>) -> Table {
        let raters: Vec<Partner> = r.values.keys().copied().collect();
        let mut columns: Vec<(String, f32)> = vec![("Question".into(), 4.0)];
        columns.extend(raters.iter().map(|p| (name(self.couple, *p), 1.6)));
        let titles: Vec<(&str, f32)> = columns.iter().map(|(t, w)| (t.as_str(), *w)).collect();
        let mut table = Table::new(&titles);
        let (items, scoring) = rating_def(step).unzip();
        let ids: Vec<String> = match items {
            Some(items) => items.iter().map(|i| i.id.clone()).collect(),
            None => {
                let mut ids: Vec<String> =
                    r.values.values().flat_map(|v| v.keys().cloned()).collect();
                ids.sort();
                ids.dedup();
                ids
            }
        };
        for id in ids {
            let item = items.and_then(|items| items.iter().find(|i| i.id == id));
            let mut row = vec![item.map_or(id.clone(), |i| i.label.clone())];
            for p in &raters {
                let cell =
                    r.values
                        .get(p)
                        .and_then(|v| v.get(&id))
                        .map_or("no answer".to_string(), |v| match item {
                            Some(item) => {
                                let anchor = item
                                    .anchors
                                    .get(usize::from(v.saturating_sub(item.min)))
                                    .filter(|a| !a.is_empty());
                                match anchor {
                                    Some(a) => format!("{v} ({a})"),
                                    None => format!("{v} of {}", item.max),
                                }
                            }
                            None => v.to_string(),
                        });
                row.push(cell);
            }
            table.rows.push(row);
        }
        if let Some(Scoring::Sum { flag, .. }) = scoring {
            let mut row = vec!["Total".to_string()];
            for p in &raters {
                row.push(match r.scores.get(p) {
                    Some(score) if score.below_cutoff => format!(
                        "{} of {} ({})",
                        score.total,
                        score.max,
                        if flag.is_empty() {
                            "below the cutoff"
                        } else {
                            flag
                        }
                    ),
                    Some(score) => format!("{} of {}", score.total, score.max),
                    None => "not every item answered".into(),
                });
            }
            table.rows.push(row);
        }
        table
    }

    // -----------------------------------------------------------------------------------
    // Filled worksheet

    fn worksheet(&self) -> Report {
        let session = self.session();
        let mut facts = vec![
            self.couple_fact(),
            ("Date".into(), self.ctx.date(session.started_at)),
        ];
        facts.extend(self.made_facts());
        let title = format!(
            "Worksheet: {}",
            self.template
                .map_or(session.template_title.as_str(), |t| t.title.as_str())
        );
        let mut report = self.report(DocumentKind::FilledWorksheet, title, facts);
        report.subtitle = format!("As filled in on {}", self.ctx.date(session.started_at));
        for (_, record) in self.view.visible() {
            if matches!(record.data, StepData::SwapRoles) {
                continue;
            }
            let step = self.step(&record.step_id);
            let mut section =
                Section::new(self.title_of(&record.step_id, record.pass, record.roles));
            if let Some(step) = step {
                section.blocks.extend(
                    step.prompts
                        .iter()
                        .map(|p| Block::Prompt(self.fill(p, record.roles))),
                );
            }
            let answers = self.step_blocks(record, step);
            let asks = !matches!(record.data, StepData::Script);
            if answers.is_empty() && asks {
                section
                    .blocks
                    .push(Block::Note("Nothing recorded here.".into()));
            }
            section.blocks.extend(answers);
            if section.blocks.is_empty() {
                continue;
            }
            report.sections.push(section);
        }
        let withheld = self.withheld_count();
        if withheld > 0 {
            let mut section = Section::new("Not in this worksheet");
            section.blocks.push(Block::Note(format!(
                "{} private to a partner or for the therapist only, and not part of this document.",
                plural(withheld, "step is", "steps are")
            )));
            report.sections.push(section);
        }
        report
    }

    // -----------------------------------------------------------------------------------
    // Communication plan

    fn plan(&self) -> Result<Report, ExportError> {
        let session = self.session();
        let mut facts = vec![
            self.couple_fact(),
            ("Agreed on".into(), self.ctx.date(session.started_at)),
        ];
        facts.extend(self.made_facts());
        let mut report = self.report(DocumentKind::Plan, "Communication plan".into(), facts);
        let mut any = false;
        for (_, record) in self.view.visible() {
            let StepData::Plan(plan) = &record.data else {
                continue;
            };
            if plan.commitments.is_empty() {
                continue;
            }
            any = true;
            let mut section =
                Section::new(self.title_of(&record.step_id, record.pass, record.roles));
            section.blocks.push(Block::Table(
                self.commitments_table(plan.commitments.iter().map(|c| &c.draft)),
            ));
            report.sections.push(section);
            for owner in Owner::ALL {
                let own: Vec<_> = plan
                    .commitments
                    .iter()
                    .filter(|c| c.draft.owner == owner)
                    .collect();
                if own.is_empty() {
                    continue;
                }
                let mut section = Section::new(match owner {
                    Owner::A | Owner::B => format!(
                        "{}'s commitments, for the review",
                        self.couple.owner_name(owner)
                    ),
                    Owner::Both => format!(
                        "Shared commitments ({}), for the review",
                        self.couple.owner_name(owner)
                    ),
                });
                for (n, c) in own.iter().enumerate() {
                    let d = &c.draft;
                    section
                        .blocks
                        .push(Block::Heading(format!("{}. {}", n + 1, d.behaviour)));
                    section.blocks.push(Block::Fields(vec![
                        ("How often, when".into(), d.rhythm.clone()),
                        (
                            "How we will know".into(),
                            verification_label(d.verification).into(),
                        ),
                        (
                            "From / review on".into(),
                            format!(
                                "{} / {}",
                                self.ctx.day(d.starts_on),
                                self.ctx.day(d.review_on)
                            ),
                        ),
                    ]));
                    section.blocks.push(Block::Paragraph(format!(
                        "At the review:   {}    {}    {}",
                        unbreakable(&format!("{} kept", check_mark(false))),
                        unbreakable(&format!("{} partly kept", check_mark(false))),
                        unbreakable(&format!("{} missed", check_mark(false)))
                    )));
                    section.blocks.push(Block::WriteIn {
                        label: "What helped, or what got in the way".into(),
                        lines: 2,
                    });
                }
                report.sections.push(section);
            }
        }
        if !any {
            return Err(ExportError::Nothing {
                what: "commitments",
                audience: self.view.audience,
            });
        }
        // What was said around the plan (needs, situations to avoid), as recorded.
        for (_, record) in self.view.visible() {
            if !matches!(record.data, StepData::Text(ref e) if !e.entries.is_empty()) {
                continue;
            }
            let mut section =
                Section::new(self.title_of(&record.step_id, record.pass, record.roles));
            section
                .blocks
                .extend(self.step_blocks(record, self.step(&record.step_id)));
            report.sections.push(section);
        }
        Ok(report)
    }

    // -----------------------------------------------------------------------------------
    // Letters

    fn letters(&self) -> Result<Report, ExportError> {
        let session = self.session();
        let mut facts = vec![
            self.couple_fact(),
            ("Written on".into(), self.ctx.date(session.started_at)),
        ];
        facts.extend(self.made_facts());
        let mut report = self.report(DocumentKind::Letters, "Letters".into(), facts);
        for (_, record) in self.view.visible() {
            let step = self.step(&record.step_id);
            let is_letter = matches!(
                step.map(|s| &s.kind),
                Some(StepKind::Text { letter: true, .. })
            );
            if let StepData::Reply(reply) = &record.data {
                // Every reader sees every point and which are still open; the clinician's
                // copy also states the coverage as the note does.
                let clinician = self.view.audience == crate::model::Audience::Clinician;
                let blocks = self.reply_blocks(record, reply, clinician);
                if reply.replies.is_empty() {
                    continue;
                }
                let mut section =
                    Section::new(self.title_of(&record.step_id, record.pass, record.roles));
                section.blocks.push(Block::Note(format!(
                    "From {}, answering the letter point by point",
                    name(self.couple, reply.author)
                )));
                section.blocks.extend(blocks);
                report.sections.push(section);
                continue;
            }
            let StepData::Text(entries) = &record.data else {
                continue;
            };
            if !is_letter {
                continue;
            }
            for (respondent, text) in &entries.entries {
                if text.trim().is_empty() {
                    continue;
                }
                let mut section =
                    Section::new(self.title_of(&record.step_id, record.pass, record.roles));
                section.blocks.push(Block::Note(format!(
                    "From {}",
                    respondent_name(self.couple, *respondent)
                )));
                section.blocks.push(Block::Paragraph(text.clone()));
                report.sections.push(section);
            }
        }
        if report.sections.is_empty() {
            return Err(ExportError::Nothing {
                what: "letters",
                audience: self.view.audience,
            });
        }
        Ok(report)
    }
}

impl Doc<'_> {
    /// The coverage of a reply, when this audience sees the letter it answers.
    fn reply_coverage(&self, record: &StepRecord, reply: &ReplyRecord) -> Option<Coverage> {
        let before = self
            .view
            .visible()
            .map(|(_, r)| r)
            .take_while(|r| !std::ptr::eq(*r, record));
        let before: Vec<&StepRecord> = before.collect();
        let letter = letters::letter_text(before.into_iter(), &reply.letter_step, reply.author)?;
        Some(letters::coverage(letter, reply))
    }

    /// A reply letter point by point: "You wrote: …", then the answer. With `note`, the
    /// coverage line comes first and unanswered points are listed as such.
    fn reply_blocks(&self, record: &StepRecord, reply: &ReplyRecord, note: bool) -> Vec<Block> {
        let mut blocks = Vec::new();
        let author = name(self.couple, reply.author);
        let answer = |blocks: &mut Vec<Block>, r: &crate::model::PointReply| {
            blocks.push(Block::Said {
                who: format!("{author} answered ({})", self.ctx.time(r.at)),
                text: r.text.clone(),
            });
        };
        match self.reply_coverage(record, reply) {
            Some(c) => {
                if note {
                    blocks.push(Block::Paragraph(capitalize(&coverage_line(&c))));
                } else if !c.unanswered().is_empty() {
                    // An unfinished reply never reads as finished: every point is listed,
                    // in its own number, and the ones still open say so.
                    blocks.push(Block::Paragraph(format!(
                        "This reply is not finished yet: {} of {} answered so far.",
                        c.answered(),
                        plural(c.points.len(), "point", "points")
                    )));
                }
                for p in &c.points {
                    blocks.push(Block::Said {
                        who: format!("Point {} · You wrote:", p.number),
                        text: p.point.clone(),
                    });
                    match &p.reply {
                        Some(r) => answer(&mut blocks, r),
                        None if note => blocks.push(Block::Note("Not yet answered.".into())),
                        None => blocks.push(Block::Note("No answer to this point yet.".into())),
                    }
                }
                for r in &c.orphaned {
                    blocks.push(Block::Said {
                        who: "A point since edited out of the letter · You wrote:".into(),
                        text: r.point.clone(),
                    });
                    answer(&mut blocks, r);
                }
            }
            None => {
                // The letter is not shown to this reader: the quoted points were
                // replaced by "point N" when the session was redacted. Every point is
                // still listed by number, the open ones said to be open.
                let index =
                    self.view.shown.iter().position(
                        |s| matches!(s, Shown::Step(r) if std::ptr::eq(r.as_ref(), record)),
                    );
                let total = index
                    .and_then(|i| self.view.letter_points.get(&i))
                    .copied()
                    .unwrap_or(0);
                let numbered = |n: usize| letters::withheld_point(Some(n));
                let answered = (1..=total)
                    .filter(|n| reply.replies.iter().any(|r| r.point == numbered(*n)))
                    .count();
                if answered < total {
                    blocks.push(Block::Paragraph(format!(
                        "This reply is not finished yet: {answered} of {} answered so far.",
                        plural(total, "point", "points")
                    )));
                }
                for n in 1..=total {
                    blocks.push(Block::Heading(capitalize(&numbered(n))));
                    match reply.replies.iter().find(|r| r.point == numbered(n)) {
                        Some(r) => answer(&mut blocks, r),
                        None => blocks.push(Block::Note("No answer to this point yet.".into())),
                    }
                }
                for r in &reply.replies {
                    if (1..=total).any(|n| r.point == numbered(n)) {
                        continue;
                    }
                    blocks.push(Block::Heading(capitalize(&r.point)));
                    answer(&mut blocks, r);
                }
            }
        }
        blocks
    }
}

// ---------------------------------------------------------------------------------------
// The couple's summary

impl Doc<'_> {
    /// The session as the couple's summary, written for them: what they worked on, what
    /// each said (joint steps only), their agreements, what to practise, the next session
    /// and where to find support; a partner's copy adds their own private entries. No step
    /// tables, timings, loop counts or breach lists: those are the clinician's record.
    fn summary(&self) -> Report {
        let session = self.session();
        let (a, b) = (name(self.couple, Partner::A), name(self.couple, Partner::B));
        let own = match self.view.audience {
            Audience::Partner(p) => Some(p),
            Audience::Couple | Audience::Clinician => None,
        };
        let for_line = match own {
            Some(p) => format!("{} (your own copy)", name(self.couple, p)),
            None => format!("{a} and {b}"),
        };
        let facts = vec![
            ("For".into(), for_line),
            ("Session".into(), self.ctx.date(session.started_at)),
            ("With".into(), self.ctx.practice.clone()),
        ];
        let mut report = self.report(
            DocumentKind::SessionNote,
            "Your session summary".into(),
            facts,
        );
        report.subtitle = self
            .template
            .map_or(session.template_title.clone(), |t| t.title.clone());

        // What we worked on.
        let mut worked = Section::new("What we worked on");
        let intro = self.template.and_then(|t| t.introduction.as_deref());
        match intro {
            Some(text) => worked
                .blocks
                .push(Block::Paragraph(self.fill(text, session.bindings))),
            None if session.take_home.is_some() => worked.blocks.push(Block::Paragraph(format!(
                "You worked on \"{}\" at home.",
                report.subtitle
            ))),
            None => worked.blocks.push(Block::Paragraph(format!(
                "Today you worked together on \"{}\".",
                report.subtitle
            ))),
        }
        if session.take_home.is_some() {
            worked.blocks.push(Block::Paragraph(
                "You filled this in at home and brought it back.".into(),
            ));
        }
        let parts: Vec<String> = self
            .view
            .visible()
            .map(|(_, r)| r)
            .filter(|r| r.visibility == Visibility::Joint && r.status == StepStatus::Done)
            .filter(|r| !matches!(r.data, StepData::SwapRoles))
            .map(|r| self.title_of(&r.step_id, r.pass, r.roles))
            .collect();
        if !parts.is_empty() {
            worked.blocks.push(Block::Paragraph(
                "The parts of the session you went through:".into(),
            ));
            worked.blocks.push(Block::Bullets(parts));
        }
        report.sections.push(worked);

        // What each of you said (joint steps only).
        let mut said = Section::new("What each of you said");
        said.blocks = self.under_step_titles(
            |r| r.visibility == Visibility::Joint,
            |r| self.said_for_couple(r),
        );
        if !said.blocks.is_empty() {
            report.sections.push(said);
        }

        // Your agreements.
        let agreements: Vec<&crate::model::CommitmentDraft> = self
            .view
            .visible()
            .filter_map(|(_, r)| match &r.data {
                StepData::Plan(p) if r.visibility == Visibility::Joint => Some(p),
                _ => None,
            })
            .flat_map(|p| p.commitments.iter().map(|c| &c.draft))
            .collect();
        if !agreements.is_empty() {
            let mut section = Section::new("Your agreements");
            for owner in Owner::ALL {
                let mine: Vec<String> = agreements
                    .iter()
                    .filter(|c| c.owner == owner)
                    .map(|c| {
                        let mut line = c.behaviour.trim().to_string();
                        if !c.rhythm.trim().is_empty() {
                            line.push_str(&format!(" ({})", c.rhythm.trim()));
                        }
                        line
                    })
                    .collect();
                if mine.is_empty() {
                    continue;
                }
                section.blocks.push(Block::Heading(match owner {
                    Owner::A | Owner::B => self.couple.owner_name(owner),
                    Owner::Both => "Both of you, together".into(),
                }));
                section.blocks.push(Block::Bullets(mine));
            }
            report.sections.push(section);
        }

        // To practise this week.
        let practice = self.template.and_then(|t| t.between_sessions.as_deref());
        if practice.is_some() || !agreements.is_empty() {
            let mut section = Section::new("To practise this week");
            if let Some(text) = practice {
                section
                    .blocks
                    .push(Block::Paragraph(self.fill(text, session.bindings)));
            }
            if practice.is_none() {
                section.blocks.push(Block::Paragraph(
                    "Try the agreements above in the days ahead. Notice what helps and what gets in the way; there is no score to keep.".into(),
                ));
            }
            report.sections.push(section);
        }

        // The next session.
        let mut next = Section::new("Next time");
        next.blocks.push(Block::Paragraph(if agreements.is_empty() {
            "At your next session you can pick up where you left off. Bring anything from the days in between that you would like to talk about.".into()
        } else {
            "At your next session you will look back at your agreements together: what went well, and what got in the way.".into()
        }));
        report.sections.push(next);

        // A partner's own entries.
        if let Some(partner) = own {
            let mut mine = Section::new("Just for you");
            mine.blocks.push(Block::Paragraph(format!(
                "What you wrote or chose privately today. It is not in {}'s copy or the couple's.",
                name(self.couple, partner.other())
            )));
            let own = self.under_step_titles(
                |r| r.visibility != Visibility::Joint,
                |r| self.step_blocks(r, self.step(&r.step_id)),
            );
            if !own.is_empty() {
                mine.blocks.extend(own);
                report.sections.push(mine);
            }
        }

        let mut support = Section::new("If you need support");
        // Read as one: never its first words on one page and the places to call overleaf.
        support.keep_together = true;
        support.blocks.push(Block::Paragraph(format!(
            "If you ever feel unsafe at home, call your local emergency number. Between sessions you can get in touch with {}.",
            if self.ctx.practice.trim().is_empty() {
                "your therapist"
            } else {
                self.ctx.practice.as_str()
            }
        )));
        if !self.ctx.resources.is_empty() {
            support.blocks.push(Block::Paragraph(
                "Other places to turn to, day or night:".into(),
            ));
            support
                .blocks
                .push(Block::Bullets(self.ctx.resources.clone()));
        }
        report.sections.push(support);
        report
    }

    /// For each visible step `keep` takes, its title and then `blocks_of` it; a step with
    /// nothing to show is left out, title and all.
    fn under_step_titles(
        &self,
        keep: impl Fn(&StepRecord) -> bool,
        blocks_of: impl Fn(&StepRecord) -> Vec<Block>,
    ) -> Vec<Block> {
        let mut out = Vec::new();
        for (_, record) in self.view.visible().filter(|(_, r)| keep(r)) {
            let blocks = blocks_of(record);
            if blocks.is_empty() {
                continue;
            }
            out.push(Block::Heading(self.title_of(
                &record.step_id,
                record.pass,
                record.roles,
            )));
            out.extend(blocks);
        }
        out
    }

    /// What the partners said or chose in a joint step, in plain words: the words of a
    /// dialogue without its counts, texts, choices and questions answered.
    fn said_for_couple(&self, record: &StepRecord) -> Vec<Block> {
        let couple = self.couple;
        let mut blocks = Vec::new();
        match &record.data {
            StepData::Loop(l) => {
                let speaker = name(couple, l.speaker);
                let listener = name(couple, l.listener);
                if let Some(message) = &l.message {
                    blocks.push(Block::Said {
                        who: format!("{speaker} said"),
                        text: message.text.clone(),
                    });
                }
                if l.is_confirmed() {
                    blocks.push(Block::Paragraph(format!(
                        "{listener} listened and said it back until {speaker} felt understood."
                    )));
                } else if !l.attempts.is_empty() {
                    blocks.push(Block::Paragraph(format!(
                        "{listener} listened and said it back; you can pick this up again next time."
                    )));
                }
            }
            StepData::Floor(f) => {
                for e in &f.exchanges {
                    if let Exchange::Chunk { by, text, .. } = e {
                        blocks.push(Block::Said {
                            who: format!("{} said", name(couple, *by)),
                            text: text.clone(),
                        });
                    }
                }
            }
            StepData::Text(e) => {
                for (respondent, text) in &e.entries {
                    if text.trim().is_empty() || *respondent == crate::model::Respondent::Clinician
                    {
                        continue;
                    }
                    blocks.push(Block::Said {
                        who: respondent_name(couple, *respondent),
                        text: text.clone(),
                    });
                }
            }
            StepData::Choice(e) | StepData::Checklist(e) => {
                for (respondent, chosen) in &e.entries {
                    if chosen.is_empty() || *respondent == crate::model::Respondent::Clinician {
                        continue;
                    }
                    blocks.push(Block::Said {
                        who: format!("{} chose", respondent_name(couple, *respondent)),
                        text: chosen
                            .iter()
                            .map(|c| self.fill(c, record.roles))
                            .collect::<Vec<_>>()
                            .join("\n"),
                    });
                }
            }
            StepData::Questions(q) => {
                for item in &q.items {
                    let Some(answer) = &item.answer else {
                        continue;
                    };
                    blocks.push(Block::Said {
                        who: format!("{} asked", name(couple, q.owner)),
                        text: item.text.clone(),
                    });
                    blocks.push(Block::Said {
                        who: format!("{} answered", name(couple, q.owner.other())),
                        text: answer.text.clone(),
                    });
                }
            }
            // Ratings, plans, letters and screens have documents (or sections) of their
            // own; scripts and role swaps record nothing said.
            StepData::Rating(_)
            | StepData::Plan(_)
            | StepData::Reply(_)
            | StepData::YesNo(_)
            | StepData::Script
            | StepData::SwapRoles => {}
        }
        blocks
    }
}

/// A rating step's items and scoring as the template has them; `None` when the library
/// no longer has the step as a rating (the record is then shown from its own values).
fn rating_def(step: Option<&Step>) -> Option<(&[RatingItem], &Scoring)> {
    let Some(StepKind::Rating { items, scoring, .. }) = step.map(|s| &s.kind) else {
        return None;
    };
    Some((items, scoring))
}

/// The options of a choice step or the items of a checklist as the template lists them;
/// none when the library no longer has such a step (what was recorded still shows).
fn listed(step: Option<&Step>) -> &[String] {
    if let Some(StepKind::Choice { options, .. }) = step.map(|s| &s.kind) {
        options
    } else if let Some(StepKind::Checklist { items, .. }) = step.map(|s| &s.kind) {
        items
    } else {
        &[]
    }
}

/// "4 of 5 points answered; not yet answered: point 3" for documents.
fn coverage_line(c: &Coverage) -> String {
    let total = c.points.len();
    let unanswered = c.unanswered();
    let mut line = if total == 0 {
        "the letter it answers has no points yet".to_string()
    } else if unanswered.is_empty() {
        format!("all {} answered", plural(total, "point", "points"))
    } else {
        let list: Vec<String> = unanswered.iter().map(|n| format!("point {n}")).collect();
        format!(
            "{} of {} answered; not yet answered: {}",
            c.answered(),
            plural(total, "point", "points"),
            list.join(", ")
        )
    };
    if !c.orphaned.is_empty() {
        line.push_str(&format!(
            "; {} to points since edited out of the letter",
            plural(c.orphaned.len(), "answer", "answers")
        ));
    }
    line
}

fn question_status(status: QuestionStatus) -> &'static str {
    match status {
        QuestionStatus::Draft => "draft",
        QuestionStatus::Vetted => "vetted",
        QuestionStatus::Included => "included, not yet answered",
        QuestionStatus::Answered => "answered",
        QuestionStatus::Deferred => "deferred",
        QuestionStatus::Withdrawn => "withdrawn",
    }
}
