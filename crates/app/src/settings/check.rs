//! [`DomainCheck`]: proving that a tenant controls a custom domain, by fetching
//! `http://<domain>/.well-known/lyceum-domain-verification` and comparing what it answers with
//! the token Lyceum gave. It owns the outgoing request and its bounds; which domain may be
//! checked, and what a result changes, are the use cases' (`settings::domains`).
//!
//! Bounds: a connect timeout and a timeout for the whole exchange, at most [`MAX_BODY`] bytes
//! read, no proxy, redirects followed only on the same host (at most three; `https` then uses
//! the web's certificate authorities through rustls). The domain is resolved through DNS and
//! every address it resolves to must be public: a domain leading to loopback, private,
//! link-local or other special addresses is refused, so the check cannot be aimed at the
//! service's own network. Tests and private set-ups may name the address and port to connect to
//! instead ([`DomainCheckConfig::address`], [`DomainCheckConfig::port`]); the request still
//! names the domain.

use lyceum_domain::DomainName;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

/// Where the token is published on the domain.
pub const WELL_KNOWN_PATH: &str = "/.well-known/lyceum-domain-verification";

/// Most bytes of the answer read; a token is 43.
const MAX_BODY: usize = 1024;
/// Same-host redirects followed.
const MAX_REDIRECTS: usize = 3;

/// How the check reaches a domain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DomainCheckConfig {
    /// Connect to this address instead of the domain's DNS addresses, whatever kind it is (for
    /// tests and private set-ups; none in production).
    pub address: Option<IpAddr>,
    /// Connect to this port instead of the scheme's (80 for `http`); for tests and private
    /// set-ups.
    pub port: Option<u16>,
    pub connect_timeout: Duration,
    /// For the whole exchange, redirects included.
    pub timeout: Duration,
}

impl Default for DomainCheckConfig {
    fn default() -> Self {
        Self {
            address: None,
            port: None,
            connect_timeout: Duration::from_secs(3),
            timeout: Duration::from_secs(10),
        }
    }
}

/// Why a domain's verification file could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CheckFailure {
    #[error("the domain resolves to no public address")]
    NotPublic,
    #[error("could not connect to the domain")]
    Unreachable,
    #[error("no answer within {0} seconds")]
    TimedOut(u64),
    #[error("the domain redirected the request to another host")]
    RedirectedElsewhere,
    #[error("the verification file answered HTTP {0}")]
    Status(u16),
    #[error("the verification file is larger than {MAX_BODY} bytes")]
    TooLarge,
    #[error("the verification file does not hold the token")]
    WrongToken,
}

/// The verification check, with one HTTP client for every check.
#[derive(Clone)]
pub struct DomainCheck {
    client: reqwest::Client,
    config: DomainCheckConfig,
}

impl std::fmt::Debug for DomainCheck {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DomainCheck")
            .field("config", &self.config)
            .finish()
    }
}

impl DomainCheck {
    /// The check; fails only if the TLS stack cannot start.
    pub fn new(config: DomainCheckConfig) -> Result<DomainCheck, crate::Refusal> {
        let redirects = reqwest::redirect::Policy::custom(|attempt| {
            let first = attempt.previous().first().and_then(|u| u.host_str());
            if attempt.previous().len() > MAX_REDIRECTS || attempt.url().host_str() != first {
                attempt.stop()
            } else {
                attempt.follow()
            }
        });
        let client = reqwest::Client::builder()
            .redirect(redirects)
            .no_proxy()
            .connect_timeout(config.connect_timeout)
            .timeout(config.timeout)
            .user_agent("Lyceum domain verification")
            .dns_resolver(Arc::new(Resolver {
                address: config.address,
                port: config.port,
            }))
            .build()
            .map_err(|e| {
                tracing::error!(error = %e, "cannot build the domain check's HTTP client");
                crate::Refusal::Internal("the domain check cannot start")
            })?;
        Ok(DomainCheck { client, config })
    }

    /// The address whose answer must be the token.
    pub fn url(domain: &impl std::fmt::Display) -> String {
        format!("http://{domain}{WELL_KNOWN_PATH}")
    }

    /// Fetches the verification file of `domain` and compares it, spaces around it aside,
    /// with `token`.
    pub async fn verify(&self, domain: &DomainName, token: &str) -> Result<(), CheckFailure> {
        let mut response = self
            .client
            .get(Self::url(domain))
            .send()
            .await
            .map_err(|e| self.failure(&e))?;
        let status = response.status();
        if status.is_redirection() {
            return Err(CheckFailure::RedirectedElsewhere);
        }
        if !status.is_success() {
            return Err(CheckFailure::Status(status.as_u16()));
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| self.failure(&e))? {
            if body.len() + chunk.len() > MAX_BODY {
                return Err(CheckFailure::TooLarge);
            }
            body.extend_from_slice(&chunk);
        }
        match std::str::from_utf8(&body) {
            Ok(text) if text.trim() == token => Ok(()),
            _ => Err(CheckFailure::WrongToken),
        }
    }

    fn failure(&self, error: &reqwest::Error) -> CheckFailure {
        if error.is_timeout() {
            return CheckFailure::TimedOut(self.config.timeout.as_secs().max(1));
        }
        let mut source: Option<&dyn std::error::Error> = Some(error);
        while let Some(e) = source {
            if e.is::<NotPublicError>() {
                return CheckFailure::NotPublic;
            }
            source = e.source();
        }
        CheckFailure::Unreachable
    }
}

/// Resolves a domain to its public addresses only, or to the configured address.
struct Resolver {
    address: Option<IpAddr>,
    port: Option<u16>,
}

#[derive(Debug, thiserror::Error)]
#[error("the domain resolves to no public address")]
struct NotPublicError;

impl Resolve for Resolver {
    fn resolve(&self, name: Name) -> Resolving {
        let (address, port) = (self.address, self.port);
        Box::pin(async move {
            // Port 0 lets the connector use the scheme's.
            let port = port.unwrap_or(0);
            if let Some(address) = address {
                let addrs: Addrs = Box::new(std::iter::once(SocketAddr::new(address, port)));
                return Ok(addrs);
            }
            let found: Vec<SocketAddr> = tokio::net::lookup_host((name.as_str(), port))
                .await?
                .collect();
            // A name that also leads somewhere private is not trusted at all.
            if found.is_empty() || !found.iter().all(|a| is_public(a.ip())) {
                return Err(Box::new(NotPublicError) as Box<dyn std::error::Error + Send + Sync>);
            }
            let addrs: Addrs = Box::new(found.into_iter());
            Ok(addrs)
        })
    }
}

/// An address on the public internet: not loopback, private, link-local, shared (CGNAT),
/// documentation, multicast, broadcast, unspecified or reserved.
pub fn is_public(address: IpAddr) -> bool {
    // The one rule of which addresses are public, shared with webhook deliveries.
    lyceum_domain::webhook::special_use(address).is_none()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_public_addresses_are_public() {
        for private in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "255.255.255.255",
            "224.0.0.1",
            "::1",
            "::",
            "fd00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
            "2001:db8::1",
        ] {
            assert!(!is_public(private.parse().unwrap()), "{private}");
        }
        for public in ["93.184.216.34", "1.1.1.1", "2606:4700:4700::1111"] {
            assert!(is_public(public.parse().unwrap()), "{public}");
        }
    }
}
