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

/// Runs `sql` on the directory, as someone with database access would; answers the rows
/// changed.
async fn tamper_directory(store: &Store, sql: &str) -> u64 {
    crate::engine::dispatch!(&store.directory().pool, p => {
        sqlx::query(sql).execute(p).await.unwrap().rows_affected()
    })
}

async fn platform_break(store: &Store) -> Option<ChainBreak> {
    store.directory().verify_audit_log().await.unwrap().broken
}

#[tokio::test]
async fn the_platform_log_is_chained_and_tampering_with_it_is_named() {
    for bed in beds().await {
        let (store, label) = (&bed.store, bed.label);
        // An entry from before the chain, as a deployment migrated from an older release has.
        let legacy = "INSERT INTO platform_audit_log (id, actor, action, detail, created_at) \
                      VALUES ($1, 'cli', 'tenant.create', '{}', $2)";
        crate::engine::dispatch!(&store.directory().pool, p => {
            sqlx::query(legacy)
                .bind(uuid::Uuid::now_v7())
                .bind(chrono::Utc::now())
                .execute(p)
                .await
                .unwrap()
                .rows_affected()
        });
        let tenant = provision(store, "chained", store.default_placement()).await;
        for i in 0..3 {
            let email = Email::parse(&format!("op{i}@example.org")).unwrap();
            let audit = crate::AuditEntry::cli("platform_user.create");
            store
                .directory()
                .insert_platform_user(&email, "Op", "hash", &audit)
                .await
                .unwrap();
        }
        // Keys in an order `jsonb` does not keep.
        let mut suspend = crate::AuditEntry::cli("tenant.suspend").on_tenant(tenant.id, "chained");
        suspend.detail = serde_json::json!({"to": "suspended", "from": "active"});
        let suspended = lyceum_domain::TenantStatus::Suspended;
        store
            .directory()
            .set_status(tenant.id, suspended, Some(&suspend))
            .await
            .unwrap();

        let report = store.directory().verify_audit_log().await.unwrap();
        assert!(report.is_intact(), "{label}: {report:?}");
        assert_eq!((report.entries, report.unchained), (4, 1), "{label}");
        let newest = store.directory().audit_log(None, None, 1).await.unwrap();
        assert_eq!(newest[0].seq, Some(4), "{label}");
        assert_eq!(
            newest[0].hash.as_deref(),
            Some(report.head.unwrap().hash.to_hex().as_str()),
            "{label}"
        );

        let edit = "UPDATE platform_audit_log SET actor = 'someone' WHERE seq = 2";
        assert_eq!(tamper_directory(store, edit).await, 1);
        assert_eq!(
            platform_break(store).await,
            Some(ChainBreak::Edited { seq: 2 }),
            "{label}"
        );
        tamper_directory(
            store,
            "UPDATE platform_audit_log SET actor = 'cli' WHERE seq = 2",
        )
        .await;
        assert_eq!(platform_break(store).await, None, "{label}: undone");

        for swap in [
            "seq = 100 WHERE seq = 1",
            "seq = 1 WHERE seq = 2",
            "seq = 2 WHERE seq = 100",
        ] {
            tamper_directory(store, &format!("UPDATE platform_audit_log SET {swap}")).await;
        }
        assert_eq!(
            platform_break(store).await,
            Some(ChainBreak::Reordered { seq: 1 }),
            "{label}"
        );
        for swap in [
            "seq = 100 WHERE seq = 1",
            "seq = 1 WHERE seq = 2",
            "seq = 2 WHERE seq = 100",
        ] {
            tamper_directory(store, &format!("UPDATE platform_audit_log SET {swap}")).await;
        }
        assert_eq!(platform_break(store).await, None, "{label}: put back");

        tamper_directory(store, "DELETE FROM platform_audit_log WHERE seq = 3").await;
        assert_eq!(
            platform_break(store).await,
            Some(ChainBreak::Removed { seq: 3 }),
            "{label}"
        );
    }
}

#[tokio::test]
async fn concurrent_platform_appends_keep_one_chain() {
    for bed in beds().await {
        let writers = (0..6).map(|i| {
            let store = bed.store.clone();
            tokio::spawn(async move {
                let email = Email::parse(&format!("op{i}@example.org")).unwrap();
                let audit = crate::AuditEntry::cli("platform_user.create");
                store
                    .directory()
                    .insert_platform_user(&email, "Op", "hash", &audit)
                    .await
                    .unwrap();
            })
        });
        for writer in writers.collect::<Vec<_>>() {
            writer.await.unwrap();
        }
        let report = bed.store.directory().verify_audit_log().await.unwrap();
        assert!(report.is_intact(), "{}: {report:?}", bed.label);
        assert_eq!(report.entries, 6, "{}", bed.label);
    }
}
