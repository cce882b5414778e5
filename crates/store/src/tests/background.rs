//! Background work in the store: the job queue (unique keys, claiming with leases, retries,
//! operators' retry and cancel), the outbox dispatcher's lock, and the notices that wake the
//! worker. Each test runs on both engines; what only PostgreSQL has (two workers claiming at
//! once, notices between processes) on PostgreSQL.

use super::*;
use crate::repo::jobs::{JobFilter, NewJob, Requeued};
use crate::Wake;
use chrono::{DateTime, Duration, Utc};
use lyceum_domain::JobState;

fn job(kind: &'static str, key: Option<&str>, run_at: DateTime<Utc>) -> NewJob {
    NewJob {
        kind,
        payload: serde_json::json!({"n": 1}),
        unique_key: key.map(str::to_owned),
        run_at,
        max_attempts: 3,
    }
}

async fn queue(store: &Store, tenant: &Tenant, new: NewJob) -> Option<lyceum_domain::JobId> {
    let mut tx = store.begin_write(tenant).await.unwrap();
    let id = jobs::enqueue(&mut tx, &new).await.unwrap();
    tx.commit().await.unwrap();
    id
}

async fn state_of(store: &Store, tenant: &Tenant, id: lyceum_domain::JobId) -> JobState {
    let mut tx = store.begin(tenant).await.unwrap();
    let found = jobs::find(&mut tx, id).await.unwrap().expect("the job");
    tx.commit().await.unwrap();
    found.state
}

#[tokio::test]
async fn a_job_is_queued_with_its_transaction_and_once_per_unique_key() {
    for bed in beds().await {
        let t = provision(&bed.store, "jobs-once", bed.store.default_placement()).await;
        let now = Utc::now();
        let mut tx = bed.store.begin_write(&t).await.unwrap();
        let dropped = jobs::enqueue(&mut tx, &job("mail", Some("k"), now)).await;
        assert!(dropped.unwrap().is_some());
        tx.rollback().await.unwrap();
        let first = queue(&bed.store, &t, job("mail", Some("k"), now)).await;
        assert!(
            first.is_some(),
            "{}: the rolled-back job took the key",
            bed.label
        );
        let twin = queue(&bed.store, &t, job("mail", Some("k"), now)).await;
        assert_eq!(twin, None, "{}: a second job with a queued key", bed.label);
        assert!(queue(&bed.store, &t, job("mail", None, now))
            .await
            .is_some());
        let mut tx = bed.store.begin(&t).await.unwrap();
        let listed = jobs::list(&mut tx, &JobFilter::default(), 10)
            .await
            .unwrap();
        assert_eq!(listed.len(), 2, "{}", bed.label);
        assert!(listed.iter().all(|j| j.state == JobState::Queued));
        tx.commit().await.unwrap();
    }
}

#[tokio::test]
async fn due_jobs_are_claimed_earliest_first_under_a_lease_and_claimed_again_when_it_runs_out() {
    for bed in beds().await {
        let t = provision(&bed.store, "jobs-claim", bed.store.default_placement()).await;
        let now = Utc::now();
        let later = queue(&bed.store, &t, job("a", None, now - Duration::seconds(1))).await;
        let sooner = queue(&bed.store, &t, job("b", None, now - Duration::seconds(5))).await;
        let future = queue(&bed.store, &t, job("c", None, now + Duration::hours(1))).await;
        let mut tx = bed.store.begin_write(&t).await.unwrap();
        let lease = now + Duration::seconds(30);
        let claimed = jobs::claim(&mut tx, now, lease, 10).await.unwrap();
        tx.commit().await.unwrap();
        let ids: Vec<_> = claimed.iter().map(|j| Some(j.id)).collect();
        assert_eq!(ids, [sooner, later], "{}", bed.label);
        assert!(claimed.iter().all(|j| j.attempts == 1));
        assert_eq!(
            state_of(&bed.store, &t, later.unwrap()).await,
            JobState::Running
        );

        let mut tx = bed.store.begin_write(&t).await.unwrap();
        let again = jobs::claim(&mut tx, now, lease, 10).await.unwrap();
        assert!(again.is_empty(), "{}: claimed under a lease", bed.label);
        let next = jobs::next_due(&mut tx).await.unwrap();
        assert_eq!(next.map(|n| n.timestamp()), Some(lease.timestamp()));
        // The lease ran out (its worker died): claimed again, the attempt counted.
        let reclaimed = jobs::claim(&mut tx, lease, lease + Duration::seconds(30), 10)
            .await
            .unwrap();
        assert_eq!(reclaimed.len(), 2, "{}", bed.label);
        assert!(reclaimed.iter().all(|j| j.attempts == 2));
        assert!(jobs::succeed(&mut tx, reclaimed[0].id).await.unwrap());
        tx.commit().await.unwrap();
        assert_eq!(
            state_of(&bed.store, &t, reclaimed[0].id).await,
            JobState::Succeeded
        );
        assert_eq!(
            state_of(&bed.store, &t, future.unwrap()).await,
            JobState::Queued
        );
    }
}

#[tokio::test]
async fn a_failed_job_is_queued_again_unless_a_twin_with_its_key_waits() {
    for bed in beds().await {
        let t = provision(&bed.store, "jobs-retry", bed.store.default_placement()).await;
        let now = Utc::now();
        let keyed = queue(&bed.store, &t, job("k", Some("key"), now))
            .await
            .unwrap();
        let plain = queue(&bed.store, &t, job("p", None, now)).await.unwrap();
        let mut tx = bed.store.begin_write(&t).await.unwrap();
        let claimed = jobs::claim(&mut tx, now, now + Duration::seconds(30), 10)
            .await
            .unwrap();
        assert_eq!(claimed.len(), 2);
        tx.commit().await.unwrap();
        // While `keyed` runs, its key is free again: a new job takes it.
        let twin = queue(&bed.store, &t, job("k", Some("key"), now)).await;
        assert!(twin.is_some(), "{}: a running job kept its key", bed.label);

        let mut tx = bed.store.begin_write(&t).await.unwrap();
        let retry_at = now + Duration::seconds(20);
        let plain_again = jobs::requeue(&mut tx, plain, retry_at, Some("boom"), false).await;
        assert_eq!(plain_again.unwrap(), Requeued::Queued);
        let keyed_again = jobs::requeue(&mut tx, keyed, retry_at, Some("boom"), false).await;
        assert_eq!(keyed_again.unwrap(), Requeued::Superseded, "{}", bed.label);
        let gone = jobs::requeue(&mut tx, keyed, retry_at, None, false).await;
        assert_eq!(gone.unwrap(), Requeued::NotRunning);
        let found = jobs::find(&mut tx, plain).await.unwrap().unwrap();
        assert_eq!(
            (found.state, found.attempts, found.last_error.as_deref()),
            (JobState::Queued, 1, Some("boom"))
        );
        assert_eq!(found.run_at.timestamp(), retry_at.timestamp());
        tx.commit().await.unwrap();
        assert_eq!(state_of(&bed.store, &t, keyed).await, JobState::Cancelled);
    }
}

#[tokio::test]
async fn operators_retry_dead_jobs_and_cancel_waiting_ones() {
    for bed in beds().await {
        let t = provision(&bed.store, "jobs-ops", bed.store.default_placement()).await;
        let now = Utc::now();
        let id = queue(&bed.store, &t, job("k", Some("key"), now))
            .await
            .unwrap();
        let mut tx = bed.store.begin_write(&t).await.unwrap();
        jobs::claim(&mut tx, now, now + Duration::seconds(30), 1)
            .await
            .unwrap();
        assert!(jobs::bury(&mut tx, id, "gave up").await.unwrap());
        tx.commit().await.unwrap();
        assert_eq!(state_of(&bed.store, &t, id).await, JobState::Dead);

        let mut tx = bed.store.begin_write(&t).await.unwrap();
        let dead = JobFilter {
            state: Some(JobState::Dead),
            kind: Some("k".into()),
        };
        assert_eq!(jobs::list(&mut tx, &dead, 10).await.unwrap().len(), 1);
        let retried = jobs::shift(&mut tx, id, &[JobState::Dead], JobState::Queued).await;
        assert!(retried.unwrap());
        let found = jobs::find(&mut tx, id).await.unwrap().unwrap();
        assert_eq!((found.state, found.attempts), (JobState::Queued, 0));
        let cancelled = jobs::shift(&mut tx, id, &[JobState::Queued], JobState::Cancelled).await;
        assert!(cancelled.unwrap());
        let twice = jobs::shift(&mut tx, id, &[JobState::Queued], JobState::Cancelled).await;
        assert!(!twice.unwrap(), "{}: cancelled twice", bed.label);
        tx.commit().await.unwrap();
        // A retry while a twin with the same key waits is a conflict.
        queue(&bed.store, &t, job("k", Some("key"), now))
            .await
            .unwrap();
        let mut tx = bed.store.begin_write(&t).await.unwrap();
        let refused = jobs::shift(&mut tx, id, &[JobState::Cancelled], JobState::Queued).await;
        assert_eq!(refused.unwrap_err().code(), "CONFLICT", "{}", bed.label);
    }
}

#[tokio::test]
async fn delivered_events_are_marked_one_by_one_and_the_dispatch_state_is_kept() {
    for bed in beds().await {
        let t = provision(&bed.store, "dispatch", bed.store.default_placement()).await;
        seed(&bed.store, &t, "d").await;
        let mut tx = bed.store.begin_write(&t).await.unwrap();
        let state = outbox::lock_dispatch(&mut tx).await.unwrap().unwrap();
        assert_eq!(state.delivered, 0);
        let pending = outbox::pending(&mut tx, 10).await.unwrap();
        assert_eq!(pending.len(), 1, "{}", bed.label);
        assert!(pending[0].actor_id.is_some());
        let ids: Vec<_> = pending.iter().map(|e| e.id).collect();
        assert_eq!(outbox::mark_delivered(&mut tx, &ids).await.unwrap(), 1);
        outbox::record_delivery(&mut tx, 1, ids[0]).await.unwrap();
        assert_eq!(outbox::pending_count(&mut tx).await.unwrap(), 0);
        tx.commit().await.unwrap();

        let mut tx = bed.store.begin_write(&t).await.unwrap();
        let state = outbox::lock_dispatch(&mut tx).await.unwrap().unwrap();
        assert_eq!((state.delivered, state.last_event_id), (1, Some(ids[0])));
        let retry_at = Utc::now() + Duration::seconds(10);
        outbox::record_failure(&mut tx, "consumer failed", retry_at)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let mut tx = bed.store.begin_write(&t).await.unwrap();
        let state = outbox::lock_dispatch(&mut tx).await.unwrap().unwrap();
        assert_eq!(state.failures, 1);
        assert_eq!(state.last_error.as_deref(), Some("consumer failed"));
        assert!(outbox::purge_delivered(&mut tx, Utc::now()).await.unwrap() >= 1);
        tx.commit().await.unwrap();
    }
}

/// Each delivered event gets the tenant's next delivery number, in the order delivered (not
/// the order appended); a reader resumes after a number; the commit tells the observers, and a
/// purge of delivered events never brings a number back.
#[tokio::test]
async fn delivered_events_are_numbered_in_delivery_order_and_announced() {
    for bed in beds().await {
        let t = provision(&bed.store, "numbered", bed.store.default_placement()).await;
        let mut observer = bed.store.work_notices().observe();
        let mut appended = Vec::new();
        for _ in 0..5 {
            let event = lyceum_domain::events::CourseArchived {
                course_id: lyceum_domain::CourseId::new(),
                by: lyceum_domain::UserId::new(),
            };
            let mut tx = bed.store.begin_write(&t).await.unwrap();
            let id = outbox::append(&mut tx, None, &event.into()).await.unwrap();
            tx.commit().await.unwrap();
            appended.push(id.as_uuid());
        }
        // Delivered in two batches, the second out of append order.
        for batch in [&appended[..2], &[appended[4], appended[2], appended[3]][..]] {
            let mut tx = bed.store.begin_write(&t).await.unwrap();
            outbox::lock_dispatch(&mut tx).await.unwrap().unwrap();
            assert_eq!(
                outbox::mark_delivered(&mut tx, batch).await.unwrap(),
                batch.len() as u64
            );
            tx.commit().await.unwrap();
        }
        let mut tx = bed.store.begin(&t).await.unwrap();
        let all = outbox::delivered_after(&mut tx, 0, 100).await.unwrap();
        let numbers: Vec<i64> = all.iter().map(|d| d.delivered_seq).collect();
        assert_eq!(numbers, [1, 2, 3, 4, 5], "{}", bed.label);
        let order: Vec<_> = all.iter().map(|d| d.event.id).collect();
        let expected = [
            appended[0],
            appended[1],
            appended[4],
            appended[2],
            appended[3],
        ];
        assert_eq!(order, expected, "{}", bed.label);
        let rest = outbox::delivered_after(&mut tx, 3, 100).await.unwrap();
        assert_eq!(rest.len(), 2, "{}", bed.label);
        assert_eq!(rest[0].delivered_seq, 4);
        assert_eq!(outbox::last_delivered_seq(&mut tx).await.unwrap(), 5);
        tx.commit().await.unwrap();
        let mut heard = Vec::new();
        while let Ok(Some(notice)) =
            tokio::time::timeout(std::time::Duration::from_millis(200), observer.next()).await
        {
            heard.push(notice);
        }
        let delivered = heard
            .iter()
            .filter(|n| **n == crate::CommitNotice::Delivered(t.id))
            .count();
        assert_eq!(delivered, 2, "{}: {heard:?}", bed.label);

        let mut tx = bed.store.begin_write(&t).await.unwrap();
        outbox::purge_delivered(&mut tx, Utc::now() + Duration::seconds(1))
            .await
            .unwrap();
        let event = lyceum_domain::events::CourseArchived {
            course_id: lyceum_domain::CourseId::new(),
            by: lyceum_domain::UserId::new(),
        };
        let id = outbox::append(&mut tx, None, &event.into()).await.unwrap();
        outbox::lock_dispatch(&mut tx).await.unwrap().unwrap();
        outbox::mark_delivered(&mut tx, &[id.as_uuid()])
            .await
            .unwrap();
        let after = outbox::delivered_after(&mut tx, 0, 100).await.unwrap();
        assert_eq!(after.len(), 1, "{}", bed.label);
        assert_eq!(after[0].delivered_seq, 6, "{}", bed.label);
        tx.commit().await.unwrap();
    }
}

/// On PostgreSQL, events delivered in one process are announced to the observers of another.
#[tokio::test]
async fn events_delivered_in_one_process_are_announced_in_another() {
    let (config, _guard) = crate::testing::postgres_config().await;
    let dispatcher = Store::open(config.clone()).await.unwrap();
    let watcher = Store::open(config).await.unwrap();
    let t = provision(&dispatcher, "announced", Placement::Pool).await;
    let mut observer = watcher.work_notices().observe();
    let event = lyceum_domain::events::CourseArchived {
        course_id: lyceum_domain::CourseId::new(),
        by: lyceum_domain::UserId::new(),
    };
    let mut tx = dispatcher.begin_write(&t).await.unwrap();
    let id = outbox::append(&mut tx, None, &event.into()).await.unwrap();
    outbox::lock_dispatch(&mut tx).await.unwrap().unwrap();
    outbox::mark_delivered(&mut tx, &[id.as_uuid()])
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let heard = tokio::time::timeout(std::time::Duration::from_secs(10), async {
        loop {
            match observer.next().await {
                Some(crate::CommitNotice::Delivered(tenant)) if tenant == t.id => return true,
                Some(crate::CommitNotice::Lagged) => return true,
                Some(_) => continue,
                None => return false,
            }
        }
    })
    .await;
    assert_eq!(heard, Ok(true), "the other process heard nothing");
}

/// Two workers (transactions) at once on PostgreSQL: each claims jobs the other does not hold,
/// without waiting, and only one holds the tenant's dispatch lock.
#[tokio::test]
async fn concurrent_workers_claim_different_jobs_and_one_dispatches() {
    let bed = postgres_bed().await;
    for &placement in bed.store.placements() {
        let t = provision(&bed.store, &format!("claims-{placement}"), placement).await;
        let now = Utc::now();
        for _ in 0..4 {
            queue(&bed.store, &t, job("j", None, now)).await.unwrap();
        }
        // The tenant's first dispatch makes its row (a concurrent first one waits for it).
        let mut tx = bed.store.begin_write(&t).await.unwrap();
        outbox::lock_dispatch(&mut tx).await.unwrap().unwrap();
        tx.commit().await.unwrap();
        let lease = now + Duration::seconds(30);
        let mut first = bed.store.begin_write(&t).await.unwrap();
        let mut second = bed.store.begin_write(&t).await.unwrap();
        let a = jobs::claim(&mut first, now, lease, 2).await.unwrap();
        let b = tokio::time::timeout(
            std::time::Duration::from_secs(5),
            jobs::claim(&mut second, now, lease, 10),
        )
        .await
        .expect("a second worker waited for the first")
        .unwrap();
        assert_eq!((a.len(), b.len()), (2, 2), "{placement}");
        assert!(a.iter().all(|j| b.iter().all(|k| k.id != j.id)));
        assert!(outbox::lock_dispatch(&mut first).await.unwrap().is_some());
        let locked = tokio::time::timeout(
            std::time::Duration::from_secs(5),
            outbox::lock_dispatch(&mut second),
        )
        .await
        .expect("the dispatch lock was waited for")
        .unwrap();
        assert!(locked.is_none(), "{placement}: two dispatchers");
        first.commit().await.unwrap();
        second.commit().await.unwrap();
    }
}

#[tokio::test]
async fn a_commit_that_queued_work_wakes_the_worker_and_a_rollback_does_not() {
    for bed in beds().await {
        let t = provision(&bed.store, "wakes", bed.store.default_placement()).await;
        let mut tx = bed.store.begin_write(&t).await.unwrap();
        jobs::enqueue(&mut tx, &job("w", None, Utc::now()))
            .await
            .unwrap();
        tx.rollback().await.unwrap();
        queue(&bed.store, &t, job("w", None, Utc::now()))
            .await
            .unwrap();
        let wake = tokio::time::timeout(
            std::time::Duration::from_secs(5),
            bed.store.work_notices().next(),
        )
        .await
        .expect("no notice");
        assert_eq!(
            wake,
            Wake {
                tenants: vec![t.id],
                everything: false
            },
            "{}",
            bed.label
        );
    }
}

/// On PostgreSQL a commit that queued work rings the tenant in the other processes too.
#[tokio::test]
async fn work_committed_in_one_process_wakes_the_worker_of_another() {
    let (config, _guard) = crate::testing::postgres_config().await;
    let writer = Store::open(config.clone()).await.unwrap();
    let worker = Store::open(config).await.unwrap();
    let t = provision(&writer, "wakes-afar", Placement::Pool).await;
    queue(&writer, &t, job("w", None, Utc::now()))
        .await
        .unwrap();
    let wake = tokio::time::timeout(
        std::time::Duration::from_secs(10),
        worker.work_notices().next(),
    )
    .await
    .expect("the other process heard nothing");
    assert!(wake.tenants.contains(&t.id) || wake.everything, "{wake:?}");
}
