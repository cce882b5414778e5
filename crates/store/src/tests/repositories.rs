//! The repository contract, run against both engines and every placement.

use super::*;
use lyceum_domain::CourseStatus;

fn new_user(email: &str, role: Role) -> users::NewUser {
    users::NewUser {
        email: Email::parse(email).unwrap(),
        display_name: "Someone".into(),
        role,
        password_hash: Some("$argon2id$placeholder".into()),
    }
}

#[tokio::test]
async fn emails_are_unique_per_tenant_case_insensitively_and_free_across_tenants() {
    for bed in beds().await {
        for &placement in bed.store.placements() {
            let a = provision(&bed.store, &format!("ea-{placement}"), placement).await;
            let b = provision(&bed.store, &format!("eb-{placement}"), placement).await;
            let mut tx = bed.store.begin_write(&a).await.unwrap();
            let ada = users::insert(&mut tx, &new_user("Ada@Example.org", Role::Admin))
                .await
                .unwrap();
            assert_eq!(ada.email.as_str(), "ada@example.org");
            let err = users::insert(&mut tx, &new_user("ADA@example.ORG", Role::Student))
                .await
                .unwrap_err();
            assert_eq!(err.code(), "CONFLICT", "{} {placement}", bed.label);
            tx.rollback().await.unwrap();

            let mut tx = bed.store.begin_write(&a).await.unwrap();
            users::insert(&mut tx, &new_user("ada@example.org", Role::Admin))
                .await
                .unwrap();
            tx.commit().await.unwrap();
            let mut tx = bed.store.begin_write(&b).await.unwrap();
            users::insert(&mut tx, &new_user("ada@example.org", Role::Student))
                .await
                .expect("same e-mail in another tenant");
            let found = users::by_email(&mut tx, &Email::parse("ADA@example.org").unwrap())
                .await
                .unwrap()
                .unwrap();
            assert_eq!(found.role, Role::Student, "tenant B sees its own Ada");
            tx.commit().await.unwrap();
        }
    }
}

#[tokio::test]
async fn user_list_pages_in_creation_order_without_gaps() {
    for bed in beds().await {
        let t = provision(&bed.store, "pages", bed.store.default_placement()).await;
        let mut tx = bed.store.begin_write(&t).await.unwrap();
        let mut created = Vec::new();
        for i in 0..7 {
            created.push(
                users::insert(
                    &mut tx,
                    &new_user(&format!("u{i}@example.org"), Role::Student),
                )
                .await
                .unwrap()
                .id,
            );
        }
        let mut seen = Vec::new();
        let mut cursor = None;
        loop {
            let page = users::list(&mut tx, users::UserFilter::ALL, cursor, 3)
                .await
                .unwrap();
            if page.is_empty() {
                break;
            }
            cursor = page.last().map(|u| u.id);
            seen.extend(page.into_iter().map(|u| u.id));
        }
        assert_eq!(seen, created, "{}", bed.label);
    }
}

#[tokio::test]
async fn course_tree_round_trips_in_order_and_reorders() {
    for bed in beds().await {
        for &placement in bed.store.placements() {
            let t = provision(&bed.store, &format!("tree-{placement}"), placement).await;
            let seeded = seed(&bed.store, &t, "t").await;
            let mut tx = bed.store.begin_write(&t).await.unwrap();
            let course = courses::get(&mut tx, seeded.course).await.unwrap().unwrap();
            assert_eq!(
                (course.title.as_str(), course.status),
                ("Course t", CourseStatus::Draft)
            );
            let rule = CompletionRule::AtLeast { count: 1 };
            let second = modules::insert(&mut tx, seeded.course, "Module 2", &rule)
                .await
                .unwrap();
            let third = modules::insert(&mut tx, seeded.course, "Module 3", &CompletionRule::All)
                .await
                .unwrap();
            assert_eq!(
                (second.position, third.position),
                (1, 2),
                "appended in order"
            );
            assert_eq!(second.completion_rule, rule, "the rule round-trips");
            let first = modules::for_course(&mut tx, seeded.course).await.unwrap()[0].id;
            let order = [third.id, first, second.id];
            let reordered = modules::reorder(&mut tx, seeded.course, &order)
                .await
                .unwrap();
            let ids: Vec<_> = reordered.iter().map(|m| m.id).collect();
            assert_eq!(ids, order, "{} {placement}", bed.label);
            let err = modules::reorder(&mut tx, seeded.course, &[first, first, third.id])
                .await
                .unwrap_err();
            assert_eq!(err.code(), "VALIDATION_FAILED", "not a permutation");

            let lessons = lessons::for_module(&mut tx, first).await.unwrap();
            assert_eq!(lessons.len(), 1);
            assert_eq!(lessons[0].content[0]["markdown"], "Hello");
            assert_eq!(lessons[0].kind, LessonKind::Text);
            assert!(lessons::for_module(&mut tx, second.id)
                .await
                .unwrap()
                .is_empty());
            let outline = lessons::progress_outline(&mut tx, seeded.student, &[seeded.course])
                .await
                .unwrap();
            let entries: Vec<_> = outline
                .iter()
                .map(|e| (e.module, e.lesson, e.completed))
                .collect();
            assert_eq!(
                entries,
                [
                    (third.id, None, false),
                    (first, Some(seeded.lesson), false),
                    (second.id, None, false),
                ],
                "modules in order, each with its lessons; 40% is not completed"
            );
            assert_eq!(
                courses::instructors(&mut tx, seeded.course)
                    .await
                    .unwrap()
                    .len(),
                1
            );
            let draft = courses::CourseDraft {
                slug: lyceum_domain::CourseSlug::parse("course-t").unwrap(),
                title: "Dup".into(),
                description: String::new(),
                cover_image: None,
                max_enrollment: None,
                settings: serde_json::json!({}),
            };
            let err = courses::insert(&mut tx, &draft).await.unwrap_err();
            assert_eq!(err.code(), "CONFLICT");
        }
    }
}

#[tokio::test]
async fn catalog_search_is_case_insensitive_and_literal_on_both_engines() {
    for bed in beds().await {
        let t = provision(&bed.store, "catalog", bed.store.default_placement()).await;
        let mut tx = bed.store.begin_write(&t).await.unwrap();
        for (slug, title) in [
            ("rust", "Rust für Anfänger"),
            ("sql", "ÜBER SQL: 100% sicher"),
            ("go", "Go_lang basics"),
        ] {
            let draft = courses::CourseDraft {
                slug: lyceum_domain::CourseSlug::parse(slug).unwrap(),
                title: title.into(),
                description: String::new(),
                cover_image: None,
                max_enrollment: None,
                settings: serde_json::json!({}),
            };
            courses::insert(&mut tx, &draft).await.unwrap();
        }
        let search = |q: &str| courses::CatalogQuery {
            visibility: courses::Visibility::All,
            status: None,
            search: lyceum_domain::SearchText::new(q),
            after: None,
            limit: 50,
        };
        for (q, expected) in [
            ("FÜR", vec!["rust"]),
            ("über", vec!["sql"]),
            ("100%", vec!["sql"]),
            ("%", vec!["sql"]),
            ("o_l", vec!["go"]),
            ("_", vec!["go"]),
            ("basics", vec!["go"]),
        ] {
            let found: Vec<String> = courses::list(&mut tx, &search(q))
                .await
                .unwrap()
                .into_iter()
                .map(|c| c.slug.to_string())
                .collect();
            assert_eq!(found, expected, "{} search {q:?}", bed.label);
        }
    }
}

#[tokio::test]
async fn rows_cannot_reference_another_tenants_rows() {
    for bed in beds().await {
        for &placement in bed.store.placements() {
            let a = provision(&bed.store, &format!("ra-{placement}"), placement).await;
            let b = provision(&bed.store, &format!("rb-{placement}"), placement).await;
            let in_a = seed(&bed.store, &a, "a").await;
            let in_b = seed(&bed.store, &b, "b").await;
            let mut tx = bed.store.begin_write(&b).await.unwrap();
            let err = enrollments::enroll(&mut tx, in_b.course, in_a.student, None, None)
                .await
                .unwrap_err();
            assert_eq!(
                err.code(),
                "INVALID_REFERENCE",
                "{} {placement}: B enrolled A's student",
                bed.label
            );
            tx.rollback().await.unwrap();
            let mut tx = bed.store.begin_write(&b).await.unwrap();
            let err = progress::record(&mut tx, in_b.student, in_a.lesson, 10)
                .await
                .unwrap_err();
            assert_eq!(
                err.code(),
                "INVALID_REFERENCE",
                "{} {placement}: B tracked A's lesson",
                bed.label
            );
        }
    }
}

#[tokio::test]
async fn progress_never_goes_backwards_and_rejects_out_of_range() {
    for bed in beds().await {
        let t = provision(&bed.store, "progress", bed.store.default_placement()).await;
        let s = seed(&bed.store, &t, "p").await;
        let mut tx = bed.store.begin_write(&t).await.unwrap();
        assert_eq!(
            progress::record(&mut tx, s.student, s.lesson, 20)
                .await
                .unwrap()
                .percent,
            40
        );
        let done = progress::record(&mut tx, s.student, s.lesson, 100)
            .await
            .unwrap();
        assert_eq!((done.percent, done.status.as_str()), (100, "completed"));
        assert!(done.completed_at.is_some());
        let after = progress::record(&mut tx, s.student, s.lesson, 50)
            .await
            .unwrap();
        assert_eq!(
            (after.percent, after.status.as_str()),
            (100, "completed"),
            "{}",
            bed.label
        );
        for bad in [-1, 101] {
            assert_eq!(
                progress::record(&mut tx, s.student, s.lesson, bad)
                    .await
                    .unwrap_err()
                    .code(),
                "VALIDATION_FAILED"
            );
        }
    }
}

#[tokio::test]
async fn enrolling_twice_keeps_one_enrollment_and_events_commit_with_the_change() {
    for bed in beds().await {
        let t = provision(&bed.store, "twice-enrolled", bed.store.default_placement()).await;
        let s = seed(&bed.store, &t, "e").await;
        let mut tx = bed.store.begin_write(&t).await.unwrap();
        let (again, created) = enrollments::enroll(&mut tx, s.course, s.student, None, None)
            .await
            .unwrap();
        assert!(!created, "{}: enrolled twice", bed.label);
        assert_eq!(again.user_id, s.student);
        tx.rollback().await.unwrap();

        // An event appended in a rolled-back transaction is gone with it.
        let mut tx = bed.store.begin_write(&t).await.unwrap();
        let published = lyceum_domain::events::CoursePublished {
            course_id: s.course,
            module_count: 1,
            lesson_count: 1,
            by: s.student,
        };
        outbox::append(&mut tx, Some(s.student), &published.into())
            .await
            .unwrap();
        tx.rollback().await.unwrap();
        let mut tx = bed.store.begin_write(&t).await.unwrap();
        let pending = outbox::pending(&mut tx, 10).await.unwrap();
        let kinds: Vec<&str> = pending.iter().map(|e| e.event_type.as_str()).collect();
        assert_eq!(kinds, ["student.enrolled"], "{}", bed.label);
        assert_eq!(
            enrollments::for_user(&mut tx, s.student)
                .await
                .unwrap()
                .len(),
            1
        );
    }
}

/// Two read-then-write transactions on one SQLite tenant: the second waits for the first to
/// commit before it reads, so it neither fails with `SQLITE_BUSY` when it upgrades to a writer
/// nor writes over the first one's change.
#[tokio::test]
async fn sqlite_write_transactions_take_the_write_lock_before_reading() {
    let bed = sqlite_bed().await;
    let t = provision(&bed.store, "writers", Placement::Database).await;
    let seeded = seed(&bed.store, &t, "w").await;
    let append = |store: Store, tenant: Tenant, suffix: &'static str| async move {
        let mut tx = store.begin_write(&tenant).await?;
        let user = users::get(&mut tx, seeded.student).await?.unwrap();
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        let name = format!("{}{suffix}", user.display_name);
        users::update(&mut tx, user.id, Some(&name), None).await?;
        tx.commit().await
    };
    let first = tokio::spawn(append(bed.store.clone(), t.clone(), "+a"));
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let second = tokio::spawn(append(bed.store.clone(), t.clone(), "+b"));
    first.await.unwrap().expect("first writer");
    second
        .await
        .unwrap()
        .expect("second writer waits, then succeeds");
    let mut tx = bed.store.begin_write(&t).await.unwrap();
    let user = users::get(&mut tx, seeded.student).await.unwrap().unwrap();
    assert!(
        user.display_name.ends_with("+a+b"),
        "both changes kept, in order: {}",
        user.display_name
    );
}

#[tokio::test]
async fn expired_refresh_tokens_are_purged_and_valid_ones_kept() {
    for bed in beds().await {
        let t = provision(&bed.store, "purge", bed.store.default_placement()).await;
        let s = seed(&bed.store, &t, "r").await;
        let mut tx = bed.store.begin_write(&t).await.unwrap();
        let now = chrono::Utc::now();
        let family = uuid::Uuid::now_v7();
        refresh_tokens::insert(
            &mut tx,
            family,
            s.student,
            b"old",
            now - chrono::Duration::hours(1),
        )
        .await
        .unwrap();
        refresh_tokens::insert(
            &mut tx,
            family,
            s.student,
            b"new",
            now + chrono::Duration::hours(1),
        )
        .await
        .unwrap();
        // The seed's token expired at its creation too.
        assert_eq!(
            refresh_tokens::purge_expired(&mut tx, Some(s.student))
                .await
                .unwrap(),
            2,
            "{}",
            bed.label
        );
        assert!(refresh_tokens::by_hash(&mut tx, b"old")
            .await
            .unwrap()
            .is_none());
        assert!(refresh_tokens::by_hash(&mut tx, b"new")
            .await
            .unwrap()
            .is_some());
    }
}

#[tokio::test]
async fn a_committed_write_advances_only_its_tenants_data_version() {
    for bed in beds().await {
        let a = provision(&bed.store, "version-a", bed.store.default_placement()).await;
        let b = provision(&bed.store, "version-b", bed.store.default_placement()).await;
        let version = |t: &Tenant| bed.store.data_version(t.id, None);
        let (a0, b0) = (version(&a), version(&b));

        let mut tx = bed.store.begin(&a).await.unwrap();
        users::list(&mut tx, users::UserFilter::ALL, None, 10)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        assert_eq!(version(&a), a0, "{}: a read moved the version", bed.label);
        if bed.store.engine() == crate::EngineKind::Postgres {
            // The repositories' writes take only a `WriteTx` (a compile-fail doc test on
            // `WriteTx`); below them, a transaction opened to read is `READ ONLY`, so not even
            // raw SQL writes through it (and skips the version).
            let mut tx = bed.store.begin(&a).await.unwrap();
            let refused = execute(
                &mut tx,
                "DELETE FROM users WHERE tenant_id = $1",
                Some(a.id.as_uuid()),
            )
            .await;
            assert!(refused.is_err(), "a write through begin() went through");
        }

        let mut tx = bed.store.begin_write(&a).await.unwrap();
        users::insert(&mut tx, &new_user("rolled@back.test", Role::Student))
            .await
            .unwrap();
        assert_eq!(version(&a), a0, "{}: moved before commit", bed.label);
        tx.rollback().await.unwrap();
        assert_eq!(version(&a), a0, "{}: a rollback moved it", bed.label);

        let mut tx = bed.store.begin_write(&a).await.unwrap();
        users::insert(&mut tx, &new_user("kept@write.test", Role::Student))
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let a1 = version(&a);
        assert_ne!(a1, a0, "{}: a commit did not move the version", bed.label);
        assert_eq!(
            version(&b),
            b0,
            "{}: another tenant's version moved",
            bed.label
        );

        let mut tx = bed.store.begin_write(&b).await.unwrap();
        users::insert(&mut tx, &new_user("other@write.test", Role::Student))
            .await
            .unwrap();
        tx.commit().await.unwrap();
        assert_ne!(version(&b), b0);
        assert_eq!(
            version(&a),
            a1,
            "{}: a's version moved with b's write",
            bed.label
        );

        // A write declared as one user's own moves that user's version only.
        let (one, two) = (
            UserId::from_uuid(uuid::Uuid::now_v7()),
            UserId::from_uuid(uuid::Uuid::now_v7()),
        );
        let of = |user| bed.store.data_version(a.id, Some(user));
        let (one0, two0) = (of(one), of(two));
        let mut tx = bed.store.begin_write(&a).await.unwrap();
        tx.affects_only(one);
        users::insert(&mut tx, &new_user("own@write.test", Role::Student))
            .await
            .unwrap();
        tx.commit().await.unwrap();
        assert_ne!(of(one), one0, "{}: the user's version stayed", bed.label);
        assert_eq!(of(two), two0, "{}: another user's version moved", bed.label);
        assert_eq!(version(&a), a1, "{}: the tenant's version moved", bed.label);

        // Declared for two users, it moves the tenant's, and so every user's.
        let mut tx = bed.store.begin_write(&a).await.unwrap();
        tx.affects_only(one);
        tx.affects_only(two);
        users::insert(&mut tx, &new_user("both@write.test", Role::Student))
            .await
            .unwrap();
        tx.commit().await.unwrap();
        assert_ne!(
            version(&a),
            a1,
            "{}: two users' write kept the tenant's",
            bed.label
        );
        assert_ne!(of(two), two0, "{}", bed.label);
    }
}

/// Commits a new student in `tenant`, declared as `own`'s write if given.
async fn write(store: &Store, tenant: &Tenant, email: &str, own: Option<UserId>) {
    let mut tx = store.begin_write(tenant).await.unwrap();
    if let Some(user) = own {
        tx.affects_only(user);
    }
    users::insert(&mut tx, &new_user(email, Role::Student))
        .await
        .unwrap();
    tx.commit().await.unwrap();
}

/// Waits for `store` to hear of a write that moves `tenant`'s (or `own`'s) version from
/// `before`: the notice travels asynchronously; a lost one fails here.
async fn heard(store: &Store, tenant: &Tenant, own: Option<UserId>, before: crate::DataVersion) {
    let moved = tokio::time::timeout(std::time::Duration::from_secs(10), async {
        while store.data_version(tenant.id, own) == before {
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
    });
    assert!(
        moved.await.is_ok(),
        "{} {own:?}: the other server never heard",
        tenant.slug
    );
}

#[tokio::test]
async fn a_write_through_one_server_moves_the_data_version_in_the_others() {
    let (config, _guard) = testing::postgres_config().await;
    let here = Store::open(config.clone()).await.unwrap();
    let there = Store::open(config).await.unwrap();
    for &placement in here.placements() {
        let a = provision(&here, &format!("shared-a-{placement}"), placement).await;
        let b = provision(&here, &format!("shared-b-{placement}"), placement).await;
        let user = UserId::from_uuid(uuid::Uuid::now_v7());
        let version = |t: &Tenant, user| there.data_version(t.id, user);
        let b0 = version(&b, None);
        let before = version(&a, None);
        write(&here, &a, "shared@elsewhere.test", None).await;
        heard(&there, &a, None, before).await;
        let tenant_then = version(&a, None);
        let before = version(&a, Some(user));
        write(&here, &a, "own@elsewhere.test", Some(user)).await;
        heard(&there, &a, Some(user), before).await;
        assert_eq!(
            version(&a, None),
            tenant_then,
            "{placement}: a user's write moved the tenant's"
        );
        assert_eq!(version(&b, None), b0, "{placement}: b moved with a");
    }
    here.close().await;
    there.close().await;
}

#[tokio::test]
async fn an_everything_notice_moves_every_version() {
    let (config, _guard) = testing::postgres_config().await;
    let crate::EngineConfig::Postgres { runtime, .. } = config.engine.clone() else {
        unreachable!()
    };
    let store = Store::open(config).await.unwrap();
    let t = provision(&store, "everything", Placement::Pool).await;
    let user = UserId::from_uuid(uuid::Uuid::now_v7());
    let (tenant0, user0) = (
        store.data_version(t.id, None),
        store.data_version(t.id, Some(user)),
    );
    // What another process's announcer sends when its queue overflowed.
    let mut other = connect(&runtime).await;
    sqlx::query("SELECT pg_notify('lyceum_data_versions', 'another-process everything')")
        .execute(&mut other)
        .await
        .unwrap();
    heard(&store, &t, None, tenant0).await;
    assert_ne!(
        store.data_version(t.id, Some(user)),
        user0,
        "the user's copies survived"
    );
    store.close().await;
}

/// A password reset is one tenant's: another tenant finds no token by its hash and cannot
/// spend it by its id; within its tenant it is spent once, and an expired one never.
#[tokio::test]
async fn password_resets_are_spent_once_and_only_in_their_tenant() {
    use crate::repo::password_resets;
    for bed in beds().await {
        for &placement in bed.store.placements() {
            let a = provision(&bed.store, &format!("ra-{placement}"), placement).await;
            let b = provision(&bed.store, &format!("rb-{placement}"), placement).await;
            let label = format!("{} {placement}", bed.label);
            let mut tx = bed.store.begin_write(&a).await.unwrap();
            let ada = users::insert(&mut tx, &new_user("ada@example.org", Role::Student))
                .await
                .unwrap();
            let soon = chrono::Utc::now() + chrono::Duration::hours(1);
            password_resets::issue(&mut tx, ada.id, b"old-token", soon, None)
                .await
                .unwrap();
            // A new reset withdraws the unused one.
            password_resets::issue(&mut tx, ada.id, b"a-token", soon, None)
                .await
                .unwrap();
            assert!(password_resets::by_hash(&mut tx, b"old-token")
                .await
                .unwrap()
                .is_none());
            let past = chrono::Utc::now() - chrono::Duration::minutes(1);
            let bob = users::insert(&mut tx, &new_user("bob@example.org", Role::Student))
                .await
                .unwrap();
            password_resets::issue(&mut tx, bob.id, b"expired-token", past, None)
                .await
                .unwrap();
            tx.commit().await.unwrap();
            let mut tx = bed.store.begin(&a).await.unwrap();
            let reset = password_resets::by_hash(&mut tx, b"a-token")
                .await
                .unwrap()
                .expect("the tenant finds its reset");
            tx.rollback().await.unwrap();

            let mut tx = bed.store.begin_write(&b).await.unwrap();
            assert!(
                password_resets::by_hash(&mut tx, b"a-token")
                    .await
                    .unwrap()
                    .is_none(),
                "{label}: B found A's reset"
            );
            assert!(
                !password_resets::spend(&mut tx, reset.id).await.unwrap(),
                "{label}: B spent A's reset"
            );
            tx.commit().await.unwrap();

            let mut tx = bed.store.begin_write(&a).await.unwrap();
            assert!(
                password_resets::spend(&mut tx, reset.id).await.unwrap(),
                "{label}"
            );
            assert!(
                !password_resets::spend(&mut tx, reset.id).await.unwrap(),
                "{label}: spent twice"
            );
            let expired = password_resets::by_hash(&mut tx, b"expired-token")
                .await
                .unwrap()
                .unwrap();
            assert!(!expired.is_open(chrono::Utc::now()), "{label}");
            assert!(
                !password_resets::spend(&mut tx, expired.id).await.unwrap(),
                "{label}: an expired reset was spent"
            );
            assert_eq!(password_resets::purge_expired(&mut tx).await.unwrap(), 1);
            tx.commit().await.unwrap();
        }
    }
}
