//! E-mail's vocabulary: the messages Lyceum sends ([`Mail`], one variant per kind, carrying
//! only what cannot be read back when the message is written), the job that sends one to a
//! user ([`SendMail`]), and the tenants' recurring jobs that find whom to write to
//! ([`DueReminders`], [`Digests`]). Mail is always sent by the worker, never inside a request:
//! a use case queues a [`SendMail`] in the transaction of the change that calls for it.

use crate::jobs::{Backoff, Job};
use crate::{EnrollmentId, SubmissionId, UserId, WebhookId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::time::Duration;

/// The kinds of message, as named in logs, metrics and the outbox's file names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MailKind {
    Invitation,
    PasswordReset,
    AccountLocked,
    DueReminder,
    Digest,
    WebhookDisabled,
    GradePosted,
}

impl MailKind {
    pub const ALL: [MailKind; 7] = [
        MailKind::Invitation,
        MailKind::PasswordReset,
        MailKind::AccountLocked,
        MailKind::DueReminder,
        MailKind::Digest,
        MailKind::WebhookDisabled,
        MailKind::GradePosted,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            MailKind::Invitation => "invitation",
            MailKind::PasswordReset => "password_reset",
            MailKind::AccountLocked => "account_locked",
            MailKind::DueReminder => "due_reminder",
            MailKind::Digest => "digest",
            MailKind::WebhookDisabled => "webhook_disabled",
            MailKind::GradePosted => "grade_posted",
        }
    }
}

impl fmt::Display for MailKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

/// A one-time token a message carries to its reader (an invitation, a password reset). Its
/// `Debug` does not show it, so a logged job or message never leaks it.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct MailToken(String);

impl MailToken {
    pub fn new(token: impl Into<String>) -> Self {
        MailToken(token.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for MailToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MailToken(..)")
    }
}

/// A message to a user, by kind. What the recipient's record, the tenant and the courses say
/// (names, titles, progress, the language) is read when the message is written, so it is
/// current; the payload holds only what exists nowhere else (a token shown once) or what
/// decides whether the message still makes sense (the due date it reminds of).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Mail {
    /// You are invited: accept with this token before it expires.
    Invitation {
        token: MailToken,
        expires_at: DateTime<Utc>,
    },
    /// Choose a new password with this token before it expires.
    PasswordReset {
        token: MailToken,
        expires_at: DateTime<Utc>,
    },
    /// Too many failed sign-ins: signing in is refused until then.
    AccountLocked { until: DateTime<Utc> },
    /// A course you have not completed is due soon.
    DueReminder {
        enrollment_id: EnrollmentId,
        /// The due date reminded of: not sent if the enrollment's has changed meanwhile.
        due_at: DateTime<Utc>,
    },
    /// Where you stand in the courses you are taking.
    Digest,
    /// To an admin: a webhook endpoint failed for too long and was disabled.
    WebhookDisabled { webhook_id: WebhookId },
    /// The grade of your work on an assignment was released.
    GradePosted { submission_id: SubmissionId },
}

impl Mail {
    pub fn kind(&self) -> MailKind {
        match self {
            Mail::Invitation { .. } => MailKind::Invitation,
            Mail::PasswordReset { .. } => MailKind::PasswordReset,
            Mail::AccountLocked { .. } => MailKind::AccountLocked,
            Mail::DueReminder { .. } => MailKind::DueReminder,
            Mail::Digest => MailKind::Digest,
            Mail::WebhookDisabled { .. } => MailKind::WebhookDisabled,
            Mail::GradePosted { .. } => MailKind::GradePosted,
        }
    }
}

/// Sends one message to a user of the tenant whose queue holds the job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SendMail {
    pub to: UserId,
    pub mail: Mail,
}

impl Job for SendMail {
    const KIND: &'static str = "mail.send";
    /// With [`Self::BACKOFF`], attempts spread over two and a half to five hours: an SMTP
    /// server down for a while loses no mail.
    const MAX_ATTEMPTS: u32 = 12;
    const BACKOFF: Backoff = Backoff {
        first: Duration::from_secs(30),
        most: Duration::from_secs(3600),
    };
}

/// A tenant's daily search for enrollments due soon whose learner has not been reminded of
/// that due date yet; each gets a [`Mail::DueReminder`], and the next search is queued.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DueReminders {}

impl Job for DueReminders {
    const KIND: &'static str = "mail.due_reminders";
    const MAX_ATTEMPTS: u32 = 5;
}

impl DueReminders {
    /// At most one waits in a tenant's queue.
    pub const UNIQUE_KEY: &'static str = "mail.due_reminders";
    pub const EVERY: Duration = Duration::from_secs(24 * 3600);
}

/// A tenant's periodic digest: every active learner with a course in progress gets a
/// [`Mail::Digest`], and the next round is queued.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Digests {}

impl Job for Digests {
    const KIND: &'static str = "mail.digests";
    const MAX_ATTEMPTS: u32 = 5;
}

impl Digests {
    /// At most one waits in a tenant's queue.
    pub const UNIQUE_KEY: &'static str = "mail.digests";
}

/// How often learners get a digest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DigestEvery {
    Off,
    Daily,
    Weekly,
}

impl DigestEvery {
    /// The period; `None` when digests are off.
    pub fn period(self) -> Option<Duration> {
        match self {
            DigestEvery::Off => None,
            DigestEvery::Daily => Some(Duration::from_secs(24 * 3600)),
            DigestEvery::Weekly => Some(Duration::from_secs(7 * 24 * 3600)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mail_job_reads_back_as_written_and_hides_its_token() {
        let job = SendMail {
            to: UserId::new(),
            mail: Mail::Invitation {
                token: MailToken::new("s3cret"),
                expires_at: Utc::now(),
            },
        };
        let json = serde_json::to_value(&job).unwrap();
        assert_eq!(json["mail"]["kind"], "invitation");
        assert_eq!(json["mail"]["token"], "s3cret");
        assert_eq!(serde_json::from_value::<SendMail>(json).unwrap(), job);
        assert!(!format!("{job:?}").contains("s3cret"));
        let digest = serde_json::json!({"to": UserId::new(), "mail": {"kind": "digest"}});
        let read: SendMail = serde_json::from_value(digest).unwrap();
        assert_eq!(read.mail.kind(), MailKind::Digest);
    }
}
