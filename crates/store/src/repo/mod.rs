//! Repositories, one module per aggregate. Every function takes `&mut TenantTx`, binds the
//! transaction's tenant into every statement, and is written once for both engines.

pub mod courses;
pub mod enrollments;
pub mod outbox;
pub mod progress;
pub mod refresh_tokens;
pub mod users;
