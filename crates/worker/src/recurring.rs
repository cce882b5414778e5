//! Recurring jobs: kinds every tenant keeps one of in its queue (housekeeping, the mail's
//! due-date reminders and digests). Each run queues the next; the worker's sweep queues one for
//! a tenant that has none (a new tenant, or one whose job died), at a random moment of its
//! period so that tenants do not all run at once.

use futures_util::future::BoxFuture;
use lyceum_app::Refusal;
use lyceum_store::WriteTx;

/// A job kind every tenant keeps one of queued.
pub trait Recurring: Send + Sync + 'static {
    /// The kind's name ([`lyceum_domain::Job::KIND`]).
    fn kind(&self) -> &'static str;

    /// Queues the tenant's first one (a use case that does nothing while one is queued).
    fn schedule<'a>(&'a self, tx: &'a mut WriteTx) -> BoxFuture<'a, Result<(), Refusal>>;
}
