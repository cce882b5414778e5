//! The tenant audit log's chain on both engines: tampering done directly in the database
//! (an entry edited, removed, moved) is found and the entry named; concurrent appends keep one
//! chain; a rolled-back transaction leaves no entry; pages read newest first with filters.

use super::{beds, execute, provision};
use crate::repo::audit::{self, ActorFilter, AuditFilter, NewEntry};
use crate::{ChainBreak, Store, Tenant};
use lyceum_domain::{AuditAction, AuditTarget, Email, Origin, UserId};

/// Appends `n` entries to `tenant`'s log, one transaction each, acting as `actor`.
async fn append(store: &Store, tenant: &Tenant, n: usize, actor: &str) {
    let origin = Origin::new(Some("203.0.113.9".parse().unwrap()), Some("tests"), None);
    for i in 0..n {
        let mut tx = store.begin_write(tenant).await.unwrap();
        let entry = NewEntry {
            action: AuditAction::UserRoleChanged,
            actor_id: None,
            actor,
            target: Some(AuditTarget::User(UserId::new())),
            origin: &origin,
            before: Some(serde_json::json!({ "role": "student" })),
            after: Some(serde_json::json!({ "role": "admin", "n": i })),
        };
        audit::append(&mut tx, &entry).await.unwrap();
        tx.commit().await.unwrap();
    }
}

/// The first break of `tenant`'s chain, if any.
async fn broken(store: &Store, tenant: &Tenant) -> Option<ChainBreak> {
    let mut tx = store.begin(tenant).await.unwrap();
    let report = audit::verify(&mut tx).await.unwrap();
    tx.commit().await.unwrap();
    report.broken
}

/// Runs raw statements on `tenant`'s storage, as someone with database access would.
async fn tamper(store: &Store, tenant: &Tenant, statements: &[&str]) {
    let mut tx = store.begin_write(tenant).await.unwrap();
    for statement in statements {
        let changed = execute(&mut tx, statement, None).await.unwrap();
        assert_eq!(changed, 1, "{statement}");
    }
    tx.commit().await.unwrap();
}

#[tokio::test]
async fn entries_edited_removed_or_moved_in_the_database_are_found_and_named() {
    for bed in beds().await {
        for &placement in bed.store.placements() {
            let label = format!("{} {placement}", bed.label);
            let intact = provision(&bed.store, &format!("intact-{placement}"), placement).await;
            append(&bed.store, &intact, 5, "admin@example.org").await;
            let mut tx = bed.store.begin(&intact).await.unwrap();
            let report = audit::verify(&mut tx).await.unwrap();
            tx.commit().await.unwrap();
            assert!(report.is_intact(), "{label}: {report:?}");
            assert_eq!(report.entries, 5, "{label}");
            assert_eq!(report.head.unwrap().seq, 5, "{label}");

            let cases: [(&str, &[&str], ChainBreak); 4] = [
                (
                    "edited",
                    &["UPDATE audit_log SET actor = 'someone@example.org' WHERE seq = 3"],
                    ChainBreak::Edited { seq: 3 },
                ),
                (
                    "restated",
                    &["UPDATE audit_log SET after_state = '{\"role\":\"student\"}' WHERE seq = 4"],
                    ChainBreak::Edited { seq: 4 },
                ),
                (
                    "removed",
                    &["DELETE FROM audit_log WHERE seq = 2"],
                    ChainBreak::Removed { seq: 2 },
                ),
                (
                    "moved",
                    &[
                        "UPDATE audit_log SET seq = 100 WHERE seq = 2",
                        "UPDATE audit_log SET seq = 2 WHERE seq = 4",
                        "UPDATE audit_log SET seq = 4 WHERE seq = 100",
                    ],
                    ChainBreak::Reordered { seq: 2 },
                ),
            ];
            for (case, statements, expected) in cases {
                let tenant = provision(&bed.store, &format!("{case}-{placement}"), placement).await;
                append(&bed.store, &tenant, 5, "admin@example.org").await;
                assert_eq!(broken(&bed.store, &tenant).await, None, "{label} {case}");
                tamper(&bed.store, &tenant, statements).await;
                assert_eq!(
                    broken(&bed.store, &tenant).await,
                    Some(expected),
                    "{label}: {case}"
                );
            }
            assert_eq!(
                broken(&bed.store, &intact).await,
                None,
                "{label}: another tenant's tampering leaves this chain alone"
            );
        }
    }
}

#[tokio::test]
async fn concurrent_appends_keep_one_chain() {
    for bed in beds().await {
        let tenant = provision(&bed.store, "busy", bed.store.default_placement()).await;
        let writers = (0..6).map(|w| {
            let (store, tenant) = (bed.store.clone(), tenant.clone());
            tokio::spawn(async move {
                append(&store, &tenant, 5, &format!("writer{w}@example.org")).await;
            })
        });
        for writer in writers.collect::<Vec<_>>() {
            writer.await.unwrap();
        }
        let mut tx = bed.store.begin(&tenant).await.unwrap();
        let report = audit::verify(&mut tx).await.unwrap();
        let newest = audit::page(&mut tx, &AuditFilter::default(), None, 100)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        assert!(report.is_intact(), "{}: {report:?}", bed.label);
        assert_eq!(report.entries, 30, "{}", bed.label);
        let seqs: Vec<i64> = newest.iter().map(|e| e.seq).collect();
        assert_eq!(seqs, (1..=30).rev().collect::<Vec<_>>(), "{}", bed.label);
    }
}

#[tokio::test]
async fn a_rolled_back_entry_is_gone_and_pages_filter_newest_first() {
    for bed in beds().await {
        let tenant = provision(&bed.store, "paged", bed.store.default_placement()).await;
        let mut tx = bed.store.begin_write(&tenant).await.unwrap();
        let entry = NewEntry {
            action: AuditAction::CourseDeleted,
            actor_id: None,
            actor: "gone@example.org",
            target: None,
            origin: &Origin::default(),
            before: None,
            after: None,
        };
        audit::append(&mut tx, &entry).await.unwrap();
        tx.rollback().await.unwrap();

        append(&bed.store, &tenant, 3, "a@example.org").await;
        append(&bed.store, &tenant, 2, "b@example.org").await;
        let mut tx = bed.store.begin(&tenant).await.unwrap();
        let all = audit::page(&mut tx, &AuditFilter::default(), None, 10)
            .await
            .unwrap();
        assert_eq!(all.len(), 5, "{}: the rolled-back entry is gone", bed.label);
        assert_eq!(all[0].seq, 5, "{}: newest first", bed.label);
        assert_eq!(all[4].ip.as_deref(), Some("203.0.113.9"));
        assert_eq!(all[4].user_agent.as_deref(), Some("tests"));
        assert_eq!(
            all[4].before,
            Some(serde_json::json!({ "role": "student" }))
        );

        let by_b = AuditFilter {
            actor: Some(ActorFilter::Email(Email::parse("b@example.org").unwrap())),
            ..AuditFilter::default()
        };
        let page = audit::page(&mut tx, &by_b, None, 10).await.unwrap();
        assert_eq!(page.iter().map(|e| e.seq).collect::<Vec<_>>(), [5, 4]);
        let older = audit::page(&mut tx, &AuditFilter::default(), Some(3), 10)
            .await
            .unwrap();
        assert_eq!(older.iter().map(|e| e.seq).collect::<Vec<_>>(), [2, 1]);
        let deleted = AuditFilter {
            action: Some(AuditAction::CourseDeleted),
            ..AuditFilter::default()
        };
        assert!(audit::page(&mut tx, &deleted, None, 10)
            .await
            .unwrap()
            .is_empty());
        let later = AuditFilter {
            from: Some(chrono::Utc::now() + chrono::Duration::hours(1)),
            ..AuditFilter::default()
        };
        assert!(audit::page(&mut tx, &later, None, 10)
            .await
            .unwrap()
            .is_empty());
        tx.commit().await.unwrap();
    }
}
