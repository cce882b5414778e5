//! Accepting and serving connections: hyper's HTTP/1 and HTTP/2 server with a timer, so that
//! an HTTP/1 client cannot hold a connection (a file descriptor) for ever. A client has
//! `client_header_timeout` to show which protocol it speaks and to send a request's headers,
//! counted from when its connection opened or its previous answer went out: a client that
//! trickles its headers (slowloris) and an idle HTTP/1 keep-alive connection are both closed
//! then. HTTP/2 connections are pinged and closed when a ping goes unanswered (hyper has no
//! idle timeout for a client that answers them). Stopping stops accepting and lets every
//! connection finish the requests it has (see `serve` for the grace period); connections that
//! have not said anything yet are dropped at once.

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
    let (stopping, stopped) = tokio::sync::watch::channel(false);
    tokio::pin!(stop);
    loop {
        let (socket, client) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                // A client gone before it was accepted: nothing to serve.
                Err(error) if matches!(
                    error.kind(),
                    std::io::ErrorKind::ConnectionAborted | std::io::ErrorKind::ConnectionReset
                ) => continue,
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
        let mut stopped = stopped.clone();
        tokio::spawn(async move {
            // hyper learns which protocol the client speaks from its first bytes, with no timer
            // of its own: they must come within the header timeout, and a server stopping
            // meanwhile does not wait for them.
            let spoke = tokio::select! {
                known = tokio::time::timeout(client_header_timeout, protocol_known(&socket)) => {
                    matches!(known, Ok(true))
                }
                _ = stopped.wait_for(|stopped| *stopped) => false,
            };
            if !spoke {
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
    stopping.send_replace(true);
    drop(listener);
    graceful.shutdown().await;
}

/// HTTP/2's connection preface, which hyper reads in full before it chooses HTTP/2.
const PREFACE: &[u8; 24] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
/// How long [`protocol_known`] waits for the rest of a preface sent in pieces.
const PREFACE_POLL: Duration = Duration::from_millis(10);

/// Waits until the client's first bytes tell HTTP/1 from HTTP/2: they differ from HTTP/2's
/// preface, or hold the whole of it. `false` if the client closed first.
async fn protocol_known(socket: &tokio::net::TcpStream) -> bool {
    let mut seen = [0_u8; PREFACE.len()];
    loop {
        let read = match socket.peek(&mut seen).await {
            Ok(0) | Err(_) => return false,
            Ok(read) => read,
        };
        if read == PREFACE.len() || seen[..read] != PREFACE[..read] {
            return true;
        }
        // Part of the preface: a client sends it whole, as a rule, so the rest is near.
        tokio::time::sleep(PREFACE_POLL).await;
    }
}
