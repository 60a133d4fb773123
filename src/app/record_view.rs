//! Views of the clinical record: the couple page's tabs (commitments ledger, progress
//! charts, affair-recovery map), the commitment review that opens a session, the note
//! screen (draft, finalize, amend, process note) and search results. Each draws from
//! state and pushes commands.

use super::command::{
    Command, CoupleTab, ExportCommand, PracticeCommand, RecordCommand, SessionCommand,
};
use super::dates::{DateField, Expect, date_field_ui};
use super::forms::{CustodyForm, Found, HolderChoice, LedgerForm, NoteForm, RecoveryForm};
use super::views::{command_button, labelled_field, wide_ui};
use crate::clinical::divergence;
use crate::export::layout::format_value;
use crate::model::{
    Couple, CustodyChange, Holder, LedgerItem, NoteSection, NoteStyle, Outcome, Partner,
    RecoveryPhase, SessionId, TrustTag,
};
use crate::practice::CoupleRecord as CoupleView;
use crate::practice::course::{
    CustodyEntry, CustodyStep, DISCLOSURE_DOCUMENT, LedgerChange, RecoveryChange,
};
use egui::{RichText, Ui};

fn name(couple: &Couple, partner: Partner) -> String {
    couple.display_name(partner)
}

/// Whose a commitment is, in the ledger: a name, or both names marked shared.
fn owner_name(couple: &Couple, owner: crate::model::Owner) -> String {
    match owner {
        crate::model::Owner::Both => format!("{} (shared)", couple.owner_name(owner)),
        crate::model::Owner::A | crate::model::Owner::B => couple.owner_name(owner),
    }
}

/// The order a commitment's reviews are asked in: its owner's own account first, then
/// the partner's; a shared one, each partner's own account.
fn reviewers(owner: crate::model::Owner) -> [Partner; 2] {
    match owner.partner() {
        Some(p) => [p, p.other()],
        None => Partner::BOTH,
    }
}

/// The couple page's tab row.
pub fn tabs_ui(ui: &mut Ui, current: CoupleTab, out: &mut Vec<Command>) {
    ui.horizontal_wrapped(|ui| {
        for tab in CoupleTab::ALL {
            if ui.selectable_label(current == tab, tab.label()).clicked() {
                out.push(PracticeCommand::ShowTab(tab).into());
            }
        }
    });
}

fn percent(rate: Option<f32>) -> String {
    rate.map_or_else(
        || "not reviewed yet".into(),
        |r| format!("{:.0}% kept", r * 100.0),
    )
}

/// One partner's review buttons for one item, with a note field.
fn review_row(
    ui: &mut Ui,
    couple: &Couple,
    item: &LedgerItem,
    by: Partner,
    session: Option<SessionId>,
    form: &mut LedgerForm,
    out: &mut Vec<Command>,
) {
    ui.horizontal_wrapped(|ui| {
        let side = if item.owner.includes(by) {
            format!("{} (own view)", name(couple, by))
        } else {
            format!("{} (partner's view)", name(couple, by))
        };
        let side = ui.label(side);
        let done = item
            .reviews
            .iter()
            .rev()
            .find(|r| r.by == by && session.is_some() && r.session == session);
        let note = form.review_notes.entry((item.id, by)).or_default();
        ui.push_id((item.id, by), |ui| {
            ui.add(
                egui::TextEdit::singleline(note)
                    .hint_text("note")
                    .desired_width(200.0),
            )
            .labelled_by(side.id);
        });
        for outcome in Outcome::ALL {
            let chosen = done.is_some_and(|r| r.outcome == outcome);
            let label = if chosen {
                RichText::new(
                    RecordCommand::Ledger(LedgerChange::Review {
                        item: item.id,
                        by,
                        outcome,
                        note: String::new(),
                    })
                    .label(),
                )
                .strong()
            } else {
                RichText::new(
                    RecordCommand::Ledger(LedgerChange::Review {
                        item: item.id,
                        by,
                        outcome,
                        note: String::new(),
                    })
                    .label(),
                )
            };
            if ui.selectable_label(chosen, label).clicked() {
                out.push(
                    RecordCommand::Ledger(LedgerChange::Review {
                        item: item.id,
                        by,
                        outcome,
                        note: note.clone(),
                    })
                    .into(),
                );
            }
        }
    });
}

fn item_heading(couple: &Couple, item: &LedgerItem) -> String {
    let wording = item
        .current()
        .map_or(String::new(), |v| format!("{} ({})", v.behaviour, v.rhythm));
    format!("#{} {}: {wording}", item.id, owner_name(couple, item.owner))
}

/// The items the review at the top of `session` shows: every open item made before it,
/// due or already reviewed in it, in the ledger's order. A reviewed item stays in place
/// (with its answers shown) so the list does not move as it is worked through.
pub fn review_items(view: &CoupleView, session: SessionId) -> Vec<&LedgerItem> {
    let due = view.course.due_for_review(session);
    view.course
        .ledger
        .iter()
        .filter(|item| {
            due.iter().any(|d| d.id == item.id)
                || (item.is_open() && item.reviews.iter().any(|r| r.session == Some(session)))
        })
        .collect()
}

/// The commitment review that opens a session: each open item made before it, from each
/// partner's side. As tall as its items up to `max_height`, then it scrolls.
pub fn review_ui(
    ui: &mut Ui,
    view: &CoupleView,
    session: SessionId,
    max_height: f32,
    form: &mut LedgerForm,
    out: &mut Vec<Command>,
) {
    let items = review_items(view, session);
    let left = view.course.due_for_review(session).len();
    ui.horizontal_wrapped(|ui| {
        ui.heading("Review of open commitments");
        ui.label(if left == 0 {
            "all reviewed".to_string()
        } else {
            format!("{left} of {} to review", items.len())
        });
        command_button(ui, SessionCommand::FinishReview.into(), true, out);
    });
    ui.label("Ask each partner, for each commitment: kept, partly, or missed? A short note helps the next review.");
    // At least `max_height` to grow into (the panel it is in is only as tall as it was
    // last frame), at most that tall once it holds more.
    egui::ScrollArea::vertical()
        .max_height(max_height)
        .min_scrolled_height(max_height)
        .auto_shrink([false, true])
        .id_salt("review")
        .show(ui, |ui| {
            for item in items {
                ui.separator();
                let mut heading = RichText::new(item_heading(&view.couple, item)).strong();
                if item.reviewed_in(session) {
                    heading = heading.weak();
                }
                ui.label(heading);
                for by in reviewers(item.owner) {
                    review_row(ui, &view.couple, item, by, Some(session), form, out);
                }
            }
        });
}

/// Partner A's series and partner B's (dashed), told apart by colour as well.
const SERIES_COLOURS: [egui::Color32; 2] = [
    egui::Color32::from_rgb(52, 112, 188),
    egui::Color32::from_rgb(196, 110, 48),
];

/// The ledger: every item with its wording, history, reviews and adherence; open items
/// can be reviewed, revised or retired.
pub fn commitments_ui(
    ui: &mut Ui,
    view: &CoupleView,
    session: Option<SessionId>,
    form: &mut LedgerForm,
    today: chrono::NaiveDate,
    out: &mut Vec<Command>,
) {
    let couple = &view.couple;
    let course = &view.course;
    if course.ledger.is_empty() {
        ui.label(
            RichText::new("No commitments yet: they come from the plan step of a session.").weak(),
        );
        return;
    }
    let rates = course.adherence_by_owner();
    let shared = course
        .ledger
        .iter()
        .any(|i| i.owner == crate::model::Owner::Both);
    ui.label(
        Partner::BOTH
            .iter()
            .map(|p| {
                let owner = crate::model::Owner::from(*p);
                format!(
                    "{}: {}",
                    name(couple, *p),
                    percent(rates.get(&owner).copied())
                )
            })
            .chain(shared.then(|| {
                format!(
                    "Shared: {}",
                    percent(rates.get(&crate::model::Owner::Both).copied())
                )
            }))
            .collect::<Vec<_>>()
            .join("  ·  "),
    );
    for item in &course.ledger {
        ui.separator();
        let mut heading = RichText::new(item_heading(couple, item)).strong();
        if !item.is_open() {
            heading = heading.weak();
        }
        ui.label(heading);
        let current = item.current();
        if let Some(due) = current
            .map(|v| v.review_on)
            .filter(|d| item.is_open() && *d < today)
        {
            ui.colored_label(
                ui.visuals().warn_fg_color,
                format!("Review overdue since {}", due.format("%-d %b %Y")),
            );
        }
        ui.label(format!(
            "Review on {} · {} · {}",
            current.map_or(String::new(), |v| v
                .review_on
                .format("%-d %b %Y")
                .to_string()),
            percent(item.adherence()),
            match &item.retired {
                Some(r) => format!("retired {}: {}", r.at.format("%-d %b %Y"), r.reason),
                None => "open".into(),
            }
        ));
        ui.push_id(("history", item.id), |ui| {
            egui::CollapsingHeader::new(format!(
                "History of #{} ({} versions, {} reviews)",
                item.id,
                item.versions.len(),
                item.reviews.len()
            ))
            .show(ui, |ui| {
                for (i, v) in item.versions.iter().enumerate() {
                    let what = if i == 0 {
                        "made".to_string()
                    } else {
                        format!("revised ({})", v.reason)
                    };
                    ui.label(format!(
                        "{} {what}: {} ({}), review {}",
                        v.at.format("%-d %b %Y"),
                        v.behaviour,
                        v.rhythm,
                        v.review_on.format("%-d %b %Y")
                    ));
                }
                for r in &item.reviews {
                    let note = if r.note.is_empty() {
                        String::new()
                    } else {
                        format!(": {}", r.note)
                    };
                    ui.label(format!(
                        "{} {} says {}{note}",
                        r.at.format("%-d %b %Y"),
                        name(couple, r.by),
                        r.outcome.label()
                    ));
                }
            });
        });
        if !item.is_open() {
            continue;
        }
        for by in reviewers(item.owner) {
            review_row(ui, couple, item, by, session, form, out);
        }
        if form.revising == Some(item.id) {
            ui.push_id(("revise", item.id), |ui| {
                labelled_field(ui, "New wording", &mut form.behaviour);
                labelled_field(ui, "How often", &mut form.rhythm);
                date_field_ui(
                    ui,
                    &DateField {
                        name: "Review on",
                        label: "Review on (YYYY-MM-DD)",
                        opens_on: today + chrono::Days::new(7),
                        expect: Expect::Ahead,
                        unexpected: "This review date has already passed: choose today or a later day.",
                        width: 110.0,
                    },
                    &mut form.review_on,
                    today,
                );
                labelled_field(ui, "Reason", &mut form.reason);
                ui.horizontal_wrapped(|ui| {
                    command_button(
                        ui,
                        RecordCommand::Ledger(LedgerChange::Revise {
                            item: item.id,
                            behaviour: form.behaviour.clone(),
                            rhythm: form.rhythm.clone(),
                            review_on: form.review_on.clone(),
                            reason: form.reason.clone(),
                        })
                        .into(),
                        true,
                        out,
                    );
                    command_button(
                        ui,
                        RecordCommand::Ledger(LedgerChange::Retire {
                            item: item.id,
                            reason: form.reason.clone(),
                        })
                        .into(),
                        !form.reason.trim().is_empty(),
                        out,
                    );
                    if ui.button("Cancel").clicked() {
                        form.revising = None;
                    }
                });
            });
        } else if ui
            .push_id(("revise-open", item.id), |ui| {
                ui.button("Revise or retire…")
            })
            .inner
            .clicked()
        {
            form.revising = Some(item.id);
            form.behaviour = current.map_or(String::new(), |v| v.behaviour.clone());
            form.rhythm = current.map_or(String::new(), |v| v.rhythm.clone());
            form.review_on = current.map_or(String::new(), |v| v.review_on.to_string());
            form.reason.clear();
        }
    }
}

/// Each measure over the sessions: a chart with both partners side by side, the values
/// as a table, and a flag where they moved in opposite directions two sessions in a row.
pub fn progress_ui(ui: &mut Ui, view: &CoupleView) {
    let couple = &view.couple;
    if view.measures.is_empty() {
        ui.label(RichText::new("No ratings recorded yet. The session measures protocol takes two minutes at the end of a session.").weak());
        return;
    }
    for (m, measure) in view.measures.iter().enumerate() {
        ui.separator();
        ui.heading(&measure.title);
        if measure.question.trim() != measure.title.trim() {
            ui.label(RichText::new(&measure.question).italics());
        }
        for flag in divergence(measure) {
            let [first, _, last] = flag.points;
            let date = |i: usize| {
                measure
                    .points
                    .get(i)
                    .map_or(String::new(), |p| p.at.format("%-d %b").to_string())
            };
            ui.label(
                RichText::new(format!(
                    "Moving apart: from {} to {}, {} rose while {} fell, two sessions in a row.",
                    date(first),
                    date(last),
                    name(couple, flag.rising),
                    name(couple, flag.rising.other())
                ))
                .color(ui.visuals().warn_fg_color),
            );
        }
        let partners = measure.partners();
        let lines: Vec<(String, Vec<[f64; 2]>)> = partners
            .iter()
            .map(|p| {
                (
                    format!("{} ({p})", name(couple, *p)),
                    measure
                        .points
                        .iter()
                        .enumerate()
                        .filter_map(|(i, pt)| {
                            pt.values.get(p).map(|v| [i as f64 + 1.0, f64::from(*v)])
                        })
                        .collect(),
                )
            })
            .collect();
        let cutoff = measure.cutoff.clone();
        let sessions = measure.points.len() as f64;
        egui_plot::Plot::new(("measure", m))
            .height(180.0)
            .include_y(f64::from(measure.y_min))
            .include_y(f64::from(measure.y_max))
            .include_x(0.5)
            // Room after the last session, so nothing sits under the plot's edge.
            .include_x(sessions + 0.5)
            .allow_scroll(false)
            .allow_zoom(false)
            .allow_drag(false)
            .x_axis_label("session")
            // Sessions are counted: whole numbers only on the axis.
            .x_grid_spacer(egui_plot::uniform_grid_spacer(|_| [1.0, 5.0, 10.0]))
            .x_axis_formatter(|mark, _| {
                if mark.value >= 1.0 && mark.value.fract().abs() < 1e-9 {
                    format!("{}", mark.value.round() as i64)
                } else {
                    String::new()
                }
            })
            .legend(egui_plot::Legend::default().position(egui_plot::Corner::LeftBottom))
            .show(ui, |plot| {
                for (i, (label, points)) in lines.into_iter().enumerate() {
                    let color = SERIES_COLOURS[i % SERIES_COLOURS.len()];
                    let mut line = egui_plot::Line::new(
                        label.clone(),
                        egui_plot::PlotPoints::from(points.clone()),
                    )
                    .color(color);
                    if i == 1 {
                        line = line.style(egui_plot::LineStyle::dashed_loose());
                    }
                    plot.line(line);
                    // Each rating as a dot too: a single session shows.
                    plot.points(
                        egui_plot::Points::new(label, egui_plot::PlotPoints::from(points))
                            .radius(3.5)
                            .color(color),
                    );
                }
                if let Some((value, label)) = cutoff {
                    plot.hline(egui_plot::HLine::new(label, f64::from(value)));
                }
            });
        ui.push_id(("values", m), |ui| {
            wide_ui(ui, "values", |ui| {
                egui::Grid::new("values").striped(true).show(ui, |ui| {
                    ui.label(RichText::new("Date").strong());
                    ui.label(RichText::new("Session").strong());
                    for p in &partners {
                        ui.label(RichText::new(name(couple, *p)).strong());
                    }
                    ui.end_row();
                    for pt in &measure.points {
                        ui.label(pt.at.format("%Y-%m-%d").to_string());
                        ui.label(&pt.protocol);
                        for p in &partners {
                            ui.label(pt.values.get(p).map_or(String::new(), |v| format_value(*v)));
                        }
                        ui.end_row();
                    }
                })
            });
        });
    }
}

/// The affair-recovery tab: the disclosure document's custody, the recovery map (phase
/// with entry date and exit criteria), the triggers log, and the TRUST dimensions of
/// each session.
pub fn recovery_ui(
    ui: &mut Ui,
    view: &CoupleView,
    form: &mut RecoveryForm,
    today: chrono::NaiveDate,
    out: &mut Vec<Command>,
) {
    custody_ui(ui, view, &mut form.custody, today, out);
    ui.separator();
    let map = &view.course.recovery;
    match map.current() {
        Some(spell) => {
            ui.label(
                RichText::new(format!(
                    "Phase: {} since {}",
                    spell.phase.label(),
                    spell.entered_on.format("%-d %b %Y")
                ))
                .strong(),
            );
        }
        None => {
            ui.label("Not placed in a recovery phase yet.");
        }
    }
    ui.horizontal_wrapped(|ui| {
        for phase in RecoveryPhase::ALL {
            let here = map.current().is_some_and(|s| s.phase == phase);
            command_button(
                ui,
                RecordCommand::Recovery(RecoveryChange::Enter(phase)).into(),
                !here,
                out,
            );
        }
    });
    if map.phases.len() > 1 {
        ui.label(
            RichText::new(
                map.phases
                    .iter()
                    .map(|s| {
                        format!(
                            "{} from {}",
                            s.phase.label(),
                            s.entered_on.format("%-d %b %Y")
                        )
                    })
                    .collect::<Vec<_>>()
                    .join(" → "),
            )
            .weak(),
        );
    }
    if let Some(spell) = map.current() {
        ui.add_space(6.0);
        ui.label(RichText::new("Exit criteria (what must be true to move on)").strong());
        for (i, c) in spell.exit_criteria.iter().enumerate() {
            let mut met = c.met_on.is_some();
            let text = match c.met_on {
                Some(on) => format!("{} (met {})", c.text, on.format("%-d %b %Y")),
                None => c.text.clone(),
            };
            if ui.checkbox(&mut met, text).changed() {
                out.push(RecordCommand::Recovery(RecoveryChange::SetMet { index: i, met }).into());
            }
        }
        ui.horizontal_wrapped(|ui| {
            labelled_field(ui, "New criterion", &mut form.criterion);
            command_button(
                ui,
                RecordCommand::Recovery(RecoveryChange::AddCriterion(form.criterion.clone()))
                    .into(),
                true,
                out,
            );
        });
    }
    ui.add_space(6.0);
    ui.label(RichText::new("Triggers log").strong());
    wide_ui(ui, "triggers", |ui| {
        egui::Grid::new("triggers").striped(true).show(ui, |ui| {
            for h in ["Date", "Trigger", "Response", "Repair"] {
                ui.label(RichText::new(h).strong());
            }
            ui.end_row();
            for t in map.triggers.iter().rev() {
                ui.label(t.on.format("%Y-%m-%d").to_string());
                ui.label(&t.trigger);
                ui.label(&t.response);
                ui.label(&t.repair);
                ui.end_row();
            }
        })
    });
    date_field_ui(
        ui,
        &DateField {
            name: "Trigger date",
            label: "Date (YYYY-MM-DD, empty for today)",
            opens_on: today,
            expect: Expect::Behind,
            unexpected: "This day is still to come: a trigger is logged once it has happened.",
            width: 110.0,
        },
        &mut form.on,
        today,
    );
    labelled_field(ui, "Trigger", &mut form.trigger);
    labelled_field(ui, "Response", &mut form.response);
    labelled_field(ui, "Repair", &mut form.repair);
    command_button(
        ui,
        RecordCommand::Recovery(RecoveryChange::LogTrigger {
            on: form.on.clone(),
            trigger: form.trigger.clone(),
            response: form.response.clone(),
            repair: form.repair.clone(),
        })
        .into(),
        true,
        out,
    );
    ui.add_space(6.0);
    ui.label(RichText::new("TRUST dimensions each session touched").strong());
    wide_ui(ui, "trust", |ui| {
        egui::Grid::new("trust").striped(true).show(ui, |ui| {
            ui.label("");
            // Each checkbox is named by its column's heading (screen readers, UI tests).
            let headings: Vec<egui::Id> =
                TRUST.iter().map(|tag| ui.label(tag.label()).id).collect();
            ui.end_row();
            for s in view.sessions.iter().rev() {
                ui.label(format!(
                    "{} {}",
                    s.started_at.format("%Y-%m-%d"),
                    s.template_title
                ));
                let tags = map.trust_touched.get(&s.id);
                for (tag, heading) in TRUST.into_iter().zip(&headings) {
                    let mut on = tags.is_some_and(|t| t.contains(&tag));
                    if ui
                        .push_id((s.id, tag), |ui| {
                            ui.checkbox(&mut on, "").labelled_by(*heading)
                        })
                        .inner
                        .changed()
                    {
                        out.push(
                            RecordCommand::Recovery(RecoveryChange::SetTrust {
                                session: s.id,
                                tag,
                                touched: on,
                            })
                            .into(),
                        );
                    }
                }
                ui.end_row();
            }
        })
    });
}

fn holder_text(couple: &Couple, holder: &Holder) -> String {
    match holder {
        Holder::Therapist => "the therapist".into(),
        Holder::Partner(p) => name(couple, *p),
        Holder::Other(who) => who.clone(),
    }
}

/// The disclosure document's custody: where it stands, its log, and the form to record
/// who holds it, when it is to be destroyed, and that it was destroyed.
pub fn custody_ui(
    ui: &mut Ui,
    view: &CoupleView,
    form: &mut CustodyForm,
    today: chrono::NaiveDate,
    out: &mut Vec<Command>,
) {
    let couple = &view.couple;
    ui.label(RichText::new(DISCLOSURE_DOCUMENT).strong());
    let status = view.course.custody_of(DISCLOSURE_DOCUMENT);
    let destroyed = status.as_ref().is_some_and(|s| s.destroyed_at.is_some());
    match &status {
        None => {
            ui.label("Nothing recorded yet: who holds the written disclosure, and when it is to be destroyed.");
        }
        Some(s) => {
            let mut lines = Vec::new();
            if let Some(at) = s.destroyed_at {
                lines.push(format!("Destroyed on {}", at.format("%-d %b %Y")));
            } else if let Some((holder, since)) = &s.held_by {
                lines.push(format!(
                    "Held by {} since {}",
                    holder_text(couple, holder),
                    since.format("%-d %b %Y")
                ));
            }
            if s.destroyed_at.is_none()
                && let Some(on) = s.destroy_by
            {
                lines.push(format!("To be destroyed by {}", on.format("%-d %b %Y")));
            }
            for line in lines {
                ui.label(line);
            }
        }
    }
    let log: Vec<_> = view
        .course
        .custody
        .iter()
        .filter(|e| e.document == DISCLOSURE_DOCUMENT)
        .collect();
    if !log.is_empty() {
        wide_ui(ui, "custody-log", |ui| {
            egui::Grid::new("custody-log").striped(true).show(ui, |ui| {
                for h in ["When", "Change", "Recorded by", "Note"] {
                    ui.label(RichText::new(h).strong());
                }
                ui.end_row();
                for e in log.iter().rev() {
                    ui.label(e.at.format("%Y-%m-%d %H:%M").to_string());
                    ui.label(match &e.change {
                        CustodyChange::HeldBy(h) => format!("held by {}", holder_text(couple, h)),
                        CustodyChange::DestroyBy(on) => format!("to be destroyed by {on}"),
                        CustodyChange::Destroyed => "destroyed".into(),
                    });
                    ui.label(&e.recorded_by);
                    ui.label(&e.note);
                    ui.end_row();
                }
            })
        });
    }
    if destroyed {
        ui.label(RichText::new("The document is destroyed; its custody log is closed.").weak());
        return;
    }
    ui.horizontal_wrapped(|ui| {
        ui.label("Held by");
        ui.radio_value(&mut form.holder, HolderChoice::Therapist, "The therapist");
        for p in Partner::BOTH {
            ui.radio_value(
                &mut form.holder,
                HolderChoice::Partner(p),
                format!("{} ({p})", name(couple, p)),
            );
        }
        ui.radio_value(&mut form.holder, HolderChoice::Other, "Someone else");
    });
    if form.holder == HolderChoice::Other {
        labelled_field(ui, "Who holds it", &mut form.other);
    }
    date_field_ui(
        ui,
        &DateField {
            name: "Destroy by",
            label: "Destroy by (YYYY-MM-DD)",
            opens_on: today,
            expect: Expect::Ahead,
            unexpected: "This date has already passed: the document would be overdue for destruction at once.",
            width: 110.0,
        },
        &mut form.destroy_by,
        today,
    );
    labelled_field(ui, "Custody note (optional)", &mut form.note);
    labelled_field(ui, "Recorded by", &mut form.recorded_by);
    let entry = |step: CustodyStep| {
        RecordCommand::Custody(CustodyEntry {
            step,
            recorded_by: form.recorded_by.clone(),
            note: form.note.clone(),
        })
        .into()
    };
    let ready = !form.recorded_by.trim().is_empty();
    ui.horizontal_wrapped(|ui| {
        command_button(ui, entry(CustodyStep::HeldBy(form.holder())), ready, out);
        command_button(
            ui,
            entry(CustodyStep::DestroyBy(form.destroy_by.clone())),
            ready && !form.destroy_by.trim().is_empty(),
            out,
        );
        command_button(ui, entry(CustodyStep::Destroyed), ready, out);
    });
}

const TRUST: [TrustTag; 5] = [
    TrustTag::Truth,
    TrustTag::Responsibility,
    TrustTag::Understanding,
    TrustTag::Sympathy,
    TrustTag::Time,
];

/// The note screen: the draft to edit (or the finalized note with its amendments), the
/// style, finalize or amend, and the session's process note, kept apart.
pub fn note_ui(
    ui: &mut Ui,
    form: &mut NoteForm,
    couple: &Couple,
    title: &str,
    error: Option<&str>,
    out: &mut Vec<Command>,
) {
    let note = &form.note;
    ui.horizontal_wrapped(|ui| {
        command_button(ui, RecordCommand::CloseNote.into(), true, out);
        ui.heading(format!("Progress note · {} · {title}", couple.code));
    });
    let status = match &note.finalized {
        None => "Draft: edit freely, then finalize.".to_string(),
        Some(s) => format!(
            "Finalized by {} on {}{}",
            s.clinician,
            s.at.with_timezone(&chrono::Local).format("%-d %b %Y %H:%M"),
            if note.amendments.is_empty() {
                String::new()
            } else {
                format!(
                    ", {}",
                    crate::model::plural(note.amendments.len(), "amendment", "amendments")
                )
            }
        ),
    };
    ui.label(RichText::new(status).strong());
    let is_final = note.is_final();
    ui.horizontal_wrapped(|ui| {
        ui.label("Structure:");
        for style in NoteStyle::ALL {
            let here = note.style == style;
            if ui
                .add_enabled(!is_final, egui::Button::selectable(here, style.name()))
                .clicked()
                && !here
            {
                out.push(RecordCommand::RestyleNote(style).into());
            }
        }
        if !is_final {
            command_button(ui, RecordCommand::RedraftNote.into(), true, out);
        }
        command_button(ui, ExportCommand::Note.into(), true, out);
    });
    super::views::error_ui(ui, error);
    ui.separator();
    let before = form.sections.clone();
    egui::ScrollArea::vertical().id_salt("note").show(ui, |ui| {
        if is_final {
            ui.label(RichText::new(if note.amendments.is_empty() {
                "To change the finalized note, edit below and save it as an amendment with a reason."
            } else {
                "The note as it now reads is below; edit it to add another amendment."
            }).weak());
        }
        if is_final {
            if let Some(code) = &note.service_code {
                ui.label(format!("Service code: {code}"));
            }
        } else if labelled_field(ui, "Service code (optional, e.g. CPT 90847)", &mut form.service_code)
            .changed()
        {
            out.push(RecordCommand::SetServiceCode(form.service_code.clone()).into());
        }
        for section in form.sections.iter_mut() {
            sections_field(ui, section);
        }
        if is_final {
            labelled_field(ui, "Your name", &mut form.clinician);
            credentials_ui(ui, &mut form.credentials, &mut form.licence_number, out);
            labelled_field(ui, "Reason for the amendment", &mut form.reason);
            command_button(
                ui,
                RecordCommand::AmendNote {
                    clinician: form.clinician.clone(),
                    reason: form.reason.clone(),
                    sections: form.sections.clone(),
                }.into(),
                form.sections != note.current() && !form.reason.trim().is_empty(),
                out,
            );
            if !note.amendments.is_empty() {
                ui.add_space(8.0);
                ui.label(RichText::new("Amendments, newest last").strong());
                for (i, a) in note.amendments.iter().enumerate() {
                    ui.push_id(("amendment", i), |ui| {
                        egui::CollapsingHeader::new(format!(
                            "Amendment {} · {} · {} · {}",
                            i + 1,
                            a.signed.at.with_timezone(&chrono::Local).format("%-d %b %Y %H:%M"),
                            a.signed.clinician,
                            a.reason
                        ))
                        .show(ui, |ui| read_sections(ui, &a.sections));
                    });
                }
                ui.push_id("original", |ui| {
                    egui::CollapsingHeader::new("Original note as finalized")
                        .default_open(true)
                        .show(ui, |ui| read_sections(ui, &note.sections));
                });
            }
        } else {
            ui.add_space(8.0);
            labelled_field(ui, "Your name", &mut form.clinician);
            credentials_ui(ui, &mut form.credentials, &mut form.licence_number, out);
            command_button(
                ui,
                RecordCommand::AskToFinalize {
                    clinician: form.clinician.clone(),
                }
                .into(),
                !form.clinician.trim().is_empty(),
                out,
            );
        }
        ui.add_space(12.0);
        ui.separator();
        let heading = ui.label(RichText::new("Process note (psychotherapy note)").strong());
        ui.label(RichText::new("Your own working notes. Kept in their own record, never part of the progress note, and in no export unless you export process notes on purpose.").weak());
        ui.add(
            egui::TextEdit::multiline(&mut form.process)
                .font(super::style::field())
                .desired_rows(4)
                .desired_width(f32::INFINITY),
        )
        .labelled_by(heading.id);
        command_button(ui, RecordCommand::SaveProcessNote(form.process.clone()).into(), true, out);
    });
    if form.sections != before && !is_final {
        out.push(RecordCommand::EditNote(form.sections.clone()).into());
    }
}

/// The credentials and licence number the signature block shows, kept in the practice's
/// settings.
fn credentials_ui(
    ui: &mut Ui,
    credentials: &mut String,
    licence_number: &mut String,
    out: &mut Vec<Command>,
) {
    ui.horizontal_wrapped(|ui| {
        labelled_field(ui, "Credentials (e.g. LMFT)", credentials);
        labelled_field(ui, "Licence number", licence_number);
        command_button(
            ui,
            RecordCommand::SaveCredentials {
                credentials: credentials.clone(),
                licence_number: licence_number.clone(),
            }
            .into(),
            true,
            out,
        );
    });
}

fn sections_field(ui: &mut Ui, section: &mut NoteSection) {
    let label = ui.label(RichText::new(&section.heading).strong());
    ui.push_id(&section.heading, |ui| {
        ui.add(
            egui::TextEdit::multiline(&mut section.text)
                .font(super::style::field())
                .desired_rows(4)
                .desired_width(f32::INFINITY),
        )
        .labelled_by(label.id);
    });
}

fn read_sections(ui: &mut Ui, sections: &[NoteSection]) {
    for s in sections {
        ui.label(RichText::new(&s.heading).strong());
        ui.label(&s.text);
    }
}

/// Search results grouped by couple.
pub fn found_ui(ui: &mut Ui, found: &Found, out: &mut Vec<Command>) {
    ui.label(format!(
        "{} for \"{}\" in {}",
        crate::model::plural(found.total, "match", "matches"),
        found.query,
        crate::model::plural(found.groups.len(), "couple", "couples")
    ));
    /// One line of the results: a couple's heading, one of its hits, or how many more.
    enum Row {
        Couple(usize),
        Hit(usize, usize),
        More(usize),
    }
    let mut rows = Vec::new();
    for (g, group) in found.groups.iter().enumerate() {
        rows.push(Row::Couple(g));
        rows.extend((0..group.hits.len().min(SHOWN_HITS)).map(|h| Row::Hit(g, h)));
        if group.hits.len() > SHOWN_HITS {
            rows.push(Row::More(group.hits.len() - SHOWN_HITS));
        }
    }
    // Only the lines on screen are laid out: a common word finds thousands of records.
    let row_height = ui.spacing().interact_size.y;
    egui::ScrollArea::vertical()
        .id_salt("found")
        .max_height(280.0)
        .show_rows(ui, row_height, rows.len(), |ui, range| {
            for row in &rows[range] {
                match *row {
                    Row::Couple(g) => {
                        let group = &found.groups[g];
                        ui.push_id(group.couple, |ui| {
                            ui.horizontal(|ui| {
                                ui.label(RichText::new(&group.code).strong());
                                if ui.button("Open").clicked() {
                                    out.push(
                                        PracticeCommand::SelectCouple(Some(group.couple)).into(),
                                    );
                                }
                            });
                        });
                    }
                    Row::Hit(g, h) => {
                        let (place, snippet) = &found.groups[g].hits[h];
                        ui.add(egui::Label::new(format!("  {place}: {snippet}")).truncate());
                    }
                    Row::More(more) => {
                        ui.label(RichText::new(format!("  and {more} more")).weak());
                    }
                }
            }
        });
}

/// Hits shown per couple in the results; the rest are counted.
const SHOWN_HITS: usize = 20;
