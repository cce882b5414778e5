//! Enrolling through the application layer, on both engines: when a course is open, who must
//! have completed its prerequisites, and the event every face records.

use lyceum_app::learning::{enroll, EnrolledBy};
use lyceum_app::Refusal;
use lyceum_domain::{CourseStatus, Email, Role, Slug};
use lyceum_store::repo::courses::{self, Course, CourseDraft};
use lyceum_store::repo::{outbox, users};
use lyceum_store::{testing, NewTenant, Store, WriteTx};

async fn course(tx: &mut WriteTx, slug: &str, status: CourseStatus) -> Course {
    let draft = CourseDraft {
        slug: lyceum_domain::CourseSlug::parse(slug).unwrap(),
        title: slug.to_owned(),
        description: String::new(),
        cover_image: None,
        max_enrollment: None,
        settings: serde_json::json!({}),
    };
    let course = courses::insert(tx, &draft).await.unwrap();
    courses::set_status(tx, course.id, status)
        .await
        .unwrap()
        .unwrap()
}

#[tokio::test]
async fn enrollment_rules_and_event_on_both_engines() {
    let (sqlite, _sqlite_guard) = testing::sqlite_config();
    let (postgres, _postgres_guard) = testing::postgres_config().await;
    for (label, config) in [("sqlite", sqlite), ("postgres", postgres)] {
        let store = Store::open(config).await.unwrap();
        let tenant = store
            .provision(NewTenant::new(Slug::parse("enroll-app").unwrap(), "Enroll"))
            .await
            .unwrap();
        let mut tx = store.begin_write(&tenant).await.unwrap();
        let person = |email: &str, role| users::NewUser {
            email: Email::parse(email).unwrap(),
            display_name: "Person".into(),
            role,
            password_hash: None,
        };
        let learner = users::insert(&mut tx, &person("l@example.org", Role::Student))
            .await
            .unwrap();
        let teacher = users::insert(&mut tx, &person("t@example.org", Role::Instructor))
            .await
            .unwrap();
        let draft = course(&mut tx, "draft", CourseStatus::Draft).await;
        let basics = course(&mut tx, "basics", CourseStatus::Published).await;
        let advanced = course(&mut tx, "advanced", CourseStatus::Published).await;
        courses::set_prerequisites(&mut tx, advanced.id, &[basics.id])
            .await
            .unwrap();

        let refused = enroll(&mut tx, &draft, learner.id, None, EnrolledBy::System).await;
        assert!(
            matches!(&refused, Err(e @ Refusal::Conflict { .. }) if e.code() == "COURSE_NOT_OPEN"),
            "{label}: {refused:?}"
        );
        let refused = enroll(&mut tx, &advanced, learner.id, None, EnrolledBy::Themselves).await;
        assert!(
            matches!(&refused, Err(e) if e.code() == "PREREQUISITES_NOT_MET"),
            "{label}: {refused:?}"
        );
        // Staff may enroll a learner who has not completed the prerequisites.
        let (enrollment, created) = enroll(
            &mut tx,
            &advanced,
            learner.id,
            None,
            EnrolledBy::Staff(teacher.id),
        )
        .await
        .unwrap();
        assert!(created, "{label}");
        let (again, created) = enroll(&mut tx, &advanced, learner.id, None, EnrolledBy::Themselves)
            .await
            .unwrap();
        assert!(!created && again.id == enrollment.id, "{label}");

        let events = outbox::pending(&mut tx, 10).await.unwrap();
        assert_eq!(events.len(), 1, "{label}: one event for one enrollment");
        assert_eq!(events[0].event_type, "student.enrolled");
        assert_eq!(events[0].aggregate_id, enrollment.id.as_uuid());
        assert_eq!(
            events[0].payload.0,
            serde_json::json!({
                "course_id": advanced.id, "user_id": learner.id, "enrollment_id": enrollment.id,
                "by": teacher.id, "schema_version": 1
            }),
            "{label}"
        );
        tx.commit().await.unwrap();
        store.close().await;
    }
}

#[tokio::test]
async fn a_batch_enrolls_through_the_same_rule_in_order_with_an_outcome_each() {
    use lyceum_app::learning::enrollments::{enroll_batch, Wanted};
    use lyceum_domain::{EnrollmentStatus, UserStatus};
    use lyceum_store::repo::enrollments;

    let (sqlite, _sqlite_guard) = testing::sqlite_config();
    let (postgres, _postgres_guard) = testing::postgres_config().await;
    for (label, config) in [("sqlite", sqlite), ("postgres", postgres)] {
        let store = Store::open(config).await.unwrap();
        let tenant = store
            .provision(NewTenant::new(Slug::parse("batch-app").unwrap(), "Batch"))
            .await
            .unwrap();
        let mut tx = store.begin_write(&tenant).await.unwrap();
        let mut people = Vec::new();
        for i in 0..4 {
            let new = users::NewUser {
                email: Email::parse(&format!("p{i}@example.org")).unwrap(),
                display_name: format!("P{i}"),
                role: Role::Student,
                password_hash: None,
            };
            people.push(users::insert(&mut tx, &new).await.unwrap().id);
        }
        let admin = users::insert(
            &mut tx,
            &users::NewUser {
                email: Email::parse("admin@example.org").unwrap(),
                display_name: "Admin".into(),
                role: Role::Admin,
                password_hash: None,
            },
        )
        .await
        .unwrap()
        .id;
        users::set_status(&mut tx, people[3], UserStatus::Deactivated)
            .await
            .unwrap();
        let open = course(&mut tx, "open", CourseStatus::Published).await;
        let draft = course(&mut tx, "draft", CourseStatus::Draft).await;
        let mut small = course(&mut tx, "small", CourseStatus::Published).await;
        small.max_enrollment = Some(2);
        let courses = [open.clone(), draft, small];
        // People 0 took a seat in the small course once and dropped it; they come back.
        let (dropped, _) = enroll(&mut tx, &courses[2], people[0], None, EnrolledBy::System)
            .await
            .unwrap();
        enrollments::set_status(&mut tx, dropped.id, EnrollmentStatus::Dropped, None)
            .await
            .unwrap();
        let before = outbox::pending(&mut tx, 100).await.unwrap().len();

        let want = |course: usize, learner| Wanted {
            course,
            learner,
            due_at: None,
        };
        let wanted = [
            want(0, people[0]),
            want(0, people[0]), // the same again: answered as enrolled already
            want(1, people[1]), // a draft
            want(2, people[0]), // back from dropping out: a seat
            want(2, people[1]), // the last seat
            want(2, people[2]), // full now
            want(0, people[3]), // deactivated
            want(0, lyceum_domain::UserId::new()), // nobody
        ];
        let outcomes = enroll_batch(&mut tx, &courses, &wanted, EnrolledBy::Staff(admin))
            .await
            .unwrap();
        let codes: Vec<Result<bool, &str>> = outcomes
            .iter()
            .map(|o| match o {
                Ok((_, created)) => Ok(*created),
                Err(e) => Err(e.code()),
            })
            .collect();
        assert_eq!(
            codes,
            [
                Ok(true),
                Ok(false),
                Err("COURSE_NOT_OPEN"),
                Ok(true),
                Ok(true),
                Err("COURSE_FULL"),
                Err("USER_DEACTIVATED"),
                Err("NOT_FOUND"),
            ],
            "{label}"
        );
        let (first, again) = (&outcomes[0], &outcomes[1]);
        assert_eq!(
            first.as_ref().unwrap().0.id,
            again.as_ref().unwrap().0.id,
            "{label}"
        );
        assert_eq!(outcomes[3].as_ref().unwrap().0.id, dropped.id, "{label}");
        assert_eq!(
            enrollments::find(&mut tx, open.id, people[2])
                .await
                .unwrap()
                .map(|e| e.id),
            None,
            "{label}: nothing written for a refused one"
        );
        // One `student.enrolled` per enrollment made, in the order asked, naming the admin.
        let events = outbox::pending(&mut tx, 100).await.unwrap();
        let made: Vec<_> = events[before..]
            .iter()
            .map(|e| {
                assert_eq!(e.event_type, "student.enrolled", "{label}");
                assert_eq!(e.payload.0["by"], serde_json::json!(admin), "{label}");
                e.aggregate_id
            })
            .collect();
        let expected: Vec<_> = [0, 3, 4]
            .iter()
            .map(|&i| outcomes[i].as_ref().unwrap().0.id.as_uuid())
            .collect();
        let (mut made_sorted, mut expected_sorted) = (made.clone(), expected.clone());
        made_sorted.sort();
        expected_sorted.sort();
        assert_eq!(made_sorted, expected_sorted, "{label}");
        tx.commit().await.unwrap();
        store.close().await;
    }
}
