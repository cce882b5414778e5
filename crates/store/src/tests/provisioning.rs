//! Provisioning creates everything a tenant needs in its placement, refuses bad input with a
//! stable code, and leaves nothing behind when it fails.

use super::*;
use crate::placement::{schema_name, sqlite_path};
use crate::testing;

async fn schemas_named_like_tenants(store: &Store) -> i64 {
    let owner = store.postgres_placements().unwrap().owner.clone();
    let mut conn = connect(&owner).await;
    sqlx::query_scalar("SELECT COUNT(*) FROM pg_namespace WHERE nspname LIKE 't\\_%'")
        .fetch_one(&mut conn)
        .await
        .unwrap()
}

#[tokio::test]
async fn provisioning_creates_working_storage_in_every_placement() {
    for bed in beds().await {
        for &placement in bed.store.placements() {
            let tenant = provision(&bed.store, &format!("new-{placement}"), placement).await;
            assert_eq!(tenant.status, lyceum_domain::TenantStatus::Active);
            assert_eq!(tenant.placement, placement);
            assert!(
                tenant.schema_version > 0,
                "provisioned at the latest version"
            );
            let seeded = seed(&bed.store, &tenant, "n").await;
            let mut tx = bed.store.begin(&tenant).await.unwrap();
            let user = users::get(&mut tx, seeded.student)
                .await
                .unwrap()
                .expect("seeded user");
            assert_eq!(user.role, Role::Student);
            let listed = bed
                .store
                .directory()
                .by_slug(tenant.slug.as_str())
                .await
                .unwrap()
                .unwrap();
            assert_eq!(listed.id, tenant.id, "{} {placement}", bed.label);
        }
    }
}

#[tokio::test]
async fn duplicate_slug_is_refused_and_creates_nothing() {
    for bed in beds().await {
        let placement = *bed.store.placements().last().unwrap();
        provision(&bed.store, "twice", placement).await;
        let tenants_before = bed.store.directory().count().await.unwrap();
        let schemas_before = match bed.store.engine() {
            crate::EngineKind::Postgres => schemas_named_like_tenants(&bed.store).await,
            crate::EngineKind::Sqlite => 0,
        };
        let mut new = NewTenant::new(Slug::parse("twice").unwrap(), "Again");
        new.placement = Some(placement);
        let err = bed.store.provision(new).await.unwrap_err();
        assert_eq!(err.code(), "TENANT_SLUG_TAKEN", "{}", bed.label);
        assert_eq!(bed.store.directory().count().await.unwrap(), tenants_before);
        if bed.store.engine() == crate::EngineKind::Postgres {
            assert_eq!(schemas_named_like_tenants(&bed.store).await, schemas_before);
        }
    }
}

#[tokio::test]
async fn sqlite_refuses_placements_it_cannot_offer() {
    let bed = sqlite_bed().await;
    for placement in [Placement::Pool, Placement::Schema] {
        let mut new = NewTenant::new(Slug::parse("no-pool").unwrap(), "Nope");
        new.placement = Some(placement);
        let err = bed.store.provision(new).await.unwrap_err();
        assert_eq!(err.code(), "PLACEMENT_UNSUPPORTED");
    }
    assert_eq!(bed.store.directory().count().await.unwrap(), 0);
}

#[tokio::test]
async fn empty_name_is_refused_before_anything_is_created() {
    for bed in beds().await {
        let err = bed
            .store
            .provision(NewTenant::new(Slug::parse("nameless").unwrap(), "  "))
            .await
            .unwrap_err();
        assert_eq!(err.code(), "VALIDATION_FAILED");
        assert_eq!(bed.store.directory().count().await.unwrap(), 0);
    }
}

#[tokio::test]
async fn failed_schema_provisioning_leaves_no_row_and_no_schema() {
    let bed = postgres_bed().await;
    // A real failure half-way through the migration: an event trigger refuses one table.
    let database = bed
        .store
        .postgres_placements()
        .unwrap()
        .runtime
        .get_database()
        .unwrap()
        .to_owned();
    let mut admin = connect(&testing::admin_options().database(&database)).await;
    sqlx::raw_sql(
        "CREATE FUNCTION refuse_progress() RETURNS event_trigger LANGUAGE plpgsql AS $$ \
         BEGIN IF EXISTS (SELECT 1 FROM pg_event_trigger_ddl_commands() WHERE object_identity LIKE 't\\_%.lesson_progress') \
         THEN RAISE EXCEPTION 'disk full (simulated)'; END IF; END $$; \
         CREATE EVENT TRIGGER refuse_progress ON ddl_command_end EXECUTE FUNCTION refuse_progress();",
    )
    .execute(&mut admin)
    .await
    .unwrap();
    let mut new = NewTenant::new(Slug::parse("half-made").unwrap(), "Half");
    new.placement = Some(Placement::Schema);
    let err = bed.store.provision(new).await.unwrap_err();
    assert!(
        err.to_string().contains("simulated"),
        "unexpected error: {err}"
    );
    assert!(
        bed.store
            .directory()
            .by_slug("half-made")
            .await
            .unwrap()
            .is_none(),
        "directory row left behind"
    );
    assert_eq!(
        schemas_named_like_tenants(&bed.store).await,
        0,
        "schema left behind"
    );
    sqlx::raw_sql("DROP EVENT TRIGGER refuse_progress")
        .execute(&mut admin)
        .await
        .unwrap();
    provision(&bed.store, "half-made", Placement::Schema).await;
}

#[tokio::test]
async fn failed_database_provisioning_leaves_no_row() {
    let bed = bed_with("postgres", testing::postgres_config_with(false).await).await;
    let mut new = NewTenant::new(Slug::parse("no-createdb").unwrap(), "No database");
    new.placement = Some(Placement::Database);
    let err = bed.store.provision(new).await.unwrap_err();
    assert_eq!(err.code(), "DATABASE_ERROR", "{err}");
    assert_eq!(bed.store.directory().count().await.unwrap(), 0);
}

#[tokio::test]
async fn failed_file_provisioning_leaves_no_row_and_no_file() {
    let bed = sqlite_bed().await;
    let tenants_dir = bed.store.sqlite_data_dir().unwrap().join("tenants");
    std::fs::remove_dir_all(&tenants_dir).unwrap();
    std::fs::write(&tenants_dir, b"not a folder").unwrap();
    let err = bed
        .store
        .provision(NewTenant::new(Slug::parse("no-disk").unwrap(), "No disk"))
        .await
        .unwrap_err();
    assert_eq!(err.code(), "STORAGE_IO", "{err}");
    assert_eq!(bed.store.directory().count().await.unwrap(), 0);
    assert!(
        std::fs::metadata(&tenants_dir).unwrap().is_file(),
        "nothing was created in its place"
    );
}

#[tokio::test]
async fn missing_storage_is_reported_as_such() {
    // SQLite: the tenant's file has gone.
    let bed = sqlite_bed().await;
    let t = provision(&bed.store, "lost-file", Placement::Database).await;
    std::fs::remove_file(sqlite_path(bed.store.sqlite_data_dir().unwrap(), t.id)).unwrap();
    assert_eq!(
        bed.store.begin(&t).await.err().unwrap().code(),
        "TENANT_STORAGE_MISSING"
    );

    // PostgreSQL: the schema or the database has gone.
    let bed = postgres_bed().await;
    let schema_tenant = provision(&bed.store, "lost-schema", Placement::Schema).await;
    let db_tenant = provision(&bed.store, "lost-db", Placement::Database).await;
    let placements = bed.store.postgres_placements().unwrap();
    let mut owner = connect(&placements.owner).await;
    sqlx::raw_sql(&format!(
        "DROP SCHEMA {} CASCADE",
        schema_name(schema_tenant.id)
    ))
    .execute(&mut owner)
    .await
    .unwrap();
    placements
        .drop_storage(db_tenant.id, Placement::Database)
        .await
        .unwrap();

    let mut tx = bed.store.begin(&schema_tenant).await.unwrap();
    let err = users::list(&mut tx, users::UserFilter::ALL, None, 10)
        .await
        .unwrap_err();
    assert_eq!(err.code(), "TENANT_STORAGE_MISSING", "{err}");
    let err = bed.store.begin(&db_tenant).await.err().unwrap();
    assert_eq!(err.code(), "TENANT_STORAGE_MISSING", "{err}");
}

/// A provisioning interrupted after its storage was made (a crash before activation) leaves a
/// `provisioning` row; once old enough it is reclaimed with its storage, and the slug is free.
#[tokio::test]
async fn abandoned_provisioning_is_reclaimed_with_its_storage() {
    for bed in beds().await {
        for &placement in bed.store.placements() {
            let slug = format!("crashed-{placement}");
            let tenant = provision(&bed.store, &slug, placement).await;
            let directory = bed.store.directory();
            directory
                .set_status(tenant.id, lyceum_domain::TenantStatus::Provisioning, None)
                .await
                .unwrap();
            let hour = std::time::Duration::from_secs(3600);
            let recent = bed
                .store
                .reclaim_abandoned_provisioning(hour)
                .await
                .unwrap();
            assert!(
                recent.is_empty(),
                "a recent provisioning may still be running"
            );
            assert!(directory.by_slug(&slug).await.unwrap().is_some());

            let reclaimed = bed
                .store
                .reclaim_abandoned_provisioning(std::time::Duration::ZERO)
                .await
                .unwrap();
            assert_eq!(
                reclaimed.iter().map(Slug::as_str).collect::<Vec<_>>(),
                [slug.as_str()],
                "{} {placement}",
                bed.label
            );
            assert!(directory.by_slug(&slug).await.unwrap().is_none());
            match (bed.store.sqlite_data_dir(), placement) {
                (Some(dir), _) => assert!(!sqlite_path(dir, tenant.id).exists(), "file removed"),
                (None, Placement::Schema) => {
                    assert_eq!(schemas_named_like_tenants(&bed.store).await, 0)
                }
                (None, _) => {}
            }
            provision(&bed.store, &slug, placement).await;
        }
    }
}

/// A seed that writes a user into the new tenant, notes the tenant, then fails (or not).
struct FailingSeed {
    seen: std::sync::Arc<std::sync::Mutex<Option<Tenant>>>,
    fail: bool,
}

impl crate::TenantSeed for FailingSeed {
    type Output = UserId;
    type Error = StoreError;

    async fn seed(self, tx: &mut crate::WriteTx, tenant: &Tenant) -> Result<UserId, StoreError> {
        *self.seen.lock().unwrap() = Some(tenant.clone());
        let user = users::NewUser {
            email: Email::parse("first@seed.test").unwrap(),
            display_name: "First".to_owned(),
            role: Role::Admin,
            password_hash: None,
        };
        let user = users::insert(tx, &user).await?;
        if self.fail {
            return Err(StoreError::Conflict("a seed failing on purpose".to_owned()));
        }
        Ok(user.id)
    }
}

#[tokio::test]
async fn a_seed_that_fails_after_the_storage_exists_leaves_nothing_behind() {
    for bed in beds().await {
        for &placement in bed.store.placements() {
            let label = format!("{} {placement}", bed.label);
            let seen = std::sync::Arc::default();
            let mut new = NewTenant::new(Slug::parse("seeded").unwrap(), "Seeded");
            new.placement = Some(placement);
            let seed = FailingSeed {
                seen: std::sync::Arc::clone(&seen),
                fail: true,
            };
            let err = bed
                .store
                .provision_seeded(new.clone(), None, Some(seed))
                .await
                .unwrap_err();
            assert_eq!(err.code(), "CONFLICT", "{label}: {err}");
            let mut failed = seen.lock().unwrap().take().expect("the seed ran");
            assert!(
                bed.store
                    .directory()
                    .by_slug("seeded")
                    .await
                    .unwrap()
                    .is_none(),
                "{label}: no directory row"
            );
            match placement {
                _ if bed.store.engine() == crate::EngineKind::Sqlite => {
                    let file = sqlite_path(bed.store.sqlite_data_dir().unwrap(), failed.id);
                    assert!(!file.exists(), "{label}: no file");
                }
                Placement::Pool => {
                    // Shared tables: the seed's rows were rolled back (looked for as that tenant).
                    failed.status = lyceum_domain::TenantStatus::Active;
                    let mut tx = bed.store.begin(&failed).await.unwrap();
                    let users = count(&mut tx, "SELECT COUNT(*) FROM users", None).await;
                    assert_eq!(users.unwrap(), 0, "{label}");
                }
                Placement::Schema | Placement::Database => {
                    let owner = bed.store.postgres_placements().unwrap().owner.clone();
                    let mut conn = connect(&owner).await;
                    let left: i64 = sqlx::query_scalar(
                        "SELECT (SELECT COUNT(*) FROM pg_namespace WHERE nspname = $1) \
                         + (SELECT COUNT(*) FROM pg_database WHERE datname = $2)",
                    )
                    .bind(schema_name(failed.id))
                    .bind(crate::placement::database_name(failed.id))
                    .fetch_one(&mut conn)
                    .await
                    .unwrap();
                    assert_eq!(left, 0, "{label}: no schema, no database");
                }
            }

            // The slug is free again, and a seed that succeeds is there once the tenant is.
            let seed = FailingSeed {
                seen: std::sync::Arc::default(),
                fail: false,
            };
            let (tenant, user) = bed
                .store
                .provision_seeded(new, None, Some(seed))
                .await
                .unwrap();
            assert_eq!(tenant.status, lyceum_domain::TenantStatus::Active);
            let mut tx = bed.store.begin(&tenant).await.unwrap();
            let found = users::get(&mut tx, user.unwrap()).await.unwrap();
            assert!(found.is_some(), "{label}: the seed's user is there");
            tx.commit().await.unwrap();
            rename_away(&bed.store, &tenant).await;
        }
    }
}

/// Frees the slug of `tenant` for the next round: renames it in the directory.
async fn rename_away(store: &Store, tenant: &Tenant) {
    let sql = "UPDATE tenants SET slug = $1 WHERE id = $2";
    let slug = format!("gone-{}", tenant.placement);
    dispatch!(&store.directory().pool, p => {
        sqlx::query(sql).bind(slug).bind(tenant.id.as_uuid()).execute(p).await.unwrap();
    });
    store.directory().invalidate_cache();
}
