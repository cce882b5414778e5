//! Webhook delivery, the worker's part: [`WebhookFanOut`], the event consumer that turns each
//! batch into deliveries (a row and a job per matching endpoint, through
//! `lyceum_app::webhooks::fan_out`), and [`WebhookSender`], the handler of the
//! [`WebhookDelivery`] job that POSTs the signed envelope and records how it went.
//!
//! The sender never reaches an address the [`TargetPolicy`] refuses: a literal address is
//! checked before the request, a host name is resolved by a resolver that refuses the whole
//! name if any of its addresses is refused (at every delivery, so a name that changes its
//! answer after the endpoint was saved gains nothing), no proxy is used, and no redirect is
//! followed (a 3xx counts as a failure). Each attempt is bounded: `connect_timeout` to
//! connect, `timeout` for the whole exchange, at most `max_response_bytes` of the answer read.
//! A failed attempt fails the job, which the queue retries with backoff; the worker goes on
//! with other jobs meanwhile.

use crate::{Consumer, JobContext, JobHandler, WorkError, Worker};
use chrono::Utc;
use futures_util::future::BoxFuture;
use lyceum_app::webhooks::{
    self, Answer, Attempt, Outgoing, DELIVERY_ID_HEADER, EVENT_ID_HEADER, SIGNATURE_HEADER,
};
use lyceum_domain::webhook::FailingEndpoint;
use lyceum_domain::{
    Backoff, DeliveryId, DeliveryStatus, EventEnvelope, Job, TargetPolicy, WebhookDelivery,
    WebhookUrl,
};
use lyceum_store::WriteTx;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How webhooks are delivered.
#[derive(Debug, Clone)]
pub struct WebhookConfig {
    /// Which addresses deliveries may reach.
    pub targets: TargetPolicy,
    /// Longest wait for a connection.
    pub connect_timeout: Duration,
    /// Longest a whole attempt (connect, send, answer) may take.
    pub timeout: Duration,
    /// Most of an answer's body read; the rest is not waited for.
    pub max_response_bytes: usize,
    /// How long an endpoint may fail without a success before it is disabled.
    pub patience: Duration,
    /// The wait between attempts.
    pub backoff: Backoff,
}

impl Default for WebhookConfig {
    fn default() -> Self {
        Self {
            targets: TargetPolicy::default(),
            connect_timeout: Duration::from_secs(5),
            timeout: Duration::from_secs(10),
            max_response_bytes: 64 * 1024,
            patience: FailingEndpoint::GIVE_UP_AFTER,
            backoff: WebhookDelivery::BACKOFF,
        }
    }
}

impl Worker {
    /// Adds webhook delivery: the consumer that fans events out to the tenants' endpoints and
    /// the handler that sends each delivery.
    pub fn webhooks(self, config: WebhookConfig) -> Result<Self, WorkError> {
        let sender = WebhookSender::new(config)?;
        Ok(self.consume(WebhookFanOut).handle(sender))
    }
}

/// The event consumer: a delivery (row and job) per event and matching enabled endpoint.
pub struct WebhookFanOut;

impl Consumer for WebhookFanOut {
    fn name(&self) -> &'static str {
        "webhooks"
    }

    fn consume<'a>(
        &'a self,
        tx: &'a mut WriteTx,
        events: &'a [EventEnvelope],
    ) -> BoxFuture<'a, Result<(), WorkError>> {
        Box::pin(async move {
            webhooks::fan_out(tx, events).await?;
            Ok(())
        })
    }
}

/// Resolves host names for the sender, refusing names that lead where deliveries may not go.
struct GuardedResolver {
    targets: TargetPolicy,
}

impl reqwest::dns::Resolve for GuardedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let targets = self.targets;
        Box::pin(async move {
            // The connector puts the URL's port on the addresses answered.
            let addresses = webhooks::resolve_host(name.as_str(), 0, targets).await?;
            let addresses: reqwest::dns::Addrs = Box::new(addresses.into_iter());
            Ok(addresses)
        })
    }
}

/// The handler of [`WebhookDelivery`] jobs.
pub struct WebhookSender {
    client: reqwest::Client,
    config: WebhookConfig,
}

impl WebhookSender {
    pub fn new(config: WebhookConfig) -> Result<Self, WorkError> {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .connect_timeout(config.connect_timeout)
            .timeout(config.timeout)
            .dns_resolver(Arc::new(GuardedResolver {
                targets: config.targets,
            }))
            .user_agent(concat!("Lyceum-Webhooks/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| WorkError::Permanent(format!("the webhook HTTP client: {e}")))?;
        Ok(Self { client, config })
    }

    /// One attempt: POSTs the body, signed now, and reads at most `max_response_bytes` back.
    async fn send(&self, delivery: DeliveryId, outgoing: &Outgoing) -> Answer {
        let url = match WebhookUrl::parse(&outgoing.url) {
            Ok(url) => url,
            Err(fault) => return Answer::Nothing(fault.to_string()),
        };
        if let Some(address) = url.literal_address() {
            if let Err(fault) = self.config.targets.check(address) {
                return Answer::Nothing(fault.to_string());
            }
        }
        let signature = webhooks::signature(
            &outgoing.secret,
            Utc::now().timestamp(),
            outgoing.body.as_bytes(),
        );
        let sent = self
            .client
            .post(url.as_url().clone())
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(SIGNATURE_HEADER, signature)
            .header(EVENT_ID_HEADER, outgoing.event_id.to_string())
            .header(DELIVERY_ID_HEADER, delivery.to_string())
            .body(outgoing.body.clone())
            .send()
            .await;
        let mut response = match sent {
            Ok(response) => response,
            Err(e) => return Answer::Nothing(self.explain(&e)),
        };
        let status = response.status().as_u16();
        let mut body = Vec::new();
        while body.len() < self.config.max_response_bytes {
            match response.chunk().await {
                Ok(Some(chunk)) => body.extend_from_slice(&chunk),
                Ok(None) => break,
                Err(e) => {
                    return Answer::Nothing(format!(
                        "answered {status}, then its body failed: {}",
                        self.explain(&e)
                    ))
                }
            }
        }
        Answer::Http {
            status,
            body: webhooks::stored_body(&body),
        }
    }

    /// A request's error with its causes (a refused address is a cause of a connect error).
    fn explain(&self, error: &reqwest::Error) -> String {
        if error.is_timeout() {
            return format!(
                "no complete answer within {} s",
                self.config.timeout.as_secs_f64()
            );
        }
        let mut text = String::from("the request failed");
        let mut cause: Option<&dyn std::error::Error> = std::error::Error::source(error);
        while let Some(error) = cause {
            text.push_str(": ");
            text.push_str(&error.to_string());
            cause = error.source();
        }
        text
    }
}

impl JobHandler for WebhookSender {
    type Job = WebhookDelivery;

    fn backoff(&self) -> Backoff {
        self.config.backoff
    }

    fn run<'a>(
        &'a self,
        context: &'a JobContext,
        job: WebhookDelivery,
    ) -> BoxFuture<'a, Result<(), WorkError>> {
        Box::pin(async move {
            let (store, tenant) = (&context.store, &context.tenant);
            let mut tx = store.begin(tenant).await?;
            let outgoing = webhooks::outgoing(&mut tx, job.delivery).await?;
            tx.commit().await?;
            let Some(outgoing) = outgoing else {
                return Ok(()); // The endpoint, and its deliveries, were deleted.
            };
            if matches!(
                outgoing.status,
                DeliveryStatus::Succeeded | DeliveryStatus::Cancelled
            ) {
                return Ok(()); // Done already, by a run whose verdict was not recorded.
            }
            if !outgoing.enabled {
                let mut tx = store.begin_write(tenant).await?;
                webhooks::cancel(&mut tx, job.delivery).await?;
                tx.commit().await?;
                return Ok(());
            }
            let (at, started) = (Utc::now(), Instant::now());
            let answer = self.send(job.delivery, &outgoing).await;
            let attempt = Attempt {
                number: context.attempt,
                last: context.attempt >= context.max_attempts,
                at,
                took: started.elapsed(),
                answer,
            };
            let mut tx = store.begin_write(tenant).await?;
            let recorded = webhooks::record_attempt(
                &mut tx,
                job.delivery,
                outgoing.webhook_id,
                &attempt,
                self.config.patience,
            )
            .await?;
            if recorded.failure.is_none() {
                context.succeed_in(&mut tx).await?;
            }
            tx.commit().await?;
            if recorded.disabled {
                tracing::warn!(tenant = %tenant.slug, webhook = %outgoing.webhook_id, "a webhook that failed for too long was disabled");
            }
            match recorded.failure {
                None => Ok(()),
                Some(error) => Err(WorkError::Transient(error)),
            }
        })
    }
}
