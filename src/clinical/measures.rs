//! Measures followed across a couple's sessions: every rating item (trust and felt heard
//! share their ids across protocols, so one series follows each through all of them)
//! and scored totals such as the CSI-4 with its cutoff. The progress view and the
//! progress PDF draw the same series.

use crate::model::{Audience, Partner, Session, SessionId, StepData, redact};
use crate::template::{Library, Scoring, Step, StepKind, find_step};
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;

/// One session's values of a measure.
#[derive(Clone, Debug, PartialEq)]
pub struct Point {
    pub at: DateTime<Utc>,
    pub session: SessionId,
    pub protocol: String,
    pub values: BTreeMap<Partner, f32>,
}

/// One measure over sessions.
#[derive(Clone, Debug, PartialEq)]
pub struct Measure {
    /// Stable across protocols: `item/<id>/<min>-<max>` or `<template>/<step>/total`.
    pub key: String,
    pub title: String,
    /// The question as first asked (protocols word it slightly differently).
    pub question: String,
    pub scale: String,
    pub y_min: f32,
    pub y_max: f32,
    /// The value and its label, for scored scales with a cutoff.
    pub cutoff: Option<(f32, String)>,
    /// Oldest first.
    pub points: Vec<Point>,
}

impl Measure {
    /// The partners with at least one value.
    pub fn partners(&self) -> Vec<Partner> {
        Partner::BOTH
            .into_iter()
            .filter(|p| self.points.iter().any(|pt| pt.values.contains_key(p)))
            .collect()
    }
}

/// Every measure in `sessions` that `audience` may see (each session is redacted
/// first, so private ratings reach only their owner), oldest session first.
pub fn measure_series(sessions: &[Session], library: &Library, audience: Audience) -> Vec<Measure> {
    let mut sessions: Vec<&Session> = sessions.iter().collect();
    sessions.sort_by_key(|s| s.started_at);
    let mut measures: Vec<Measure> = Vec::new();
    for session in sessions {
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
            let mut found: Vec<(Measure, BTreeMap<Partner, f32>)> = Vec::new();
            match scoring {
                Scoring::Sum { cutoff, flag } => {
                    let max: u32 = items.iter().map(|i| u32::from(i.max)).sum();
                    let min: u32 = items.iter().map(|i| u32::from(i.min)).sum();
                    let values = r.scores.iter().map(|(p, s)| (*p, s.total as f32)).collect();
                    let label = template.map_or(title.as_str(), |t| t.title.as_str());
                    found.push((
                        Measure {
                            key: format!("{}/{}/total", session.template_id, record.step_id),
                            title: format!("{label}: total score"),
                            question: format!("{label}: total score"),
                            scale: format!("Sum of the items, {min} to {max}."),
                            y_min: min as f32,
                            y_max: max as f32,
                            cutoff: cutoff.map(|c| {
                                let label = if flag.is_empty() {
                                    format!("cutoff {c}")
                                } else {
                                    flag.clone()
                                };
                                (c as f32, label)
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
                        found.push((
                            Measure {
                                key: format!("item/{}/{}-{}", item.id, item.min, item.max),
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
            for (series, values) in found {
                if values.is_empty() {
                    continue;
                }
                let slot = match measures.iter().position(|m| m.key == series.key) {
                    Some(i) => i,
                    None => {
                        measures.push(series);
                        measures.len() - 1
                    }
                };
                measures[slot].points.push(Point {
                    at: session.started_at,
                    session: session.id,
                    protocol: session.template_title.clone(),
                    values,
                });
            }
        }
    }
    measures
}

/// Two sessions in a row in which the partners' ratings moved in opposite directions.
#[derive(Clone, Debug, PartialEq)]
pub struct Divergence {
    /// Indices into the series' points: the three sessions spanning the two moves.
    pub points: [usize; 3],
    /// Who went up over the second move (the other went down).
    pub rising: Partner,
}

/// Where both partners moved in opposite directions for two sessions in a row. Only
/// sessions in which both partners rated count; a session one partner skipped is
/// passed over (the moves are measured between the sessions both rated).
pub fn divergence(series: &Measure) -> Vec<Divergence> {
    let both: Vec<(usize, f32, f32)> = series
        .points
        .iter()
        .enumerate()
        .filter_map(|(i, p)| Some((i, *p.values.get(&Partner::A)?, *p.values.get(&Partner::B)?)))
        .collect();
    // The sign of A's move times B's move, per consecutive pair.
    let opposite: Vec<Option<Partner>> = both
        .windows(2)
        .map(|w| {
            let (da, db) = (w[1].1 - w[0].1, w[1].2 - w[0].2);
            if da > 0.0 && db < 0.0 {
                Some(Partner::A)
            } else if da < 0.0 && db > 0.0 {
                Some(Partner::B)
            } else {
                None
            }
        })
        .collect();
    let mut flags = Vec::new();
    for i in 1..opposite.len() {
        if let (Some(_), Some(rising)) = (opposite[i - 1], opposite[i]) {
            flags.push(Divergence {
                points: [both[i - 1].0, both[i].0, both[i + 1].0],
                rising,
            });
        }
    }
    flags
}

/// An item id as a short title: "felt_heard" reads "Felt heard".
pub fn humanize(id: &str) -> String {
    let text = id.replace(['_', '-'], " ");
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn series(values: &[(Option<f32>, Option<f32>)]) -> Measure {
        Measure {
            key: "item/trust/0-10".into(),
            title: "Trust".into(),
            question: String::new(),
            scale: String::new(),
            y_min: 0.0,
            y_max: 10.0,
            cutoff: None,
            points: values
                .iter()
                .enumerate()
                .map(|(i, (a, b))| Point {
                    at: Utc
                        .with_ymd_and_hms(2026, 1, 1 + i as u32, 9, 0, 0)
                        .unwrap(),
                    session: SessionId(uuid::Uuid::from_u128(i as u128)),
                    protocol: "p".into(),
                    values: [(Partner::A, *a), (Partner::B, *b)]
                        .into_iter()
                        .filter_map(|(p, v)| Some((p, v?)))
                        .collect(),
                })
                .collect(),
        }
    }

    #[test]
    fn opposite_moves_two_sessions_in_a_row_are_flagged() {
        // A: 5 6 7 8, B: 5 4 3 3 -> opposite at moves 1 and 2, not 3.
        let s = series(&[
            (Some(5.0), Some(5.0)),
            (Some(6.0), Some(4.0)),
            (Some(7.0), Some(3.0)),
            (Some(8.0), Some(3.0)),
        ]);
        assert_eq!(
            divergence(&s),
            vec![Divergence {
                points: [0, 1, 2],
                rising: Partner::A
            }]
        );
    }

    #[test]
    fn a_single_opposite_move_or_moving_together_is_not_flagged() {
        let once = series(&[
            (Some(5.0), Some(5.0)),
            (Some(6.0), Some(4.0)),
            (Some(7.0), Some(5.0)),
        ]);
        assert!(divergence(&once).is_empty());
        let together = series(&[
            (Some(1.0), Some(1.0)),
            (Some(2.0), Some(2.0)),
            (Some(3.0), Some(3.0)),
        ]);
        assert!(divergence(&together).is_empty());
        let flat = series(&[
            (Some(1.0), Some(1.0)),
            (Some(1.0), Some(2.0)),
            (Some(1.0), Some(3.0)),
        ]);
        assert!(
            divergence(&flat).is_empty(),
            "one partner not moving is not opposite"
        );
    }

    #[test]
    fn sessions_rated_by_one_partner_only_are_passed_over() {
        let s = series(&[
            (Some(8.0), Some(2.0)),
            (Some(9.0), None),
            (Some(6.0), Some(4.0)),
            (None, Some(1.0)),
            (Some(4.0), Some(6.0)),
        ]);
        assert_eq!(
            divergence(&s),
            vec![Divergence {
                points: [0, 2, 4],
                rising: Partner::B
            }]
        );
    }
}
