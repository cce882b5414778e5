//! The store's contract tests: every test runs on both engines and, where it applies, on every
//! placement. They live inside the crate so that they can run the raw SQL an attacker or a
//! careless repository would (a forgotten `WHERE tenant_id`) through a real tenant transaction.

mod audit_log;
mod background;
mod catalog;
mod isolation;
mod migrations;
mod provisioning;
mod repositories;
mod tables;

use crate::engine::{dispatch, Engine};
use crate::repo::{
    assessments, audit, certificates, courses, enrollments, files, groups, invitations, jobs,
    lessons, modules, outbox, password_resets, progress, refresh_tokens, submissions, users,
    webhooks,
};
use crate::testing::{self, TestGuard};
use crate::{NewTenant, Store, StoreConfig, StoreError, Tenant, TenantTx};
use lyceum_domain::{
    CompletionRule, CourseId, Email, LessonId, LessonKind, Placement, Role, Slug, UserId,
};

pub(crate) struct Bed {
    pub(crate) store: Store,
    pub(crate) label: &'static str,
    _guard: TestGuard,
}

pub(crate) async fn bed_with(
    label: &'static str,
    (config, guard): (StoreConfig, TestGuard),
) -> Bed {
    let store = Store::open(config)
        .await
        .unwrap_or_else(|e| panic!("open {label} store: {e}"));
    Bed {
        store,
        label,
        _guard: guard,
    }
}

pub(crate) async fn sqlite_bed() -> Bed {
    bed_with("sqlite", testing::sqlite_config()).await
}

pub(crate) async fn postgres_bed() -> Bed {
    bed_with("postgres", testing::postgres_config().await).await
}

/// One store per engine.
pub(crate) async fn beds() -> Vec<Bed> {
    vec![sqlite_bed().await, postgres_bed().await]
}

pub(crate) async fn provision(store: &Store, slug: &str, placement: Placement) -> Tenant {
    let mut new = NewTenant::new(Slug::parse(slug).unwrap(), format!("Tenant {slug}"));
    new.placement = Some(placement);
    store
        .provision(new)
        .await
        .unwrap_or_else(|e| panic!("provision {slug} ({placement}): {e}"))
}

pub(crate) struct Seeded {
    pub(crate) student: UserId,
    pub(crate) course: CourseId,
    pub(crate) lesson: LessonId,
}

/// Writes at least one row into every tenant table, through the repositories.
pub(crate) async fn seed(store: &Store, tenant: &Tenant, tag: &str) -> Seeded {
    let mut tx = store.begin_write(tenant).await.unwrap();
    let user = |email: String, role| users::NewUser {
        email: Email::parse(&email).unwrap(),
        display_name: format!("{role} {tag}"),
        role,
        password_hash: None,
    };
    let student = users::insert(
        &mut tx,
        &user(format!("student-{tag}@example.org"), Role::Student),
    )
    .await
    .unwrap();
    let teacher = users::insert(
        &mut tx,
        &user(format!("teacher-{tag}@example.org"), Role::Instructor),
    )
    .await
    .unwrap();
    let draft = |slug: String| courses::CourseDraft {
        slug: lyceum_domain::CourseSlug::parse(&slug).unwrap(),
        title: format!("Course {tag}"),
        description: String::new(),
        cover_image: None,
        max_enrollment: None,
        settings: serde_json::json!({}),
    };
    let course = courses::insert(&mut tx, &draft(format!("course-{tag}")))
        .await
        .unwrap();
    let basics = courses::insert(&mut tx, &draft(format!("basics-{tag}")))
        .await
        .unwrap();
    let course_id = course.id;
    courses::set_instructors(&mut tx, course_id, &[teacher.id])
        .await
        .unwrap();
    courses::set_prerequisites(&mut tx, course_id, &[basics.id])
        .await
        .unwrap();
    let module = modules::insert(&mut tx, course_id, "Module 1", &CompletionRule::All)
        .await
        .unwrap();
    let lesson = lessons::insert(
        &mut tx,
        module.id,
        &lessons::LessonDraft {
            title: "Lesson 1".into(),
            kind: LessonKind::Text,
            content: serde_json::json!([{"type": "markdown", "markdown": "Hello", "html": "<p>Hello</p>"}]),
            duration_seconds: Some(60),
            release_rule: None,
        },
    )
    .await
    .unwrap();
    let lesson_id = lesson.id;
    let (enrollment, _) = enrollments::enroll(&mut tx, course_id, student.id, None, None)
        .await
        .unwrap();
    progress::record(&mut tx, student.id, lesson_id, 40)
        .await
        .unwrap();
    certificates::issue(
        &mut tx,
        enrollment.id,
        student.id,
        course_id,
        &format!("CODE-{tag}"),
    )
    .await
    .unwrap();
    let enrolled = lyceum_domain::events::StudentEnrolled {
        course_id: course.id,
        user_id: student.id,
        enrollment_id: lyceum_domain::EnrollmentId::new(),
        by: None,
    };
    outbox::append(&mut tx, Some(student.id), &enrolled.into())
        .await
        .unwrap();
    outbox::lock_dispatch(&mut tx)
        .await
        .unwrap()
        .expect("nobody else dispatches a new tenant");
    jobs::enqueue(
        &mut tx,
        &jobs::NewJob {
            kind: "seeded",
            payload: serde_json::json!({"tag": tag}),
            unique_key: Some(format!("seeded-{tag}")),
            run_at: chrono::Utc::now(),
            max_attempts: 3,
        },
    )
    .await
    .unwrap()
    .expect("a new key queues a job");
    let token_hash = format!("refresh-{tag}-{}", uuid::Uuid::now_v7());
    refresh_tokens::insert(
        &mut tx,
        uuid::Uuid::now_v7(),
        student.id,
        token_hash.as_bytes(),
        chrono::Utc::now(),
    )
    .await
    .unwrap();
    invitations::issue(
        &mut tx,
        teacher.id,
        format!("invite-{tag}-{}", uuid::Uuid::now_v7()).as_bytes(),
        chrono::Utc::now(),
        None,
    )
    .await
    .unwrap();
    password_resets::issue(
        &mut tx,
        student.id,
        format!("reset-{tag}-{}", uuid::Uuid::now_v7()).as_bytes(),
        chrono::Utc::now(),
        None,
    )
    .await
    .unwrap();
    let created = audit::NewEntry {
        action: lyceum_domain::AuditAction::UserCreated,
        actor_id: None,
        actor: "system",
        target: Some(lyceum_domain::AuditTarget::User(student.id)),
        origin: &lyceum_domain::Origin::default(),
        before: None,
        after: Some(serde_json::json!({ "tag": tag })),
    };
    audit::append(&mut tx, &created).await.unwrap();
    let events = vec!["*".to_owned()];
    let endpoint = webhooks::insert(
        &mut tx,
        &webhooks::NewEndpoint {
            url: "https://hooks.example.org/in",
            description: tag,
            events: &events,
            secret: "whsec_seeded",
            created_by: teacher.id,
        },
    )
    .await
    .unwrap();
    webhooks::insert_delivery(
        &mut tx,
        &webhooks::NewDelivery {
            id: lyceum_domain::DeliveryId::new(),
            webhook: endpoint.id,
            event_id: lyceum_domain::EventId::new(),
            event_type: "student.enrolled",
            body: "{}",
            job: None,
            replay_of: None,
        },
    )
    .await
    .unwrap();
    let group = groups::insert(&mut tx, &format!("Group {tag}"), teacher.id)
        .await
        .unwrap();
    groups::add_members(&mut tx, group.id, &[student.id], teacher.id)
        .await
        .unwrap();
    let (file, tenant) = (lyceum_domain::FileId::new(), tx.tenant_id());
    files::insert(
        &mut tx,
        &files::NewFile {
            id: file,
            purpose: lyceum_domain::FilePurpose::CourseFile,
            course_id: Some(course_id),
            owner_id: None,
            key: format!("{tenant}/courses/{course_id}/{file}"),
            name: lyceum_domain::FileName::new(&format!("notes-{tag}.pdf")),
            content_type: "application/pdf".to_owned(),
            size: 10,
            sha256: String::new(),
            created_by: Some(teacher.id),
        },
    )
    .await
    .unwrap();
    seed_assessment(&mut tx, course_id, student.id, teacher.id, tag).await;
    seed_assignment(&mut tx, course_id, student.id, teacher.id, file, tag).await;
    tx.commit().await.unwrap();
    Seeded {
        student: student.id,
        course: course_id,
        lesson: lesson_id,
    }
}

/// An assessment of `course` with a question, a bank with a question it draws, and `learner`'s
/// attempt with an answer: a row in each assessment table.
async fn seed_assessment(
    tx: &mut crate::WriteTx,
    course: CourseId,
    learner: UserId,
    by: UserId,
    tag: &str,
) {
    use lyceum_domain::assessment::{
        Answer, AssessmentKind, AssessmentRules, Points, QuestionDraft, QuestionKey,
    };
    let draft = assessments::AssessmentDraft {
        kind: AssessmentKind::Quiz,
        title: format!("Quiz {tag}"),
        instructions: String::new(),
        rules: AssessmentRules::default(),
    };
    let assessment = assessments::insert(tx, course, &draft, by).await.unwrap();
    // The gradebook's tables: a category holding the quiz, the course's grading settings.
    let category = crate::repo::gradebook::insert_category(
        tx,
        course,
        &format!("Category {tag}"),
        lyceum_domain::assessment::gradebook::Weight::from_hundredths(4000),
    )
    .await
    .unwrap();
    crate::repo::gradebook::set_members(tx, category.id, &[assessment.id])
        .await
        .unwrap();
    crate::repo::gradebook::put_settings(
        tx,
        course,
        &crate::repo::gradebook::GradingSettings {
            passing_percent: Some(50),
            missing_counts_as_zero: true,
            letter_scale: Default::default(),
        },
    )
    .await
    .unwrap();
    let question = QuestionDraft {
        prompt: format!("Question {tag}"),
        points: 1,
        tags: vec![tag.to_owned()],
        key: QuestionKey::TrueFalse { correct: true },
    };
    let own = assessments::insert_question(
        tx,
        assessments::QuestionOwner::Assessment(assessment.id),
        &question,
    )
    .await
    .unwrap();
    let bank = assessments::insert_bank(tx, course, &format!("Bank {tag}"))
        .await
        .unwrap();
    assessments::insert_question(tx, assessments::QuestionOwner::Bank(bank.id), &question)
        .await
        .unwrap();
    assessments::set_draws(
        tx,
        assessment.id,
        &[assessments::Draw {
            bank_id: bank.id,
            count: 1,
        }],
    )
    .await
    .unwrap();
    let questions = [submissions::AttemptQuestion {
        id: own.id,
        question: own.draft,
    }];
    let attempt = submissions::insert(
        tx,
        &submissions::NewSubmission {
            assessment: assessment.id,
            learner,
            attempt: 1,
            started_at: chrono::Utc::now(),
            deadline_at: None,
            seed: 7,
            questions: &questions,
            max_score: Points::whole(1),
        },
    )
    .await
    .unwrap();
    submissions::save_answers(
        tx,
        attempt.id,
        &[(own.id, Answer::TrueFalse { value: true })],
    )
    .await
    .unwrap();
}

/// An assignment with its settings, `learner`'s version of work holding `file`, and an
/// extension: a row in each assignment table.
async fn seed_assignment(
    tx: &mut crate::WriteTx,
    course: CourseId,
    learner: UserId,
    by: UserId,
    file: lyceum_domain::FileId,
    tag: &str,
) {
    use crate::repo::assignments;
    use lyceum_domain::assessment::{AssessmentKind, AssessmentRules, AssignmentSettings};
    let draft = assessments::AssessmentDraft {
        kind: AssessmentKind::Assignment,
        title: format!("Essay {tag}"),
        instructions: String::new(),
        rules: AssessmentRules::default(),
    };
    let assessment = assessments::insert(tx, course, &draft, by).await.unwrap();
    let settings = AssignmentSettings {
        prompt: format!("Write {tag}"),
        ..AssignmentSettings::default()
    };
    assignments::put_settings(tx, assessment.id, &settings)
        .await
        .unwrap();
    let version = assignments::insert_draft(tx, assessment.id, learner, 1, Some(tag), None)
        .await
        .unwrap();
    assignments::attach(tx, version.id, file).await.unwrap();
    let due = chrono::Utc::now() + chrono::Duration::days(1);
    assignments::put_extension(tx, assessment.id, learner, due, tag, by)
        .await
        .unwrap();
}

/// The tenant tables visible in this transaction's storage, from the engine's catalog.
pub(crate) async fn tenant_tables(tx: &mut TenantTx) -> Vec<String> {
    let tables: Vec<String> = match tx.conn() {
        Engine::Postgres(c) => sqlx::query_scalar(
            "SELECT tablename::text FROM pg_tables WHERE schemaname = current_schema() \
             AND tablename <> 'lyceum_migrations' ORDER BY 1",
        )
        .fetch_all(c)
        .await
        .unwrap(),
        Engine::Sqlite(c) => sqlx::query_scalar(
            "SELECT name FROM sqlite_master WHERE type = 'table' \
             AND name <> 'lyceum_migrations' AND name NOT LIKE 'sqlite_%' ORDER BY 1",
        )
        .fetch_all(c)
        .await
        .unwrap(),
    };
    assert!(
        tables.len() >= 8,
        "expected the tenant tables, found {tables:?}"
    );
    tables
}

/// Runs a raw count in a tenant transaction.
pub(crate) async fn count(
    tx: &mut TenantTx,
    sql: &str,
    bind: Option<uuid::Uuid>,
) -> Result<i64, StoreError> {
    Ok(dispatch!(tx.conn(), c => {
        let mut q = sqlx::query_scalar::<_, i64>(sql);
        if let Some(b) = bind { q = q.bind(b); }
        q.fetch_one(c).await?
    }))
}

/// Runs a raw statement in a tenant transaction and returns the rows it touched.
pub(crate) async fn execute(
    tx: &mut TenantTx,
    sql: &str,
    bind: Option<uuid::Uuid>,
) -> Result<u64, StoreError> {
    Ok(dispatch!(tx.conn(), c => {
        let mut q = sqlx::query(sql);
        if let Some(b) = bind { q = q.bind(b); }
        q.execute(c).await?.rows_affected()
    }))
}

pub(crate) async fn connect(options: &sqlx::postgres::PgConnectOptions) -> sqlx::PgConnection {
    use sqlx::ConnectOptions;
    options.connect().await.expect("connect to PostgreSQL")
}
