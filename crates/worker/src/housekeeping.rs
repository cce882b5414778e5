//! The handler of the tenants' daily [`Housekeeping`] job: the tenant's tables tidied, then
//! its objects in file storage that no record names swept.

use crate::{JobContext, JobHandler, Recurring, WorkError};
use chrono::Utc;
use futures_util::future::BoxFuture;
use lyceum_app::files::{self, FileStorage, UNRECORDED_GRACE};
use lyceum_app::{housekeeping, Refusal};
use lyceum_domain::jobs::Housekeeping;
use lyceum_domain::Job;
use lyceum_store::WriteTx;
use std::sync::Arc;
use std::time::Duration;

/// Runs [`Housekeeping`]: deletes what is older than `retention` and queues the next run, then
/// removes the tenant's objects in `files` that no record names (written more than
/// [`UNRECORDED_GRACE`] ago).
#[derive(Clone)]
pub struct Tidy {
    pub retention: Duration,
    /// The file storage to sweep; none: no sweep.
    pub files: Option<Arc<FileStorage>>,
}

impl JobHandler for Tidy {
    type Job = Housekeeping;

    fn run<'a>(
        &'a self,
        context: &'a JobContext,
        _job: Housekeeping,
    ) -> BoxFuture<'a, Result<(), WorkError>> {
        Box::pin(async move {
            let mut tx = context.store.begin_write(&context.tenant).await?;
            let tidied = housekeeping::tidy(&mut tx, self.retention).await?;
            tx.commit().await?;
            let swept = match &self.files {
                Some(storage) => {
                    let written_before = Utc::now() - UNRECORDED_GRACE;
                    files::sweep(storage, &context.tenant, written_before).await?
                }
                None => 0,
            };
            tracing::info!(
                tenant = %context.tenant.slug,
                unrecorded_objects = swept,
                events = tidied.events,
                jobs = tidied.jobs,
                refresh_tokens = tidied.refresh_tokens,
                webhook_deliveries = tidied.webhook_deliveries,
                "housekeeping"
            );
            Ok(())
        })
    }
}

impl Recurring for Tidy {
    fn kind(&self) -> &'static str {
        Housekeeping::KIND
    }

    fn schedule<'a>(&'a self, tx: &'a mut WriteTx) -> BoxFuture<'a, Result<(), Refusal>> {
        Box::pin(housekeeping::schedule(tx))
    }
}
