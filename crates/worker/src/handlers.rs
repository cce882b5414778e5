//! Job handlers: for each kind of [`Job`], what running one does. A handler gets the tenant's
//! store handle and opens the transactions it needs through `lyceum_app`; a job is run at least
//! once (a worker that dies mid-run leaves it to be claimed again when its lease ends), so a
//! handler's effects must bear a second run. A handler whose last step is a write may record its
//! job's success in that write ([`JobContext::succeed_in`]), sparing the worker's own.

use crate::WorkError;
use futures_util::future::BoxFuture;
use lyceum_app::jobs;
use lyceum_app::Refusal;
use lyceum_domain::{Backoff, Job, JobId};
use lyceum_store::{Store, Tenant, WriteTx};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// What a running job knows of where it runs.
pub struct JobContext {
    pub store: Store,
    /// The tenant whose queue holds the job.
    pub tenant: Arc<Tenant>,
    pub job: JobId,
    /// This attempt, from 1.
    pub attempt: u32,
    /// The attempts it has: a failure of attempt `max_attempts` is its last.
    pub max_attempts: u32,
    /// The handler recorded the job's success in its own transaction.
    pub(crate) settled: AtomicBool,
}

impl JobContext {
    /// Records, in `tx`, that the job succeeded: the verdict commits with the handler's last
    /// write, and the worker writes none of its own (a transaction fewer per job). For a
    /// handler about to commit `tx` and answer `Ok`; should it answer an error after all, the
    /// worker records that failure instead.
    pub async fn succeed_in(&self, tx: &mut WriteTx) -> Result<(), Refusal> {
        jobs::succeeded(tx, self.job).await?;
        self.settled.store(true, Ordering::Relaxed);
        Ok(())
    }
}

/// Runs jobs of one kind.
pub trait JobHandler: Send + Sync + 'static {
    type Job: Job;

    /// The wait between attempts: the kind's, unless the handler is configured otherwise.
    fn backoff(&self) -> Backoff {
        Self::Job::BACKOFF
    }

    fn run<'a>(
        &'a self,
        context: &'a JobContext,
        job: Self::Job,
    ) -> BoxFuture<'a, Result<(), WorkError>>;
}

/// A handler whatever its kind: reads the payload first.
trait AnyHandler: Send + Sync {
    fn run<'a>(
        &'a self,
        context: &'a JobContext,
        payload: serde_json::Value,
    ) -> BoxFuture<'a, Result<(), WorkError>>;
    fn backoff(&self) -> Backoff;
}

impl<H: JobHandler> AnyHandler for H {
    fn run<'a>(
        &'a self,
        context: &'a JobContext,
        payload: serde_json::Value,
    ) -> BoxFuture<'a, Result<(), WorkError>> {
        match serde_json::from_value::<H::Job>(payload) {
            Ok(job) => JobHandler::run(self, context, job),
            Err(e) => Box::pin(async move {
                Err(WorkError::Permanent(format!(
                    "unreadable {} payload: {e}",
                    H::Job::KIND
                )))
            }),
        }
    }

    fn backoff(&self) -> Backoff {
        JobHandler::backoff(self)
    }
}

/// The job kinds this worker runs, by name.
#[derive(Clone, Default)]
pub struct Handlers(HashMap<&'static str, Arc<dyn AnyHandler>>);

impl Handlers {
    /// Adds the handler of its kind (replacing one already there).
    pub fn with<H: JobHandler>(mut self, handler: H) -> Self {
        self.0.insert(H::Job::KIND, Arc::new(handler));
        self
    }

    /// Runs a claimed job of `kind`. A kind this worker does not know fails (it may be a newer
    /// release's, which another worker runs), and is retried like any failure.
    pub(crate) async fn run(
        &self,
        kind: &str,
        context: &JobContext,
        payload: serde_json::Value,
    ) -> Result<(), WorkError> {
        match self.0.get(kind) {
            Some(handler) => handler.run(context, payload).await,
            None => Err(WorkError::Transient(format!(
                "this worker runs no job of kind {kind:?}"
            ))),
        }
    }

    /// The retry schedule of `kind`.
    pub(crate) fn backoff(&self, kind: &str) -> Backoff {
        self.0
            .get(kind)
            .map_or(Backoff::STANDARD, |handler| handler.backoff())
    }
}
