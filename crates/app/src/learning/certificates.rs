//! Certificates as the world sees them: anyone holding a certificate's code can confirm it with
//! the tenant that issued it (learner, course, date), and learn nothing else.

use crate::Refusal;
use lyceum_store::repo::certificates;
use lyceum_store::TenantTx;

pub use lyceum_store::repo::certificates::Certificate;

/// The certificate of the tenant with `code` (compared without case or surrounding blanks), or
/// `CERTIFICATE_NOT_FOUND`.
pub async fn verify(tx: &mut TenantTx, code: &str) -> Result<Certificate, Refusal> {
    let not_found = || Refusal::NotFound {
        code: "CERTIFICATE_NOT_FOUND",
        message: "no certificate with this code here".to_owned(),
    };
    let code = code.trim().to_ascii_uppercase();
    if code.is_empty() || code.len() > 64 {
        return Err(not_found());
    }
    certificates::by_code(tx, &code)
        .await?
        .ok_or_else(not_found)
}
