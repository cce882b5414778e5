//! [`DomainName`]: a DNS host name as Lyceum keeps it (a tenant's custom domain, an e-mail
//! domain allowed to sign up): lower case, in its ASCII (punycode) form, without a trailing
//! dot, port or path, never an IP address. Holding one means it was checked.

use crate::error::ValidationError;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Longest name DNS carries (without the trailing dot).
const MAX_NAME: usize = 253;
/// Longest label.
const MAX_LABEL: usize = 63;

/// A host name of at least two labels, each 1–63 letters, digits or inner hyphens, at most
/// 253 characters, whose last label is not all digits (so no IPv4 address passes).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DomainName(String);

impl DomainName {
    /// Reads a name as typed: surrounding spaces and one trailing dot dropped, Unicode
    /// labels turned into punycode (`bücher.example` → `xn--bcher-kva.example`), lower-cased.
    pub fn parse(text: &str) -> Result<DomainName, ValidationError> {
        let shown = crate::error::shown(text);
        let invalid = |reason: &'static str| ValidationError::InvalidDomain {
            value: shown.clone(),
            reason,
        };
        let text = text.trim();
        let text = text.strip_suffix('.').unwrap_or(text);
        if text.is_empty() {
            return Err(invalid("it is empty"));
        }
        if text.contains(':') || text.starts_with('[') {
            return Err(invalid("a domain has no port and is no IPv6 address"));
        }
        if text.contains(['/', '?', '#', '@', '\\']) {
            return Err(invalid("give the host name alone, without scheme or path"));
        }
        if text.chars().count() > MAX_NAME * 2 {
            return Err(invalid("it is longer than 253 characters"));
        }
        let ascii = idna::domain_to_ascii_strict(text)
            .map_err(|_| invalid("it is not a valid host name"))?;
        if ascii.len() > MAX_NAME {
            return Err(invalid("it is longer than 253 characters"));
        }
        let labels: Vec<&str> = ascii.split('.').collect();
        if labels.len() < 2 {
            return Err(invalid(
                "it needs at least two labels, as in learn.example.com",
            ));
        }
        let label_ok = |label: &&str| {
            (1..=MAX_LABEL).contains(&label.len())
                && label
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        };
        if !labels.iter().all(label_ok) {
            return Err(invalid("it is not a valid host name"));
        }
        if labels
            .last()
            .is_some_and(|tld| tld.bytes().all(|b| b.is_ascii_digit()))
        {
            return Err(invalid("an IP address is no domain"));
        }
        Ok(DomainName(ascii))
    }

    /// The ASCII form, as DNS and the `Host` header carry it.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Is this `other` itself or a name under it (`a.b.example` is under `b.example`)?
    pub fn is_within(&self, other: &str) -> bool {
        self.0 == other
            || self
                .0
                .strip_suffix(other)
                .is_some_and(|head| head.ends_with('.'))
    }
}

impl fmt::Display for DomainName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(&self.0)
    }
}

impl<'de> Deserialize<'de> for DomainName {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(d)?;
        DomainName::parse(&raw).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_lower_cased_and_punycoded() {
        let parse = |s| DomainName::parse(s).map(|d| d.to_string());
        assert_eq!(parse(" Learn.Example.COM. ").unwrap(), "learn.example.com");
        assert_eq!(parse("bücher.example").unwrap(), "xn--bcher-kva.example");
        assert_eq!(
            parse("xn--bcher-kva.example").unwrap(),
            "xn--bcher-kva.example"
        );
    }

    #[test]
    fn addresses_ports_and_malformed_names_are_refused() {
        let long_label = format!("{}.example", "a".repeat(64));
        let long_name = format!("{}example", "abcdefghi.".repeat(26));
        for bad in [
            "",
            "localhost",
            "127.0.0.1",
            "10.0.0.1.",
            "[::1]",
            "::1",
            "learn.example.com:8080",
            "https://learn.example.com",
            "learn.example.com/path",
            "user@learn.example.com",
            "-bad.example",
            "bad-.example",
            "a..b.example",
            "under_score.example",
            "spa ce.example",
            "*.example.com",
            "<b>.example",
            "nul\0.example",
            &long_label,
            &long_name,
        ] {
            let refused = DomainName::parse(bad).unwrap_err();
            assert_eq!(refused.code(), "INVALID_DOMAIN", "{bad:?}");
        }
    }

    #[test]
    fn within_means_itself_or_below() {
        let name = DomainName::parse("acme.lms.example").unwrap();
        assert!(name.is_within("lms.example"));
        assert!(name.is_within("acme.lms.example"));
        assert!(!name.is_within("ms.example"));
        assert!(!name.is_within("other.example"));
    }
}
