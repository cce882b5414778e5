//! `migrate all` over many tenants in every placement: it brings every target to the latest
//! version, changes nothing when re-run, and a tenant that fails is reported while the others
//! are migrated; the failed one succeeds once its problem is fixed.

use super::*;
use crate::placement::{database_name, schema_name, sqlite_path, DEDICATED_SCHEMA};
use crate::testing::{self, OWNER_ROLE};
use crate::{MigrationReport, MigrationScope};

async fn migrate(store: &Store) -> MigrationReport {
    store
        .migrate_all(MigrationScope::Every, &|_| {})
        .await
        .expect("migrate all")
}

#[tokio::test]
async fn migrate_all_over_200_postgres_tenants_is_complete_idempotent_and_isolates_failures() {
    let bed = postgres_bed().await;
    let mut tenants = Vec::new();
    for i in 0..210 {
        let placement = match i % 10 {
            0 => Placement::Database,
            1..=4 => Placement::Schema,
            _ => Placement::Pool,
        };
        tenants.push(provision(&bed.store, &format!("m-{i}"), placement).await);
    }
    let first = migrate(&bed.store).await;
    assert!(first.failures.is_empty(), "{:?}", first.failures);
    assert_eq!(
        first.changed, 0,
        "tenants are provisioned at the latest version"
    );
    assert_eq!(
        first.targets,
        2 + 21 + 84,
        "directory, pool, then each schema and database tenant"
    );

    // Put some tenants back to an empty storage, as if they were created by an older release.
    let placements = bed.store.postgres_placements().unwrap();
    let database = placements.runtime.get_database().unwrap().to_owned();
    let mut admin = connect(&testing::admin_options().database(&database)).await;
    let reset: Vec<&Tenant> = tenants
        .iter()
        .filter(|t| t.placement != Placement::Pool)
        .take(12)
        .collect();
    for t in &reset {
        match t.placement {
            Placement::Schema => {
                let s = schema_name(t.id);
                sqlx::raw_sql(&format!(
                    "DROP SCHEMA {s} CASCADE; CREATE SCHEMA {s} AUTHORIZATION {OWNER_ROLE}"
                ))
                .execute(&mut admin)
                .await
                .unwrap();
            }
            _ => {
                let mut db =
                    connect(&testing::admin_options().database(&database_name(t.id))).await;
                sqlx::raw_sql(&format!("DROP SCHEMA {DEDICATED_SCHEMA} CASCADE"))
                    .execute(&mut db)
                    .await
                    .unwrap();
            }
        }
    }
    // One of them cannot be migrated: a table in the way.
    let broken = reset
        .iter()
        .find(|t| t.placement == Placement::Schema)
        .unwrap();
    let broken_schema = schema_name(broken.id);
    sqlx::raw_sql(&format!("CREATE TABLE {broken_schema}.users (x int); ALTER TABLE {broken_schema}.users OWNER TO {OWNER_ROLE}"))
        .execute(&mut admin)
        .await
        .unwrap();

    let second = migrate(&bed.store).await;
    assert_eq!(second.failures.len(), 1, "{:?}", second.failures);
    assert_eq!(second.failures[0].slug, broken.slug);
    assert_eq!(second.failures[0].code, "MIGRATION_FAILED");
    assert_eq!(
        second.changed,
        reset.len() - 1,
        "every other reset tenant was migrated"
    );
    let recorded = bed
        .store
        .directory()
        .by_id(broken.id)
        .await
        .unwrap()
        .unwrap();
    assert!(
        recorded.migration_error.is_some(),
        "the failure is recorded in the directory"
    );
    for t in reset.iter().filter(|t| t.id != broken.id) {
        seed(&bed.store, t, "after").await;
    }

    sqlx::raw_sql(&format!("DROP TABLE {broken_schema}.users"))
        .execute(&mut admin)
        .await
        .unwrap();
    let third = migrate(&bed.store).await;
    assert!(third.failures.is_empty(), "{:?}", third.failures);
    assert_eq!(third.changed, 1, "only the repaired tenant needed work");
    let recorded = bed
        .store
        .directory()
        .by_id(broken.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(recorded.migration_error, None);
    seed(&bed.store, broken, "repaired").await;

    let fourth = migrate(&bed.store).await;
    assert_eq!(
        (fourth.changed, fourth.failures.len()),
        (0, 0),
        "a re-run changes nothing"
    );
}

#[tokio::test]
async fn migrate_all_over_sqlite_files_isolates_failures() {
    let bed = sqlite_bed().await;
    let mut tenants = Vec::new();
    for i in 0..30 {
        tenants.push(provision(&bed.store, &format!("f-{i}"), Placement::Database).await);
    }
    let data_dir = bed.store.sqlite_data_dir().unwrap().to_owned();
    for t in &tenants[..5] {
        let path = sqlite_path(&data_dir, t.id);
        std::fs::remove_file(&path).unwrap();
        std::fs::write(&path, b"").unwrap(); // an empty file is an empty SQLite database
    }
    // The sixth file is missing altogether.
    std::fs::remove_file(sqlite_path(&data_dir, tenants[5].id)).unwrap();

    let report = migrate(&bed.store).await;
    assert_eq!(report.changed, 5);
    assert_eq!(report.failures.len(), 1);
    assert_eq!(report.failures[0].code, "TENANT_STORAGE_MISSING");
    for t in &tenants[..5] {
        seed(&bed.store, t, "migrated").await;
    }
    let again = migrate(&bed.store).await;
    assert_eq!(again.changed, 0);
}

#[tokio::test]
async fn a_target_migrated_by_a_newer_release_is_refused() {
    let bed = sqlite_bed().await;
    let t = provision(&bed.store, "future", Placement::Database).await;
    {
        let mut tx = bed.store.begin_write(&t).await.unwrap();
        execute(
            &mut tx,
            "INSERT INTO lyceum_migrations (version, description, checksum, applied_at) VALUES (99999999999999, 'future', x'00', '2030-01-01')",
            None,
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
    }
    let report = migrate(&bed.store).await;
    assert_eq!(report.failures.len(), 1);
    assert!(
        report.failures[0].message.contains("does not know"),
        "{}",
        report.failures[0].message
    );
}

/// Storage of `tenant` made unusable behind the store's back: a later visit must fail.
async fn break_storage(store: &Store, tenant: &Tenant) {
    match (store.sqlite_data_dir(), tenant.placement) {
        (Some(data_dir), _) => std::fs::remove_file(sqlite_path(data_dir, tenant.id)).unwrap(),
        (None, Placement::Schema) => {
            let placements = store.postgres_placements().unwrap();
            let database = placements.runtime.get_database().unwrap().to_owned();
            let mut admin = connect(&testing::admin_options().database(&database)).await;
            let s = schema_name(tenant.id);
            sqlx::raw_sql(&format!("DROP SCHEMA {s} CASCADE"))
                .execute(&mut admin)
                .await
                .unwrap();
        }
        (None, placement) => unreachable!("not broken here: {placement:?}"),
    }
}

/// A run with nothing to do visits no tenant storage: with one tenant's storage gone behind
/// the store's back, `Behind` neither notices nor fails (it opened nothing), `Every` finds it,
/// and from then on `Behind` retries that tenant (its last migration failed) and only it.
#[tokio::test]
async fn a_migrate_with_nothing_to_do_opens_no_tenant_storage() {
    for bed in beds().await {
        let placement = match bed.store.engine() {
            crate::EngineKind::Postgres => Placement::Schema,
            crate::EngineKind::Sqlite => Placement::Database,
        };
        let mut tenants = Vec::new();
        for i in 0..6 {
            tenants.push(provision(&bed.store, &format!("quiet-{i}"), placement).await);
        }
        break_storage(&bed.store, &tenants[2]).await;
        let before = bed.store.directory().list().await.unwrap();
        let quiet = bed
            .store
            .migrate_all(MigrationScope::Behind, &|_| {})
            .await
            .unwrap();
        let directory_and_pool = 1 + usize::from(bed.store.engine() == crate::EngineKind::Postgres);
        assert_eq!(quiet.targets, directory_and_pool, "{quiet:?}");
        assert!(quiet.failures.is_empty(), "{quiet:?}");
        let after = bed.store.directory().list().await.unwrap();
        assert_eq!(
            before.iter().map(|t| t.updated_at).collect::<Vec<_>>(),
            after.iter().map(|t| t.updated_at).collect::<Vec<_>>(),
            "nothing recorded for tenants nobody visited"
        );

        let thorough = bed
            .store
            .migrate_all(MigrationScope::Every, &|_| {})
            .await
            .unwrap();
        assert_eq!(thorough.targets, directory_and_pool + 6, "{thorough:?}");
        assert_eq!(thorough.failures.len(), 1, "{thorough:?}");
        assert_eq!(thorough.failures[0].slug, tenants[2].slug);
        assert_eq!(thorough.failures[0].code, "TENANT_STORAGE_MISSING");

        let retry = bed
            .store
            .migrate_all(MigrationScope::Behind, &|_| {})
            .await
            .unwrap();
        assert_eq!(retry.targets, directory_and_pool + 1, "{retry:?}");
        assert_eq!(retry.failures.len(), 1, "{retry:?}");
    }
}
