//! The registry of tenant tables (`crate::tables`) held against the migrated tenant schemas, as
//! the engines' catalogs describe them: both engines have the same tables with the same columns,
//! the registry names exactly those tables with their real foreign-key parents, parents first,
//! and on PostgreSQL every registered table has forced row-level security with both tenant
//! policies. PostgreSQL is read in every placement (pool, schema, database); each failure names
//! the engine, the placement and the table.

use super::*;
use crate::engine::quote_ident;
use crate::placement::{database_name, schema_name, DEDICATED_SCHEMA, POOL_SCHEMA};
use crate::tables::TENANT_TABLES;
use sqlx::{Connection, PgConnection};
use std::collections::{BTreeMap, BTreeSet};

/// Migration bookkeeping (`crate::migrate`), present in every target; not tenant data.
const BOOKKEEPING: &str = "lyceum_migrations";

/// A migrated tenant schema as its engine's catalog describes it.
struct Catalog {
    /// The engine and, on PostgreSQL, the placement: `sqlite`, `postgres pool`, ...
    label: String,
    /// Every table (bookkeeping aside) with its column names.
    columns: BTreeMap<String, BTreeSet<String>>,
    /// Every table with foreign keys, with the other tables they reference.
    parents: BTreeMap<String, BTreeSet<String>>,
}

fn registered() -> BTreeSet<String> {
    TENANT_TABLES.iter().map(|t| t.name.to_owned()).collect()
}

/// A PostgreSQL tenant in every placement; for each, an owner connection to the database that
/// holds its tables and the schema they are in.
async fn postgres_targets(bed: &Bed) -> Vec<(String, PgConnection, String)> {
    let owner = bed.store.postgres_placements().unwrap().owner.clone();
    let mut targets = Vec::new();
    for &placement in bed.store.placements() {
        let tenant = provision(&bed.store, &format!("tables-{placement}"), placement).await;
        let (conn, schema) = match placement {
            Placement::Pool => (connect(&owner).await, POOL_SCHEMA.to_owned()),
            Placement::Schema => (connect(&owner).await, schema_name(tenant.id)),
            Placement::Database => (
                connect(&owner.clone().database(&database_name(tenant.id))).await,
                DEDICATED_SCHEMA.to_owned(),
            ),
        };
        targets.push((format!("{} {placement}", bed.label), conn, schema));
    }
    assert_eq!(targets.len(), 3, "postgres: expected three placements");
    targets
}

async fn postgres_catalog(label: String, conn: &mut PgConnection, schema: &str) -> Catalog {
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT table_name::text FROM information_schema.tables \
         WHERE table_schema = $1 AND table_type = 'BASE TABLE' AND table_name <> $2",
    )
    .bind(schema)
    .bind(BOOKKEEPING)
    .fetch_all(&mut *conn)
    .await
    .unwrap();
    let mut columns: BTreeMap<String, BTreeSet<String>> =
        tables.into_iter().map(|t| (t, BTreeSet::new())).collect();
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT table_name::text, column_name::text FROM information_schema.columns \
         WHERE table_schema = $1",
    )
    .bind(schema)
    .fetch_all(&mut *conn)
    .await
    .unwrap();
    for (table, column) in rows {
        if let Some(set) = columns.get_mut(&table) {
            set.insert(column);
        }
    }
    // A parent in another schema keeps its schema in its name, so it matches no tenant table.
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT c.relname::text, \
                CASE WHEN pn.nspname = n.nspname THEN p.relname::text \
                     ELSE pn.nspname::text || '.' || p.relname::text END \
         FROM pg_constraint con \
         JOIN pg_class c ON c.oid = con.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace \
         JOIN pg_class p ON p.oid = con.confrelid JOIN pg_namespace pn ON pn.oid = p.relnamespace \
         WHERE con.contype = 'f' AND n.nspname = $1",
    )
    .bind(schema)
    .fetch_all(&mut *conn)
    .await
    .unwrap();
    let mut parents: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (child, parent) in rows.into_iter().filter(|(c, p)| c != p) {
        parents.entry(child).or_default().insert(parent);
    }
    Catalog {
        label,
        columns,
        parents,
    }
}

async fn sqlite_catalog(bed: &Bed) -> Catalog {
    let tenant = provision(&bed.store, "tables-file", Placement::Database).await;
    let mut tx = bed.store.begin(&tenant).await.unwrap();
    let Engine::Sqlite(conn) = tx.conn() else {
        unreachable!("{} is not SQLite", bed.label)
    };
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name <> $1 \
         AND name NOT LIKE 'sqlite_%'",
    )
    .bind(BOOKKEEPING)
    .fetch_all(&mut *conn)
    .await
    .unwrap();
    let mut columns = BTreeMap::new();
    let mut parents: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for table in tables {
        let names: Vec<String> = sqlx::query_scalar("SELECT name FROM pragma_table_info($1)")
            .bind(&table)
            .fetch_all(&mut *conn)
            .await
            .unwrap();
        let referenced: Vec<String> =
            sqlx::query_scalar("SELECT DISTINCT \"table\" FROM pragma_foreign_key_list($1)")
                .bind(&table)
                .fetch_all(&mut *conn)
                .await
                .unwrap();
        for parent in referenced.into_iter().filter(|p| *p != table) {
            parents.entry(table.clone()).or_default().insert(parent);
        }
        columns.insert(table, names.into_iter().collect());
    }
    tx.rollback().await.unwrap();
    Catalog {
        label: bed.label.to_owned(),
        columns,
        parents,
    }
}

/// The SQLite tenant schema first, then PostgreSQL's in every placement.
async fn catalogs() -> Vec<Catalog> {
    let mut catalogs = vec![sqlite_catalog(&sqlite_bed().await).await];
    let bed = postgres_bed().await;
    for (label, mut conn, schema) in postgres_targets(&bed).await {
        catalogs.push(postgres_catalog(label, &mut conn, &schema).await);
    }
    catalogs
}

fn assert_no_problems(problems: Vec<String>) {
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}

/// The registry alone: each table once, its parents registered before it.
#[test]
fn the_registry_names_each_table_once_after_its_parents() {
    let mut problems = Vec::new();
    for (i, table) in TENANT_TABLES.iter().enumerate() {
        let earlier = &TENANT_TABLES[..i];
        if earlier.iter().any(|t| t.name == table.name) {
            problems.push(format!("registry: {} is listed twice", table.name));
        }
        for (j, parent) in table.parents.iter().enumerate() {
            if !earlier.iter().any(|t| t.name == *parent) {
                problems.push(format!(
                    "registry: {}'s parent {parent} is not listed before it",
                    table.name
                ));
            }
            if table.parents[..j].contains(parent) {
                problems.push(format!(
                    "registry: {} names its parent {parent} twice",
                    table.name
                ));
            }
        }
        if table.holds.trim().is_empty() {
            problems.push(format!(
                "registry: {} does not say what it holds",
                table.name
            ));
        }
    }
    assert_no_problems(problems);
}

#[tokio::test]
async fn sqlite_and_postgres_tenant_schemas_have_the_same_tables_and_columns() {
    let catalogs = catalogs().await;
    let (sqlite, postgres) = catalogs.split_first().unwrap();
    let mut problems = Vec::new();
    for pg in postgres {
        let tables: BTreeSet<&String> = sqlite.columns.keys().chain(pg.columns.keys()).collect();
        for table in tables {
            match (sqlite.columns.get(table), pg.columns.get(table)) {
                (Some(a), Some(b)) if a == b => {}
                (Some(a), Some(b)) => problems.push(format!(
                    "{table}: columns only in {}: {:?}; only in {}: {:?}",
                    sqlite.label,
                    a.difference(b).collect::<Vec<_>>(),
                    pg.label,
                    b.difference(a).collect::<Vec<_>>(),
                )),
                (Some(_), None) => problems.push(format!(
                    "{table}: in {} but not in {}",
                    sqlite.label, pg.label
                )),
                (None, _) => problems.push(format!(
                    "{table}: in {} but not in {}",
                    pg.label, sqlite.label
                )),
            }
        }
    }
    assert_no_problems(problems);
}

#[tokio::test]
async fn the_registry_names_exactly_the_migrated_tenant_tables() {
    let registered = registered();
    let mut problems = Vec::new();
    for catalog in catalogs().await {
        let found: BTreeSet<String> = catalog.columns.keys().cloned().collect();
        for table in found.difference(&registered) {
            problems.push(format!(
                "{}: table {table} is missing from TENANT_TABLES (crates/store/src/tables.rs)",
                catalog.label
            ));
        }
        for table in registered.difference(&found) {
            problems.push(format!(
                "{}: registered table {table} does not exist",
                catalog.label
            ));
        }
    }
    assert_no_problems(problems);
}

#[tokio::test]
async fn the_registry_lists_the_real_foreign_keys_and_puts_parents_first() {
    let position = |name: &str| TENANT_TABLES.iter().position(|t| t.name == name);
    let mut problems = Vec::new();
    for catalog in catalogs().await {
        let label = &catalog.label;
        for (child, parents) in &catalog.parents {
            for parent in parents {
                match (position(child), position(parent)) {
                    (Some(c), Some(p)) if p < c => {}
                    (Some(_), Some(_)) => problems.push(format!(
                        "{label}: {child} references {parent} but comes before it in TENANT_TABLES"
                    )),
                    _ => problems.push(format!(
                        "{label}: {child} references {parent}, and not both are in TENANT_TABLES"
                    )),
                }
            }
        }
        for table in TENANT_TABLES {
            if !catalog.columns.contains_key(table.name) {
                continue; // reported by the_registry_names_exactly_the_migrated_tenant_tables
            }
            let declared: BTreeSet<String> = table.parents.iter().map(|p| p.to_string()).collect();
            let actual = catalog.parents.get(table.name).cloned().unwrap_or_default();
            if declared != actual {
                problems.push(format!(
                    "{label}: {} references {actual:?}, TENANT_TABLES says {declared:?}",
                    table.name
                ));
            }
        }
    }
    assert_no_problems(problems);
}

/// A table's row-level security as the catalog has it: (enabled, forced) and its policies as
/// (name, permissive, roles, command, using, with check), sorted.
type Security = (
    Option<(bool, bool)>,
    Vec<(
        String,
        String,
        String,
        String,
        Option<String>,
        Option<String>,
    )>,
);

async fn security(conn: &mut PgConnection, schema: &str, table: &str) -> Security {
    let flags = sqlx::query_as(
        "SELECT c.relrowsecurity, c.relforcerowsecurity \
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind = 'r'",
    )
    .bind(schema)
    .bind(table)
    .fetch_optional(&mut *conn)
    .await
    .unwrap();
    let policies = sqlx::query_as(
        "SELECT policyname::text, permissive, roles::text, cmd, qual, with_check FROM pg_policies \
         WHERE schemaname = $1 AND tablename = $2 ORDER BY policyname",
    )
    .bind(schema)
    .bind(table)
    .fetch_all(&mut *conn)
    .await
    .unwrap();
    (flags, policies)
}

#[tokio::test]
async fn every_registered_postgres_table_has_forced_rls_and_both_tenant_policies() {
    let bed = postgres_bed().await;
    let tenant_predicate = "current_setting('app.tenant_id'";
    let mut problems = Vec::new();
    for (label, mut conn, schema) in postgres_targets(&bed).await {
        for table in TENANT_TABLES.iter().map(|t| t.name) {
            let (flags, policies) = security(&mut conn, &schema, table).await;
            match flags {
                None => {
                    problems.push(format!("{label}: {table} does not exist"));
                    continue;
                }
                Some((true, true)) => {}
                Some((enabled, forced)) => problems.push(format!(
                    "{label}: {table} has row-level security enabled: {enabled}, forced: {forced}"
                )),
            }
            for (policy, kind) in [
                ("tenant_isolation", "RESTRICTIVE"),
                ("tenant_access", "PERMISSIVE"),
            ] {
                match policies.iter().find(|p| p.0 == policy) {
                    None => problems.push(format!("{label}: {table} has no policy {policy}")),
                    Some((_, permissive, _, cmd, using, _))
                        if permissive != kind
                            || cmd != "ALL"
                            || !using.as_deref().unwrap_or("").contains(tenant_predicate) =>
                    {
                        problems.push(format!(
                            "{label}: {table}'s policy {policy} is {permissive} for {cmd} using {using:?}, \
                             not {kind} for ALL on the tenant setting"
                        ))
                    }
                    Some((.., with_check))
                        if policy == "tenant_isolation"
                            && !with_check
                                .as_deref()
                                .unwrap_or("")
                                .contains(tenant_predicate) =>
                    {
                        problems.push(format!(
                            "{label}: {table}'s policy {policy} checks {with_check:?} on writes, not the tenant setting"
                        ))
                    }
                    Some(_) => {}
                }
            }
        }
    }
    assert_no_problems(problems);
}

/// Migration 0005's `lyceum_isolate_tenant_table` secures a new table exactly as migrations
/// 0001-0004 secured theirs: the same flags and the same two policies as `users`.
#[tokio::test]
async fn the_isolation_function_secures_a_table_as_the_earlier_migrations_did() {
    let bed = postgres_bed().await;
    for (label, mut conn, schema) in postgres_targets(&bed).await {
        let mut tx = conn.begin().await.unwrap();
        sqlx::raw_sql(&format!(
            "SET LOCAL search_path = {}; \
             CREATE TABLE scratch (tenant_id UUID NOT NULL, id UUID NOT NULL, PRIMARY KEY (tenant_id, id)); \
             SELECT lyceum_isolate_tenant_table('scratch');",
            quote_ident(&schema)
        ))
        .execute(&mut *tx)
        .await
        .unwrap_or_else(|e| panic!("{label}: securing a new table: {e}"));
        let users = security(&mut tx, &schema, "users").await;
        let scratch = security(&mut tx, &schema, "scratch").await;
        assert_eq!(users.0, Some((true, true)), "{label}: users");
        assert_eq!(
            scratch, users,
            "{label}: the function secures a table differently from the migrations"
        );
        tx.rollback().await.unwrap();
    }
}
