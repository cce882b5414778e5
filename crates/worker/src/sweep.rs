//! The sweep: every tenant with storage surveyed, a few at a time, for what waits without a
//! notice (events a crash left undelivered, jobs queued for later, notices lost). Each survey
//! wakes the tenant or sets its timer; the sweep also gives every tenant its recurring jobs (housekeeping, the mail's reminders
//! and digests)
//! and refreshes the queue's gauges.

use crate::schedule::Schedule;
use crate::turn::instant;
use crate::Shared;
use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use lyceum_app::jobs;
use lyceum_app::{dispatch, platform, Refusal};
use lyceum_domain::{JobState, TenantId};
use lyceum_store::Tenant;
use std::collections::BTreeMap;
use std::sync::Arc;
use tokio::sync::mpsc;

/// What a survey found in one tenant.
pub(crate) struct Survey {
    tenant: TenantId,
    pending_events: u64,
    next_due: Option<DateTime<Utc>>,
}

impl Survey {
    /// Wakes the tenant if it has work now, or sets its timer for work due later.
    pub(crate) fn apply(self, schedule: &mut Schedule) {
        match self.next_due {
            _ if self.pending_events > 0 => schedule.wake(self.tenant),
            Some(due) if due <= Utc::now() => schedule.wake(self.tenant),
            Some(due) => schedule.wake_at(self.tenant, instant(due)),
            None => {}
        }
    }
}

/// Jobs by kind and state, and events waiting, over every tenant.
#[derive(Debug, Default, Clone)]
pub(crate) struct Census {
    pub(crate) jobs: BTreeMap<(String, &'static str), u64>,
    pub(crate) pending_events: u64,
}

/// Surveys every tenant with storage and sends what it finds to the worker's loop.
pub(crate) async fn sweep(shared: Arc<Shared>, found: mpsc::Sender<Survey>) {
    let tenants = match platform::tenants(&shared.store, None).await {
        Ok(tenants) => tenants,
        Err(e) => {
            tracing::warn!(error = %e, "the worker could not list the tenants to sweep");
            return;
        }
    };
    let mut census = Census::default();
    let mut surveys = futures_util::stream::iter(
        tenants
            .into_iter()
            .filter(|tenant| tenant.status().has_storage()),
    )
    .map(|tenant| {
        let shared = shared.clone();
        async move {
            let surveyed = survey(&shared, &tenant).await;
            (tenant, surveyed)
        }
    })
    .buffer_unordered(shared.config.sweep_concurrency.max(1));
    while let Some((tenant, surveyed)) = surveys.next().await {
        match surveyed {
            Ok((survey, jobs)) => {
                census.pending_events += survey.pending_events;
                for (kind, state, count) in jobs {
                    *census.jobs.entry((kind, state.as_str())).or_default() += count;
                }
                if found.send(survey).await.is_err() {
                    return;
                }
            }
            Err(e) => {
                tracing::warn!(tenant = %tenant.slug, error = %e, "the worker could not survey the tenant")
            }
        }
    }
    shared.metrics.surveyed(census);
}

type Counts = Vec<(String, JobState, u64)>;

async fn survey(shared: &Shared, tenant: &Tenant) -> Result<(Survey, Counts), Refusal> {
    let store = &shared.store;
    let mut tx = store.begin(tenant).await?;
    let pending_events = dispatch::pending(&mut tx).await?;
    let next_due = jobs::next_due(&mut tx).await?;
    let counts = jobs::census(&mut tx).await?;
    tx.commit().await?;
    let missing: Vec<_> = shared
        .recurring
        .iter()
        .filter(|recurring| {
            !counts.iter().any(|(kind, state, _)| {
                kind == recurring.kind() && matches!(state, JobState::Queued | JobState::Running)
            })
        })
        .collect();
    if !missing.is_empty() {
        let mut tx = store.begin_write(tenant).await?;
        for recurring in missing {
            recurring.schedule(&mut tx).await?;
        }
        tx.commit().await?;
    }
    let survey = Survey {
        tenant: tenant.id(),
        pending_events,
        next_due,
    };
    Ok((survey, counts))
}
