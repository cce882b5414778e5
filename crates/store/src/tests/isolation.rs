//! TENANCY.md checklist items 3, 4, 9, 10 and 14: what one tenant's transaction can see and touch.

use super::*;
use crate::testing::{self, RUNTIME_ROLE};
use std::time::Duration;

/// Row counts of every tenant table as `tenant` sees them through the scoped predicate.
async fn scoped_counts(store: &Store, tenant: &Tenant) -> Vec<(String, i64)> {
    let mut tx = store.begin(tenant).await.unwrap();
    let mut counts = Vec::new();
    for table in tenant_tables(&mut tx).await {
        let sql = format!("SELECT COUNT(*) FROM {table} WHERE tenant_id = $1");
        counts.push((
            table,
            count(&mut tx, &sql, Some(tenant.id.as_uuid()))
                .await
                .unwrap(),
        ));
    }
    tx.rollback().await.unwrap();
    counts
}

#[tokio::test]
async fn forgotten_where_tenant_id_returns_only_the_current_tenants_rows() {
    for bed in beds().await {
        for &placement in bed.store.placements() {
            let a = provision(&bed.store, &format!("fa-{placement}"), placement).await;
            let b = provision(&bed.store, &format!("fb-{placement}"), placement).await;
            seed(&bed.store, &a, "a1").await;
            seed(&bed.store, &a, "a2").await;
            seed(&bed.store, &b, "b1").await;

            let mut tx = bed.store.begin(&b).await.unwrap();
            for table in tenant_tables(&mut tx).await {
                let all = count(&mut tx, &format!("SELECT COUNT(*) FROM {table}"), None)
                    .await
                    .unwrap();
                let own = count(
                    &mut tx,
                    &format!("SELECT COUNT(*) FROM {table} WHERE tenant_id = $1"),
                    Some(b.id.as_uuid()),
                )
                .await
                .unwrap();
                assert!(own > 0, "{} {placement}: seed must fill {table}", bed.label);
                assert_eq!(
                    all, own,
                    "{} {placement}: unscoped read of {table} saw other tenants' rows",
                    bed.label
                );
            }
            tx.rollback().await.unwrap();
        }
    }
}

#[tokio::test]
async fn cross_tenant_select_update_delete_and_insert_affect_nothing() {
    for bed in beds().await {
        for &placement in bed.store.placements() {
            let a = provision(&bed.store, &format!("xa-{placement}"), placement).await;
            let b = provision(&bed.store, &format!("xb-{placement}"), placement).await;
            seed(&bed.store, &a, "a").await;
            seed(&bed.store, &b, "b").await;
            let before = scoped_counts(&bed.store, &a).await;
            let a_id = Some(a.id.as_uuid());

            let mut tx = bed.store.begin_write(&b).await.unwrap();
            for table in tenant_tables(&mut tx).await {
                let seen = count(
                    &mut tx,
                    &format!("SELECT COUNT(*) FROM {table} WHERE tenant_id = $1"),
                    a_id,
                )
                .await
                .unwrap();
                assert_eq!(seen, 0, "{} {placement}: B read A's {table}", bed.label);
                let updated = execute(
                    &mut tx,
                    &format!("UPDATE {table} SET tenant_id = tenant_id WHERE tenant_id = $1"),
                    a_id,
                )
                .await
                .unwrap();
                assert_eq!(
                    updated, 0,
                    "{} {placement}: B updated A's {table}",
                    bed.label
                );
                let deleted = execute(
                    &mut tx,
                    &format!("DELETE FROM {table} WHERE tenant_id = $1"),
                    a_id,
                )
                .await
                .unwrap();
                assert_eq!(
                    deleted, 0,
                    "{} {placement}: B deleted A's {table}",
                    bed.label
                );
            }
            tx.rollback().await.unwrap();

            // Moving B's rows to A, or inserting a row labelled A: PostgreSQL's policy refuses it;
            // on SQLite the statement can only ever touch B's own file.
            let attempts = [
                "UPDATE users SET tenant_id = $1",
                "INSERT INTO outbox_events (tenant_id, id, event_type, aggregate_id, payload, occurred_at) \
                 VALUES ($1, $1, 'forged', $1, '{}', '2026-01-01T00:00:00Z')",
            ];
            for sql in attempts {
                let mut tx = bed.store.begin_write(&b).await.unwrap();
                let result = execute(&mut tx, sql, a_id).await;
                if bed.store.engine() == crate::EngineKind::Postgres {
                    let err =
                        result.expect_err("row-level security must refuse a row of another tenant");
                    assert_eq!(
                        err.code(),
                        "TENANT_ISOLATION_VIOLATION",
                        "{placement}: {sql}: {err}"
                    );
                }
                tx.rollback().await.unwrap();
            }
            assert_eq!(
                scoped_counts(&bed.store, &a).await,
                before,
                "{} {placement}: A's rows changed",
                bed.label
            );
        }
    }
}

#[tokio::test]
async fn a_transaction_without_a_tenant_sees_nothing_and_writes_nothing() {
    let bed = postgres_bed().await;
    let pooled = provision(&bed.store, "nt-pool", Placement::Pool).await;
    let schema = provision(&bed.store, "nt-schema", Placement::Schema).await;
    seed(&bed.store, &pooled, "p").await;
    seed(&bed.store, &schema, "s").await;
    let placements = bed.store.postgres_placements().unwrap();
    let mut conn = connect(&placements.runtime).await;
    for table in [
        "tenant_pool.users".to_owned(),
        format!("{}.users", crate::placement::schema_name(schema.id)),
        "tenant_pool.outbox_events".to_owned(),
    ] {
        let n: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
            .fetch_one(&mut conn)
            .await
            .expect("no tenant set must mean zero rows, not an error");
        assert_eq!(n, 0, "{table} visible without a tenant");
    }
    let insert = sqlx::query(
        "INSERT INTO tenant_pool.users (tenant_id, id, email, display_name, role, created_at, updated_at) \
         VALUES ($1, $1, 'x@example.org', 'x', 'student', now(), now())",
    )
    .bind(pooled.id.as_uuid())
    .execute(&mut conn)
    .await;
    let err = crate::StoreError::from(insert.expect_err("insert without a tenant must fail"));
    assert_eq!(err.code(), "TENANT_ISOLATION_VIOLATION");
}

#[tokio::test]
async fn two_tenants_on_one_reused_connection_do_not_leak() {
    let (mut config, guard) = testing::postgres_config().await;
    config.limits.shared_max_connections = 1;
    let bed = bed_with("postgres", (config, guard)).await;
    // The pool placement's tenants share one pool, the schema placement's another.
    for (placement, slugs) in [
        (Placement::Pool, ["ra-pool", "rb-pool"]),
        (Placement::Schema, ["ra-schema", "rb-schema"]),
    ] {
        let a = provision(&bed.store, slugs[0], placement).await;
        let b = provision(&bed.store, slugs[1], placement).await;
        seed(&bed.store, &a, "a").await;
        seed(&bed.store, &b, "b").await;
        let mut pids = Vec::new();
        for tenant in [&a, &b, &a, &b] {
            let mut tx = bed.store.begin_write(tenant).await.unwrap();
            let foreign = count(
                &mut tx,
                "SELECT COUNT(*) FROM users WHERE tenant_id <> $1",
                Some(tenant.id.as_uuid()),
            )
            .await
            .unwrap();
            let own = count(&mut tx, "SELECT COUNT(*) FROM users", None)
                .await
                .unwrap();
            assert_eq!(
                (foreign, own),
                (0, 2),
                "tenant {} on a reused connection",
                tenant.slug
            );
            pids.push(
                count(&mut tx, "SELECT pg_backend_pid()::bigint", None)
                    .await
                    .unwrap(),
            );
            tx.commit().await.unwrap();
        }
        pids.dedup();
        assert_eq!(
            pids.len(),
            1,
            "{placement}: the test must reuse one connection"
        );

        // After commit the connection carries no tenant, and the schema placement's
        // search_path is back to the session default (the shared pool's own schema).
        let pool = bed.store.shared_pool_for_tests(placement);
        let (tenant, path): (Option<String>, String) = sqlx::query_as(
            "SELECT current_setting('app.tenant_id', true), current_setting('search_path')",
        )
        .fetch_one(&pool)
        .await
        .unwrap();
        assert!(
            tenant.unwrap_or_default().is_empty(),
            "{placement}: tenant leaked past commit"
        );
        assert_eq!(path, "tenant_pool", "{placement}: search_path leaked");
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM tenant_pool.users")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(
            n, 0,
            "{placement}: rows visible on the reused connection after commit"
        );
    }
}

#[tokio::test]
async fn database_placement_keeps_its_pool_cap() {
    for (label, (mut config, guard)) in [
        ("sqlite", testing::sqlite_config()),
        ("postgres", testing::postgres_config().await),
    ] {
        config.limits.max_open_tenant_pools = Some(3);
        config.limits.tenant_max_connections = 2;
        let bed = bed_with(label, (config, guard)).await;
        let tenants = seeded_database_tenants(&bed.store, "cap", 7).await;
        for t in &tenants {
            assert_eq!(count_users(&bed.store, t).await, 2);
        }
        assert!(
            bed.store.open_tenant_pools().await <= 3,
            "{label}: more tenant pools open than the cap"
        );
        // Every pool opened is open still or was closed for another: the churn counts add up.
        let churn = bed.store.tenant_pool_churn();
        assert!(churn.opened >= 7, "{label}: {churn:?}");
        assert_eq!(
            churn.opened - churn.closed_for_room,
            bed.store.open_tenant_pools().await,
            "{label}: {churn:?}"
        );
        if label == "postgres" {
            let names: Vec<String> = tenants
                .iter()
                .map(|t| crate::placement::database_name(t.id))
                .collect();
            let open = settled_runtime_connections(&names, 3 * 2).await;
            assert!(
                open <= 6,
                "{open} runtime connections to tenant databases, cap is 3 pools x 2"
            );
        }
    }
}

/// More tenants than the connection budget, served at once: every transaction succeeds (a
/// tenant that needs a connection takes it from the least recently used ones), and once the
/// load is over the tenants' pools hold no more than the budget.
#[tokio::test]
async fn more_tenants_than_the_connection_budget_are_served_concurrently() {
    const BUDGET: u64 = 3;
    for (label, (mut config, guard)) in [
        ("sqlite", testing::sqlite_config()),
        ("postgres", testing::postgres_config().await),
    ] {
        config.limits.tenant_connection_budget = Some(BUDGET);
        config.limits.max_open_tenant_pools = None;
        config.limits.tenant_max_connections = 2;
        let bed = bed_with(label, (config, guard)).await;
        let tenants = seeded_database_tenants(&bed.store, "budget", 8).await;
        let tenants = std::sync::Arc::new(tenants);
        let workers: Vec<_> = (0..12)
            .map(|worker| {
                let (store, tenants) = (bed.store.clone(), tenants.clone());
                tokio::spawn(async move {
                    for round in 0..10 {
                        let tenant = &tenants[(worker + round * 5) % tenants.len()];
                        let users = if round % 3 == 0 {
                            let mut tx = store.begin_write(tenant).await?;
                            let users = count(&mut tx, "SELECT COUNT(*) FROM users", None).await?;
                            tx.commit().await?;
                            users
                        } else {
                            let mut tx = store.begin(tenant).await?;
                            let users = count(&mut tx, "SELECT COUNT(*) FROM users", None).await?;
                            tx.commit().await?;
                            users
                        };
                        assert_eq!(users, 2, "{}", tenant.slug);
                    }
                    Ok::<_, StoreError>(())
                })
            })
            .collect();
        for worker in workers {
            worker
                .await
                .unwrap()
                .unwrap_or_else(|e| panic!("{label}: a transaction failed: {e}"));
        }
        let mut held = u64::MAX;
        for _ in 0..50 {
            let stats = bed.store.pool_stats();
            held = stats
                .iter()
                .find(|s| s.pool == "tenant")
                .unwrap()
                .connections;
            if held <= BUDGET {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert!(
            held <= BUDGET,
            "{label}: tenants' pools hold {held} connections"
        );
        assert!(bed.store.open_tenant_pools().await <= BUDGET, "{label}");
        if label == "postgres" {
            let names: Vec<String> = tenants
                .iter()
                .map(|t| crate::placement::database_name(t.id))
                .collect();
            let open = settled_runtime_connections(&names, BUDGET as i64).await;
            assert!(
                open <= BUDGET as i64,
                "{open} connections to tenant databases"
            );
        }
    }
}

/// A busy tenant of a dedicated database grows only into connections the budget has free: with
/// the budget spent by three tenants' pools, six concurrent transactions of one of them queue
/// for its one seat instead of closing the other two tenants' pools to make room (each would
/// then pay a new connection on its next request, and the next tenant after it). With room in
/// the budget, the same tenant's pool grows. On several threads, so that a connection on its
/// way back to the pool races the next transaction for its seat.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_busy_tenant_grows_into_free_connections_only() {
    for (budget, grows) in [(3, false), (5, true)] {
        let (mut config, guard) = testing::postgres_config().await;
        config.limits.tenant_connection_budget = Some(budget);
        config.limits.max_open_tenant_pools = None;
        config.limits.tenant_max_connections = 4;
        let bed = bed_with("postgres", (config, guard)).await;
        let tenants = seeded_database_tenants(&bed.store, "seats", 3).await;
        for tenant in &tenants {
            count_users(&bed.store, tenant).await;
        }
        assert_eq!(bed.store.open_tenant_pools().await, 3);
        let busy = std::sync::Arc::new(tenants[0].clone());
        let peak = std::sync::Arc::new(std::sync::atomic::AtomicI64::new(0));
        let name = crate::placement::database_name(busy.id);
        let workers: Vec<_> = (0..6)
            .map(|_| {
                let (store, busy, peak, name) =
                    (bed.store.clone(), busy.clone(), peak.clone(), name.clone());
                tokio::spawn(async move {
                    let mut tx = store.begin(&busy).await?;
                    let backends = count(
                        &mut tx,
                        &format!(
                            "SELECT COUNT(*) FROM pg_stat_activity, pg_sleep(0.1) WHERE datname = '{name}'"
                        ),
                        None,
                    )
                    .await?;
                    peak.fetch_max(backends, std::sync::atomic::Ordering::Relaxed);
                    tx.commit().await
                })
            })
            .collect();
        for worker in workers {
            worker.await.unwrap().unwrap();
        }
        assert_eq!(
            bed.store.open_tenant_pools().await,
            3,
            "budget {budget}: the busy tenant closed other tenants' pools"
        );
        let peak = peak.load(std::sync::atomic::Ordering::Relaxed);
        if !grows {
            assert_eq!(
                peak, 1,
                "budget {budget}: the busy tenant grew past the budget"
            );
            continue;
        }
        assert!(
            peak >= 2,
            "budget {budget}: the busy tenant never grew ({peak})"
        );
        // The budget spent again by a newcomer (which closes the least recently used pool),
        // the grown tenant gives a seat back on its next transaction, and the next newcomer
        // finds it free instead of closing another tenant's pool.
        let newcomer = provision(&bed.store, "seats-3", Placement::Database).await;
        count_users(&bed.store, &newcomer).await;
        count_users(&bed.store, &busy).await;
        let next = provision(&bed.store, "seats-4", Placement::Database).await;
        count_users(&bed.store, &next).await;
        assert_eq!(
            bed.store.open_tenant_pools().await,
            4,
            "the grown tenant kept its seats while the budget was spent"
        );
    }
}

/// With the default budget the shared pools draw on the tenants' connections: the tenants'
/// pools fill what the shared pool does not hold, and a pool-placement transaction that needs
/// one connection more then closes the least recently used tenant's pool for it.
#[tokio::test]
async fn the_shared_pools_take_their_connections_from_the_tenants_budget() {
    let (mut config, guard) = testing::postgres_config().await;
    // 13 = the shared pools (2 + 1), the directory's (2), 5 others, and 3 more: 6 connections
    // for the tenants' pools and the shared ones together.
    config.limits.postgres_connection_budget = Some(13);
    config.limits.shared_max_connections = 2;
    config.limits.tenant_connection_budget = None;
    config.limits.max_open_tenant_pools = None;
    config.limits.tenant_max_connections = 1;
    let bed = bed_with("postgres", (config, guard)).await;
    let shared = bed.store.shared_pool_for_tests(Placement::Pool);
    let pooled = provision(&bed.store, "sharing-pool", Placement::Pool).await;
    for i in 0..6 {
        let t = provision(&bed.store, &format!("sharing-{i}"), Placement::Database).await;
        count_users(&bed.store, &t).await;
    }
    let held = bed.store.open_tenant_pools().await + u64::from(shared.size());
    assert_eq!(held, 6, "the tenants and the shared pool fill the budget");
    let mut first = bed.store.begin(&pooled).await.unwrap();
    let mut second = bed.store.begin(&pooled).await.unwrap();
    for tx in [&mut first, &mut second] {
        count(tx, "SELECT COUNT(*) FROM users", None).await.unwrap();
    }
    assert_eq!(shared.size(), 2);
    assert_eq!(
        bed.store.open_tenant_pools().await,
        4,
        "the shared pool's second connection came from a tenant's"
    );
    first.commit().await.unwrap();
    second.commit().await.unwrap();
}

/// A PostgreSQL server out of connections for us (its `max_connections` lowered under a running
/// process, a role limit, other clients holding the reserve) is "unavailable for now" (503 with
/// `Retry-After` over HTTP), not an internal error.
#[tokio::test]
async fn a_server_out_of_connections_is_unavailable_not_broken() {
    use sqlx::ConnectOptions;
    let mut admin = connect(&testing::admin_options()).await;
    let role = format!("lyceum_test_full_{}", uuid::Uuid::new_v4().simple());
    sqlx::raw_sql(&format!("CREATE ROLE {role} LOGIN CONNECTION LIMIT 0"))
        .execute(&mut admin)
        .await
        .unwrap();
    let refused = testing::admin_options()
        .username(&role)
        .connect()
        .await
        .expect_err("a role limited to no connections connects");
    let err = StoreError::from(refused);
    assert!(matches!(err, StoreError::Unavailable(_)), "{err:?}");
    assert_eq!(err.code(), "DATABASE_UNAVAILABLE");
    sqlx::raw_sql(&format!("DROP ROLE {role}"))
        .execute(&mut admin)
        .await
        .unwrap();
}

/// The schema placement's connections are recycled as they serve transactions, so no
/// PostgreSQL backend keeps the catalog of every tenant schema it ever touched.
#[tokio::test]
async fn schema_placement_connections_are_recycled() {
    let (mut config, guard) = testing::postgres_config().await;
    config.limits.shared_max_connections = 1;
    let bed = bed_with("postgres", (config, guard)).await;
    let tenant = provision(&bed.store, "recycled-schema", Placement::Schema).await;
    let rounds = 2 * crate::placement::SCHEMA_TRANSACTIONS_PER_CONNECTION + 10;
    let mut backends = Vec::new();
    for _ in 0..rounds {
        let mut tx = bed.store.begin(&tenant).await.unwrap();
        backends.push(
            count(&mut tx, "SELECT pg_backend_pid()::bigint", None)
                .await
                .unwrap(),
        );
        tx.commit().await.unwrap();
    }
    backends.dedup();
    assert_eq!(
        backends.len(),
        3,
        "{rounds} transactions on one connection at a time: a backend per {} of them",
        crate::placement::SCHEMA_TRANSACTIONS_PER_CONNECTION
    );
}

#[tokio::test]
async fn schema_tenant_cannot_reach_another_schema_by_qualified_name() {
    let bed = postgres_bed().await;
    let a = provision(&bed.store, "qa-schema", Placement::Schema).await;
    let pooled = provision(&bed.store, "qp-pool", Placement::Pool).await;
    let b = provision(&bed.store, "qb-schema", Placement::Schema).await;
    seed(&bed.store, &a, "a").await;
    seed(&bed.store, &pooled, "p").await;
    seed(&bed.store, &b, "b").await;
    let a_users = format!("{}.users", crate::placement::schema_name(a.id));
    let mut tx = bed.store.begin_write(&b).await.unwrap();
    for table in [a_users.as_str(), "tenant_pool.users"] {
        let seen = count(&mut tx, &format!("SELECT COUNT(*) FROM {table}"), None)
            .await
            .unwrap();
        assert_eq!(seen, 0, "B read {table} by its qualified name");
        let touched = execute(
            &mut tx,
            &format!("UPDATE {table} SET display_name = 'owned'"),
            None,
        )
        .await
        .unwrap();
        assert_eq!(touched, 0, "B updated {table}");
        let deleted = execute(&mut tx, &format!("DELETE FROM {table}"), None)
            .await
            .unwrap();
        assert_eq!(deleted, 0, "B deleted from {table}");
    }
    let insert = execute(
        &mut tx,
        &format!(
            "INSERT INTO {a_users} (tenant_id, id, email, display_name, role, created_at, updated_at) \
             VALUES ($1, $1, 'x@example.org', 'x', 'student', now(), now())"
        ),
        Some(a.id.as_uuid()),
    )
    .await
    .expect_err("writing into another tenant's schema must be refused");
    assert_eq!(insert.code(), "TENANT_ISOLATION_VIOLATION");
    tx.rollback().await.unwrap();
    let mut tx = bed.store.begin(&a).await.unwrap();
    assert_eq!(
        count(&mut tx, "SELECT COUNT(*) FROM users", None)
            .await
            .unwrap(),
        2,
        "A's rows are intact"
    );
}

#[tokio::test]
async fn database_placement_serves_concurrent_load_across_more_tenants_than_pools() {
    for (label, (mut config, guard)) in [
        ("sqlite", testing::sqlite_config()),
        ("postgres", testing::postgres_config().await),
    ] {
        config.limits.max_open_tenant_pools = Some(2);
        config.limits.tenant_max_connections = 2;
        let bed = bed_with(label, (config, guard)).await;
        let tenants = seeded_database_tenants(&bed.store, "load", 5).await;
        // 40 transactions, 8 at a time, spread over 5 tenants with room for 2 pools: pools are
        // evicted while others still use them, and every transaction must still succeed.
        let mut tasks = tokio::task::JoinSet::new();
        let gate = std::sync::Arc::new(tokio::sync::Semaphore::new(8));
        for i in 0..40 {
            let (store, tenant, gate) = (bed.store.clone(), tenants[i % 5].clone(), gate.clone());
            tasks.spawn(async move {
                let _permit = gate.acquire().await.unwrap();
                let mut tx = store.begin(&tenant).await?;
                let own = count(
                    &mut tx,
                    "SELECT COUNT(*) FROM users WHERE tenant_id = $1",
                    Some(tenant.id.as_uuid()),
                )
                .await?;
                let all = count(&mut tx, "SELECT COUNT(*) FROM users", None).await?;
                tokio::time::sleep(Duration::from_millis(5)).await;
                tx.commit().await?;
                Ok::<_, StoreError>((own, all))
            });
        }
        while let Some(result) = tasks.join_next().await {
            let (own, all) = result
                .unwrap()
                .unwrap_or_else(|e| panic!("{label}: a transaction failed under load: {e}"));
            assert_eq!(
                (own, all),
                (2, 2),
                "{label}: each transaction sees exactly its tenant's rows"
            );
        }
        assert!(
            bed.store.open_tenant_pools().await <= 2,
            "{label}: pools above the cap after the load"
        );
        if label == "postgres" {
            let names: Vec<String> = tenants
                .iter()
                .map(|t| crate::placement::database_name(t.id))
                .collect();
            let open = settled_runtime_connections(&names, 4).await;
            assert!(
                open <= 4,
                "{open} connections to tenant databases after the load, cap is 2 pools x 2"
            );
        }
    }
}

/// Runtime-role connections to the given tenant databases, once they have settled at or under
/// `cap` (evicted pools close their connections in the background) or after five seconds.
async fn settled_runtime_connections(databases: &[String], cap: i64) -> i64 {
    let mut admin = connect(&testing::admin_options()).await;
    let mut open = i64::MAX;
    for _ in 0..50 {
        open = sqlx::query_scalar(
            "SELECT COUNT(*) FROM pg_stat_activity WHERE usename = $1 AND datname = ANY($2)",
        )
        .bind(RUNTIME_ROLE)
        .bind(databases)
        .fetch_one(&mut admin)
        .await
        .unwrap();
        if open <= cap {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    open
}

/// `n` tenants of the `database` placement named `<prefix>-<i>`, each seeded.
async fn seeded_database_tenants(store: &Store, prefix: &str, n: usize) -> Vec<Tenant> {
    let mut tenants = Vec::with_capacity(n);
    for i in 0..n {
        let t = provision(store, &format!("{prefix}-{i}"), Placement::Database).await;
        seed(store, &t, "x").await;
        tenants.push(t);
    }
    tenants
}

/// One read transaction in `tenant`: counts its users.
async fn count_users(store: &Store, tenant: &Tenant) -> i64 {
    let mut tx = store.begin(tenant).await.unwrap();
    let users = count(&mut tx, "SELECT COUNT(*) FROM users", None)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    users
}
