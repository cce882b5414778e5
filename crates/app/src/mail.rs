//! E-mail, for every face. Use cases queue a message ([`SendMail`]) in the transaction of the
//! change that calls for it (an invitation issued, an account locked, a password reset asked
//! for), so a change rolled back sends nothing; the tenants' recurring jobs find the enrollments
//! due soon ([`remind_due`]) and the learners of the digest ([`queue_digests`]); and [`letter`]
//! gathers, when the worker writes a message, what it says: the recipient, their language, the
//! kind's facts as they are now, or nothing when the message no longer makes sense (an
//! invitation accepted meanwhile, a course completed). Writing and sending the message are the
//! worker's; nothing here talks to a mail server or runs inside a request's wait for one.

use crate::jobs::{self, Queueing};
use crate::learning::dashboard;
use crate::{Actor, Refusal};
use chrono::{DateTime, Utc};
use lyceum_domain::mail::{Digests, DueReminders};
use lyceum_domain::{
    Branding, Email, EnrollmentStatus, Locale, Mail, MailToken, Origin, Role, SendMail, UserId,
    UserStatus, WebhookId,
};
use lyceum_store::repo::{
    courses, enrollments, invitations, password_resets, reminders, users, webhooks,
};
use lyceum_store::{Tenant, TenantTx, WriteTx};
use std::time::Duration;

/// Enrollments (or learners) handled per statement by the recurring jobs.
const BATCH: u32 = 500;

/// Queues `mail` to `to`: it is sent if, and only if, the transaction commits.
async fn send(tx: &mut WriteTx, to: UserId, mail: Mail) -> Result<(), Refusal> {
    let job = SendMail { to, mail };
    jobs::enqueue(tx, &job, Queueing::default()).await?;
    Ok(())
}

/// Queues the invitation mail of each user, carrying the token the admin was also shown.
pub(crate) async fn invitations(
    tx: &mut WriteTx,
    invited: &[(UserId, &str)],
    expires_at: DateTime<Utc>,
) -> Result<(), Refusal> {
    let batch: Vec<SendMail> = invited
        .iter()
        .map(|&(to, token)| SendMail {
            to,
            mail: Mail::Invitation {
                token: MailToken::new(token),
                expires_at,
            },
        })
        .collect();
    jobs::enqueue_all(tx, &batch).await
}

/// Queues the "grade posted" mail (`Mail::GradePosted`) to the learner whose grade was
/// released.
pub(crate) async fn grade_posted(tx: &mut WriteTx, to: UserId, mail: Mail) -> Result<(), Refusal> {
    send(tx, to, mail).await
}

/// Queues the mail telling `user` that too many failed sign-ins locked their account until
/// `until` (a face's sign-in throttle decides when; this only tells the person).
pub async fn account_locked(
    tx: &mut WriteTx,
    user: UserId,
    until: DateTime<Utc>,
) -> Result<(), Refusal> {
    send(tx, user, Mail::AccountLocked { until }).await
}

/// Queues the mail carrying a password reset `token` to `user`, good until `expires_at`. The
/// token's issue and checks belong to the password recovery use case.
pub async fn send_password_reset(
    tx: &mut WriteTx,
    user: UserId,
    token: &str,
    expires_at: DateTime<Utc>,
) -> Result<(), Refusal> {
    let mail = Mail::PasswordReset {
        token: MailToken::new(token),
        expires_at,
    };
    send(tx, user, mail).await
}

/// Queues, to every active admin, the mail telling that endpoint `webhook` failed for too long
/// and was disabled (the worker's delivery records the failure that disables it).
pub(crate) async fn webhook_disabled(tx: &mut WriteTx, webhook: WebhookId) -> Result<(), Refusal> {
    for admin in users::active_admins(tx).await? {
        send(
            tx,
            admin,
            Mail::WebhookDisabled {
                webhook_id: webhook,
            },
        )
        .await?;
    }
    Ok(())
}

/// Queues a due-date reminder for every active enrollment due within `within` whose learner
/// has not been reminded of that due date yet, recording that they have been (so a learner gets
/// one reminder per enrollment and due date, and another if the due date moves); then queues
/// the next search a day later. Answers how many reminders were queued.
pub async fn remind_due(tx: &mut WriteTx, within: Duration) -> Result<u64, Refusal> {
    let now = Utc::now();
    let until = now + within;
    let mut queued = 0;
    loop {
        let due = reminders::due_unreminded(tx, now, until, BATCH).await?;
        for enrollment in &due {
            let mail = Mail::DueReminder {
                enrollment_id: enrollment.id,
                due_at: enrollment.due_at,
            };
            send(tx, enrollment.user_id, mail).await?;
            reminders::mark_reminded(tx, enrollment.id, enrollment.due_at).await?;
            queued += 1;
        }
        if due.len() < BATCH as usize {
            break;
        }
    }
    queue_reminders(tx, DueReminders::EVERY).await?;
    Ok(queued)
}

/// Queues the tenant's reminder search, unless it is queued already, at a random moment within
/// a day (the worker's sweep calls it for a tenant that has none).
pub async fn schedule_reminders(tx: &mut WriteTx) -> Result<(), Refusal> {
    queue_reminders(tx, DueReminders::EVERY.mul_f64(fastrand::f64())).await
}

async fn queue_reminders(tx: &mut WriteTx, after: Duration) -> Result<(), Refusal> {
    let queueing = Queueing {
        run_at: Some(Utc::now() + after),
        unique_key: Some(DueReminders::UNIQUE_KEY.to_owned()),
    };
    jobs::enqueue(tx, &DueReminders {}, queueing).await?;
    Ok(())
}

/// Queues a digest for every active learner with a course in progress, then the next round
/// `every` later. A learner whose digest still waits in the queue gets no second one. Answers
/// how many were queued.
pub async fn queue_digests(tx: &mut WriteTx, every: Duration) -> Result<u64, Refusal> {
    let mut queued = 0;
    let mut after = None;
    loop {
        let learners = reminders::learners_in_progress(tx, after, BATCH).await?;
        for &learner in &learners {
            let job = SendMail {
                to: learner,
                mail: Mail::Digest,
            };
            let queueing = Queueing {
                run_at: None,
                unique_key: Some(format!("mail.digest:{learner}")),
            };
            if jobs::enqueue(tx, &job, queueing).await?.is_some() {
                queued += 1;
            }
        }
        after = learners.last().copied();
        if learners.len() < BATCH as usize {
            break;
        }
    }
    queue_next_digests(tx, every).await?;
    Ok(queued)
}

/// Queues the tenant's digests, unless queued already, at a random moment within `every`.
pub async fn schedule_digests(tx: &mut WriteTx, every: Duration) -> Result<(), Refusal> {
    queue_next_digests(tx, every.mul_f64(fastrand::f64())).await
}

async fn queue_next_digests(tx: &mut WriteTx, after: Duration) -> Result<(), Refusal> {
    let queueing = Queueing {
        run_at: Some(Utc::now() + after),
        unique_key: Some(Digests::UNIQUE_KEY.to_owned()),
    };
    jobs::enqueue(tx, &Digests {}, queueing).await?;
    Ok(())
}

/// What a message says, gathered when it is written.
#[derive(Debug, Clone)]
pub struct Letter {
    pub to: Email,
    pub name: String,
    /// The recipient's own language, else the tenant's, else English.
    pub locale: Locale,
    pub branding: Branding,
    pub body: Body,
}

/// A kind's facts, as they are when the message is written.
#[derive(Debug, Clone)]
pub enum Body {
    Invitation {
        token: MailToken,
        expires_at: DateTime<Utc>,
    },
    PasswordReset {
        token: MailToken,
        expires_at: DateTime<Utc>,
    },
    AccountLocked {
        until: DateTime<Utc>,
    },
    DueReminder {
        course: CourseLine,
    },
    Digest {
        /// The courses in progress, in the dashboard's order.
        courses: Vec<CourseLine>,
    },
    WebhookDisabled {
        url: String,
        /// When its run of failures began, if it is still on record.
        failing_since: Option<DateTime<Utc>>,
        last_error: Option<String>,
    },
    GradePosted {
        course_id: lyceum_domain::CourseId,
        course: String,
        assignment: String,
        score: lyceum_domain::assessment::Points,
        max_score: lyceum_domain::assessment::Points,
        passed: bool,
    },
}

/// A course as a message names it.
#[derive(Debug, Clone)]
pub struct CourseLine {
    pub course_id: lyceum_domain::CourseId,
    pub title: String,
    pub progress_percent: u8,
    pub due_at: Option<DateTime<Utc>>,
}

/// What the message of `job` says, read in the tenant's storage now; `None` when it no longer
/// makes sense: the recipient is gone or deactivated (or not yet active, but for an
/// invitation), the invitation or password reset was used, withdrawn or has expired, the
/// reminded enrollment is completed or its due date moved, the digest's learner has no course
/// in progress, the disabled webhook is enabled again or gone, or its admin is no longer one.
pub async fn letter(
    tx: &mut TenantTx,
    tenant: &Tenant,
    job: &SendMail,
) -> Result<Option<Letter>, Refusal> {
    let Some(user) = users::get(tx, job.to).await? else {
        return Ok(None);
    };
    let expected = match job.mail {
        Mail::Invitation { .. } => UserStatus::Invited,
        _ => UserStatus::Active,
    };
    if user.status != expected {
        return Ok(None);
    }
    let body = match &job.mail {
        Mail::Invitation { token, expires_at } => {
            let hash = crate::identity::opaque_token_hash(token.expose());
            let open = invitations::by_hash(tx, &hash)
                .await?
                .filter(|i| i.accepted_at.is_none() && i.expires_at > Utc::now());
            if open.is_none() {
                return Ok(None);
            }
            Body::Invitation {
                token: token.clone(),
                expires_at: *expires_at,
            }
        }
        Mail::PasswordReset { token, expires_at } => {
            let hash = crate::identity::opaque_token_hash(token.expose());
            let open = password_resets::by_hash(tx, &hash)
                .await?
                .filter(|r| r.is_open(Utc::now()));
            if open.is_none() {
                return Ok(None);
            }
            Body::PasswordReset {
                token: token.clone(),
                expires_at: *expires_at,
            }
        }
        Mail::AccountLocked { until } => Body::AccountLocked { until: *until },
        Mail::DueReminder {
            enrollment_id,
            due_at,
        } => {
            let Some(enrollment) = enrollments::get(tx, *enrollment_id)
                .await?
                .filter(|e| e.user_id == user.id && e.status == EnrollmentStatus::Active)
                .filter(|e| e.due_at == Some(*due_at))
            else {
                return Ok(None);
            };
            let Some(course) = courses::get(tx, enrollment.course_id).await? else {
                return Ok(None);
            };
            Body::DueReminder {
                course: CourseLine {
                    course_id: course.id,
                    title: course.title,
                    progress_percent: u8::try_from(enrollment.progress_percent.clamp(0, 100))
                        .unwrap_or(0),
                    due_at: Some(*due_at),
                },
            }
        }
        Mail::Digest => {
            let actor = Actor {
                user: user.id,
                role: user.role,
                plan: tenant.plan,
                origin: Origin::default(),
            };
            let courses: Vec<CourseLine> = dashboard::dashboard(tx, &actor)
                .await?
                .courses
                .into_iter()
                .filter(|c| c.status == EnrollmentStatus::Active)
                .map(|c| CourseLine {
                    course_id: c.course_id,
                    title: c.title,
                    progress_percent: c.progress_percent,
                    due_at: c.due_at,
                })
                .collect();
            if courses.is_empty() {
                return Ok(None);
            }
            Body::Digest { courses }
        }
        Mail::WebhookDisabled { webhook_id } => {
            let still_disabled = webhooks::find(tx, *webhook_id)
                .await?
                .filter(|w| !w.enabled && user.role == Role::Admin);
            let Some(endpoint) = still_disabled else {
                return Ok(None);
            };
            Body::WebhookDisabled {
                url: endpoint.url,
                failing_since: endpoint.failing_since,
                last_error: endpoint.last_error,
            }
        }
        Mail::GradePosted { submission_id } => {
            let released = lyceum_store::repo::assignments::get(tx, *submission_id, false)
                .await?
                .filter(|s| s.user_id == user.id && s.released_at.is_some());
            let Some(sub) = released else {
                return Ok(None);
            };
            let (Some(score), Some(max_score), Some(passed)) =
                (sub.score, sub.max_score, sub.passed)
            else {
                return Ok(None);
            };
            let Some(assessment) =
                lyceum_store::repo::assessments::get(tx, sub.assessment_id).await?
            else {
                return Ok(None);
            };
            let Some(course) = courses::get(tx, assessment.course_id).await? else {
                return Ok(None);
            };
            Body::GradePosted {
                course_id: course.id,
                course: course.title,
                assignment: assessment.title,
                score,
                max_score,
                passed,
            }
        }
    };
    let branding = Branding::from_settings(&tenant.settings);
    Ok(Some(Letter {
        to: user.email,
        name: user.display_name,
        locale: user.locale.or(branding.locale).unwrap_or(Locale::FALLBACK),
        branding,
        body,
    }))
}
