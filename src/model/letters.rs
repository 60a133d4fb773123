//! Point-by-point reply letters: a letter's points (its paragraphs), the letter a reply
//! answers, and the coverage check that lists each point answered or not, plus replies
//! to points that were since edited out of the letter.
//!
//! Pure: no clock, no file system, no egui.

use super::{Partner, PointReply, ReplyRecord, Respondent, StepData, StepRecord};

/// The points of a letter: its paragraphs, split on blank (or whitespace-only) lines,
/// trimmed, with line endings made `\n`; empty paragraphs are dropped.
pub fn points(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut current: Vec<&str> = Vec::new();
    let mut flush = |current: &mut Vec<&str>| {
        let paragraph = current.join("\n");
        let paragraph = paragraph.trim();
        if !paragraph.is_empty() {
            found.push(paragraph.to_string());
        }
        current.clear();
    };
    for line in text.split('\n') {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.trim().is_empty() {
            flush(&mut current);
        } else {
            current.push(line);
        }
    }
    flush(&mut current);
    found
}

/// The text of the letter a reply answers, among `records` (the records before the reply,
/// in session order): the latest record of step `letter_step` that holds text, and in it
/// the entry of the partner who is not `author`, or its only entry.
pub fn letter_text<'a>(
    records: impl DoubleEndedIterator<Item = &'a StepRecord>,
    letter_step: &str,
    author: Partner,
) -> Option<&'a str> {
    let record = records
        .rev()
        .find(|r| r.step_id == letter_step && matches!(r.data, StepData::Text(_)))?;
    let StepData::Text(entries) = &record.data else {
        return None;
    };
    if let Some(text) = entries
        .entries
        .get(&Respondent::Partner(author.other()))
        .filter(|t| !t.trim().is_empty())
    {
        return Some(text);
    }
    let mut written = entries.entries.values().filter(|t| !t.trim().is_empty());
    match (written.next(), written.next()) {
        (Some(only), None) => Some(only),
        _ => None,
    }
}

/// One point of a letter and its reply, if it has one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PointCoverage {
    /// 1-based position of the point in the letter.
    pub number: usize,
    pub point: String,
    pub reply: Option<PointReply>,
}

impl PointCoverage {
    pub fn is_answered(&self) -> bool {
        self.reply.is_some()
    }
}

/// Which points of a letter a reply answers.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Coverage {
    /// Every point of the letter, in order.
    pub points: Vec<PointCoverage>,
    /// Replies to points that no longer appear in the letter (it was edited after they
    /// were written). Kept and shown, never dropped silently.
    pub orphaned: Vec<PointReply>,
}

impl Coverage {
    /// How many points have a reply.
    pub fn answered(&self) -> usize {
        self.points.iter().filter(|p| p.is_answered()).count()
    }

    /// The numbers of the points without a reply.
    pub fn unanswered(&self) -> Vec<usize> {
        self.points
            .iter()
            .filter(|p| !p.is_answered())
            .map(|p| p.number)
            .collect()
    }

    /// The letter has at least one point, and every point has a reply.
    pub fn is_complete(&self) -> bool {
        !self.points.is_empty() && self.points.iter().all(PointCoverage::is_answered)
    }

    /// "3 of 5 points answered — not yet answered: 2, 5" (or "all 5 points answered").
    pub fn summary(&self) -> String {
        let total = self.points.len();
        if total == 0 {
            return "the letter has no points yet".into();
        }
        let unanswered = self.unanswered();
        if unanswered.is_empty() {
            return if total == 1 {
                "the 1 point is answered".into()
            } else {
                format!("all {total} points answered")
            };
        }
        let list: Vec<String> = unanswered.iter().map(ToString::to_string).collect();
        format!(
            "{} of {total} {} answered — not yet answered: {}",
            self.answered(),
            if total == 1 { "point" } else { "points" },
            list.join(", ")
        )
    }
}

/// Each point of `letter` with its reply in `record`, and the replies whose point is no
/// longer in the letter.
pub fn coverage(letter: &str, record: &ReplyRecord) -> Coverage {
    let points = points(letter);
    let reply_to = |point: &str| {
        record
            .replies
            .iter()
            .find(|r| r.point == point && !r.text.trim().is_empty())
            .cloned()
    };
    let orphaned = record
        .replies
        .iter()
        .filter(|r| !points.contains(&r.point))
        .cloned()
        .collect();
    Coverage {
        points: points
            .iter()
            .enumerate()
            .map(|(i, point)| PointCoverage {
                number: i + 1,
                point: point.clone(),
                reply: reply_to(point),
            })
            .collect(),
        orphaned,
    }
}

/// Put replies in the order of the letter's points; replies to points no longer in the
/// letter go last, in the order they were in.
pub fn sort_replies(letter: &str, replies: &mut [PointReply]) {
    let points = points(letter);
    replies.sort_by_key(|r| {
        points
            .iter()
            .position(|p| *p == r.point)
            .unwrap_or(usize::MAX)
    });
}

/// The stand-in for a quoted point when its letter is not shown to the reader.
pub fn withheld_point(number: Option<usize>) -> String {
    match number {
        Some(n) => format!("point {n}"),
        None => "a point since edited out of the letter".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    fn reply(point: &str, text: &str) -> PointReply {
        PointReply {
            point: point.into(),
            text: text.into(),
            at: Utc
                .with_ymd_and_hms(2026, 11, 2, 10, 0, 0)
                .single()
                .expect("valid time"),
        }
    }

    fn record(replies: Vec<PointReply>) -> ReplyRecord {
        ReplyRecord {
            author: Partner::B,
            letter_step: "impact".into(),
            replies,
        }
    }

    #[test]
    fn points_are_paragraphs_split_on_blank_lines_of_any_kind() {
        let letter =
            "  First point,\nstill the first.\n\nSecond.\r\n\r\nThird.\n   \t \nFourth.\n\n\n\n";
        assert_eq!(
            points(letter),
            vec![
                "First point,\nstill the first.",
                "Second.",
                "Third.",
                "Fourth."
            ]
        );
        assert_eq!(points("Line one\r\nline two"), vec!["Line one\nline two"]);
        assert!(points("").is_empty());
        assert!(points(" \n\r\n\t").is_empty());
    }

    #[test]
    fn coverage_lists_the_point_left_unanswered() {
        let letter = "I stopped sleeping.\n\nI doubt our past.\n\nI need honesty now.";
        let c = coverage(
            letter,
            &record(vec![
                reply("I stopped sleeping.", "I am sorry I took your rest."),
                reply("I need honesty now.", "I will answer every question."),
            ]),
        );
        assert_eq!(c.points.len(), 3);
        assert_eq!(c.answered(), 2);
        assert_eq!(c.unanswered(), vec![2]);
        assert!(!c.is_complete());
        assert!(c.orphaned.is_empty());
        assert_eq!(c.summary(), "2 of 3 points answered — not yet answered: 2");
    }

    #[test]
    fn a_reply_of_only_spaces_does_not_answer_its_point() {
        let c = coverage(
            "One.\n\nTwo.",
            &record(vec![reply("One.", "  "), reply("Two.", "ok")]),
        );
        assert_eq!(c.unanswered(), vec![1]);
    }

    #[test]
    fn every_point_answered_is_complete_and_an_empty_letter_never_is() {
        let c = coverage(
            "One.\n\nTwo.",
            &record(vec![reply("Two.", "b"), reply("One.", "a")]),
        );
        assert!(c.is_complete());
        assert_eq!(c.summary(), "all 2 points answered");
        assert!(!coverage("  \n\n ", &record(vec![])).is_complete());
        assert!(!coverage("", &record(vec![reply("gone", "x")])).is_complete());
    }

    #[test]
    fn a_reply_to_an_edited_point_is_kept_as_orphaned_and_the_new_point_is_unanswered() {
        let before = "I feel alone.\n\nI lost trust in our friends.";
        let after = "I feel alone.\n\nI lost trust in our friends and in your family.";
        let r = record(vec![
            reply("I feel alone.", "I will be home in the evenings."),
            reply(
                "I lost trust in our friends.",
                "They knew; I will tell you who.",
            ),
        ]);
        assert!(coverage(before, &r).is_complete());
        let c = coverage(after, &r);
        assert_eq!(c.unanswered(), vec![2]);
        assert_eq!(c.orphaned.len(), 1);
        assert_eq!(c.orphaned[0].point, "I lost trust in our friends.");
        assert_eq!(c.orphaned[0].text, "They knew; I will tell you who.");
        assert!(!c.is_complete());
    }

    #[test]
    fn replies_sort_in_letter_order_with_orphans_last() {
        let letter = "A.\n\nB.\n\nC.";
        let mut replies = vec![reply("old", "1"), reply("C.", "2"), reply("A.", "3")];
        sort_replies(letter, &mut replies);
        let order: Vec<&str> = replies.iter().map(|r| r.point.as_str()).collect();
        assert_eq!(order, vec!["A.", "C.", "old"]);
    }

    #[test]
    fn the_letter_is_the_other_partners_entry_or_the_only_one() {
        use crate::model::{Bindings, EntriesRecord, StepStatus, Visibility};
        let rec = |entries: Vec<(Respondent, &str)>| StepRecord {
            step_id: "impact".into(),
            pass: 1,
            visibility: Visibility::Joint,
            roles: Bindings::default(),
            status: StepStatus::Done,
            first_entered_at: None,
            visit_started_at: None,
            active_secs: 0,
            skip_reason: None,
            confirmations: vec![],
            clinician_note: String::new(),
            data: StepData::Text(EntriesRecord {
                entries: entries.into_iter().map(|(r, t)| (r, t.into())).collect(),
            }),
        };
        let both = [rec(vec![
            (Respondent::Partner(Partner::A), "from A"),
            (Respondent::Partner(Partner::B), "from B"),
        ])];
        assert_eq!(
            letter_text(both.iter(), "impact", Partner::B),
            Some("from A")
        );
        assert_eq!(
            letter_text(both.iter(), "impact", Partner::A),
            Some("from B")
        );
        let joint = [rec(vec![(Respondent::Joint, "ours")])];
        assert_eq!(
            letter_text(joint.iter(), "impact", Partner::B),
            Some("ours")
        );
        let own = [rec(vec![(Respondent::Partner(Partner::B), "mine")])];
        assert_eq!(letter_text(own.iter(), "impact", Partner::B), Some("mine"));
        let later = [
            rec(vec![(Respondent::Joint, "first")]),
            rec(vec![(Respondent::Joint, "second")]),
        ];
        assert_eq!(
            letter_text(later.iter(), "impact", Partner::B),
            Some("second")
        );
        assert_eq!(letter_text(later.iter(), "other", Partner::B), None);
    }
}
