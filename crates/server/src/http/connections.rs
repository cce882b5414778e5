//! Accepting and serving connections: hyper's HTTP/1 and HTTP/2 server with a timer, so that
//! no client holds a connection (a file descriptor) for ever. A client has
//! `client_header_timeout` to send a request's headers, counted from when its connection
//! opened or its previous answer went out: a client that trickles its headers (slowloris) and
//! an idle HTTP/1 keep-alive connection are both closed then. HTTP/2 connections are pinged
//! and closed when a ping goes unanswered. Stopping stops accepting and lets every connection
//! finish the requests it has (see `serve` for the grace period).

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder;
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use std::future::Future;
use std::time::Duration;
use tower::ServiceExt;

/// How often an HTTP/2 connection is pinged, and how long its answer may take.
const HTTP2_PING: Duration = Duration::from_secs(20);
/// How long accepting pauses after it failed (out of file descriptors: wait for some to close).
const ACCEPT_RETRY: Duration = Duration::from_millis(100);

/// Serves `router` on `listener` until `stop` resolves, then waits for the connections to
/// finish their requests. Each request carries its client's address (`ConnectInfo`).
pub(crate) async fn serve(
    listener: tokio::net::TcpListener,
    router: Router,
    client_header_timeout: Duration,
    stop: impl Future<Output = ()>,
) {
    let mut builder = Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(client_header_timeout);
    builder
        .http2()
        .timer(TokioTimer::new())
        .keep_alive_interval(HTTP2_PING)
        .keep_alive_timeout(HTTP2_PING);
    let graceful = GracefulShutdown::new();
    tokio::pin!(stop);
    loop {
        let (socket, client) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    tracing::error!(%error, "could not accept a connection");
                    tokio::time::sleep(ACCEPT_RETRY).await;
                    continue;
                }
            },
            () = &mut stop => break,
        };
        socket.set_nodelay(true).ok();
        let (router, builder, graceful) = (router.clone(), builder.clone(), graceful.watcher());
        tokio::spawn(async move {
            // Until its first byte, hyper waits to learn which protocol the client speaks, with
            // no timer of its own.
            let mut first = [0_u8; 1];
            let spoke = tokio::time::timeout(client_header_timeout, socket.peek(&mut first)).await;
            if !matches!(spoke, Ok(Ok(1..))) {
                return;
            }
            let service = router.map_request(move |mut request: axum::http::Request<Incoming>| {
                request.extensions_mut().insert(ConnectInfo(client));
                request.map(Body::new)
            });
            let connection = builder.serve_connection_with_upgrades(
                TokioIo::new(socket),
                TowerToHyperService::new(service),
            );
            if let Err(error) = graceful.watch(connection).await {
                tracing::trace!(%error, %client, "connection ended");
            }
        });
    }
    drop(listener);
    graceful.shutdown().await;
}
