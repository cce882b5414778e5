//! Live events over Server-Sent Events: `GET /api/v1/events/stream`. Who sees what is
//! `lyceum_app::live`'s rule; this module keeps one feed per tenant with open streams and
//! shapes the stream.
//!
//! A tenant's feed is a task that reads the events its dispatcher delivered, in delivery
//! order, each time the store says some were (in this process or, on PostgreSQL, another), and
//! hands them in batches to the tenant's streams through a bounded channel. A stream that falls
//! [`FEED_BATCHES`] batches behind is ended, never waited for: its client reconnects with
//! `Last-Event-ID` and reads what it missed from the store. A stream lasts at most until its
//! access token expires, or until the server stops; a user's role, standing and courses are
//! read again after an event that may change them (a demoted user watches under the new role
//! from the next event on, a deactivated one stops watching), and each user holds at most
//! [`STREAMS_PER_USER`] at once.

use crate::api::auth::Authenticated;
use crate::http::error::{ApiError, ErrorBody};
use crate::AppState;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures_util::stream::{self, Stream};
use lyceum_app::live::{self, LiveEvent, Watcher};
use lyceum_domain::{TenantId, UserId};
use lyceum_store::{CommitNotice, Store, Tenant};
use serde::Deserialize;
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, OnceLock, Weak};
use std::time::Duration;
use tokio::sync::{broadcast, Notify};
use utoipa::IntoParams;

/// Batches of events a stream may fall behind before it is ended.
pub const FEED_BATCHES: usize = 64;
/// Streams one user may hold open at once.
pub const STREAMS_PER_USER: usize = 8;
/// A comment line on an idle stream this often, so that proxies keep it open.
const KEEP_ALIVE: Duration = Duration::from_secs(15);
/// A feed looks for events this often even when no notice came (a notice lost on the way).
const FEED_POLL: Duration = Duration::from_secs(30);

type Batch = Arc<[LiveEvent]>;

/// The tenants' live feeds in this process.
#[derive(Default)]
pub struct LiveFeeds {
    feeds: Mutex<HashMap<TenantId, Weak<Feed>>>,
    /// The task that wakes feeds on the store's notices, started with the first feed.
    listening: OnceLock<()>,
    /// Set when the server stops: every stream ends (its client resumes elsewhere with
    /// `Last-Event-ID`), since a stream never finishes by itself and would hold the shutdown.
    stopping: StopSignal,
}

/// A flag streams wait on.
struct StopSignal(tokio::sync::watch::Sender<bool>);

impl Default for StopSignal {
    fn default() -> Self {
        Self(tokio::sync::watch::channel(false).0)
    }
}

/// One tenant's feed: the batches it read, for its streams, and its streams per user.
struct Feed {
    batches: broadcast::Sender<Batch>,
    /// Rung when the tenant's events were delivered (a wake while the feed reads is kept).
    wake: Arc<Notify>,
    streams: Mutex<HashMap<UserId, usize>>,
}

impl LiveFeeds {
    /// Ends every open stream, now and from now on: the server is stopping.
    pub fn stop(&self) {
        self.stopping.0.send_replace(true);
    }

    /// The tenant's feed, started if none runs, and a subscription to its batches (taken
    /// under the same lock a feed ends under, so no stream joins a feed that stopped reading).
    fn join(
        self: &Arc<Self>,
        store: &Store,
        tenant: &Arc<Tenant>,
    ) -> (Arc<Feed>, broadcast::Receiver<Batch>) {
        self.listening.get_or_init(|| {
            tokio::spawn(wake_feeds(
                Arc::downgrade(self),
                store.work_notices().observe(),
            ));
        });
        let mut feeds = lock(&self.feeds);
        if let Some(feed) = feeds.get(&tenant.id()).and_then(Weak::upgrade) {
            let batches = feed.batches.subscribe();
            return (feed, batches);
        }
        let (sender, batches) = broadcast::channel(FEED_BATCHES);
        let feed = Arc::new(Feed {
            batches: sender,
            wake: Arc::default(),
            streams: Mutex::default(),
        });
        feeds.retain(|_, feed| feed.strong_count() > 0);
        feeds.insert(tenant.id(), Arc::downgrade(&feed));
        tokio::spawn(read_feed(
            Arc::downgrade(self),
            Arc::downgrade(&feed),
            store.clone(),
            tenant.clone(),
        ));
        (feed, batches)
    }

    /// Ends `feed` if no stream listens any more (under the lock [`Self::join`] takes).
    fn end_if_unwatched(&self, tenant: TenantId, feed: &Arc<Feed>) -> bool {
        let mut feeds = lock(&self.feeds);
        if feed.batches.receiver_count() > 0 {
            return false;
        }
        if feeds
            .get(&tenant)
            .is_some_and(|known| std::ptr::eq(known.as_ptr(), Arc::as_ptr(feed)))
        {
            feeds.remove(&tenant);
        }
        true
    }

    fn wake(&self, tenant: Option<TenantId>) {
        let feeds = lock(&self.feeds);
        let woken = feeds
            .iter()
            .filter(|(id, _)| tenant.is_none_or(|tenant| **id == tenant));
        for feed in woken.filter_map(|(_, feed)| feed.upgrade()) {
            feed.wake.notify_one();
        }
    }
}

/// Wakes the feed of each tenant whose events were delivered (every feed when notices may
/// have been lost), until the feeds are gone.
async fn wake_feeds(feeds: Weak<LiveFeeds>, mut notices: lyceum_store::CommitObserver) {
    while let Some(notice) = notices.next().await {
        let Some(feeds) = feeds.upgrade() else {
            return;
        };
        match notice {
            CommitNotice::Delivered(tenant) => feeds.wake(Some(tenant)),
            CommitNotice::Lagged => feeds.wake(None),
            CommitNotice::Committed(_) => {}
        }
    }
}

/// Reads the tenant's delivered events from the store's head on, and hands them to the feed's
/// streams, until the feed has no stream left. A stream that finds a gap before a batch (it
/// started before the feed did) reads the gap from the store itself.
async fn read_feed(feeds: Weak<LiveFeeds>, feed: Weak<Feed>, store: Store, tenant: Arc<Tenant>) {
    let Some(wake) = feed.upgrade().map(|feed| feed.wake.clone()) else {
        return;
    };
    let mut last = None;
    loop {
        let (Some(feeds), Some(current)) = (feeds.upgrade(), feed.upgrade()) else {
            return;
        };
        let read = async {
            let mut tx = store.begin(&tenant).await?;
            let events = match last {
                None => {
                    last = Some(live::head(&mut tx).await?);
                    Vec::new()
                }
                Some(seq) => live::after(&mut tx, seq).await?,
            };
            tx.commit().await?;
            Ok::<_, lyceum_app::Refusal>(events)
        };
        let full = match read.await {
            Ok(events) => {
                let full = events.len() == live::BATCH as usize;
                if let Some(newest) = events.last() {
                    last = Some(newest.seq);
                    // No stream listening is fine: the feed ends below.
                    let _ = current.batches.send(events.into());
                }
                full
            }
            Err(error) => {
                tracing::warn!(%error, tenant = %tenant.slug, "a live feed could not read events");
                false
            }
        };
        if feeds.end_if_unwatched(tenant.id(), &current) {
            return;
        }
        if !full {
            drop((current, feeds));
            // Woken by a delivery, or looking anyway after a while.
            let _ = tokio::time::timeout(FEED_POLL, wake.notified()).await;
        }
    }
}

/// Where the stream starts: after a delivery number seen before.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub(crate) struct StreamQuery {
    /// Resume after this event (its `id:` as the stream sent it), for clients that cannot
    /// send `Last-Event-ID` (the header wins when both are given). Without either, the stream
    /// starts with the next event.
    after: Option<String>,
}

/// The tenant's events as they happen, as Server-Sent Events (`text/event-stream`): each
/// `event:` is the event type (`lesson.completed`), `id:` its delivery number and `data:` its
/// envelope (see docs/events). Scoped to the caller: an admin sees the whole tenant; course
/// staff the progress and content of the courses they teach; a learner their own enrollments,
/// completions and certificates and new content of the courses they take; everyone their own
/// account's events. After a reconnect, `Last-Event-ID` (or `?after=`) resumes after the last
/// event received. Comment lines keep an idle stream open; the stream ends when the access
/// token expires, when its user is deactivated, or when the client falls too far behind
/// (reconnect to resume). A user whose role changes watches as the new role from the next event.
#[utoipa::path(get, path = "/api/v1/events/stream", tag = "events", params(StreamQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The event stream", content_type = "text/event-stream", body = String),
        (status = 400, description = "`VALIDATION_FAILED`: `Last-Event-ID` or `after` is not an id this stream sent", body = ErrorBody),
        (status = 401, description = "`UNAUTHENTICATED`, `INVALID_TOKEN`, `TOKEN_EXPIRED`", body = ErrorBody),
        (status = 403, description = "`TENANT_MISMATCH`", body = ErrorBody),
        (status = 429, description = "`TOO_MANY_STREAMS`: this user holds the most streams at once already", body = ErrorBody),
    ))]
pub(crate) async fn stream(
    State(state): State<AppState>,
    auth: Authenticated,
    headers: HeaderMap,
    Query(query): Query<StreamQuery>,
) -> Result<Response, ApiError> {
    let resume = headers
        .get("last-event-id")
        .map(|value| value.to_str().unwrap_or("?").to_owned())
        .or(query.after);
    let resume = resume
        .map(|text| {
            text.trim()
                .parse::<i64>()
                .ok()
                .filter(|seq| *seq >= 0)
                .ok_or_else(|| {
                    ApiError::new(
                        StatusCode::BAD_REQUEST,
                        "VALIDATION_FAILED",
                        "Last-Event-ID (or after) must be the id of an event this stream sent: a whole number",
                    )
                })
        })
        .transpose()?;
    // Subscribed before the store is read: what is delivered meanwhile comes through the feed.
    let (feed, batches) = state.live.join(&state.store, &auth.tenant);
    let seat = Seat::take(&feed, auth.user_id)?;
    let actor = auth.actor();
    let mut tx = state.store.begin(&auth.tenant).await?;
    let watcher = live::watcher(&mut tx, &actor).await?;
    let from = match resume {
        Some(seq) => seq,
        None => live::head(&mut tx).await?,
    };
    tx.commit().await?;
    let expires = chrono::DateTime::from_timestamp(auth.claims.exp, 0).unwrap_or_default()
        - chrono::Utc::now();
    let watching = Watching {
        store: state.store.clone(),
        tenant: auth.tenant.clone(),
        watcher,
        last: from,
        catching_up: resume.is_some(),
        pending: VecDeque::new(),
        held: Vec::new(),
        batches,
        _seat: seat,
    };
    let events = events(watching);
    let mut stopping = state.live.stopping.0.subscribe();
    let ends = async move {
        tokio::select! {
            () = tokio::time::sleep(expires.to_std().unwrap_or_default()) => {}
            _ = stopping.wait_for(|stopping| *stopping) => {}
        }
    };
    let events = futures_util::StreamExt::take_until(events, Box::pin(ends));
    let mut response = Sse::new(events)
        .keep_alive(KeepAlive::new().interval(KEEP_ALIVE))
        .into_response();
    // Proxies that buffer answers (nginx) pass this one through as it comes; the tenant's
    // events are nobody's to keep.
    let headers = response.headers_mut();
    headers.insert("x-accel-buffering", "no".parse().expect("a valid header"));
    headers.insert(
        axum::http::header::CACHE_CONTROL,
        "no-store".parse().expect("a valid header"),
    );
    Ok(response)
}

/// A user's place among a feed's streams, given back when the stream ends.
struct Seat {
    feed: Arc<Feed>,
    user: UserId,
}

impl Seat {
    fn take(feed: &Arc<Feed>, user: UserId) -> Result<Seat, ApiError> {
        let mut streams = lock(&feed.streams);
        let held = streams.entry(user).or_default();
        if *held >= STREAMS_PER_USER {
            return Err(ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "TOO_MANY_STREAMS",
                format!("a user holds at most {STREAMS_PER_USER} event streams at once; close one first"),
            ));
        }
        *held += 1;
        Ok(Seat {
            feed: feed.clone(),
            user,
        })
    }
}

impl Drop for Seat {
    fn drop(&mut self) {
        let mut streams = lock(&self.feed.streams);
        if let Some(held) = streams.get_mut(&self.user) {
            *held -= 1;
            if *held == 0 {
                streams.remove(&self.user);
            }
        }
    }
}

/// One open stream.
struct Watching {
    store: Store,
    tenant: Arc<Tenant>,
    watcher: Watcher,
    /// The delivery number of the last event this stream passed (sent or not the watcher's).
    last: i64,
    /// Still reading from the store what was delivered before the stream opened.
    catching_up: bool,
    pending: VecDeque<LiveEvent>,
    /// Batches of the feed that came while catching up, passed on once caught up.
    held: Vec<Batch>,
    batches: broadcast::Receiver<Batch>,
    _seat: Seat,
}

/// The events `watching` may see, in delivery order, each once.
fn events(watching: Watching) -> impl Stream<Item = Result<Event, std::convert::Infallible>> {
    stream::unfold(watching, |mut watching| async move {
        loop {
            // Their role, standing or courses may have changed: what they may see is read
            // again before the next event; a user no longer active stops watching.
            if watching.watcher.stale() {
                let read = async {
                    let mut tx = watching.store.begin(&watching.tenant).await?;
                    let watcher = live::rewatch(&mut tx, &watching.watcher).await?;
                    tx.commit().await?;
                    Ok::<_, lyceum_app::Refusal>(watcher)
                };
                match read.await {
                    Ok(Some(watcher)) => watching.watcher = watcher,
                    Ok(None) => return None,
                    Err(error) => {
                        tracing::warn!(%error, "a live stream could not read its watcher again");
                        return None;
                    }
                }
            }
            if let Some(event) = watching.pending.pop_front() {
                if event.seq <= watching.last {
                    continue;
                }
                watching.last = event.seq;
                if watching.watcher.sees(&event) {
                    return Some((Ok(sse_event(&event)), watching));
                }
                continue;
            }
            if watching.catching_up {
                let read = async {
                    let mut tx = watching.store.begin(&watching.tenant).await?;
                    let events = live::after(&mut tx, watching.last).await?;
                    tx.commit().await?;
                    Ok::<_, lyceum_app::Refusal>(events)
                };
                match read.await {
                    Ok(events) => {
                        watching.catching_up = events.len() == live::BATCH as usize;
                        watching.pending.extend(events);
                        if !watching.catching_up {
                            for batch in std::mem::take(&mut watching.held) {
                                watching.pending.extend(batch.iter().cloned());
                            }
                        }
                    }
                    Err(error) => {
                        tracing::warn!(%error, "a live stream could not read events");
                        return None;
                    }
                }
                continue;
            }
            match watching.batches.recv().await {
                // A gap before the batch (events delivered before the feed started, or while
                // this stream fell behind): read from the store first.
                Ok(batch) if batch.first().is_some_and(|e| e.seq > watching.last + 1) => {
                    watching.catching_up = true;
                    watching.held.push(batch);
                }
                Ok(batch) => watching.pending.extend(batch.iter().cloned()),
                // Too slow, or the feed is gone: the client resumes with Last-Event-ID.
                Err(
                    broadcast::error::RecvError::Lagged(_) | broadcast::error::RecvError::Closed,
                ) => {
                    return None;
                }
            }
        }
    })
}

fn sse_event(event: &LiveEvent) -> Event {
    let data = serde_json::to_string(&event.envelope).unwrap_or_default();
    Event::default()
        .event(event.envelope.event_type.as_str())
        .id(event.seq.to_string())
        .data(data)
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}
