//! Saving off the UI thread. The save thread holds only the vault's public key, so it can
//! write records but never read them. A save is acknowledged only after the file was
//! renamed into place and its folder synced; a failed save comes back as a failure, and
//! the caller keeps its text until it sees an acknowledgement.

use super::crypto::Sealer;
use super::record::{RecordBody, RecordKind};
use super::{Access, RecordWriter, Stamp, Vault, VaultError, write_record};
use chrono::{DateTime, Utc};
use std::path::PathBuf;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};
use uuid::Uuid;

/// Identifies one submitted save.
pub type Ticket = u64;

/// What became of a save.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SaveOutcome {
    /// On disk: renamed into place, folder synced.
    Saved {
        ticket: Ticket,
        kind: RecordKind,
        id: Uuid,
        /// The written file's stamp, so a derived cache can record that it holds this
        /// version without reading the file back.
        stamp: Stamp,
    },
    /// Not saved; the caller still holds the record and should say so.
    Failed {
        ticket: Ticket,
        kind: RecordKind,
        id: Uuid,
        error: String,
    },
}

impl SaveOutcome {
    pub fn ticket(&self) -> Ticket {
        match self {
            SaveOutcome::Saved { ticket, .. } | SaveOutcome::Failed { ticket, .. } => *ticket,
        }
    }
}

struct Job {
    ticket: Ticket,
    body: RecordBody,
    now: DateTime<Utc>,
}

/// A background writer for one vault.
pub struct SaveQueue {
    jobs: Option<Sender<Job>>,
    outcomes: Receiver<SaveOutcome>,
    /// Failures found before a job reached the thread (the thread is gone).
    refused: Vec<SaveOutcome>,
    next_ticket: Ticket,
    pending: usize,
    worker: Option<JoinHandle<()>>,
}

impl SaveQueue {
    /// Start the save thread for a vault opened read-write.
    pub fn start(vault: &Vault) -> Result<SaveQueue, VaultError> {
        if vault.access() == Access::ReadOnly {
            return Err(VaultError::ReadOnly);
        }
        let root: PathBuf = vault.root().to_path_buf();
        let sealer: Sealer = vault.sealer();
        let extension = vault.extension();
        let anchor = vault.audit_counter();
        let device = vault.device().to_string();
        let known = vault.known();
        let (jobs, job_rx) = mpsc::channel::<Job>();
        let (outcome_tx, outcomes) = mpsc::channel();
        let worker = std::thread::Builder::new()
            .name("tandem-save".into())
            .spawn(move || {
                for job in job_rx {
                    let (kind, id) = (job.body.kind(), job.body.id());
                    let outcome = match write_record(
                        &RecordWriter {
                            root: &root,
                            sealer: &sealer,
                            extension,
                            device: &device,
                            known: &known,
                            opener: None,
                        },
                        &job.body,
                        job.now,
                        anchor
                            .lock()
                            .unwrap_or_else(std::sync::PoisonError::into_inner)
                            .clone(),
                    ) {
                        Ok(stamp) => SaveOutcome::Saved {
                            ticket: job.ticket,
                            kind,
                            id,
                            stamp,
                        },
                        Err(e) => SaveOutcome::Failed {
                            ticket: job.ticket,
                            kind,
                            id,
                            error: e.to_string(),
                        },
                    };
                    if outcome_tx.send(outcome).is_err() {
                        break;
                    }
                }
            })
            .map_err(|e| VaultError::io("cannot start the save thread", e))?;
        Ok(SaveQueue {
            jobs: Some(jobs),
            outcomes,
            refused: Vec::new(),
            next_ticket: 1,
            pending: 0,
            worker: Some(worker),
        })
    }

    /// Queue a save; returns at once with the ticket its outcome will carry.
    pub fn submit(&mut self, body: RecordBody, now: DateTime<Utc>) -> Ticket {
        let ticket = self.next_ticket;
        self.next_ticket += 1;
        let (kind, id) = (body.kind(), body.id());
        let sent = self
            .jobs
            .as_ref()
            .is_some_and(|jobs| jobs.send(Job { ticket, body, now }).is_ok());
        if sent {
            self.pending += 1;
        } else {
            self.refused.push(SaveOutcome::Failed {
                ticket,
                kind,
                id,
                error: "the save thread has stopped".into(),
            });
        }
        ticket
    }

    /// Outcomes that arrived since the last call, without waiting.
    pub fn poll(&mut self) -> Vec<SaveOutcome> {
        let arrived: Vec<SaveOutcome> = self.outcomes.try_iter().collect();
        self.pending = self.pending.saturating_sub(arrived.len());
        let mut outcomes = std::mem::take(&mut self.refused);
        outcomes.extend(arrived);
        outcomes
    }

    /// Saves submitted but not yet acknowledged or failed.
    pub fn pending(&self) -> usize {
        self.pending
    }

    /// Wait (up to `timeout`) until every submitted save has an outcome.
    pub fn flush(&mut self, timeout: Duration) -> Vec<SaveOutcome> {
        let deadline = Instant::now() + timeout;
        let mut outcomes = std::mem::take(&mut self.refused);
        while self.pending > 0 {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.outcomes.recv_timeout(left) {
                Ok(outcome) => {
                    self.pending -= 1;
                    outcomes.push(outcome);
                }
                Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => break,
            }
        }
        outcomes
    }
}

impl Drop for SaveQueue {
    /// Closing finishes every queued save before the thread ends.
    fn drop(&mut self) {
        self.jobs.take();
        if let Some(worker) = self.worker.take() {
            let _ = worker.join();
        }
    }
}
