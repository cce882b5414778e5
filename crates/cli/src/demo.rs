//! `lyceum demo`: two branded demo tenants with people, courses, enrollments and progress, made
//! through the same use cases as the API's (so with the same rules and events). Idempotent:
//! tenants that exist already are left as they are.

use anyhow::{Context, Result};
use lyceum_app::identity::users::{self, NewPerson};
use lyceum_app::identity::NewPassword;
use lyceum_app::learning::content::{self, LessonInput};
use lyceum_app::learning::courses::{self, CourseDraft, CourseInput};
use lyceum_app::learning::{self, enrollments};
use lyceum_app::Actor;
use lyceum_domain::{CourseSlug, LessonKind, Origin, Percent, Plan, Role, Slug};
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
        branding: json!({"primary_color": "#0B5FFF", "accent_color": "#B26A00", "locale": "en-US"}),
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
        branding: json!({"primary_color": "#2E7D32", "accent_color": "#A86500", "locale": "en-GB"}),
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
    let password = NewPassword::choose(PASSWORD.to_owned()).await?;
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
        let ((email, name, _), others) = demo
            .people
            .split_first()
            .context("a demo tenant without people")?;
        let admin = users::first_admin(
            &mut tx,
            tenant.plan,
            (*email).to_owned(),
            (*name).to_owned(),
            password.clone(),
        )
        .await?;
        let mut people = vec![admin.clone()];
        for (email, name, role) in others {
            let person = NewPerson {
                email: (*email).to_owned(),
                display_name: (*name).to_owned(),
                role: *role,
                password: Some(password.clone()),
            };
            let (user, _) = users::create(&mut tx, &admin, person).await?;
            people.push(Actor {
                user: user.id,
                role: user.role,
                plan: tenant.plan,
                origin: Origin::default(),
            });
        }
        // Courses are the instructor's (the admin's where there is none).
        let teacher = people
            .iter()
            .find(|p| p.role == Role::Instructor)
            .unwrap_or(&admin)
            .clone();
        for (slug, title, module_titles) in demo.courses {
            let input = CourseInput {
                draft: CourseDraft {
                    slug: CourseSlug::parse(slug)?,
                    title: (*title).to_owned(),
                    description: format!("{title} at {}", demo.name),
                    cover_image: None,
                    max_enrollment: None,
                    settings: json!({}),
                },
                instructors: None,
                prerequisites: None,
            };
            let course = courses::create(&mut tx, &teacher, &input).await?.course;
            let mut first_lesson = None;
            for module_title in module_titles.iter() {
                let module =
                    content::add_module(&mut tx, &teacher, course.id, module_title, None).await?;
                let markdown =
                    format!("# {module_title}\n\nRead this first, then try the exercise.");
                let lesson = LessonInput {
                    title: format!("{module_title}: the essentials"),
                    kind: LessonKind::Text,
                    content: json!([{"type": "markdown", "markdown": markdown}]),
                    duration_seconds: Some(600),
                    release_rule: None,
                };
                let lesson =
                    content::add_lesson(&mut tx, &teacher, module.id, &lesson.draft().await?)
                        .await?;
                first_lesson.get_or_insert(lesson.id);
            }
            courses::publish(&mut tx, &teacher, course.id).await?;
            for student in people.iter().filter(|p| p.role == Role::Student) {
                enrollments::enroll_in(&mut tx, &teacher, course.id, Some(student.user), None)
                    .await?;
                if let Some(lesson) = first_lesson {
                    learning::report(&mut tx, student, lesson, Percent::new(60)?).await?;
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
