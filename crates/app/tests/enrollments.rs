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
