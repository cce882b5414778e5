//! Lyceum's application layer: what Lyceum does, for every face. The JSON API, the portal, the
//! CLI and the worker (and later the standards interfaces) call the use cases here instead
//! of the store's repositories, so that each rule (who may enroll, when a course is open, which
//! event a change records) lives once, and every face obeys it the same way.
//!
//! A use case takes the tenant transaction it runs in (the caller opens and commits it, so
//! several use cases can share one), and answers a [`Refusal`] when a rule says no: faces map
//! refusals to their medium once (an HTTP status, a page, an exit code). Nothing here knows
//! about HTTP.

mod actor;
pub mod assessments;
pub mod audit;
mod bulk;
pub mod dispatch;
pub mod files;
pub mod groups;
pub mod housekeeping;
pub mod identity;
pub mod jobs;
pub mod learning;
pub mod live;
pub mod mail;
pub mod platform;
mod refusal;
pub mod settings;
pub mod tenant;
pub mod webhooks;
mod work;

pub use actor::Actor;
pub use refusal::Refusal;
