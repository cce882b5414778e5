//! Event consumers: what the dispatcher hands each tenant's events to, in order, at least once.
//! A consumer works inside the transaction that marks the batch delivered, so what it writes
//! there (a job queued, a row recorded) is kept exactly when the batch counts as delivered; an
//! effect outside the database (a message sent) may happen twice, so a consumer remembers the
//! event ids it handled where it must have one effect per event.

use crate::WorkError;
use futures_util::future::BoxFuture;
use lyceum_domain::EventEnvelope;
use lyceum_store::WriteTx;
use std::sync::Arc;

/// Something that acts on domain events.
pub trait Consumer: Send + Sync + 'static {
    /// Its name, in logs and in the dispatch state's last error.
    fn name(&self) -> &'static str;

    /// Acts on `events` (one tenant's, the transaction's, in order). An error rolls the whole
    /// batch back, for every consumer, and the batch is delivered again after a backoff.
    fn consume<'a>(
        &'a self,
        tx: &'a mut WriteTx,
        events: &'a [EventEnvelope],
    ) -> BoxFuture<'a, Result<(), WorkError>>;
}

/// The consumers the dispatcher feeds, in the order they are added.
#[derive(Clone, Default)]
pub struct Consumers(Vec<Arc<dyn Consumer>>);

impl Consumers {
    pub fn with(mut self, consumer: impl Consumer) -> Self {
        self.0.push(Arc::new(consumer));
        self
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = &Arc<dyn Consumer>> {
        self.0.iter()
    }
}
