//! Cached responses of the hottest reads (the catalog, the learner dashboard): the JSON body as
//! sent, kept per tenant, role and request, and per user unless every user of the role gets the
//! same answer. A copy is served only while the data version it was read at
//! ([`lyceum_store::Store::data_version`]: the tenant's, and the user's for a per-user copy) is
//! still current, so a write committed through this process is seen by the next request
//! (through another process sharing the PostgreSQL database, once its notice arrives), and only
//! for `ttl`, which bounds the rest: a lost notice, the passing of a due date. [`Page`], a JSON
//! answer with its entity tag (`ETag`, 304 to a matching `If-None-Match`), is also how course
//! detail answers, uncached.

use crate::api::auth::Authenticated;
use crate::http::error::ApiError;
use crate::http::metrics::Metrics;
use axum::body::Bytes;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use lyceum_domain::{Role, TenantId, UserId};
use lyceum_store::{DataVersion, Store};
use serde::Serialize;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

/// Size and lifetime of the response cache.
#[derive(Debug, Clone)]
pub struct ResponseCacheConfig {
    /// Bytes of response bodies kept; 0 turns the cache off.
    pub capacity_bytes: u64,
    /// Longest a copy is served, whatever the data version says.
    pub ttl: Duration,
}

impl Default for ResponseCacheConfig {
    fn default() -> Self {
        Self {
            capacity_bytes: 64 * 1024 * 1024,
            ttl: Duration::from_secs(10),
        }
    }
}

/// Whose answer to what: a copy is only ever served within its tenant, to the role it was made
/// for and, unless the answer is the same for everyone in that role, to the same user.
#[derive(Clone, Hash, PartialEq, Eq)]
pub(crate) struct PageKey {
    tenant: TenantId,
    role: Role,
    user: Option<UserId>,
    /// The request, normalized by the handler (path and query).
    request: String,
}

impl PageKey {
    /// An answer that depends on who asks.
    pub(crate) fn for_user(auth: &Authenticated, request: String) -> Self {
        Self {
            user: Some(auth.user_id),
            ..Self::for_role(auth, request)
        }
    }

    /// An answer that is the same for every user of the tenant with the same role.
    pub(crate) fn for_role(auth: &Authenticated, request: String) -> Self {
        Self {
            tenant: auth.tenant.id(),
            role: auth.role,
            user: None,
            request,
        }
    }
}

/// A JSON response ready to send (again), with its entity tag: a client that sends the tag back
/// in `If-None-Match` gets 304 and no body while the page is unchanged.
pub(crate) struct Page {
    body: Bytes,
    etag: HeaderValue,
    link: Option<HeaderValue>,
}

impl Page {
    pub(crate) fn json(value: &impl Serialize) -> Result<Self, ApiError> {
        let body = serde_json::to_vec(value).map_err(|_| ApiError::internal("encode a page"))?;
        // The same body gives the same tag in every server process.
        let digest = ring::digest::digest(&ring::digest::SHA256, &body);
        let etag = format!("\"{}\"", URL_SAFE_NO_PAD.encode(&digest.as_ref()[..12]));
        Ok(Self {
            body: body.into(),
            etag: HeaderValue::from_str(&etag).map_err(|_| ApiError::internal("entity tag"))?,
            link: None,
        })
    }

    /// A `Link` header to send with the body.
    pub(crate) fn with_link(mut self, link: Option<HeaderValue>) -> Self {
        self.link = link;
        self
    }

    /// 304 if `request` names this page's tag in `If-None-Match` (or `*`), else 200 with the body.
    pub(crate) fn respond(&self, request: &HeaderMap) -> Response {
        let etag = self.etag.as_bytes();
        let unchanged = request
            .get_all(header::IF_NONE_MATCH)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(|tag| tag.trim().trim_start_matches("W/").as_bytes())
            .any(|tag| tag == etag || tag == b"*");
        let mut response = if unchanged {
            StatusCode::NOT_MODIFIED.into_response()
        } else {
            let content_type = HeaderValue::from_static("application/json");
            ([(header::CONTENT_TYPE, content_type)], self.body.clone()).into_response()
        };
        let headers = response.headers_mut();
        headers.insert(header::ETAG, self.etag.clone());
        if let Some(link) = &self.link {
            headers.insert(header::LINK, link.clone());
        }
        response
    }
}

struct CachedPage {
    version: DataVersion,
    /// `None`: the read failed (its caller answered the error; the next request reads again).
    page: Option<Page>,
}

pub(crate) struct ResponseCache {
    copies: Option<moka::future::Cache<PageKey, Arc<CachedPage>>>,
    store: Store,
    metrics: Metrics,
}

impl ResponseCache {
    pub(crate) fn new(config: &ResponseCacheConfig, store: Store, metrics: Metrics) -> Self {
        let copies = (config.capacity_bytes > 0).then(|| {
            moka::future::Cache::builder()
                .max_capacity(config.capacity_bytes)
                .weigher(|key: &PageKey, copy: &Arc<CachedPage>| {
                    let body = copy.page.as_ref().map_or(0, |p| p.body.len());
                    let bytes = key.request.len() + body + 128;
                    u32::try_from(bytes).unwrap_or(u32::MAX)
                })
                .time_to_live(config.ttl)
                .build()
        });
        Self {
            copies,
            store,
            metrics,
        }
    }

    /// The page for `key`, answered to `request` (see [`Page::respond`]): the cached copy if
    /// nothing it depends on (its tenant, and its user for a per-user copy) has changed since it
    /// was made; otherwise `make` reads the page and it is kept for the next request. Concurrent
    /// requests for a key whose copy is missing or stale wait for one read instead of each
    /// reading the database.
    pub(crate) async fn serve<F, Fut>(
        &self,
        key: PageKey,
        request: &HeaderMap,
        make: F,
    ) -> Result<Response, ApiError>
    where
        F: Fn() -> Fut,
        Fut: Future<Output = Result<Page, ApiError>>,
    {
        let Some(copies) = &self.copies else {
            return Ok(make().await?.respond(request));
        };
        let (tenant, user) = (key.tenant, key.user);
        let current = || self.store.data_version(tenant, user);
        let usable = |copy: &CachedPage| copy.page.is_some() && copy.version == current();
        // The common case first, without the entry machinery.
        if let Some(copy) = copies.get(&key).await.filter(|c| c.version == current()) {
            if let Some(page) = &copy.page {
                self.metrics.response_cache(true);
                return Ok(page.respond(request));
            }
        }
        let mut failure = None;
        let read = async {
            // Noted before reading: a write committing meanwhile leaves this copy already stale.
            let version = current();
            let page = make().await.map_err(|e| failure = Some(e)).ok();
            Arc::new(CachedPage { version, page })
        };
        let entry = copies
            .entry(key)
            .or_insert_with_if(read, |copy| !usable(copy))
            .await;
        if let Some(error) = failure {
            return Err(error);
        }
        self.metrics.response_cache(!entry.is_fresh());
        match &entry.value().page {
            Some(page) => Ok(page.respond(request)),
            // The read this request waited for failed: read for ourselves.
            None => Ok(make().await?.respond(request)),
        }
    }
}
