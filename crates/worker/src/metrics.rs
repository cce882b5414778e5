//! The worker's metrics, for Prometheus: jobs run by kind and outcome, events dispatched and
//! batches failed (counters since the process started), jobs by kind and state and events
//! waiting over every tenant (gauges, as the last sweep found them), tenants in line now.

use crate::sweep::Census;
use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeMetric};
use prometheus_client::metrics::counter::ConstCounter;
use prometheus_client::metrics::gauge::ConstGauge;
use prometheus_client::metrics::MetricType;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// What the worker counts.
#[derive(Debug, Default)]
pub struct WorkerMetrics {
    jobs_run: Mutex<BTreeMap<(String, &'static str), u64>>,
    dispatched: AtomicU64,
    failed_batches: AtomicU64,
    census: Mutex<Option<Census>>,
    in_line: AtomicU64,
}

impl WorkerMetrics {
    pub(crate) fn job_ran(&self, kind: &str, outcome: &'static str) {
        let mut runs = self.jobs_run.lock().unwrap_or_else(|e| e.into_inner());
        *runs.entry((kind.to_owned(), outcome)).or_default() += 1;
    }

    pub(crate) fn dispatched(&self, events: usize) {
        self.dispatched.fetch_add(events as u64, Ordering::Relaxed);
    }

    pub(crate) fn batch_failed(&self) {
        self.failed_batches.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn surveyed(&self, census: Census) {
        *self.census.lock().unwrap_or_else(|e| e.into_inner()) = Some(census);
    }

    pub(crate) fn set_in_line(&self, tenants: usize) {
        self.in_line.store(tenants as u64, Ordering::Relaxed);
    }

    /// Events dispatched since the worker started.
    pub fn events_dispatched(&self) -> u64 {
        self.dispatched.load(Ordering::Relaxed)
    }
}

/// The worker's metrics as a Prometheus collector.
#[derive(Debug, Clone)]
pub struct WorkerCollector(pub(crate) Arc<WorkerMetrics>);

impl WorkerCollector {
    pub fn metrics(&self) -> &WorkerMetrics {
        &self.0
    }
}

impl Collector for WorkerCollector {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let metrics = &self.0;
        {
            let runs = metrics.jobs_run.lock().unwrap_or_else(|e| e.into_inner());
            let mut family = encoder.encode_descriptor(
                "jobs_run",
                "Job attempts by kind and outcome (succeeded, retried, dead, superseded, cancelled, released)",
                None,
                MetricType::Counter,
            )?;
            for ((kind, outcome), count) in runs.iter() {
                let labels = [("kind", kind.as_str()), ("outcome", outcome)];
                ConstCounter::new(*count).encode(family.encode_family(&labels)?)?;
            }
        }
        let counters = [
            (
                "outbox_events_dispatched",
                "Events handed to the consumers and marked delivered",
                &metrics.dispatched,
            ),
            (
                "outbox_batches_failed",
                "Event batches a consumer failed (delivered again after a backoff)",
                &metrics.failed_batches,
            ),
        ];
        for (name, help, value) in counters {
            let family = encoder.encode_descriptor(name, help, None, MetricType::Counter)?;
            ConstCounter::new(value.load(Ordering::Relaxed)).encode(family)?;
        }
        let family = encoder.encode_descriptor(
            "worker_tenants_in_line",
            "Tenants with work waiting for a turn",
            None,
            MetricType::Gauge,
        )?;
        ConstGauge::new(metrics.in_line.load(Ordering::Relaxed) as i64).encode(family)?;
        let census = metrics.census.lock().unwrap_or_else(|e| e.into_inner());
        let Some(census) = census.as_ref() else {
            return Ok(());
        };
        let mut family = encoder.encode_descriptor(
            "jobs",
            "Jobs by kind and state over every tenant, at the last sweep",
            None,
            MetricType::Gauge,
        )?;
        for ((kind, state), count) in &census.jobs {
            let labels = [("kind", kind.as_str()), ("state", state)];
            ConstGauge::new(*count as i64).encode(family.encode_family(&labels)?)?;
        }
        let family = encoder.encode_descriptor(
            "outbox_events_pending",
            "Events waiting for delivery over every tenant, at the last sweep",
            None,
            MetricType::Gauge,
        )?;
        ConstGauge::new(census.pending_events as i64).encode(family)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use prometheus_client::registry::Registry;

    #[test]
    fn jobs_are_counted_by_kind_and_outcome_and_gauged_by_kind_and_state() {
        let metrics = Arc::new(WorkerMetrics::default());
        metrics.job_ran("housekeeping", "succeeded");
        metrics.job_ran("housekeeping", "succeeded");
        metrics.job_ran("mail", "dead");
        metrics.dispatched(3);
        let mut census = Census::default();
        census.jobs.insert(("mail".into(), "queued"), 7);
        census.pending_events = 2;
        metrics.surveyed(census);
        let mut registry = Registry::with_prefix("lyceum");
        registry.register_collector(Box::new(WorkerCollector(metrics)));
        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, &registry).unwrap();
        for line in [
            r#"lyceum_jobs_run_total{kind="housekeeping",outcome="succeeded"} 2"#,
            r#"lyceum_jobs_run_total{kind="mail",outcome="dead"} 1"#,
            "lyceum_outbox_events_dispatched_total 3",
            r#"lyceum_jobs{kind="mail",state="queued"} 7"#,
            "lyceum_outbox_events_pending 2",
            "lyceum_worker_tenants_in_line 0",
        ] {
            assert!(text.contains(line), "{line} missing from\n{text}");
        }
    }
}
