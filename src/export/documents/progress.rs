//! The progress report: each partner's ratings over a couple's sessions, as charts and
//! tables, every session redacted for the audience first.

use super::{Context, audience_line, name, plural};
use crate::clinical::{Divergence, Measure, divergence, measure_series};
use crate::export::layout::format_value;
use crate::export::report::{Block, Chart, DocumentKind, Report, Section, Series, Table};
use crate::model::{Audience, Couple, Course, CustodyChange, Holder, Partner, Session};
use crate::template::Library;

/// Each partner's ratings over a couple's sessions, as charts and tables, for one
/// audience (each session is redacted first, so private ratings reach only their owner).
/// Where the partners moved in opposite directions two sessions in a row, it says so.
pub fn progress_report(
    couple: &Couple,
    sessions: &[Session],
    library: &Library,
    audience: Audience,
    ctx: &Context,
) -> Report {
    progress_report_with_course(couple, sessions, None, library, audience, ctx)
}

/// The progress report with the couple's course: for the clinician it also lists the
/// custody log of the disclosure document (no other reader's report does).
pub fn progress_report_with_course(
    couple: &Couple,
    sessions: &[Session],
    course: Option<&Course>,
    library: &Library,
    audience: Audience,
    ctx: &Context,
) -> Report {
    let mut report = ratings_report(couple, sessions, library, audience, ctx);
    if audience == Audience::Clinician
        && let Some(course) = course
        && !course.custody.is_empty()
    {
        report.sections.push(custody_section(course, couple, ctx));
    }
    report
}

fn holder_text(couple: &Couple, holder: &Holder) -> String {
    match holder {
        Holder::Therapist => "the therapist".into(),
        Holder::Partner(p) => name(couple, *p),
        Holder::Other(who) => who.clone(),
    }
}

/// Where each logged document stands, and every entry of its custody log.
fn custody_section(course: &Course, couple: &Couple, ctx: &Context) -> Section {
    let mut section = Section::new("Custody of the disclosure document");
    for status in course.custody_status() {
        let mut parts = Vec::new();
        if let Some((holder, since)) = &status.held_by {
            parts.push(format!(
                "held by {} since {}",
                holder_text(couple, holder),
                ctx.date(*since)
            ));
        }
        if let Some(on) = status.destroy_by {
            parts.push(format!("to be destroyed by {}", ctx.day(on)));
        }
        if let Some(at) = status.destroyed_at {
            parts.push(format!("destroyed on {}", ctx.date(at)));
        }
        section.blocks.push(Block::Paragraph(format!(
            "{}: {}.",
            status.document,
            if parts.is_empty() {
                "nothing recorded".to_string()
            } else {
                parts.join("; ")
            }
        )));
    }
    let mut table = Table::new(&[
        ("When", 1.7),
        ("Document", 1.6),
        ("Change", 2.2),
        ("Recorded by", 1.3),
        ("Note", 2.2),
    ]);
    for e in &course.custody {
        table.rows.push(vec![
            format!("{} {}", ctx.date(e.at), ctx.time(e.at)),
            e.document.clone(),
            match &e.change {
                CustodyChange::HeldBy(h) => format!("held by {}", holder_text(couple, h)),
                CustodyChange::DestroyBy(on) => {
                    format!("to be destroyed by {}", ctx.day(*on))
                }
                CustodyChange::Destroyed => "destroyed".into(),
            },
            e.recorded_by.clone(),
            e.note.clone(),
        ]);
    }
    section.blocks.push(Block::Table(table));
    section
}

fn ratings_report(
    couple: &Couple,
    sessions: &[Session],
    library: &Library,
    audience: Audience,
    ctx: &Context,
) -> Report {
    let mut sessions: Vec<&Session> = sessions.iter().filter(|s| s.couple == couple.id).collect();
    sessions.sort_by_key(|s| s.started_at);
    let owned: Vec<Session> = sessions.iter().map(|s| (*s).clone()).collect();
    let measures = measure_series(&owned, library, audience);

    let first = sessions.first().map(|s| s.started_at);
    let last = sessions.last().map(|s| s.started_at);
    let period = match (first, last) {
        (Some(a), Some(b)) => format!("{} to {}", ctx.date(a), ctx.date(b)),
        _ => "no sessions yet".into(),
    };
    let mut report = Report {
        kind: DocumentKind::Progress,
        title: "Progress report".into(),
        subtitle: format!(
            "Ratings from {}",
            plural(rated_sessions(&measures), "session", "sessions")
        ),
        practice: ctx.practice.clone(),
        couple_code: Some(couple.code.clone()),
        date: ctx.local(ctx.now).date_naive(),
        dates: ctx.dates,
        made_at: ctx.now,
        audience,
        facts: vec![
            (
                "Couple".into(),
                format!(
                    "{}: {} (A) and {} (B)",
                    couple.code,
                    name(couple, Partner::A),
                    name(couple, Partner::B)
                ),
            ),
            ("Period".into(), period),
            ("Made for".into(), audience_line(audience, couple)),
            ("Made on".into(), ctx.made_on()),
        ],
        sections: Vec::new(),
        stamp: None,
    };
    if measures.is_empty() {
        let mut section = Section::new("No ratings yet");
        section.blocks.push(Block::Note(
            "No ratings this document may show have been recorded for this couple yet.".into(),
        ));
        report.sections.push(section);
        return report;
    }
    let same_year = match (first, last) {
        (Some(a), Some(b)) => {
            ctx.local(a).format("%Y").to_string() == ctx.local(b).format("%Y").to_string()
        }
        _ => true,
    };
    let label_format = if same_year { "%-d %b" } else { "%-d %b %y" };
    for measure in &measures {
        // Sections follow on from each other (several charts to a page); the layout keeps
        // each heading with its whole chart.
        let mut section = Section::new(measure.title.clone());
        let partners = measure.partners();
        section.blocks.push(Block::Chart(Chart {
            // The question, unless the section title already says it.
            title: if measure.question == measure.title {
                String::new()
            } else {
                measure.question.clone()
            },
            y_min: measure.y_min,
            y_max: measure.y_max,
            x_labels: measure
                .points
                .iter()
                .map(|p| ctx.local(p.at).format(label_format).to_string())
                .collect(),
            x_at: date_positions(measure),
            series: partners
                .iter()
                .map(|p| Series {
                    name: format!("{} ({p})", name(couple, *p)),
                    values: measure
                        .points
                        .iter()
                        .map(|pt| pt.values.get(p).copied())
                        .collect(),
                })
                .collect(),
            cutoff: measure.cutoff.clone(),
        }));
        section
            .blocks
            .push(Block::Paragraph(latest_change(measure, &partners, couple)));
        for flag in divergence(measure) {
            section.blocks.push(Block::Paragraph(divergence_line(
                measure, &flag, couple, ctx,
            )));
        }
        section
            .blocks
            .push(Block::Note(format!("Scale: {}", measure.scale)));
        let mut columns: Vec<(String, f32)> = vec![("Date".into(), 1.6), ("Session".into(), 3.2)];
        columns.extend(partners.iter().map(|p| (name(couple, *p), 1.2)));
        let titles: Vec<(&str, f32)> = columns.iter().map(|(t, w)| (t.as_str(), *w)).collect();
        let mut table = Table::new(&titles);
        for point in &measure.points {
            let mut row = vec![ctx.date(point.at), point.protocol.clone()];
            row.extend(partners.iter().map(|p| {
                point
                    .values
                    .get(p)
                    .map_or(String::new(), |v| format_value(*v))
            }));
            table.rows.push(row);
        }
        section.blocks.push(Block::Table(table));
        report.sections.push(section);
    }
    report
}

/// How many sessions the charts draw a point for.
fn rated_sessions(measures: &[Measure]) -> usize {
    measures
        .iter()
        .flat_map(|m| m.points.iter().map(|p| p.at))
        .collect::<std::collections::BTreeSet<_>>()
        .len()
}

/// Where each point of a measure sits along a date axis, 0 to 1: days since the first
/// point over the days the measure spans (even spacing when all share one day).
fn date_positions(measure: &Measure) -> Vec<f32> {
    let (Some(first), Some(last)) = (measure.points.first(), measure.points.last()) else {
        return Vec::new();
    };
    let span = (last.at - first.at).num_seconds() as f32;
    if span <= 0.0 {
        return Vec::new();
    }
    measure
        .points
        .iter()
        .map(|p| (p.at - first.at).num_seconds() as f32 / span)
        .collect()
}

/// "Latest: Alex 6 (up 1 since the session before), Sam 4 (down 2)."
fn latest_change(measure: &Measure, partners: &[Partner], couple: &Couple) -> String {
    let parts: Vec<String> = partners
        .iter()
        .filter_map(|p| {
            let values: Vec<f32> = measure
                .points
                .iter()
                .filter_map(|pt| pt.values.get(p).copied())
                .collect();
            let last = *values.last()?;
            let change = values
                .len()
                .checked_sub(2)
                .and_then(|i| values.get(i))
                .map(|before| last - before);
            let trend = match change {
                Some(d) if d > 0.0 => format!(" (up {} since the time before)", format_value(d)),
                Some(d) if d < 0.0 => format!(" (down {} since the time before)", format_value(-d)),
                Some(_) => " (the same as the time before)".into(),
                None => " (the first rating)".into(),
            };
            Some(format!(
                "{} {}{trend}",
                name(couple, *p),
                format_value(last)
            ))
        })
        .collect();
    format!("Latest: {}.", parts.join("; "))
}

/// "Moving apart: from 3 Mar to 17 Mar, Alex's rating rose while Sam's fell, two sessions
/// in a row."
fn divergence_line(measure: &Measure, flag: &Divergence, couple: &Couple, ctx: &Context) -> String {
    let [first, _, last] = flag.points;
    let date = |i: usize| {
        measure
            .points
            .get(i)
            .map_or(String::new(), |p| ctx.date(p.at))
    };
    format!(
        "Moving apart: from {} to {}, {}'s rating rose while {}'s fell, two sessions in a row.",
        date(first),
        date(last),
        name(couple, flag.rising),
        name(couple, flag.rising.other())
    )
}
