//! Mail through the application layer, on both engines: the invitation's mail is queued in the
//! transaction that issues it (and not at all when it rolls back), due-date reminders are
//! queued once per enrollment and due date, digests once per learner while one waits, and a
//! letter reads the recipient's language and drops a message that no longer makes sense.

use chrono::{Duration as Days, Utc};
use lyceum_app::identity::users::{self as people, NewPerson};
use lyceum_app::jobs::JobFilter;
use lyceum_app::mail::{self, Body};
use lyceum_app::Actor;
use lyceum_domain::mail::{Digests, DueReminders};
use lyceum_domain::{
    CourseStatus, Email, Job, Locale, Mail, Origin, Plan, Role, SendMail, Slug, UserId,
};
use lyceum_store::repo::courses::{self, Course, CourseDraft};
use lyceum_store::repo::{enrollments, jobs, users};
use lyceum_store::{testing, NewTenant, Store, Tenant, TenantTx, WriteTx};
use std::time::Duration;

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

async fn tenant(store: &Store, slug: &str, settings: serde_json::Value) -> Tenant {
    let mut new = NewTenant::new(Slug::parse(slug).unwrap(), "Acme Academy");
    new.settings = settings;
    store.provision(new).await.unwrap()
}

async fn person(tx: &mut WriteTx, email: &str, role: Role) -> users::User {
    let new = users::NewUser {
        email: Email::parse(email).unwrap(),
        display_name: email.split('@').next().unwrap().to_owned(),
        role,
        password_hash: Some("not a real hash".to_owned()),
    };
    users::insert(tx, &new).await.unwrap()
}

fn admin(user: &users::User) -> Actor {
    Actor {
        user: user.id,
        role: Role::Admin,
        plan: Plan::Enterprise,
        origin: Origin::default(),
    }
}

async fn course(tx: &mut WriteTx, slug: &str) -> Course {
    let draft = CourseDraft {
        slug: lyceum_domain::CourseSlug::parse(slug).unwrap(),
        title: format!("Course {slug}"),
        description: String::new(),
        cover_image: None,
        max_enrollment: None,
        settings: serde_json::json!({}),
    };
    let course = courses::insert(tx, &draft).await.unwrap();
    courses::set_status(tx, course.id, CourseStatus::Published)
        .await
        .unwrap()
        .unwrap()
}

/// The queued mail jobs of the tenant, oldest first.
async fn mails(tx: &mut TenantTx) -> Vec<SendMail> {
    let filter = JobFilter {
        state: None,
        kind: Some(SendMail::KIND.to_owned()),
    };
    let mut found = jobs::list(tx, &filter, 100).await.unwrap();
    found.reverse();
    found
        .into_iter()
        .map(|job| serde_json::from_value(job.payload.0).unwrap())
        .collect()
}

#[tokio::test]
async fn an_invitation_queues_its_mail_in_the_transaction_that_issues_it() {
    for (label, store, _guard) in stores().await {
        let tenant = tenant(&store, "invite-mail", serde_json::json!({})).await;
        let mut tx = store.begin_write(&tenant).await.unwrap();
        let boss = person(&mut tx, "boss@acme.test", Role::Admin).await;
        tx.commit().await.unwrap();
        let invite = |email: &str| NewPerson {
            email: email.to_owned(),
            display_name: "New Hire".to_owned(),
            role: Role::Student,
            password: None,
        };

        // Rolled back: neither the person nor the mail.
        let mut tx = store.begin_write(&tenant).await.unwrap();
        people::create(&mut tx, &admin(&boss), invite("gone@acme.test"))
            .await
            .unwrap();
        tx.rollback().await.unwrap();
        let mut tx = store.begin(&tenant).await.unwrap();
        assert!(mails(&mut tx).await.is_empty(), "{label}");
        tx.commit().await.unwrap();

        let mut tx = store.begin_write(&tenant).await.unwrap();
        let (hire, invitation) = people::create(&mut tx, &admin(&boss), invite("hire@acme.test"))
            .await
            .unwrap();
        let invitation = invitation.unwrap();
        tx.commit().await.unwrap();

        let mut tx = store.begin(&tenant).await.unwrap();
        let queued = mails(&mut tx).await;
        assert_eq!(queued.len(), 1, "{label}");
        assert_eq!(queued[0].to, hire.id);
        let Mail::Invitation { token, expires_at } = &queued[0].mail else {
            panic!("{label}: {:?}", queued[0]);
        };
        // The admin's answer and the mail carry the same token.
        assert_eq!(token.expose(), invitation.token);
        assert_eq!(*expires_at, invitation.expires_at);
        let letter = mail::letter(&mut tx, &tenant, &queued[0]).await.unwrap();
        let letter = letter.expect("an open invitation is mailed");
        assert_eq!(letter.to.as_str(), "hire@acme.test");
        assert_eq!(
            letter.locale,
            Locale::En,
            "{label}: nobody asked for another"
        );
        tx.commit().await.unwrap();

        // Invited again: a second mail; the first one's token is withdrawn, so it is not sent.
        let mut tx = store.begin_write(&tenant).await.unwrap();
        lyceum_app::identity::invitations::reinvite(&mut tx, &admin(&boss), hire.id)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let mut tx = store.begin(&tenant).await.unwrap();
        let queued = mails(&mut tx).await;
        assert_eq!(queued.len(), 2, "{label}");
        let withdrawn = mail::letter(&mut tx, &tenant, &queued[0]).await.unwrap();
        assert!(withdrawn.is_none(), "{label}: a withdrawn invitation");
        let current = mail::letter(&mut tx, &tenant, &queued[1]).await.unwrap();
        assert!(current.is_some(), "{label}");
        tx.commit().await.unwrap();
        store.close().await;
    }
}

#[tokio::test]
async fn due_reminders_are_queued_once_per_enrollment_and_due_date() {
    for (label, store, _guard) in stores().await {
        let settings = serde_json::json!({"branding": {"locale": "fr"}});
        let tenant = tenant(&store, "remind-mail", settings).await;
        let mut tx = store.begin_write(&tenant).await.unwrap();
        let soon = person(&mut tx, "soon@acme.test", Role::Student).await;
        let later = person(&mut tx, "later@acme.test", Role::Student).await;
        let english = person(&mut tx, "english@acme.test", Role::Student).await;
        users::set_locale(&mut tx, english.id, Some(Locale::En))
            .await
            .unwrap();
        let safety = course(&mut tx, "safety").await;
        let now = Utc::now();
        let due_soon = now + Days::days(2);
        let (first, _) = enrollments::enroll(&mut tx, safety.id, soon.id, Some(due_soon), None)
            .await
            .unwrap();
        enrollments::enroll(
            &mut tx,
            safety.id,
            later.id,
            Some(now + Days::days(10)),
            None,
        )
        .await
        .unwrap();
        enrollments::enroll(&mut tx, safety.id, english.id, Some(due_soon), None)
            .await
            .unwrap();
        tx.commit().await.unwrap();

        let within = Duration::from_secs(3 * 24 * 3600);
        let mut tx = store.begin_write(&tenant).await.unwrap();
        assert_eq!(
            mail::remind_due(&mut tx, within).await.unwrap(),
            2,
            "{label}"
        );
        tx.commit().await.unwrap();
        let mut tx = store.begin_write(&tenant).await.unwrap();
        assert_eq!(
            mail::remind_due(&mut tx, within).await.unwrap(),
            0,
            "{label}: reminded already"
        );
        // The next search waits a day, once.
        let filter = JobFilter {
            state: None,
            kind: Some(DueReminders::KIND.to_owned()),
        };
        assert_eq!(jobs::list(&mut tx, &filter, 10).await.unwrap().len(), 1);
        tx.commit().await.unwrap();

        let mut tx = store.begin(&tenant).await.unwrap();
        let queued = mails(&mut tx).await;
        let recipients: Vec<UserId> = queued.iter().map(|m| m.to).collect();
        assert!(
            recipients.contains(&soon.id) && recipients.contains(&english.id),
            "{label}"
        );
        let to_soon = queued.iter().find(|m| m.to == soon.id).unwrap().clone();
        let letter = mail::letter(&mut tx, &tenant, &to_soon)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(letter.locale, Locale::Fr, "{label}: the tenant's language");
        let Body::DueReminder { course } = &letter.body else {
            panic!("{label}: {:?}", letter.body);
        };
        assert_eq!(course.title, "Course safety");
        let to_english = queued.iter().find(|m| m.to == english.id).unwrap();
        let letter = mail::letter(&mut tx, &tenant, to_english).await.unwrap();
        assert_eq!(letter.unwrap().locale, Locale::En, "{label}: their own");
        tx.commit().await.unwrap();

        // The due date moves: the old reminder is not sent, and a new one is queued.
        let mut tx = store.begin_write(&tenant).await.unwrap();
        enrollments::set_due(&mut tx, first.id, Some(now + Days::days(1)))
            .await
            .unwrap();
        assert!(mail::letter(&mut tx, &tenant, &to_soon)
            .await
            .unwrap()
            .is_none());
        assert_eq!(
            mail::remind_due(&mut tx, within).await.unwrap(),
            1,
            "{label}"
        );
        tx.commit().await.unwrap();
        store.close().await;
    }
}

#[tokio::test]
async fn a_learner_with_courses_in_progress_gets_one_digest_while_one_waits() {
    for (label, store, _guard) in stores().await {
        let tenant = tenant(&store, "digest-mail", serde_json::json!({})).await;
        let mut tx = store.begin_write(&tenant).await.unwrap();
        let busy = person(&mut tx, "busy@acme.test", Role::Student).await;
        person(&mut tx, "idle@acme.test", Role::Student).await;
        let one = course(&mut tx, "one").await;
        let two = course(&mut tx, "two").await;
        for course in [&one, &two] {
            enrollments::enroll(&mut tx, course.id, busy.id, None, None)
                .await
                .unwrap();
        }
        tx.commit().await.unwrap();

        let week = Duration::from_secs(7 * 24 * 3600);
        let mut tx = store.begin_write(&tenant).await.unwrap();
        assert_eq!(
            mail::queue_digests(&mut tx, week).await.unwrap(),
            1,
            "{label}"
        );
        assert_eq!(
            mail::queue_digests(&mut tx, week).await.unwrap(),
            0,
            "{label}: one waits already"
        );
        let filter = JobFilter {
            state: None,
            kind: Some(Digests::KIND.to_owned()),
        };
        assert_eq!(jobs::list(&mut tx, &filter, 10).await.unwrap().len(), 1);
        let queued = mails(&mut tx).await;
        let letter = mail::letter(&mut tx, &tenant, &queued[0])
            .await
            .unwrap()
            .unwrap();
        let Body::Digest { courses } = &letter.body else {
            panic!("{label}: {:?}", letter.body);
        };
        let mut titles: Vec<&str> = courses.iter().map(|c| c.title.as_str()).collect();
        titles.sort_unstable();
        assert_eq!(titles, ["Course one", "Course two"], "{label}");
        tx.commit().await.unwrap();
        store.close().await;
    }
}
