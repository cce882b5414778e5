//! `lyceum demo`: two branded demo tenants with people, courses, enrollments and progress.
//! Idempotent: tenants that exist already are left as they are.

use anyhow::{Context, Result};
use lyceum_app::learning::{self, EnrolledBy};
use lyceum_app::Actor;
use lyceum_domain::{CompletionRule, CourseStatus, Email, LessonKind, Plan, Role, Slug};
use lyceum_store::repo::{courses, lessons, modules, users};
use lyceum_store::{NewTenant, Store};
use serde_json::json;

struct DemoTenant {
    slug: &'static str,
    name: &'static str,
    plan: Plan,
    branding: serde_json::Value,
    people: &'static [(&'static str, &'static str, Role)],
    courses: &'static [(&'static str, &'static str, &'static [&'static str])],
}

const TENANTS: &[fn() -> DemoTenant] = &[
    || DemoTenant {
        slug: "acme",
        name: "Acme Corporate Academy",
        plan: Plan::Pro,
        branding: json!({"primary_color": "#0B5FFF", "accent_color": "#FFB800", "locale": "en-US", "logo_url": "/media/acme/logo.svg"}),
        people: &[
            ("admin@acme.test", "Avery Admin", Role::Admin),
            ("irene@acme.test", "Irene Instructor", Role::Instructor),
            ("sam@acme.test", "Sam Student", Role::Student),
            ("kim@acme.test", "Kim Student", Role::Student),
        ],
        courses: &[
            (
                "security-101",
                "Security Awareness 101",
                &["Phishing", "Passwords", "Reporting incidents"],
            ),
            (
                "onboarding",
                "Welcome to Acme",
                &["Our mission", "Tools we use"],
            ),
        ],
    },
    || DemoTenant {
        slug: "northwind",
        name: "Northwind School",
        plan: Plan::Free,
        branding: json!({"primary_color": "#2E7D32", "accent_color": "#F9A825", "locale": "en-GB", "logo_url": "/media/northwind/logo.svg"}),
        people: &[
            ("head@northwind.test", "Harper Head", Role::Admin),
            ("ms.lee@northwind.test", "Ms Lee", Role::Instructor),
            ("sam@acme.test", "Sam (also at Acme)", Role::Student),
            ("noah@northwind.test", "Noah Pupil", Role::Student),
        ],
        courses: &[
            (
                "algebra-1",
                "Algebra I",
                &["Expressions", "Linear equations", "Inequalities"],
            ),
            (
                "world-history",
                "World History",
                &["Ancient worlds", "The middle ages"],
            ),
        ],
    },
];

/// Every demo user's password.
pub const PASSWORD: &str = "lyceum-demo-pass";

pub async fn provision(store: &Store) -> Result<()> {
    let password_hash = lyceum_server::auth::password::hash(PASSWORD.to_owned())
        .await
        .map_err(|e| anyhow::anyhow!("{}: {}", e.code, e.message))?;
    for make in TENANTS {
        let demo = make();
        if store.directory().by_slug(demo.slug).await?.is_some() {
            println!("demo tenant {} exists already", demo.slug);
            continue;
        }
        let mut new = NewTenant::new(Slug::parse(demo.slug)?, demo.name);
        new.plan = demo.plan;
        new.settings = json!({"branding": demo.branding, "self_signup": demo.plan == Plan::Free});
        let tenant = store.provision(new).await?;
        let mut tx = store.begin_write(&tenant).await?;
        let mut people = Vec::new();
        for (email, name, role) in demo.people {
            let user = users::NewUser {
                email: Email::parse(email)?,
                display_name: (*name).to_owned(),
                role: *role,
                password_hash: Some(password_hash.clone()),
            };
            people.push(users::insert(&mut tx, &user).await?);
        }
        let instructor = people
            .iter()
            .find(|u| u.role == Role::Instructor)
            .map(|u| u.id);
        for (slug, title, module_titles) in demo.courses {
            let course = courses::insert(
                &mut tx,
                &courses::CourseDraft {
                    slug: (*slug).to_owned(),
                    title: (*title).to_owned(),
                    description: format!("{title} at {}", demo.name),
                    cover_image: None,
                    max_enrollment: None,
                    settings: json!({}),
                },
            )
            .await?;
            if let Some(instructor) = instructor {
                courses::set_instructors(&mut tx, course.id, &[instructor]).await?;
            }
            let mut first_lesson = None;
            for module_title in module_titles.iter() {
                let module =
                    modules::insert(&mut tx, course.id, module_title, &CompletionRule::All).await?;
                let markdown =
                    format!("# {module_title}\n\nRead this first, then try the exercise.");
                let content = lyceum_domain::validate_content(
                    LessonKind::Text,
                    &json!([{"type": "markdown", "markdown": markdown}]),
                )?;
                let lesson = lessons::insert(
                    &mut tx,
                    module.id,
                    &lessons::LessonDraft {
                        title: format!("{module_title}: the essentials"),
                        kind: LessonKind::Text,
                        content,
                        duration_seconds: Some(600),
                        release_rule: None,
                    },
                )
                .await?;
                first_lesson.get_or_insert(lesson.id);
            }
            let course = courses::set_status(&mut tx, course.id, CourseStatus::Published)
                .await?
                .context("the course just created")?;
            let by = instructor.map_or(EnrolledBy::System, EnrolledBy::Staff);
            for student in people.iter().filter(|u| u.role == Role::Student) {
                learning::enroll(&mut tx, &course, student.id, None, by).await?;
                if let Some(lesson) = first_lesson {
                    let learner = Actor {
                        user: student.id,
                        role: student.role,
                        plan: tenant.plan,
                    };
                    learning::report(&mut tx, learner, lesson, 60).await?;
                }
            }
        }
        tx.commit().await?;
        println!(
            "demo tenant {} ({}) provisioned with {} people",
            tenant.slug,
            tenant.name,
            people.len()
        );
    }
    Ok(())
}
