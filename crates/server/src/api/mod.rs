//! The JSON API's resources: thin handlers that read a request, open the tenant transaction,
//! call a `lyceum_app` use case and shape its answer (or its refusal) as JSON.

pub(crate) mod audit;
pub mod auth;
pub(crate) mod invitations;
pub(crate) mod learning;
pub mod platform;
pub(crate) mod tenant_profile;
pub(crate) mod users;
pub(crate) mod webhooks;
