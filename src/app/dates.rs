//! Dates as the therapist enters them: typed as YYYY-MM-DD (the fallback, and what tests
//! drive) or chosen on a calendar beside the field (egui_extras' date picker), with a calm
//! note beside the field where the date makes no sense for what it is: a review or a
//! destruction date already past, a trigger logged for a day still to come.
//!
//! Today comes in as an argument: nothing here reads the clock.

use chrono::{Datelike, NaiveDate};
use egui::{RichText, Ui};

/// Which dates make sense for a field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Expect {
    /// Today or later (a review, a destruction deadline, a plan's start).
    Ahead,
    /// Today or earlier (something that happened).
    Behind,
}

/// What is said beside a date field, if anything.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DateNote {
    /// Not a YYYY-MM-DD date.
    Unreadable,
    /// A date against what the field expects.
    Unexpected,
}

/// A date typed as YYYY-MM-DD.
pub fn parse(text: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").ok()
}

/// The note for what is typed into a date field; nothing for an empty field (each field
/// says what empty means).
pub fn note(text: &str, today: NaiveDate, expect: Expect) -> Option<DateNote> {
    if text.trim().is_empty() {
        return None;
    }
    let date = match parse(text) {
        Some(date) => date,
        None => return Some(DateNote::Unreadable),
    };
    let unexpected = match expect {
        Expect::Ahead => date < today,
        Expect::Behind => date > today,
    };
    unexpected.then_some(DateNote::Unexpected)
}

/// A chrono date as the date picker's own type (the picker's years fit in an `i16`).
pub fn to_picker(date: NaiveDate) -> Option<jiff::civil::Date> {
    let year = i16::try_from(date.year()).ok()?;
    let month = i8::try_from(date.month()).ok()?;
    let day = i8::try_from(date.day()).ok()?;
    jiff::civil::Date::new(year, month, day).ok()
}

/// The date picker's date as a chrono date.
pub fn from_picker(date: jiff::civil::Date) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(
        i32::from(date.year()),
        u32::try_from(date.month()).ok()?,
        u32::try_from(date.day()).ok()?,
    )
}

/// A date field: how it is named and what it expects.
#[derive(Clone, Copy, Debug)]
pub struct DateField<'a> {
    /// What the date is, e.g. "Review on".
    pub name: &'a str,
    /// The text field's label (names the field for assistive tech and tests).
    pub label: &'a str,
    /// The date the calendar opens on when nothing readable is typed.
    pub opens_on: NaiveDate,
    pub expect: Expect,
    /// Said beside the field when the date goes against `expect`.
    pub unexpected: &'a str,
    /// The text field's width.
    pub width: f32,
}

/// A calendar button for a date: opens on `date`, and returns the date saved in it.
pub fn calendar_ui(ui: &mut Ui, name: &str, date: NaiveDate) -> Option<NaiveDate> {
    let mut picked = to_picker(date)?;
    let response = ui
        .add(
            egui_extras::DatePickerButton::new(&mut picked)
                .id_salt(name)
                // The field beside it shows the date: the button only opens the calendar
                // (and the default fonts have no calendar glyph).
                .format("Calendar…")
                .show_icon(false)
                .calendar_week(false),
        )
        .accessible_name(format!("{name}: choose on a calendar"))
        .on_hover_text("Choose the date on a calendar");
    // The calendar is an area of its own, named as the picker names it.
    let calendar = egui::LayerId::new(egui::Order::Foreground, ui.make_persistent_id(Some(name)));
    name_calendar_lists(ui.ctx(), calendar);
    if response.changed() {
        from_picker(picked)
    } else {
        None
    }
}

/// The names of the calendar's lists at its top, left to right.
const CALENDAR_LISTS: [&str; 3] = ["Year", "Month", "Day"];

/// egui_extras' calendar shows the year, month and day it is on in three lists at its top,
/// but names none of them, so a screen reader (and the test harness) cannot tell them
/// apart. Name them by their place: the row of clickable widgets nearest the top of the
/// calendar's area, left to right. Nothing is named unless exactly three are found there.
fn name_calendar_lists(ctx: &egui::Context, calendar: egui::LayerId) {
    let mut clickable: Vec<(egui::Id, egui::Rect)> = ctx.viewport(|viewport| {
        viewport
            .this_pass
            .widgets
            .get_layer(calendar)
            .filter(|w| w.visible && w.sense.senses_click() && w.rect.height() <= 40.0)
            .map(|w| (w.id, w.rect))
            .collect()
    });
    let Some(top) = clickable
        .iter()
        .map(|(_, rect)| rect.top())
        .min_by(f32::total_cmp)
    else {
        return;
    };
    clickable.retain(|(_, rect)| (rect.top() - top).abs() < 1.0);
    if clickable.len() != CALENDAR_LISTS.len() {
        return;
    }
    clickable.sort_by(|a, b| a.1.left().total_cmp(&b.1.left()));
    for ((id, _), name) in clickable.into_iter().zip(CALENDAR_LISTS) {
        ctx.accesskit_node_builder(id, |node| node.set_label(name));
    }
}

/// A date typed as YYYY-MM-DD with a calendar beside it, and its note below. Returns true
/// when `text` changed (typed, or a date saved in the calendar).
pub fn date_field_ui(
    ui: &mut Ui,
    field: &DateField<'_>,
    text: &mut String,
    today: NaiveDate,
) -> bool {
    let mut changed = false;
    ui.horizontal(|ui| {
        let label = ui.label(field.label);
        changed |= ui
            .add(egui::TextEdit::singleline(text).desired_width(field.width))
            .labelled_by(label.id)
            .changed();
        let opens_on = parse(text).unwrap_or(field.opens_on);
        if let Some(picked) = calendar_ui(ui, field.name, opens_on) {
            *text = picked.format("%Y-%m-%d").to_string();
            changed = true;
        }
    });
    match note(text, today, field.expect) {
        Some(DateNote::Unreadable) => {
            note_ui(
                ui,
                "Write the date as YYYY-MM-DD, or choose it on the calendar.",
            );
        }
        Some(DateNote::Unexpected) => note_ui(ui, field.unexpected),
        None => {}
    }
    changed
}

/// A calm note beside a field: a warning, not an error.
pub fn note_ui(ui: &mut Ui, text: &str) {
    ui.label(RichText::new(text).color(ui.visuals().warn_fg_color));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("date")
    }

    #[test]
    fn a_date_is_noted_when_unreadable_or_on_the_wrong_side_of_today() {
        let today = day(2026, 11, 26);
        for (text, expect, said) in [
            ("", Expect::Ahead, None),
            ("  ", Expect::Behind, None),
            ("2026-11-26", Expect::Ahead, None),
            ("2026-11-26", Expect::Behind, None),
            ("2026-11-25", Expect::Ahead, Some(DateNote::Unexpected)),
            ("2026-11-25", Expect::Behind, None),
            ("2026-11-27", Expect::Behind, Some(DateNote::Unexpected)),
            ("2027-01-01", Expect::Ahead, None),
            ("26/11/2026", Expect::Ahead, Some(DateNote::Unreadable)),
            ("2026-02-30", Expect::Ahead, Some(DateNote::Unreadable)),
        ] {
            assert_eq!(note(text, today, expect), said, "{text:?} {expect:?}");
        }
    }

    #[test]
    fn dates_cross_to_the_picker_and_back_unchanged() {
        for date in [day(2026, 11, 26), day(2028, 2, 29), day(1999, 12, 31)] {
            let picked = to_picker(date).expect("fits");
            assert_eq!(from_picker(picked), Some(date));
        }
        assert_eq!(
            to_picker(day(40000, 1, 1)),
            None,
            "beyond the picker's years"
        );
    }
}
