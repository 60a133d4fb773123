//! One kind of background job for everything slow: a vault unlocking (scrypt), the search
//! index being loaded or built, a PDF being laid out and written, a take-home worksheet
//! being sealed or opened, the fill window's save. The work runs on a thread of its own;
//! the window polls once a frame and never waits. A job reports progress of its own type
//! and finishes with a typed result; a thread that cannot start, or that stops without
//! an answer (a panic), finishes the job with a `JobError` turned into the job's own
//! error type, so the caller handles one `Result` whatever happened.
//!
//! No egui here: the practice layer and the window both use it.

use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender, TryRecvError};
use std::time::{Duration, Instant};

/// Why a job finished without the work's own answer.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum JobError {
    /// The system refused a new thread.
    #[error("the work could not be started: {0}")]
    NotStarted(String),
    /// The thread ended without an answer.
    #[error("the work stopped before it finished")]
    Stopped,
}

enum Message<T, E, P> {
    Progress(P),
    Done(Result<T, E>),
}

/// What a job's work gets to say how far it has come.
pub struct Reporter<T, E, P> {
    tx: Sender<Message<T, E, P>>,
}

impl<T, E, P> Reporter<T, E, P> {
    /// Tell the window how far the work has come (the latest report is kept).
    pub fn report(&self, progress: P) {
        // A window that stopped polling has nothing to show it on.
        let _ = self.tx.send(Message::Progress(progress));
    }
}

/// Work running on a thread of its own: `T` on success, `E` on failure, progress `P`.
pub struct Job<T, E, P = ()> {
    rx: Receiver<Message<T, E, P>>,
    /// The latest progress reported.
    progress: Option<P>,
    /// The outcome, once taken from the channel and not yet handed out.
    finished: Option<Result<T, E>>,
}

impl<T, E, P> Job<T, E, P>
where
    T: Send + 'static,
    E: From<JobError> + Send + 'static,
    P: Send + 'static,
{
    /// Start `work` on a thread named `name`.
    pub fn spawn<F>(name: &str, work: F) -> Job<T, E, P>
    where
        F: FnOnce(&Reporter<T, E, P>) -> Result<T, E> + Send + 'static,
    {
        let (tx, rx) = mpsc::channel();
        let reporter = Reporter { tx };
        let spawned = std::thread::Builder::new()
            .name(format!("tandem-{name}"))
            .spawn(move || {
                let outcome = work(&reporter);
                let _ = reporter.tx.send(Message::Done(outcome));
            });
        let finished = match spawned {
            Ok(_) => None,
            Err(e) => Some(Err(E::from(JobError::NotStarted(e.to_string())))),
        };
        Job {
            rx,
            progress: None,
            finished,
        }
    }

    /// A job that is already over (work done on the calling thread, or refused early).
    pub fn done(outcome: Result<T, E>) -> Job<T, E, P> {
        let (_, rx) = mpsc::channel();
        Job {
            rx,
            progress: None,
            finished: Some(outcome),
        }
    }

    /// Take in what the thread reported, without waiting: the outcome once it finished.
    pub fn poll(&mut self) -> Option<Result<T, E>> {
        if let Some(outcome) = self.finished.take() {
            return Some(outcome);
        }
        loop {
            match self.rx.try_recv() {
                Ok(Message::Progress(p)) => self.progress = Some(p),
                Ok(Message::Done(outcome)) => return Some(outcome),
                Err(TryRecvError::Empty) => return None,
                Err(TryRecvError::Disconnected) => return Some(Err(E::from(JobError::Stopped))),
            }
        }
    }

    /// Wait up to `timeout` for the outcome (closing the window, the command line, tests).
    pub fn wait(&mut self, timeout: Duration) -> Option<Result<T, E>> {
        if let Some(outcome) = self.poll() {
            return Some(outcome);
        }
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.rx.recv_timeout(left) {
                Ok(Message::Progress(p)) => self.progress = Some(p),
                Ok(Message::Done(outcome)) => return Some(outcome),
                Err(RecvTimeoutError::Timeout) => return None,
                Err(RecvTimeoutError::Disconnected) => {
                    return Some(Err(E::from(JobError::Stopped)));
                }
            }
        }
    }

    /// The latest progress the work reported, if any.
    pub fn progress(&self) -> Option<&P> {
        self.progress.as_ref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq, Eq)]
    enum Failure {
        Job(JobError),
        Own(&'static str),
    }

    impl From<JobError> for Failure {
        fn from(e: JobError) -> Self {
            Failure::Job(e)
        }
    }

    fn finish<T, E, P>(job: &mut Job<T, E, P>) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<JobError> + Send + 'static,
        P: Send + 'static,
    {
        job.wait(Duration::from_secs(10)).expect("the job finished")
    }

    #[test]
    fn a_job_hands_back_what_its_work_returned() {
        let mut job: Job<u32, Failure> = Job::spawn("test", |_| Ok(42));
        assert_eq!(finish(&mut job), Ok(42));
        let mut failing: Job<u32, Failure> = Job::spawn("test", |_| Err(Failure::Own("no")));
        assert_eq!(finish(&mut failing), Err(Failure::Own("no")));
    }

    #[test]
    fn a_job_keeps_the_latest_progress_and_never_blocks_the_poller() {
        let (go_tx, go_rx) = mpsc::channel::<()>();
        let mut job: Job<&'static str, Failure, u8> = Job::spawn("test", move |reporter| {
            reporter.report(1);
            reporter.report(2);
            go_rx.recv().map_err(|_| Failure::Own("no signal"))?;
            Ok("written")
        });
        // Until told to finish, polling returns at once with nothing.
        let deadline = Instant::now() + Duration::from_secs(10);
        while job.progress() != Some(&2) && Instant::now() < deadline {
            assert_eq!(job.poll(), None);
            std::thread::sleep(Duration::from_millis(1));
        }
        assert_eq!(job.progress(), Some(&2));
        go_tx.send(()).expect("send");
        assert_eq!(finish(&mut job), Ok("written"));
    }

    #[test]
    fn a_job_whose_thread_panics_finishes_with_an_error_of_its_own_type() {
        let mut job: Job<u32, Failure> = Job::spawn("test", |_| panic!("deliberate test panic"));
        assert_eq!(finish(&mut job), Err(Failure::Job(JobError::Stopped)));
    }

    #[test]
    fn a_finished_job_is_handed_out_once() {
        let mut job: Job<u32, Failure> = Job::done(Ok(7));
        assert_eq!(job.poll(), Some(Ok(7)));
        assert_eq!(job.poll(), Some(Err(Failure::Job(JobError::Stopped))));
    }
}
