//! The benches' data, made through the application layer's use cases like any other: a
//! tenant's first admin, its people, and published courses with lessons.

use anyhow::Result;
use lyceum_app::identity::users::{self, NewPerson};
use lyceum_app::identity::NewPassword;
use lyceum_app::learning::content::{self, LessonInput};
use lyceum_app::learning::courses::{self, CourseDraft, CourseInput};
use lyceum_app::Actor;
use lyceum_domain::{CourseId, CourseSlug, LessonId, LessonKind, Origin, Plan, Role};
use lyceum_store::WriteTx;

/// The tenant's first user, `admin@bench.test`.
pub async fn admin(tx: &mut WriteTx, plan: Plan, password: &NewPassword) -> Result<Actor> {
    let email = "admin@bench.test".to_owned();
    Ok(users::first_admin(tx, plan, email, "Bench admin".into(), password.clone()).await?)
}

/// A user created by `admin`; invited when without a password.
pub async fn person(
    tx: &mut WriteTx,
    admin: &Actor,
    email: &str,
    role: Role,
    password: Option<&NewPassword>,
) -> Result<Actor> {
    let person = NewPerson {
        email: email.to_owned(),
        display_name: "Bench".into(),
        role,
        password: password.cloned(),
    };
    let (user, _) = users::create(tx, admin, person).await?;
    Ok(Actor {
        user: user.id,
        role: user.role,
        plan: admin.plan,
        origin: Origin::default(),
    })
}

/// A published course `course-{number}` of `teacher`'s, with one module of `lessons` text
/// lessons (at least one: an empty course cannot be published); answers its lessons in order.
pub async fn published_course(
    tx: &mut WriteTx,
    teacher: &Actor,
    number: usize,
    lessons: usize,
) -> Result<(CourseId, Vec<LessonId>)> {
    let input = CourseInput {
        draft: CourseDraft {
            slug: CourseSlug::parse(&format!("course-{number}"))?,
            title: format!("Course number {number}"),
            description: "A course to measure with.".into(),
            cover_image: None,
            max_enrollment: None,
            settings: serde_json::json!({}),
        },
        instructors: Some(vec![teacher.user]),
        prerequisites: None,
    };
    let course = courses::create(tx, teacher, &input).await?.course;
    let module = content::add_module(tx, teacher, course.id, "Module", None).await?;
    let mut ids = Vec::with_capacity(lessons);
    for l in 0..lessons.max(1) {
        let lesson = LessonInput {
            title: format!("Lesson {l}"),
            kind: LessonKind::Text,
            content: serde_json::json!([{"type": "markdown", "markdown": "# Lesson\n\nRead and practise."}]),
            duration_seconds: Some(300),
            release_rule: None,
        };
        ids.push(
            content::add_lesson(tx, teacher, module.id, &lesson.draft().await?)
                .await?
                .id,
        );
    }
    courses::publish(tx, teacher, course.id).await?;
    Ok((course.id, ids))
}
