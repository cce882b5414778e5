//! E-mail, sent by the worker's jobs and never inside a request. This module owns the mail's
//! configuration ([`MailConfig`]), the handler of [`SendMail`] ([`Postman`]: reads what the
//! message says through `lyceum_app::mail::letter`, writes it in the recipient's language and
//! the tenant's branding, and sends it), and the handlers of the tenants' recurring mail jobs
//! ([`Reminders`] for due dates, [`DigestRound`] for digests). Writing is in `render`, sending
//! in `transport`. It never decides whom to write to (the use cases do) nor reads a repository.
//!
//! A send that fails is a failed job, retried with the kind's backoff; an SMTP server's
//! permanent refusal (5xx) makes the job dead at once, for an operator to look at. A job whose
//! message no longer makes sense (an invitation accepted meanwhile) succeeds without sending.

mod render;
mod transport;

pub use render::invitation_link;
pub use transport::{MailTransport, SmtpConfig, SmtpTls};

use crate::{JobContext, JobHandler, Recurring, WorkError, Worker};
use futures_util::future::BoxFuture;
use lettre::message::Mailbox;
use lyceum_app::{mail, Refusal};
use lyceum_domain::mail::{DigestEvery, Digests, DueReminders};
use lyceum_domain::{Job, SendMail};
use lyceum_store::WriteTx;
use render::{Catalogue, Links};
use std::sync::Arc;
use std::time::Duration;
use transport::Outbox;

/// How the worker sends mail.
#[derive(Debug, Clone)]
pub struct MailConfig {
    pub transport: MailTransport,
    /// The sender (`Lyceum <no-reply@lms.example>`, or a bare address, which then carries the
    /// tenant's name).
    pub from: String,
    /// The address the portal is reached at (`https://lms.example`); messages link to
    /// `<link_base>/t/<slug>/...`.
    pub link_base: String,
    /// Learners are reminded of a due date this many days ahead; 0: no reminders.
    pub remind_days: u32,
    /// How often learners get a digest of their courses in progress.
    pub digest: DigestEvery,
}

/// A mail configuration the worker cannot use.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct MailConfigError(String);

impl Worker {
    /// Adds the mail's job kinds: [`SendMail`], and the tenants' recurring due-date reminders
    /// and digests (each run queues the next; switched off, a queued one ends without
    /// successor).
    pub fn send_mail(self, config: MailConfig) -> Result<Worker, MailConfigError> {
        let from: Mailbox = config.from.parse().map_err(|e| {
            MailConfigError(format!("the sender {:?} is no address: {e}", config.from))
        })?;
        let outbox = Outbox::open(&config.transport).map_err(MailConfigError)?;
        let postman = Postman {
            outbox,
            from,
            links: Links {
                base: config.link_base.clone(),
            },
            catalogue: Arc::new(Catalogue::embedded()),
        };
        let within = (config.remind_days > 0)
            .then(|| Duration::from_secs(u64::from(config.remind_days) * 24 * 3600));
        let mut worker = self
            .handle(postman)
            .handle(Reminders { within })
            .handle(DigestRound {
                every: config.digest.period(),
            });
        if within.is_some() {
            worker = worker.recur(Reminders { within });
        }
        if let Some(every) = config.digest.period() {
            worker = worker.recur(DigestRound { every: Some(every) });
        }
        Ok(worker)
    }
}

/// Runs [`SendMail`]: writes the message and sends it.
pub struct Postman {
    outbox: Outbox,
    from: Mailbox,
    links: Links,
    catalogue: Arc<Catalogue>,
}

impl JobHandler for Postman {
    type Job = SendMail;

    fn run<'a>(
        &'a self,
        context: &'a JobContext,
        job: SendMail,
    ) -> BoxFuture<'a, Result<(), WorkError>> {
        Box::pin(async move {
            let tenant = &context.tenant;
            let mut tx = context.store.begin(tenant).await?;
            let letter = mail::letter(&mut tx, tenant, &job).await?;
            tx.commit().await?;
            let Some(letter) = letter else {
                tracing::info!(tenant = %tenant.slug, job = %context.job, kind = %job.mail.kind(), "mail no longer needed; not sent");
                return Ok(());
            };
            let message = render::message(
                &self.catalogue,
                &self.links,
                &self.from,
                (&tenant.slug, &tenant.name),
                &letter,
            )?;
            self.outbox.send(&tenant.slug, context.job, message).await?;
            tracing::info!(tenant = %tenant.slug, job = %context.job, kind = %job.mail.kind(), "mail sent");
            Ok(())
        })
    }
}

/// Runs [`DueReminders`]: queues the reminders of enrollments due within `within`, and the
/// next search; `None` (reminders off): nothing, and no next search.
pub struct Reminders {
    within: Option<Duration>,
}

impl JobHandler for Reminders {
    type Job = DueReminders;

    fn run<'a>(
        &'a self,
        context: &'a JobContext,
        _job: DueReminders,
    ) -> BoxFuture<'a, Result<(), WorkError>> {
        Box::pin(async move {
            let Some(within) = self.within else {
                return Ok(());
            };
            let mut tx = context.store.begin_write(&context.tenant).await?;
            let queued = mail::remind_due(&mut tx, within).await?;
            tx.commit().await?;
            tracing::info!(tenant = %context.tenant.slug, reminders = queued, "due-date reminders queued");
            Ok(())
        })
    }
}

impl Recurring for Reminders {
    fn kind(&self) -> &'static str {
        DueReminders::KIND
    }

    fn schedule<'a>(&'a self, tx: &'a mut WriteTx) -> BoxFuture<'a, Result<(), Refusal>> {
        Box::pin(mail::schedule_reminders(tx))
    }
}

/// Runs [`Digests`]: queues a digest for every learner with a course in progress, and the next
/// round `every` later; `None` (digests off): nothing, and no next round.
pub struct DigestRound {
    every: Option<Duration>,
}

impl JobHandler for DigestRound {
    type Job = Digests;

    fn run<'a>(
        &'a self,
        context: &'a JobContext,
        _job: Digests,
    ) -> BoxFuture<'a, Result<(), WorkError>> {
        Box::pin(async move {
            let Some(every) = self.every else {
                return Ok(());
            };
            let mut tx = context.store.begin_write(&context.tenant).await?;
            let queued = mail::queue_digests(&mut tx, every).await?;
            tx.commit().await?;
            tracing::info!(tenant = %context.tenant.slug, digests = queued, "digests queued");
            Ok(())
        })
    }
}

impl Recurring for DigestRound {
    fn kind(&self) -> &'static str {
        Digests::KIND
    }

    fn schedule<'a>(&'a self, tx: &'a mut WriteTx) -> BoxFuture<'a, Result<(), Refusal>> {
        Box::pin(async move {
            match self.every {
                Some(every) => mail::schedule_digests(tx, every).await,
                None => Ok(()),
            }
        })
    }
}
