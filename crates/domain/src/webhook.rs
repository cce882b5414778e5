//! Webhooks' vocabulary: where a tenant's events may be sent ([`WebhookUrl`], and which
//! addresses a delivery may reach, [`TargetPolicy`]), which events an endpoint wants
//! ([`EventFilter`]), the delivery job ([`WebhookDelivery`]) and when a failing endpoint is
//! given up ([`FailingEndpoint`]). Pure rules: resolving names, signing and sending are the
//! application's and the worker's.

use crate::error::ValidationError;
use crate::events::DomainEvent;
use crate::ids::DeliveryId;
use crate::jobs::{Backoff, Job};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::time::Duration;

/// Longest URL an endpoint may have.
pub const MAX_URL_CHARS: usize = 2048;
/// Longest description an endpoint may have.
pub const MAX_DESCRIPTION_CHARS: usize = 500;

/// Why a webhook's target was not accepted. Its `code()` is what faces report.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TargetFault {
    /// Not an absolute `http` or `https` URL with a host (`INVALID_WEBHOOK_URL`).
    #[error("{0}")]
    Malformed(String),
    /// It names, or resolves to, an address deliveries may not reach (`WEBHOOK_TARGET_REFUSED`).
    #[error("{0}")]
    Refused(String),
}

impl TargetFault {
    pub fn code(&self) -> &'static str {
        match self {
            TargetFault::Malformed(_) => "INVALID_WEBHOOK_URL",
            TargetFault::Refused(_) => "WEBHOOK_TARGET_REFUSED",
        }
    }
}

/// An endpoint's URL: absolute, `http` or `https`, with a host, without credentials or a
/// fragment, at most [`MAX_URL_CHARS`]. Whether its host is a reachable target is
/// [`TargetPolicy`]'s question, asked again at every delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookUrl(url::Url);

impl WebhookUrl {
    pub fn parse(text: &str) -> Result<Self, TargetFault> {
        let malformed = |why: &str| TargetFault::Malformed(format!("the webhook URL {why}"));
        let text = text.trim();
        if text.chars().count() > MAX_URL_CHARS {
            return Err(malformed(&format!(
                "is longer than {MAX_URL_CHARS} characters"
            )));
        }
        let url = url::Url::parse(text).map_err(|e| malformed(&format!("cannot be read: {e}")))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(malformed(&format!(
                "must start with http:// or https://, not {}:",
                url.scheme()
            )));
        }
        if url.host().is_none() {
            return Err(malformed("has no host"));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(malformed("must not carry a user name or password"));
        }
        if url.fragment().is_some() {
            return Err(malformed("must not have a #fragment"));
        }
        Ok(WebhookUrl(url))
    }

    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }

    pub fn as_url(&self) -> &url::Url {
        &self.0
    }

    /// The host as written (without the brackets of an IPv6 address).
    pub fn host(&self) -> &str {
        let host = self.0.host_str().unwrap_or_default();
        host.trim_start_matches('[').trim_end_matches(']')
    }

    /// The port, or the scheme's.
    pub fn port(&self) -> u16 {
        self.0.port_or_known_default().unwrap_or(443)
    }

    /// The address the URL names literally, if it names one instead of a host name.
    pub fn literal_address(&self) -> Option<IpAddr> {
        match self.0.host()? {
            url::Host::Ipv4(v4) => Some(IpAddr::V4(v4)),
            url::Host::Ipv6(v6) => Some(IpAddr::V6(v6)),
            url::Host::Domain(_) => None,
        }
    }
}

impl fmt::Display for WebhookUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

/// Which addresses deliveries may reach. By default only public ones: never loopback,
/// link-local (the cloud metadata services live there), private, unique-local, shared (CGNAT),
/// unspecified, broadcast, multicast, documentation or reserved addresses, nor tunnels and
/// translations that may lead to them (Teredo, local-use NAT64; 6to4 and NAT64 addresses are
/// judged by the IPv4 address they carry), whatever name leads to them.
/// An operator whose receivers live on a private network allows those
/// (`LYCEUM_WEBHOOK_ALLOW_PRIVATE_TARGETS=true`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TargetPolicy {
    pub allow_private: bool,
}

impl TargetPolicy {
    /// Refuses `address` unless deliveries may reach it.
    pub fn check(&self, address: IpAddr) -> Result<(), TargetFault> {
        match (special_use(address), self.allow_private) {
            (None, _) | (Some(_), true) => Ok(()),
            (Some(kind), false) => Err(TargetFault::Refused(format!(
                "{address} is a {kind} address, which webhooks may not reach"
            ))),
        }
    }
}

/// What kind of non-public address `address` is; `None` for a public one. An IPv4 address
/// written as IPv6 (`::ffff:127.0.0.1`, `::127.0.0.1`) is judged as the IPv4 address it is.
pub fn special_use(address: IpAddr) -> Option<&'static str> {
    match address {
        IpAddr::V4(v4) => special_v4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped().or_else(|| compatible_v4(v6)) {
            Some(v4) => special_v4(v4),
            None => special_v6(v6),
        },
    }
}

fn compatible_v4(v6: Ipv6Addr) -> Option<Ipv4Addr> {
    let [.., w, x, y, z] = v6.octets();
    let compatible = v6.segments()[..6] == [0; 6] && !v6.is_unspecified() && !v6.is_loopback();
    compatible.then(|| Ipv4Addr::new(w, x, y, z))
}

fn special_v4(v4: Ipv4Addr) -> Option<&'static str> {
    let [a, b, ..] = v4.octets();
    if v4.is_loopback() {
        Some("loopback")
    } else if v4.is_unspecified() || a == 0 {
        Some("unspecified")
    } else if v4.is_link_local() {
        Some("link-local (metadata)")
    } else if v4.is_private() {
        Some("private")
    } else if a == 100 && (64..128).contains(&b) {
        Some("shared (carrier-grade NAT)")
    } else if v4.is_broadcast() {
        Some("broadcast")
    } else if v4.is_multicast() || a >= 240 {
        Some("multicast or reserved")
    } else if v4.is_documentation() || (a == 198 && (b == 18 || b == 19)) {
        Some("documentation or benchmarking")
    } else if a == 192 && b == 0 && v4.octets()[2] == 0 {
        Some("reserved (IETF protocol assignments)")
    } else if a == 192 && b == 88 && v4.octets()[2] == 99 {
        Some("reserved (6to4 relay)")
    } else {
        None
    }
}

fn special_v6(v6: Ipv6Addr) -> Option<&'static str> {
    let first = v6.segments()[0];
    if v6.is_loopback() {
        Some("loopback")
    } else if v6.is_unspecified() {
        Some("unspecified")
    } else if first & 0xffc0 == 0xfe80 {
        Some("link-local")
    } else if first & 0xffc0 == 0xfec0 {
        Some("site-local (private, deprecated)")
    } else if first & 0xfe00 == 0xfc00 {
        // fd00:ec2::254, a metadata service, is one of these.
        Some("unique-local (private)")
    } else if v6.is_multicast() {
        Some("multicast")
    } else if first == 0x2001 && v6.segments()[1] == 0x0db8 {
        Some("documentation")
    } else if v6.segments()[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        // NAT64: judged by the IPv4 address it carries.
        let [.., w, x, y, z] = v6.octets();
        special_v4(Ipv4Addr::new(w, x, y, z))
    } else if v6.segments()[..3] == [0x64, 0xff9b, 1] {
        Some("local-use NAT64 (private)")
    } else if first == 0x2002 {
        // 6to4: judged by the IPv4 address it carries.
        let [_, _, w, x, y, z, ..] = v6.octets();
        special_v4(Ipv4Addr::new(w, x, y, z))
    } else if first == 0x2001 && v6.segments()[1] == 0 {
        Some("Teredo tunnel")
    } else if v6.segments()[..4] == [0x100, 0, 0, 0] {
        Some("discard-only")
    } else {
        None
    }
}

/// The event types an endpoint receives: all of them, or those listed (each a known type).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventFilter {
    All,
    Only(Vec<String>),
}

impl EventFilter {
    /// The text that stands for every event type.
    pub const ALL: &'static str = "*";

    /// Reads a list of event types (`["*"]` for all of them); refuses an empty list and
    /// unknown types.
    pub fn parse(types: &[String]) -> Result<Self, ValidationError> {
        if types.is_empty() {
            return Err(ValidationError::Empty { field: "events" });
        }
        if types.iter().any(|t| t == Self::ALL) {
            return Ok(EventFilter::All);
        }
        let mut known = Vec::with_capacity(types.len());
        for kind in types {
            let found = DomainEvent::TYPES.iter().find(|t| **t == kind.as_str());
            let Some(found) = found else {
                return Err(ValidationError::UnknownVariant {
                    kind: "event type",
                    value: kind.chars().take(40).collect(),
                    expected: format!("\"*\" or {}", DomainEvent::TYPES.join(", ")),
                });
            };
            if !known.iter().any(|k| k == found) {
                known.push((*found).to_owned());
            }
        }
        Ok(EventFilter::Only(known))
    }

    pub fn matches(&self, event_type: &str) -> bool {
        match self {
            EventFilter::All => true,
            EventFilter::Only(types) => types.iter().any(|t| t == event_type),
        }
    }

    /// As stored and answered: the listed types, or `["*"]`.
    pub fn types(&self) -> Vec<String> {
        match self {
            EventFilter::All => vec![Self::ALL.to_owned()],
            EventFilter::Only(types) => types.clone(),
        }
    }
}

/// The job that sends one delivery to its endpoint (the envelope, signed), records how it
/// went, and fails when it did not (retried with backoff, dead after its attempts).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookDelivery {
    pub delivery: DeliveryId,
}

impl Job for WebhookDelivery {
    const KIND: &'static str = "webhook.delivery";
    /// With [`Self::BACKOFF`], about a day of attempts.
    const MAX_ATTEMPTS: u32 = 16;
    /// 30 s, 1 min, 2 min ... up to 4 h between attempts.
    const BACKOFF: Backoff = Backoff {
        first: Duration::from_secs(30),
        most: Duration::from_secs(4 * 3600),
    };
}

/// An endpoint's run of failed deliveries: once it has lasted [`FailingEndpoint::GIVE_UP_AFTER`]
/// without one success, the endpoint is disabled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FailingEndpoint {
    /// When the first failure of the run happened.
    pub since: DateTime<Utc>,
}

impl FailingEndpoint {
    /// How long an endpoint may fail without a success before it is disabled.
    pub const GIVE_UP_AFTER: Duration = Duration::from_secs(24 * 3600);

    /// Whether an endpoint failing since `self.since` is given up at `now`, after `patience`.
    pub fn given_up(&self, now: DateTime<Utc>, patience: Duration) -> bool {
        (now - self.since).to_std().unwrap_or_default() >= patience
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(text: &str) -> bool {
        TargetPolicy::default()
            .check(text.parse().unwrap())
            .is_err()
    }

    #[test]
    fn only_http_and_https_urls_with_a_host_are_endpoints() {
        assert!(WebhookUrl::parse("https://hooks.example.com/lyceum?x=1").is_ok());
        assert_eq!(
            WebhookUrl::parse("http://[::1]:8080/in").unwrap().host(),
            "::1"
        );
        for bad in [
            "ftp://example.com/",
            "file:///etc/passwd",
            "javascript:alert(1)",
            "example.com/hook",
            "https://user:pw@example.com/",
            "https://example.com/#frag",
            "",
        ] {
            let fault = WebhookUrl::parse(bad).unwrap_err();
            assert_eq!(fault.code(), "INVALID_WEBHOOK_URL", "{bad}");
        }
        let long = format!("https://example.com/{}", "a".repeat(MAX_URL_CHARS));
        assert!(WebhookUrl::parse(&long).is_err());
    }

    #[test]
    fn private_loopback_link_local_and_metadata_addresses_are_refused_unless_allowed() {
        for address in [
            "127.0.0.1",
            "127.8.9.10",
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
            "fe80::1",
            "fd00:ec2::254",
            "fc00::1",
            "ff02::1",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "64:ff9b::a00:1",
            "64:ff9b:1::a00:1",
            "2002:7f00:1::",
            "2002:a9fe:a9fe::1",
            "2001:0:4136:e378::1",
            "100::1",
            "fec0::1",
            "192.0.0.1",
            "192.0.0.170",
            "192.88.99.1",
        ] {
            assert!(refused(address), "{address} should be refused");
            let allowed = TargetPolicy {
                allow_private: true,
            };
            assert!(allowed.check(address.parse().unwrap()).is_ok(), "{address}");
        }
        for address in [
            "93.184.216.34",
            "1.1.1.1",
            "2606:4700:4700::1111",
            "::ffff:8.8.8.8",
            "2002:5db8:d822::1",
            "192.0.1.1",
        ] {
            assert!(!refused(address), "{address} should be allowed");
        }
        let fault = TargetPolicy::default()
            .check("169.254.169.254".parse().unwrap())
            .unwrap_err();
        assert_eq!(fault.code(), "WEBHOOK_TARGET_REFUSED");
    }

    #[test]
    fn filters_take_known_event_types_or_everything() {
        let only =
            EventFilter::parse(&["course.published".into(), "course.published".into()]).unwrap();
        assert_eq!(only.types(), vec!["course.published".to_owned()]);
        assert!(only.matches("course.published"));
        assert!(!only.matches("course.created"));
        let all = EventFilter::parse(&["*".into()]).unwrap();
        assert!(all.matches("user.created"));
        assert_eq!(all.types(), vec!["*".to_owned()]);
        assert!(EventFilter::parse(&[]).is_err());
        assert!(EventFilter::parse(&["course.renamed".into()]).is_err());
    }

    #[test]
    fn an_endpoint_is_given_up_after_failing_for_its_patience() {
        let now = Utc::now();
        let failing = FailingEndpoint {
            since: now - chrono::Duration::hours(23),
        };
        assert!(!failing.given_up(now, FailingEndpoint::GIVE_UP_AFTER));
        assert!(failing.given_up(
            now + chrono::Duration::hours(1),
            FailingEndpoint::GIVE_UP_AFTER
        ));
    }
}
