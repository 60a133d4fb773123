//! The progress report: each partner's ratings over a couple's sessions, as charts and
//! tables, every session redacted for the audience first.

use super::{Context, audience_line, find_step, humanize, name, plural};
use crate::export::layout::format_value;
use crate::export::report::{Block, Chart, DocumentKind, Report, Section, Series, Table};
use crate::model::{Audience, Couple, Partner, Session, StepData, redact};
use crate::template::{Library, Scoring, Step, StepKind};
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;

/// One measure followed over sessions.
struct Measure {
    title: String,
    /// The question as first asked (protocols word it slightly differently).
    question: String,
    scale: String,
    y_min: f32,
    y_max: f32,
    cutoff: Option<(f32, String)>,
    /// Per session (date, protocol): each partner's value.
    points: Vec<(DateTime<Utc>, String, BTreeMap<Partner, f32>)>,
}

/// Each partner's ratings over a couple's sessions, as charts and tables, for one
/// audience (each session is redacted first, so private ratings reach only their owner).
pub fn progress_report(
    couple: &Couple,
    sessions: &[Session],
    library: &Library,
    audience: Audience,
    ctx: &Context,
) -> Report {
    let mut sessions: Vec<&Session> = sessions.iter().filter(|s| s.couple == couple.id).collect();
    sessions.sort_by_key(|s| s.started_at);
    let mut measures: Vec<(String, Measure)> = Vec::new();
    for session in &sessions {
        let view = redact(session, audience);
        let template = library.get(&session.template_id);
        for (_, record) in view.visible() {
            let StepData::Rating(r) = &record.data else {
                continue;
            };
            let Some(Step {
                kind: StepKind::Rating { items, scoring, .. },
                title,
                ..
            }) = template.and_then(|t| find_step(&t.steps, &record.step_id))
            else {
                continue;
            };
            let mut found: Vec<(String, Measure, BTreeMap<Partner, f32>)> = Vec::new();
            match scoring {
                Scoring::Sum { cutoff, flag } => {
                    let max: u32 = items.iter().map(|i| u32::from(i.max)).sum();
                    let min: u32 = items.iter().map(|i| u32::from(i.min)).sum();
                    let values: BTreeMap<Partner, f32> =
                        r.scores.iter().map(|(p, s)| (*p, s.total as f32)).collect();
                    let label = template.map_or(title.as_str(), |t| t.title.as_str());
                    found.push((
                        format!("{}/{}/total", session.template_id, record.step_id),
                        Measure {
                            title: format!("{label}: total score"),
                            question: format!("{label}: total score"),
                            scale: format!("Sum of the items, {min} to {max}."),
                            y_min: min as f32,
                            y_max: max as f32,
                            cutoff: cutoff.map(|c| {
                                (
                                    c as f32,
                                    if flag.is_empty() {
                                        format!("cutoff {}", format_value(c as f32))
                                    } else {
                                        flag.clone()
                                    },
                                )
                            }),
                            points: Vec::new(),
                        },
                        values,
                    ));
                }
                Scoring::None => {
                    for item in items {
                        let values: BTreeMap<Partner, f32> = r
                            .values
                            .iter()
                            .filter_map(|(p, v)| v.get(&item.id).map(|v| (*p, f32::from(*v))))
                            .collect();
                        let ends = if item.low.is_empty() && item.high.is_empty() {
                            String::new()
                        } else {
                            format!(
                                " ({} = {}, {} = {})",
                                item.min, item.low, item.max, item.high
                            )
                        };
                        // Protocols share item ids for the same measure (trust,
                        // felt_heard), so one chart follows it through all of them.
                        found.push((
                            format!("item/{}/{}-{}", item.id, item.min, item.max),
                            Measure {
                                title: humanize(&item.id),
                                question: item.label.clone(),
                                scale: format!("{} to {}{ends}.", item.min, item.max),
                                y_min: f32::from(item.min),
                                y_max: f32::from(item.max),
                                cutoff: None,
                                points: Vec::new(),
                            },
                            values,
                        ));
                    }
                }
            }
            for (key, measure, values) in found {
                if values.is_empty() {
                    continue;
                }
                let slot = match measures.iter().position(|(k, _)| *k == key) {
                    Some(i) => i,
                    None => {
                        measures.push((key, measure));
                        measures.len() - 1
                    }
                };
                measures[slot].1.points.push((
                    session.started_at,
                    session.template_title.clone(),
                    values,
                ));
            }
        }
    }

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
            "Ratings over {}",
            plural(sessions.len(), "session", "sessions")
        ),
        practice: ctx.practice.clone(),
        couple_code: Some(couple.code.clone()),
        date: ctx.local(ctx.now).date_naive(),
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
    for (_, measure) in measures {
        let mut section = Section::new(measure.title.clone());
        section.keep_together = true;
        let partners: Vec<Partner> = Partner::BOTH
            .into_iter()
            .filter(|p| measure.points.iter().any(|(_, _, v)| v.contains_key(p)))
            .collect();
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
                .map(|(at, _, _)| ctx.local(*at).format(label_format).to_string())
                .collect(),
            series: partners
                .iter()
                .map(|p| Series {
                    name: format!("{} ({p})", name(couple, *p)),
                    values: measure
                        .points
                        .iter()
                        .map(|(_, _, v)| v.get(p).copied())
                        .collect(),
                })
                .collect(),
            cutoff: measure.cutoff.clone(),
        }));
        section
            .blocks
            .push(Block::Paragraph(latest_change(&measure, &partners, couple)));
        section
            .blocks
            .push(Block::Note(format!("Scale: {}", measure.scale)));
        let mut columns: Vec<(String, f32)> = vec![("Date".into(), 1.6), ("Session".into(), 3.2)];
        columns.extend(partners.iter().map(|p| (name(couple, *p), 1.2)));
        let titles: Vec<(&str, f32)> = columns.iter().map(|(t, w)| (t.as_str(), *w)).collect();
        let mut table = Table::new(&titles);
        for (at, protocol, values) in &measure.points {
            let mut row = vec![ctx.date(*at), protocol.clone()];
            row.extend(
                partners
                    .iter()
                    .map(|p| values.get(p).map_or(String::new(), |v| format_value(*v))),
            );
            table.rows.push(row);
        }
        section.blocks.push(Block::Table(table));
        report.sections.push(section);
    }
    report
}

/// "Latest: Alex 6 (up 1 since the session before), Sam 4 (down 2)."
fn latest_change(measure: &Measure, partners: &[Partner], couple: &Couple) -> String {
    let parts: Vec<String> = partners
        .iter()
        .filter_map(|p| {
            let values: Vec<f32> = measure
                .points
                .iter()
                .filter_map(|(_, _, v)| v.get(p).copied())
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
