//! The handler of the tenants' daily [`Housekeeping`] job.

use crate::{JobContext, JobHandler, Recurring, WorkError};
use futures_util::future::BoxFuture;
use lyceum_app::{housekeeping, Refusal};
use lyceum_domain::jobs::Housekeeping;
use lyceum_domain::Job;
use lyceum_store::WriteTx;
use std::time::Duration;

/// Runs [`Housekeeping`]: deletes what is older than `retention` and queues the next run.
pub struct Tidy {
    pub retention: Duration,
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
            tracing::info!(
                tenant = %context.tenant.slug,
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
