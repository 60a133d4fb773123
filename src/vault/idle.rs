//! Auto-lock after idle time: a pure timer the app touches on every input and asks each
//! frame. Time comes in as an argument.

use chrono::{DateTime, Duration, Utc};

#[derive(Clone, Debug)]
pub struct IdleLock {
    timeout: Duration,
    last_activity: DateTime<Utc>,
}

impl IdleLock {
    pub fn new(timeout_mins: u32, now: DateTime<Utc>) -> Self {
        IdleLock {
            timeout: Duration::minutes(i64::from(timeout_mins.max(1))),
            last_activity: now,
        }
    }

    /// Someone used the app.
    pub fn touch(&mut self, now: DateTime<Utc>) {
        self.last_activity = self.last_activity.max(now);
    }

    /// Whether the vault should lock now.
    pub fn is_due(&self, now: DateTime<Utc>) -> bool {
        now - self.last_activity >= self.timeout
    }

    /// Seconds until it locks (0 when due).
    pub fn remaining_secs(&self, now: DateTime<Utc>) -> i64 {
        (self.timeout - (now - self.last_activity))
            .num_seconds()
            .max(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn locks_after_the_idle_time_and_activity_postpones_it() {
        let t0 = Utc
            .with_ymd_and_hms(2026, 11, 22, 9, 0, 0)
            .single()
            .expect("time");
        let mut idle = IdleLock::new(10, t0);
        assert!(!idle.is_due(t0 + Duration::minutes(9)));
        idle.touch(t0 + Duration::minutes(9));
        assert!(!idle.is_due(t0 + Duration::minutes(18)));
        assert_eq!(idle.remaining_secs(t0 + Duration::minutes(18)), 60);
        assert!(idle.is_due(t0 + Duration::minutes(19)));
        // A clock step backwards never extends the deadline past real activity.
        idle.touch(t0);
        assert!(idle.is_due(t0 + Duration::minutes(19)));
    }
}
