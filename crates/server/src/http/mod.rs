//! HTTP plumbing every face over HTTP shares (the JSON API now, the portal next): the error
//! shape and status mapping, JSON bodies, paging, request ids, tenant resolution, rate limits,
//! metrics, the response cache, health endpoints and the OpenAPI document.

pub(crate) mod connections;
pub(crate) mod context;
pub(crate) mod error;
pub(crate) mod headers;
pub(crate) mod health;
pub(crate) mod json;
pub mod metrics;
pub(crate) mod nul;
pub(crate) mod openapi;
pub(crate) mod paging;
pub(crate) mod ratelimit;
pub(crate) mod response_cache;
pub(crate) mod tenancy;
