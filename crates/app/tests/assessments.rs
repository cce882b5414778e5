//! Attempts through the application layer on both engines, with the clock given to the use
//! cases (no sleeping): the time limit enforced on the server's clock, late submissions per
//! policy, an expired attempt making room for the next, and which attempt counts towards the
//! quiz lesson (highest, latest, average).

use chrono::{DateTime, Duration, TimeZone, Utc};
use lyceum_app::assessments::attempts::{self, AttemptView};
use lyceum_app::assessments::{self, AssessmentInput};
use lyceum_app::learning::{enroll, EnrolledBy};
use lyceum_app::{Actor, Refusal};
use lyceum_domain::assessment::{
    Answer, AssessmentKind, AssessmentRules, CountedAttempt, LatePolicy, QuestionDraft,
    QuestionKey, SubmissionStatus,
};
use lyceum_domain::{
    AssessmentId, CompletionRule, CourseStatus, Email, LessonKind, LessonProgressStatus, Origin,
    Plan, QuestionId, Role, Slug,
};
use lyceum_store::repo::courses::{self, CourseDraft};
use lyceum_store::repo::lessons::{self, LessonDraft};
use lyceum_store::repo::{modules, outbox, progress, users};
use lyceum_store::{testing, NewTenant, Store, Tenant};
use serde_json::json;

fn t(seconds: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2031, 3, 1, 9, 0, 0).unwrap() + Duration::seconds(seconds)
}

struct Bed {
    store: Store,
    tenant: Tenant,
    admin: Actor,
    learner: Actor,
    lesson: lyceum_domain::LessonId,
    assessment: AssessmentId,
}

fn actor(user: lyceum_domain::UserId, role: Role) -> Actor {
    Actor {
        user,
        role,
        plan: Plan::Pro,
        origin: Origin::default(),
    }
}

/// A published course with one quiz lesson linking a two-question quiz (true/false, one point
/// each) under `rules`, a learner enrolled.
async fn bed(store: Store, slug: &str, rules: AssessmentRules) -> Bed {
    let tenant = store
        .provision(NewTenant::new(Slug::parse(slug).unwrap(), slug))
        .await
        .unwrap();
    let mut tx = store.begin_write(&tenant).await.unwrap();
    let person = |email: &str, role| users::NewUser {
        email: Email::parse(email).unwrap(),
        display_name: "Person".into(),
        role,
        password_hash: None,
    };
    let admin = users::insert(&mut tx, &person("a@example.org", Role::Admin))
        .await
        .unwrap();
    let learner = users::insert(&mut tx, &person("l@example.org", Role::Student))
        .await
        .unwrap();
    let (admin, learner) = (
        actor(admin.id, Role::Admin),
        actor(learner.id, Role::Student),
    );
    let draft = CourseDraft {
        slug: lyceum_domain::CourseSlug::parse("quiz").unwrap(),
        title: "Quiz".to_owned(),
        description: String::new(),
        cover_image: None,
        max_enrollment: None,
        settings: json!({}),
    };
    let course = courses::insert(&mut tx, &draft).await.unwrap();
    let input = AssessmentInput {
        kind: AssessmentKind::Quiz,
        title: "Clocked".to_owned(),
        instructions: String::new(),
        rules,
        draws: Vec::new(),
    };
    let assessment = assessments::create(&mut tx, &admin, course.id, input)
        .await
        .unwrap();
    for prompt in ["one", "two"] {
        let question = QuestionDraft {
            prompt: prompt.to_owned(),
            points: 1,
            tags: Vec::new(),
            key: QuestionKey::TrueFalse { correct: true },
        };
        assessments::add_question(&mut tx, &admin, assessment.id, &question)
            .await
            .unwrap();
    }
    let module = modules::insert(&mut tx, course.id, "Only", &CompletionRule::All)
        .await
        .unwrap();
    let lesson = lessons::insert(
        &mut tx,
        module.id,
        &LessonDraft {
            title: "Quiz".to_owned(),
            kind: LessonKind::Quiz,
            content: json!([{"type": "assessment", "assessment_id": assessment.id}]),
            duration_seconds: None,
            release_rule: None,
        },
    )
    .await
    .unwrap();
    let course = courses::set_status(&mut tx, course.id, CourseStatus::Published)
        .await
        .unwrap()
        .unwrap();
    enroll(&mut tx, &course, learner.user, None, EnrolledBy::System)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    Bed {
        store,
        tenant,
        admin,
        learner,
        lesson: lesson.id,
        assessment: assessment.id,
    }
}

impl Bed {
    async fn start(&self, now: DateTime<Utc>) -> Result<AttemptView, Refusal> {
        let mut tx = self.store.begin_write(&self.tenant).await.unwrap();
        let started = attempts::start(&mut tx, &self.learner, self.assessment, now).await?;
        tx.commit().await.unwrap();
        Ok(started.attempt)
    }

    /// Submits the attempt with `right` of its two questions answered right.
    async fn submit(
        &self,
        attempt: &AttemptView,
        right: usize,
        now: DateTime<Utc>,
    ) -> Result<AttemptView, Refusal> {
        let answers: Vec<(QuestionId, Answer)> = attempt
            .questions
            .iter()
            .enumerate()
            .map(|(i, q)| {
                (
                    QuestionId::from_uuid(q.id),
                    Answer::TrueFalse { value: i < right },
                )
            })
            .collect();
        let mut tx = self.store.begin_write(&self.tenant).await.unwrap();
        let done = attempts::submit(
            &mut tx,
            &self.learner,
            self.assessment,
            Some(attempt.summary.id),
            &answers,
            now,
        )
        .await?;
        tx.commit().await.unwrap();
        Ok(done)
    }

    async fn lesson_completed(&self) -> bool {
        let mut tx = self.store.begin(&self.tenant).await.unwrap();
        let row = progress::get(&mut tx, self.learner.user, self.lesson)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        row.is_some_and(|r| r.status == LessonProgressStatus::Completed)
    }
}

async fn stores() -> Vec<(&'static str, Store, testing::TestGuard)> {
    let (sqlite, sqlite_guard) = testing::sqlite_config();
    let (postgres, postgres_guard) = testing::postgres_config().await;
    vec![
        ("sqlite", Store::open(sqlite).await.unwrap(), sqlite_guard),
        (
            "postgres",
            Store::open(postgres).await.unwrap(),
            postgres_guard,
        ),
    ]
}

fn code<T: std::fmt::Debug>(result: &Result<T, Refusal>) -> &'static str {
    match result {
        Err(refusal) => refusal.code(),
        Ok(value) => panic!("accepted: {value:?}"),
    }
}

#[tokio::test]
async fn the_time_limit_is_kept_on_the_servers_clock() {
    for (label, store, _guard) in stores().await {
        let rules = AssessmentRules {
            time_limit_seconds: Some(60),
            max_attempts: Some(2),
            ..AssessmentRules::default()
        };
        let b = bed(store, "clocked", rules).await;
        let first = b.start(t(0)).await.unwrap();
        assert_eq!(first.summary.deadline_at, Some(t(60)), "{label}");
        // One second past the limit: refused, and nothing recorded.
        let late = b.submit(&first, 2, t(61)).await;
        assert_eq!(code(&late), "DEADLINE_PASSED", "{label}");
        // Starting again closes the expired attempt and opens the second.
        let second = b.start(t(120)).await.unwrap();
        assert_eq!(second.summary.attempt, 2, "{label}");
        // In time, it is graded and counts.
        let done = b.submit(&second, 2, t(179)).await.unwrap();
        assert_eq!(
            (done.summary.status, done.summary.late, done.summary.passed),
            (SubmissionStatus::Graded, false, Some(true)),
            "{label}"
        );
        assert!(b.lesson_completed().await, "{label}");
        // Both attempts are used: the expired one counts as one.
        assert_eq!(
            code(&b.start(t(300)).await),
            "MAX_ATTEMPTS_REACHED",
            "{label}"
        );
        let mut tx = b.store.begin(&b.tenant).await.unwrap();
        let listed = attempts::of_assessment(&mut tx, &b.admin, b.assessment, t(300))
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let statuses: Vec<_> = listed.iter().map(|a| a.status).collect();
        assert_eq!(
            statuses,
            vec![SubmissionStatus::Expired, SubmissionStatus::Graded],
            "{label}"
        );
    }
}

#[tokio::test]
async fn a_late_submission_is_accepted_marked_late_when_the_policy_says_so() {
    for (label, store, _guard) in stores().await {
        let rules = AssessmentRules {
            time_limit_seconds: Some(60),
            late: LatePolicy::Accept,
            ..AssessmentRules::default()
        };
        let b = bed(store, "lenient", rules).await;
        let attempt = b.start(t(0)).await.unwrap();
        let done = b.submit(&attempt, 1, t(3600)).await.unwrap();
        assert_eq!(
            (done.summary.status, done.summary.late),
            (SubmissionStatus::Graded, true),
            "{label}"
        );
        // Not yet open, and closed after the window, on the clock given.
        let windowed = AssessmentRules {
            available_from: Some(t(100)),
            available_until: Some(t(200)),
            ..AssessmentRules::default()
        };
        let mut tx = b.store.begin_write(&b.tenant).await.unwrap();
        let change = assessments::AssessmentChange {
            available_from: Some(windowed.available_from),
            available_until: Some(windowed.available_until),
            ..Default::default()
        };
        assessments::change(&mut tx, &b.admin, b.assessment, change)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        assert_eq!(
            code(&b.start(t(50)).await),
            "ASSESSMENT_NOT_OPEN",
            "{label}"
        );
        assert_eq!(
            code(&b.start(t(250)).await),
            "ASSESSMENT_NOT_OPEN",
            "{label}"
        );
        let inside = b.start(t(150)).await.unwrap();
        // Its deadline is the window's end, the time limit's being later.
        assert_eq!(inside.summary.deadline_at, Some(t(200)), "{label}");
    }
}

#[tokio::test]
async fn the_counted_attempt_decides_whether_the_quiz_lesson_completes() {
    for (label, store, _guard) in stores().await {
        for (counts, scores, completes) in [
            // Highest: one pass is enough.
            (CountedAttempt::Highest, [0, 2], true),
            // Latest: the last attempt failed, the first's pass is not what counts...
            (CountedAttempt::Latest, [2, 0], true),
            // ...(a lesson, once completed, stays so), but a last failure alone never does.
            (CountedAttempt::Latest, [1, 0], false),
            // Average: 50 % and 50 % pass at 50, 0 % and 50 % do not.
            (CountedAttempt::Average, [1, 1], true),
            (CountedAttempt::Average, [0, 1], false),
        ] {
            let rules = AssessmentRules {
                passing_percent: if counts == CountedAttempt::Average {
                    50
                } else {
                    100
                },
                counts,
                ..AssessmentRules::default()
            };
            let slug = format!(
                "count-{}-{}{}",
                counts.as_str().replace('_', "-"),
                scores[0],
                scores[1]
            );
            let b = bed(store.clone(), &slug, rules).await;
            for (i, right) in scores.iter().enumerate() {
                let attempt = b.start(t(i as i64 * 100)).await.unwrap();
                b.submit(&attempt, *right, t(i as i64 * 100 + 10))
                    .await
                    .unwrap();
            }
            assert_eq!(
                b.lesson_completed().await,
                completes,
                "{label}: {counts} over {scores:?}"
            );
        }
    }
}

#[tokio::test]
async fn making_changing_and_deleting_an_assessment_are_recorded_as_events() {
    for (label, store, _guard) in stores().await {
        let b = bed(store, "recorded", AssessmentRules::default()).await;
        let mut tx = b.store.begin_write(&b.tenant).await.unwrap();
        let change = assessments::AssessmentChange {
            title: Some("Renamed".to_owned()),
            ..Default::default()
        };
        let course = assessments::change(&mut tx, &b.admin, b.assessment, change)
            .await
            .unwrap()
            .course_id;
        let spare = AssessmentInput {
            kind: AssessmentKind::Assignment,
            title: "Spare".to_owned(),
            instructions: String::new(),
            rules: AssessmentRules::default(),
            draws: Vec::new(),
        };
        let spare = assessments::create(&mut tx, &b.admin, course, spare)
            .await
            .unwrap();
        assessments::delete(&mut tx, &b.admin, spare.id)
            .await
            .unwrap();
        // A learner's refused change records nothing.
        let refused = assessments::change(
            &mut tx,
            &b.learner,
            b.assessment,
            assessments::AssessmentChange::default(),
        )
        .await;
        assert!(refused.is_err(), "{label}");
        let recorded: Vec<(String, serde_json::Value)> = outbox::pending(&mut tx, 100)
            .await
            .unwrap()
            .into_iter()
            .filter(|e| e.event_type.starts_with("assessment."))
            .map(|e| (e.event_type, e.payload.0))
            .collect();
        tx.commit().await.unwrap();
        let by = b.admin.user;
        assert_eq!(
            recorded,
            vec![
                (
                    "assessment.created".to_owned(),
                    json!({"assessment_id": b.assessment, "course_id": course, "kind": "quiz",
                           "by": by, "schema_version": 1})
                ),
                (
                    "assessment.updated".to_owned(),
                    json!({"assessment_id": b.assessment, "course_id": course, "by": by,
                           "schema_version": 1})
                ),
                (
                    "assessment.created".to_owned(),
                    json!({"assessment_id": spare.id, "course_id": course, "kind": "assignment",
                           "by": by, "schema_version": 1})
                ),
                (
                    "assessment.deleted".to_owned(),
                    json!({"assessment_id": spare.id, "course_id": course, "by": by,
                           "schema_version": 1})
                ),
            ],
            "{label}"
        );
    }
}
