//! Jobs through the application layer, on both engines: the retry rule a worker applies to a
//! failed attempt, and the platform operator's retry and cancel, refused where they do not
//! apply and audited where they do.

use lyceum_app::jobs::{self, Failure, Fate, JobFilter, Queueing};
use lyceum_app::platform::{self, Operator};
use lyceum_app::Refusal;
use lyceum_domain::{Backoff, Job, JobId, JobState, Slug};
use lyceum_store::{testing, NewTenant, Store, Tenant};
use serde::{Deserialize, Serialize};
use std::time::Duration;

#[derive(Debug, Serialize, Deserialize)]
struct Reminder {
    to: String,
}

impl Job for Reminder {
    const KIND: &'static str = "test.reminder";
    const MAX_ATTEMPTS: u32 = 2;
    const BACKOFF: Backoff = Backoff {
        first: Duration::from_secs(60),
        most: Duration::from_secs(600),
    };
}

async fn queue(store: &Store, tenant: &Tenant, key: Option<&str>) -> Option<JobId> {
    let mut tx = store.begin_write(tenant).await.unwrap();
    let queueing = Queueing {
        run_at: None,
        unique_key: key.map(str::to_owned),
    };
    let job = Reminder { to: "kim".into() };
    let id = jobs::enqueue(&mut tx, &job, queueing).await.unwrap();
    tx.commit().await.unwrap();
    id
}

/// Claims every due job, fails it as `failure` (waiting `backoff` to retry), and answers the
/// fates.
async fn fail_all(store: &Store, tenant: &Tenant, failure: Failure, backoff: Backoff) -> Vec<Fate> {
    let mut tx = store.begin_write(tenant).await.unwrap();
    let claimed = jobs::claim(&mut tx, Duration::from_secs(30), 10)
        .await
        .unwrap();
    let mut fates = Vec::new();
    for job in &claimed {
        let fate = jobs::failed(&mut tx, job, failure, "no answer", backoff).await;
        fates.push(fate.unwrap());
    }
    tx.commit().await.unwrap();
    fates
}

fn code(result: &Result<jobs::TenantJob, Refusal>) -> &'static str {
    result.as_ref().map(|_| "OK").unwrap_or_else(|e| e.code())
}

#[tokio::test]
async fn failed_attempts_back_off_then_die_and_operators_retry_and_cancel_with_an_audit() {
    let (sqlite, _sqlite_guard) = testing::sqlite_config();
    let (postgres, _postgres_guard) = testing::postgres_config().await;
    for (label, config) in [("sqlite", sqlite), ("postgres", postgres)] {
        let store = Store::open(config).await.unwrap();
        let tenant = store
            .provision(NewTenant::new(Slug::parse("jobs-app").unwrap(), "Jobs"))
            .await
            .unwrap();
        let id = queue(&store, &tenant, Some("remind-kim")).await.unwrap();
        assert_eq!(queue(&store, &tenant, Some("remind-kim")).await, None);

        let before = chrono::Utc::now();
        let fates = fail_all(&store, &tenant, Failure::Transient, Reminder::BACKOFF).await;
        let [Fate::Retry(at)] = fates[..] else {
            panic!("{label}: {fates:?}");
        };
        // The first retry waits between half of `first` and all of it.
        let waits = (at - before).num_seconds();
        assert!(
            (29..=61).contains(&waits),
            "{label}: retried after {waits} s"
        );

        let ops = &Operator::Console;
        let retried = jobs::retry(&store, ops, id, None).await.unwrap();
        assert_eq!(retried.job.state, JobState::Queued);
        assert_eq!(retried.tenant, tenant.slug);
        // Retried (run now, attempts afresh), then failed for good: dead at once.
        let fates = fail_all(&store, &tenant, Failure::Permanent, Reminder::BACKOFF).await;
        assert_eq!(fates, [Fate::Dead], "{label}");
        let dead = JobFilter {
            state: Some(JobState::Dead),
            kind: None,
        };
        let listed = jobs::list(&store, None, &dead, 10).await.unwrap();
        assert_eq!(listed.len(), 1, "{label}");
        assert_eq!(listed[0].job.last_error.as_deref(), Some("no answer"));

        // Retry while a twin with its key waits: refused; cancel the twin, then it goes.
        let twin = queue(&store, &tenant, Some("remind-kim")).await.unwrap();
        assert_eq!(
            code(&jobs::retry(&store, ops, id, None).await),
            "JOB_ALREADY_QUEUED"
        );
        let slug = Some(tenant.slug.as_str());
        assert_eq!(code(&jobs::cancel(&store, ops, twin, slug).await), "OK");
        assert_eq!(
            code(&jobs::cancel(&store, ops, twin, slug).await),
            "JOB_STATE_CONFLICT"
        );
        assert_eq!(code(&jobs::retry(&store, ops, id, None).await), "OK");
        assert_eq!(
            code(&jobs::cancel(&store, ops, JobId::new(), None).await),
            "JOB_NOT_FOUND"
        );

        // Spent attempts: the second failure of a two-attempt kind is its last.
        let at_once = Backoff {
            first: Duration::ZERO,
            most: Duration::ZERO,
        };
        let fates = fail_all(&store, &tenant, Failure::Transient, at_once).await;
        assert!(matches!(fates[..], [Fate::Retry(_)]), "{label}: {fates:?}");
        let fates = fail_all(&store, &tenant, Failure::Transient, at_once).await;
        assert_eq!(fates, [Fate::Dead], "{label}");

        let audit = platform::audit_log(&store, Some(tenant.slug.as_str()), None, 10)
            .await
            .unwrap();
        let actions: Vec<&str> = audit.iter().map(|a| a.action.as_str()).collect();
        assert_eq!(
            actions,
            ["job.retry", "job.cancel", "job.retry"],
            "{label}: one entry per change, refusals none"
        );
        assert_eq!(audit[1].detail["job"], twin.to_string());
        assert_eq!(audit[1].actor, "cli");
        store.close().await;
    }
}
