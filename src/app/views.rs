//! Screens outside a running session: welcome, unlock, the practice (couples list and a
//! couple's page), and choosing a protocol. Each draws from state and pushes commands.

use super::command::{
    Command, CoupleTab, ErrorPlace, ExportCommand, ExportTarget, PracticeCommand, RecordCommand,
    SessionCommand, TakeHomeCommand, VaultCommand,
};
use super::forms::Forms;
use super::style;
use crate::model::{Bindings, CoupleId, Partner, Role};
use crate::practice::{CoupleInput, CoupleRecord, DEMO_PASSPHRASE, Lists, Practice};
use crate::runner::locked_because;
use crate::template::Template;
use chrono::NaiveDate;
use egui::{RichText, Ui};

/// A button for a command, with its tooltip; pushes the command when clicked.
pub fn command_button(
    ui: &mut Ui,
    command: Command,
    enabled: bool,
    out: &mut Vec<Command>,
) -> egui::Response {
    let button = match command.icon() {
        Some(icon) => style::icon_button(icon, command.label()),
        None => egui::Button::new(command.label()),
    };
    let response = ui.add_enabled(enabled, button);
    let tooltip = command.tooltip();
    let response = if tooltip.is_empty() {
        response
    } else {
        response.on_hover_text(tooltip)
    };
    if response.clicked() {
        out.push(command);
    }
    response
}

/// A rating as a row of numbers from `min` to `max`, the one chosen marked; nothing is
/// marked until someone rates ("not rated" is never shown as a number). Returns the
/// number clicked.
pub fn rating_row_ui(
    ui: &mut Ui,
    current: Option<u8>,
    (min, max): (u8, u8),
    (low, high): (&str, &str),
) -> Option<u8> {
    let mut clicked = None;
    ui.horizontal_wrapped(|ui| {
        if !low.is_empty() {
            ui.label(RichText::new(low).weak());
        }
        for value in min..=max {
            if ui
                .selectable_label(current == Some(value), value.to_string())
                .clicked()
            {
                clicked = Some(value);
            }
        }
        if !high.is_empty() {
            ui.label(RichText::new(high).weak());
        }
    });
    clicked
}

/// An error beside the field or in the dialog it is about.
pub fn error_ui(ui: &mut Ui, error: Option<&str>) {
    if let Some(error) = error {
        ui.colored_label(ui.visuals().error_fg_color, error);
    }
}

/// A single-line text field with a visible label that names it for assistive tech. The
/// field takes the rest of the row, up to a comfortable width.
pub fn labelled_field(ui: &mut Ui, label: &str, text: &mut String) -> egui::Response {
    ui.horizontal(|ui| {
        let l = ui.label(label);
        let width = ui.available_width().clamp(80.0, 320.0);
        ui.add(egui::TextEdit::singleline(text).desired_width(width))
            .labelled_by(l.id)
    })
    .inner
}

/// The one passphrase field: labelled, its text hidden, in the large type of what is
/// typed. Every screen that asks for a passphrase (welcome, lock, hand-back, a
/// worksheet's) uses it.
pub fn passphrase_field(ui: &mut Ui, label: &str, passphrase: &mut String) -> egui::Response {
    ui.vertical(|ui| {
        let l = ui.label(label);
        let width = ui.available_width().clamp(160.0, 380.0);
        ui.add(
            egui::TextEdit::singleline(passphrase)
                .password(true)
                .font(style::field())
                .margin(egui::Margin::symmetric(8, 6))
                .desired_width(width),
        )
        .labelled_by(l.id)
    })
    .inner
}

/// A column of `width` in the middle of the screen, its content aligned left: the welcome
/// and lock screens.
fn centered_column<R>(ui: &mut Ui, width: f32, add: impl FnOnce(&mut Ui) -> R) -> R {
    let width = width.min(ui.available_width());
    ui.horizontal_top(|ui| {
        ui.add_space(((ui.available_width() - width) / 2.0).max(0.0));
        ui.vertical(|ui| {
            ui.set_width(width);
            add(ui)
        })
        .inner
    })
    .inner
}

/// A card: a calm frame around related things, as wide as the space it is in.
pub fn card<R>(ui: &mut Ui, add: impl FnOnce(&mut Ui) -> R) -> R {
    style::card_frame(ui.style())
        .show(ui, |ui| {
            ui.set_width(ui.available_width());
            add(ui)
        })
        .inner
}

pub fn welcome_ui(
    ui: &mut Ui,
    forms: &mut Forms,
    busy: bool,
    error: Option<&str>,
    out: &mut Vec<Command>,
) {
    centered_column(ui, 560.0, |ui| {
        welcome_column_ui(ui, forms, busy, error, out)
    });
}

fn welcome_column_ui(
    ui: &mut Ui,
    forms: &mut Forms,
    busy: bool,
    error: Option<&str>,
    out: &mut Vec<Command>,
) {
    ui.add_space(40.0);
    ui.heading("Welcome to Tandem");
    ui.label("A companion for couples sessions. Everything stays on this computer, encrypted.");
    ui.add_space(16.0);
    card(ui, |ui| {
        ui.heading("Create your vault");
        ui.label("Choose a passphrase. It protects every note; without it nothing can be read, by anyone, including you.");
        let first = passphrase_field(ui, "Passphrase", &mut forms.passphrase);
        // The field the next keystroke goes to, on first run.
        if !busy && ui.memory(|m| m.focused().is_none()) {
            first.request_focus();
        }
        let again = passphrase_field(ui, "Passphrase again", &mut forms.passphrase_again);
        ui.label(strength_hint(&forms.passphrase));
        // Said at once, not only by a button that greys out.
        let differ =
            !forms.passphrase_again.is_empty() && forms.passphrase != forms.passphrase_again;
        if differ {
            error_ui(ui, Some("The two passphrases differ."));
        }
        let ready = forms.passphrase.chars().count() >= crate::vault::crypto::MIN_PASSPHRASE_CHARS
            && !differ
            && forms.passphrase == forms.passphrase_again
            && !busy;
        let enter = again.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
        let clicked = command_button(ui, VaultCommand::Create.into(), ready, out).clicked();
        if enter && ready && !clicked {
            out.push(VaultCommand::Create.into());
        }
        error_ui(ui, error);
    });
    ui.add_space(12.0);
    card(ui, |ui| {
        ui.heading("Just looking?");
        ui.label("The demo practice has four fictional couples with sessions, plans and ratings. It is deleted when you close Tandem.");
        command_button(ui, VaultCommand::OpenDemo.into(), !busy, out);
    });
    if busy {
        ui.label(RichText::new("Opening the vault…").weak());
    }
}

/// A plain-words hint on passphrase strength.
pub fn strength_hint(passphrase: &str) -> &'static str {
    let chars = passphrase.chars().count();
    let words = passphrase.split_whitespace().count();
    if chars == 0 {
        "Tip: four or more unrelated words are strong and easy to remember."
    } else if chars < crate::vault::crypto::MIN_PASSPHRASE_CHARS {
        "Too short: at least 8 characters."
    } else if words >= 4 || chars >= 20 {
        "Strong."
    } else if words >= 3 || chars >= 14 {
        "Good. A few more words make it stronger."
    } else {
        "Weak: add words."
    }
}

/// The lock screen (and, blank but for the field, the screen after a quick hide).
pub fn unlock_ui(
    ui: &mut Ui,
    forms: &mut Forms,
    hidden: bool,
    demo: bool,
    busy: bool,
    error: Option<&str>,
    out: &mut Vec<Command>,
) {
    ui.add_space(if hidden { 160.0 } else { 100.0 });
    centered_column(ui, 420.0, |ui| {
        if !hidden {
            ui.heading("Tandem is locked");
            ui.add_space(8.0);
        }
        let response = passphrase_field(ui, "Passphrase", &mut forms.passphrase);
        // The field the next keystroke goes to.
        if !busy && ui.memory(|m| m.focused().is_none()) {
            response.request_focus();
        }
        error_ui(ui, error);
        if demo {
            ui.label(RichText::new(format!("Demo practice passphrase: {DEMO_PASSPHRASE}")).weak());
        }
        let ready = !forms.passphrase.is_empty() && !busy;
        let enter = response.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
        let clicked = command_button(ui, VaultCommand::Unlock.into(), ready, out).clicked();
        if enter && !clicked && ready {
            out.push(VaultCommand::Unlock.into());
        }
        if busy {
            ui.label(RichText::new("Unlocking…").weak());
        }
    });
}

fn matches_filter(couple: &crate::model::Couple, filter: &str) -> bool {
    let filter = filter.trim();
    if filter.is_empty() {
        return true;
    }
    let filter = filter.to_lowercase();
    couple.code.to_lowercase().contains(&filter)
        || couple.partner_a.name.to_lowercase().contains(&filter)
        || couple.partner_b.name.to_lowercase().contains(&filter)
}

pub fn couples_list_ui(
    ui: &mut Ui,
    lists: &Lists,
    selected: Option<CoupleId>,
    forms: &mut Forms,
    out: &mut Vec<Command>,
) {
    ui.heading("Couples");
    labelled_field(ui, "Filter couples", &mut forms.filter);
    ui.horizontal_wrapped(|ui| {
        ui.checkbox(&mut forms.show_archived, "Show archived");
        command_button(ui, PracticeCommand::EditCouple(None).into(), true, out);
    });
    ui.separator();
    let visible: Vec<&crate::model::Couple> = lists
        .couples
        .iter()
        .filter(|c| forms.show_archived || !c.archived)
        .filter(|c| matches_filter(c, &forms.filter))
        .collect();
    // Only the rows on screen are laid out, so a practice of thousands stays fast.
    let row_height = ui.spacing().interact_size.y;
    egui::ScrollArea::vertical().show_rows(ui, row_height, visible.len(), |ui, rows| {
        for couple in &visible[rows] {
            let text = format!(
                "{}  {} & {}",
                couple.code, couple.partner_a.name, couple.partner_b.name
            );
            // One line each (the rows are of one height); a long name is cut short.
            if ui
                .add(egui::Button::selectable(selected == Some(couple.id), text).truncate())
                .on_hover_text(format!(
                    "{} & {}",
                    couple.partner_a.name, couple.partner_b.name
                ))
                .clicked()
            {
                out.push(PracticeCommand::SelectCouple(Some(couple.id)).into());
            }
        }
    });
}

pub fn couple_editor_ui(
    ui: &mut Ui,
    input: &mut CoupleInput,
    error: Option<&str>,
    out: &mut Vec<Command>,
) {
    ui.heading(if input.id.is_some() {
        "Edit couple"
    } else {
        "New couple"
    });
    labelled_field(ui, "Code", &mut input.code);
    labelled_field(ui, "Partner A name", &mut input.name_a);
    labelled_field(ui, "Partner A pronouns", &mut input.pronouns_a);
    labelled_field(ui, "Partner B name", &mut input.name_b);
    labelled_field(ui, "Partner B pronouns", &mut input.pronouns_b);
    ui.checkbox(&mut input.archived, "Archived");
    error_ui(ui, error);
    ui.horizontal_wrapped(|ui| {
        command_button(
            ui,
            PracticeCommand::SaveCouple(input.clone()).into(),
            true,
            out,
        );
        command_button(ui, PracticeCommand::CancelEdit.into(), true, out);
    });
}

/// The practice's settings a couple's page shows: its safety resources and re-screen
/// interval.
pub struct SafetySettings<'a> {
    pub resources: &'a [String],
    pub rescreen_days: u32,
}

pub fn couple_page_ui(
    ui: &mut Ui,
    record: Option<&CoupleRecord>,
    settings: &SafetySettings<'_>,
    forms: &mut Forms,
    today: NaiveDate,
    error: Option<&str>,
    out: &mut Vec<Command>,
) {
    let Some(view) = record else {
        ui.vertical_centered(|ui| {
            ui.add_space(60.0);
            ui.label("Choose a couple on the left, or add one.");
        });
        return;
    };
    let c = &view.couple;
    ui.horizontal_wrapped(|ui| {
        ui.heading(format!("{} & {}", c.partner_a.name, c.partner_b.name));
        ui.label(RichText::new(&c.code).weak());
    });
    ui.label(format!(
        "{} ({})  ·  {} ({})",
        c.partner_a.name,
        if c.partner_a.pronouns.is_empty() {
            "pronouns not given"
        } else {
            &c.partner_a.pronouns
        },
        c.partner_b.name,
        if c.partner_b.pronouns.is_empty() {
            "pronouns not given"
        } else {
            &c.partner_b.pronouns
        },
    ));
    ui.add_space(4.0);
    ui.horizontal_wrapped(|ui| {
        command_button(ui, PracticeCommand::ChooseTemplate(c.id).into(), true, out);
        command_button(
            ui,
            PracticeCommand::EditCouple(Some(c.id)).into(),
            true,
            out,
        );
        command_button(
            ui,
            ExportCommand::Open(ExportTarget::Progress(c.id)).into(),
            true,
            out,
        );
        command_button(
            ui,
            ExportCommand::ProcessNotes(c.id).into(),
            !view.process_notes.is_empty(),
            out,
        );
        command_button(ui, TakeHomeCommand::Open(c.id).into(), true, out);
    });
    error_ui(ui, error);
    ui.add_space(4.0);
    let details = forms.safety_details == Some(c.id);
    safety_ui(ui, settings, view, details, today, out);
    ui.add_space(8.0);
    super::record_view::tabs_ui(ui, forms.tab, out);
    ui.separator();
    match forms.tab {
        CoupleTab::Sessions => sessions_tab_ui(ui, view, out),
        CoupleTab::Commitments => {
            super::record_view::commitments_ui(ui, view, None, &mut forms.ledger, today, out)
        }
        CoupleTab::Progress => super::record_view::progress_ui(ui, view),
        CoupleTab::Recovery => {
            super::record_view::recovery_ui(ui, view, &mut forms.recovery, today, out)
        }
    }
}

/// Generic resources, shown with the practice's own (set in the settings).
pub const GENERIC_RESOURCES: [&str; 3] = [
    "In immediate danger: call the local emergency number.",
    "A domestic abuse helpline in the partner's area (confidential advice and safety planning).",
    "A crisis line for thoughts of suicide or self-harm.",
];

/// The couple's safety, on a page the couple may glimpse: whether joint protocols are
/// open (and why not), that a screen needs follow-up, the re-screen date and the button
/// that starts a screen, in plain text, naming no one and in no alarm colour. Who screened
/// positive, the decision, the resources and flagged imports are behind a deliberate
/// click (`safety_details_ui`), and close once the page is left.
fn safety_ui(
    ui: &mut Ui,
    settings: &SafetySettings<'_>,
    view: &CoupleRecord,
    details: bool,
    today: NaiveDate,
    out: &mut Vec<Command>,
) {
    let safety = &view.safety;
    let c = &view.couple;
    card(ui, |ui| {
        ui.label(RichText::new("Safety").strong());
        let screened = safety.facts.screened.len();
        if safety.joint_work_cleared() {
            ui.label("Both partners screened in private. Joint protocols are open.");
        } else {
            let why = match (screened, safety.facts.safety_decision) {
                (_, None) if safety.held_back.is_some() => safety
                    .held_back
                    .map(|h| h.describe().to_string())
                    .unwrap_or_default(),
                (2, Some(_)) => {
                    "both partners screened; the decision recorded does not allow joint work"
                        .to_string()
                }
                (2, None) => {
                    "both partners screened; no decision recorded since the latest screen".into()
                }
                (n, _) => format!("{n} of 2 private screens recorded"),
            };
            ui.label(format!("Joint protocols are locked: {why}."));
        }
        if !safety.positive.is_empty() {
            ui.label(
                RichText::new(
                    "A screen needs follow-up before any joint work: read the details when the couple cannot see the screen.",
                )
                .strong(),
            );
        }
        let flagged = view.flagged_count();
        if flagged > 0 {
            ui.label(format!(
                "{} brought in with `tandem import` {} a look: see the details.",
                crate::model::plural(flagged, "record", "records"),
                if flagged == 1 { "needs" } else { "need" }
            ));
        }
        let due = safety.rescreen_due(today, settings.rescreen_days);
        ui.horizontal_wrapped(|ui| {
            if screened < 2 {
                ui.label("Start with each partner's private screen.");
            } else if due <= today {
                let text = match safety.rescreen_on {
                    // The date written in the latest screen: said as such, so a date set
                    // in the past does not pass without a word.
                    Some(on) if on < today => format!(
                        "Re-screen due: the date set in the latest screen, {}, has passed.",
                        on.format("%-d %b %Y")
                    ),
                    _ => format!("Re-screen due (since {}).", due.format("%-d %b %Y")),
                };
                ui.label(RichText::new(text).strong());
            } else {
                ui.label(format!("Next re-screen: {}.", due.format("%-d %b %Y")));
            }
            command_button(
                ui,
                SessionCommand::StartSafetyScreen(c.id).into(),
                true,
                out,
            );
            command_button(
                ui,
                PracticeCommand::SafetyDetails(!details).into(),
                true,
                out,
            );
        });
        if details {
            ui.separator();
            safety_details_ui(ui, settings, view);
        }
    });
}

/// What the safety card keeps behind its button: the decision, each partner's latest
/// screen (and a positive one, by name, with what to do), the resources, and the records
/// flagged when they were imported.
fn safety_details_ui(ui: &mut Ui, settings: &SafetySettings<'_>, view: &CoupleRecord) {
    let safety = &view.safety;
    let c = &view.couple;
    let decision = match safety.facts.safety_decision {
        Some(crate::model::SafetyDecision::JointWork) => "joint work",
        Some(crate::model::SafetyDecision::JointWorkWithSafetyProtocol) => {
            "joint work with a safety protocol"
        }
        Some(crate::model::SafetyDecision::IndividualWorkOnly) => "individual work only",
        None if safety.last_screened.is_empty() => "none recorded",
        None => "none recorded since the latest screen",
    };
    ui.label(format!("Decision: {decision}."));
    for p in crate::model::Partner::BOTH {
        let name = &c.partner(p).name;
        match safety.last_screened.get(&p) {
            Some(at) => ui.label(format!(
                "{name}: latest private screen on {}.",
                at.with_timezone(&chrono::Local).format("%-d %b %Y")
            )),
            None => ui.label(format!("{name}: not screened yet.")),
        };
    }
    if !safety.positive.is_empty() {
        let who: Vec<&str> = safety
            .positive
            .iter()
            .map(|p| c.partner(*p).name.as_str())
            .collect();
        ui.label(
            RichText::new(format!(
                "Positive screen: {}. Make a fuller private assessment; joint work stays locked until you record a decision.",
                who.join(" and ")
            ))
            .strong(),
        );
        ui.collapsing("Safety resources", |ui| {
            for line in settings.resources.iter().map(String::as_str).chain(GENERIC_RESOURCES) {
                ui.label(format!("• {line}"));
            }
            ui.label(RichText::new("Never hand out written material that could put someone at risk if found at home.").weak());
        });
    }
    flagged_imports_ui(ui, view);
}

/// The records of the couple flagged when they were brought in with `tandem import`:
/// which record, and what it claims that this vault did not see happen.
fn flagged_imports_ui(ui: &mut Ui, view: &CoupleRecord) {
    if view.import_flags.is_empty() {
        return;
    }
    ui.label(RichText::new("Flagged on import (kept as brought in)").strong());
    for session in &view.sessions {
        for flag in view.flags_of(session.id.0) {
            ui.label(format!(
                "• Session of {}, {}: {}.",
                session.started_at.format("%Y-%m-%d"),
                session.template_title,
                flag.meaning()
            ));
        }
    }
    for note in &view.notes {
        let session = view.session(note.session);
        for flag in view.flags_of(note.id.0) {
            ui.label(format!(
                "• Progress note{}: {}.",
                session.map_or(String::new(), |s| format!(
                    " of the session of {}",
                    s.started_at.format("%Y-%m-%d")
                )),
                flag.meaning()
            ));
        }
    }
}

fn sessions_tab_ui(ui: &mut Ui, view: &CoupleRecord, out: &mut Vec<Command>) {
    // A narrow window scrolls the table sideways rather than cutting it off.
    wide_ui(ui, "sessions", |ui| sessions_grid_ui(ui, view, out));
}

/// Content wider than the page (a table) in its own sideways scroll.
pub fn wide_ui<R>(ui: &mut Ui, id: &str, add: impl FnOnce(&mut Ui) -> R) -> R {
    egui::ScrollArea::horizontal()
        .id_salt(id)
        .auto_shrink([false, true])
        .show(ui, add)
        .inner
}

fn sessions_grid_ui(ui: &mut Ui, view: &CoupleRecord, out: &mut Vec<Command>) {
    // Two columns (the session with its date and where it stands under its title, then
    // its buttons) so the table fits beside the couples list at 1024 px; a narrower
    // window scrolls it sideways.
    egui::Grid::new("sessions")
        .striped(true)
        .spacing(egui::vec2(18.0, 8.0))
        .show(ui, |ui| {
            for s in view.sessions.iter().rev() {
                let done = s
                    .steps
                    .iter()
                    .filter(|st| st.status == crate::model::StepStatus::Done)
                    .count();
                let note = view.notes.iter().find(|n| n.session == s.id);
                let note_status = match note {
                    None => "no note".to_string(),
                    Some(n) if n.is_final() && n.amendments.is_empty() => "finalized".into(),
                    Some(n) if n.is_final() => {
                        format!("finalized, {} amended", n.amendments.len())
                    }
                    Some(_) => "draft note".into(),
                };
                let state = if s.ended_at.is_none() {
                    "not ended"
                } else {
                    "ended"
                };
                // Said without what it is about: the safety details hold that.
                let flagged = !view.flags_of(s.id.0).is_empty()
                    || note.is_some_and(|n| !view.flags_of(n.id.0).is_empty());
                ui.vertical(|ui| {
                    ui.spacing_mut().item_spacing.y = 2.0;
                    // A cell is as wide as its text: the table scrolls before it wraps.
                    ui.style_mut().wrap_mode = Some(egui::TextWrapMode::Extend);
                    if s.take_home.is_some() {
                        ui.label(format!("{} (take-home)", s.template_title));
                    } else {
                        ui.label(&s.template_title);
                    }
                    ui.label(
                        RichText::new(format!(
                            "{} · {done}/{} steps · {state} · {note_status}{}",
                            s.started_at.format("%Y-%m-%d"),
                            s.steps.len(),
                            if flagged { " · flagged on import" } else { "" }
                        ))
                        .small()
                        .weak(),
                    );
                });
                ui.push_id(s.id, |ui| {
                    ui.horizontal(|ui| {
                        command_button(ui, RecordCommand::OpenNote(s.id).into(), true, out);
                        command_button(
                            ui,
                            ExportCommand::Open(ExportTarget::Session(s.id)).into(),
                            true,
                            out,
                        );
                        if s.ended_at.is_none() {
                            command_button(ui, SessionCommand::Resume(s.id).into(), true, out);
                        } else {
                            command_button(ui, SessionCommand::Reopen(s.id).into(), true, out);
                        }
                    });
                });
                ui.end_row();
            }
        });
}

pub fn problems_ui(ui: &mut Ui, lists: &Lists, out: &mut Vec<Command>) {
    if lists.problems.is_empty() {
        return;
    }
    let conflicts = lists
        .problems
        .iter()
        // Conflict copies to settle; a rollback with no newer version anywhere is in the
        // list below, with what to do.
        .filter(|p| matches!(p, crate::vault::FileProblem::Conflict { .. }))
        .count();
    if conflicts > 0 {
        ui.label(
            RichText::new(format!(
                "{} changed on two devices: both versions are kept until you settle {}.",
                crate::model::plural(conflicts, "record", "records"),
                if conflicts == 1 { "it" } else { "them" }
            ))
            .color(ui.visuals().warn_fg_color),
        );
        command_button(ui, super::command::SyncCommand::Open.into(), true, out);
    }
    ui.collapsing(
        format!(
            "{} {} attention",
            crate::model::plural(lists.problems.len(), "file", "files"),
            if lists.problems.len() == 1 {
                "needs"
            } else {
                "need"
            }
        ),
        |ui| {
            for problem in &lists.problems {
                ui.label(problem.to_string());
            }
        },
    );
}

pub fn choose_template_ui(
    ui: &mut Ui,
    record: Option<&CoupleRecord>,
    couple: CoupleId,
    library: &crate::template::Library,
    forms: &mut Forms,
    error: Option<&str>,
    out: &mut Vec<Command>,
) {
    let Some(view) = record.filter(|v| v.couple.id == couple) else {
        return;
    };
    let names = &view.couple;
    ui.horizontal_wrapped(|ui| {
        ui.heading(format!(
            "New session with {} & {}",
            names.partner_a.name, names.partner_b.name
        ));
        if ui.button("Back to the practice").clicked() {
            out.push(PracticeCommand::SelectCouple(Some(couple)).into());
        }
    });
    ui.separator();
    egui::Panel::left("template-list")
        .resizable(true)
        .default_size(340.0)
        .size_range(240.0..=520.0)
        .frame(style::side_frame(ui.style()))
        .show(ui, |ui| {
            egui::ScrollArea::vertical().show(ui, |ui| {
                for (_, t) in &library.templates {
                    let locked = locked_because(t, &view.facts);
                    let own = if library.is_own(&t.id) {
                        "  ·\u{a0}practice's own"
                    } else {
                        ""
                    };
                    let mut text = RichText::new(format!(
                        "{}  ·\u{a0}{}\u{a0}min{own}",
                        t.title, t.length_mins
                    ));
                    if !locked.is_empty() {
                        text = text.weak();
                    }
                    let chosen = forms.template.as_deref() == Some(t.id.as_str());
                    if ui.selectable_label(chosen, text).clicked() {
                        forms.template = Some(t.id.clone());
                    }
                }
            });
        });
    // Inside the screen's own margins: only a gap from the list.
    egui::CentralPanel::default()
        .frame(egui::Frame::new().inner_margin(egui::Margin {
            left: 24,
            right: 0,
            top: 8,
            bottom: 0,
        }))
        .show(ui, |ui| {
            let Some(t) = forms.template.as_deref().and_then(|id| library.get(id)) else {
                ui.label("Choose a protocol on the left.");
                return;
            };
            ui.heading(&t.title);
            ui.label(&t.summary);
            let tags: Vec<&str> = t.trust.iter().map(|tag| tag.label()).collect();
            if !tags.is_empty() {
                ui.label(format!("TRUST: {}", tags.join(", ")));
            }
            ui.label(format!(
                "About {} minutes, {} steps.",
                t.length_mins,
                t.steps.len()
            ));
            let locked = locked_because(t, &view.facts);
            if !locked.is_empty() {
                ui.colored_label(ui.visuals().warn_fg_color, "Locked:");
                for why in &locked {
                    ui.label(format!("• {why}"));
                }
                return;
            }
            role_choice_ui(
                ui,
                t,
                &view.couple,
                &mut forms.speaker_is_b,
                &mut forms.hurt_is_b,
            );
            let bindings = chosen_bindings(t, forms.speaker_is_b, forms.hurt_is_b);
            command_button(
                ui,
                SessionCommand::Start {
                    couple,
                    template_id: t.id.clone(),
                    bindings,
                }
                .into(),
                true,
                out,
            );
            error_ui(ui, error);
        });
}

/// Whether `template` binds the pair of roles `role` belongs to.
fn has_pair(template: &Template, role: Role) -> bool {
    template
        .roles
        .iter()
        .any(|r| *r == role || *r == role.counterpart())
}

/// The bindings chosen for a protocol's roles: each pair it has goes to partner A, or to
/// partner B where `speaker_is_b` / `hurt_is_b` says so.
pub fn chosen_bindings(template: &Template, speaker_is_b: bool, hurt_is_b: bool) -> Bindings {
    let pick = |is_b: bool| if is_b { Partner::B } else { Partner::A };
    Bindings {
        speaker: has_pair(template, Role::Speaker).then(|| pick(speaker_is_b)),
        hurt_partner: has_pair(template, Role::HurtPartner).then(|| pick(hurt_is_b)),
    }
}

/// The rows that choose who holds each pair of roles the protocol has (starting a session,
/// giving out a take-home worksheet).
pub fn role_choice_ui(
    ui: &mut Ui,
    template: &Template,
    couple: &crate::model::Couple,
    speaker_is_b: &mut bool,
    hurt_is_b: &mut bool,
) {
    let name = |p: Partner| couple.partner(p).name.clone();
    if has_pair(template, Role::Speaker) {
        ui.horizontal_wrapped(|ui| {
            ui.label("Speaks first:");
            ui.radio_value(speaker_is_b, false, name(Partner::A));
            ui.radio_value(speaker_is_b, true, name(Partner::B));
        });
    }
    if has_pair(template, Role::HurtPartner) {
        ui.horizontal_wrapped(|ui| {
            ui.label("Hurt partner:");
            ui.radio_value(hurt_is_b, false, name(Partner::A));
            ui.radio_value(hurt_is_b, true, name(Partner::B));
        });
    }
}

/// The practice screen: a top bar (the couples list shown or hidden, the practice's name,
/// the appearance, lock), couples on the left, the selected couple (or the editor) in the
/// middle.
pub fn practice_ui(
    ui: &mut Ui,
    practice: &Practice,
    record: Option<&CoupleRecord>,
    forms: &mut Forms,
    errors: &std::collections::BTreeMap<ErrorPlace, String>,
    today: NaiveDate,
    out: &mut Vec<Command>,
) {
    let error = |place| errors.get(&place).map(String::as_str);
    let header = practice.vault().header();
    egui::Panel::top("practice-bar")
        .frame(style::bar_frame(ui.style()))
        .show(ui, |ui| {
            ui.horizontal(|ui| {
                command_button(
                    ui,
                    PracticeCommand::ShowCouples(forms.couples_hidden).into(),
                    true,
                    out,
                );
                let name = if header.practice_name.is_empty() {
                    "Tandem"
                } else {
                    header.practice_name.as_str()
                };
                ui.add(egui::Label::new(RichText::new(name).strong()).truncate());
                ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                    command_button(ui, VaultCommand::Lock.into(), true, out);
                    appearance_ui(ui, header.appearance, out);
                    command_button(
                        ui,
                        super::command::ProtocolCommand::OpenLibrary.into(),
                        true,
                        out,
                    );
                });
            });
            if let Some(message) = error(ErrorPlace::Appearance) {
                ui.with_layout(egui::Layout::right_to_left(egui::Align::Min), |ui| {
                    error_ui(ui, Some(message));
                });
            }
        });
    let mut shown = !forms.couples_hidden;
    egui::Panel::left("couples")
        .resizable(true)
        .default_size(300.0)
        .size_range(220.0..=460.0)
        .frame(style::side_frame(ui.style()))
        .show_collapsible(ui, &mut shown, |ui| {
            let l = ui.label("Search records");
            ui.horizontal(|ui| {
                let width = (ui.available_width() - 110.0).max(80.0);
                let response = ui
                    .add(egui::TextEdit::singleline(&mut forms.query).desired_width(width))
                    .labelled_by(l.id);
                let entered =
                    response.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
                if entered {
                    out.push(PracticeCommand::Search(forms.query.clone()).into());
                } else {
                    command_button(
                        ui,
                        PracticeCommand::Search(forms.query.clone()).into(),
                        true,
                        out,
                    );
                }
            });
            error_ui(ui, error(ErrorPlace::Search));
            ui.separator();
            couples_list_ui(
                ui,
                practice.lists(),
                record.map(|r| r.couple.id),
                forms,
                out,
            );
            problems_ui(ui, practice.lists(), out);
        });
    // Dragging the panel's edge shut hides it too.
    forms.couples_hidden = !shown;
    egui::CentralPanel::default()
        .frame(style::central_frame(ui.style()))
        .show(ui, |ui| {
            egui::ScrollArea::vertical()
                .id_salt("couple-page")
                .auto_shrink([false, false])
                .show(ui, |ui| {
                    if let Some(query) = &forms.waiting_query {
                        ui.label(
                            RichText::new(format!(
                                "Searching for \"{query}\": the search index is still being read after unlocking…"
                            ))
                            .weak(),
                        );
                    }
                    if let Some(found) = &forms.found {
                        super::record_view::found_ui(ui, found, out);
                        if ui.button("Clear search").clicked() {
                            out.push(PracticeCommand::Search(String::new()).into());
                        }
                        ui.separator();
                    }
                    let settings = SafetySettings {
                        resources: &header.safety_resources,
                        rescreen_days: header.rescreen_days,
                    };
                    match forms.couple.as_mut() {
                        Some(input) => {
                            couple_editor_ui(ui, input, error(ErrorPlace::CoupleEditor), out)
                        }
                        None => couple_page_ui(
                            ui,
                            record,
                            &settings,
                            forms,
                            today,
                            error(ErrorPlace::CouplePage),
                            out,
                        ),
                    }
                });
        });
}

/// The appearance choice (light, dark, as the system says), kept in the vault's header.
fn appearance_ui(ui: &mut Ui, current: crate::model::Appearance, out: &mut Vec<Command>) {
    // Right to left: the list first, then its label.
    let list = egui::ComboBox::from_id_salt("appearance")
        .selected_text(current.label())
        .show_ui(ui, |ui| {
            for appearance in crate::model::Appearance::ALL {
                let command = Command::from(PracticeCommand::SetAppearance(appearance));
                if ui
                    .selectable_label(appearance == current, command.label())
                    .on_hover_text(command.tooltip())
                    .clicked()
                    && appearance != current
                {
                    out.push(command);
                }
            }
        })
        .response;
    let l = ui.label("Appearance");
    list.labelled_by(l.id);
}
