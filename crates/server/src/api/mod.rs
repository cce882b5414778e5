//! The JSON API's resources: thin handlers that read a request, open the tenant transaction,
//! call a `lyceum_app` use case and shape its answer (or its refusal) as JSON (or, for live
//! events, as a stream).

pub(crate) mod assessments;
pub(crate) mod assignments;
pub(crate) mod audit;
pub mod auth;
pub(crate) mod files;
pub(crate) mod gradebook;
pub(crate) mod groups;
pub(crate) mod invitations;
pub(crate) mod learning;
pub mod live;
pub mod platform;
pub mod signup;
pub(crate) mod tenant_profile;
pub(crate) mod tenant_settings;
pub(crate) mod users;
pub(crate) mod webhooks;
