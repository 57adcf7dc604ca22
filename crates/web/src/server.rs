//! The HTTP server: what a connection may cost the platform before it has said anything
//! useful, and where the client's address comes from.
//!
//! axum's own `serve` sets no header or body read timeout and no cap on connections, so a
//! client sending half a header (slowloris) or declaring a huge body and sending a trickle
//! holds a connection and a task for as long as it likes. This loop serves the same router
//! on hyper's HTTP/1 connection with
//! - a header read timeout (hyper's; it also bounds how long an idle keep-alive connection
//!   waits for its next request),
//! - a body read deadline and an idle limit per request ([`DeadlineBody`]),
//! - a cap on open connections (a permit is taken before `accept`, so further clients wait
//!   in the kernel's listen backlog instead of costing a task each),
//! - graceful shutdown: stop accepting, let requests in flight finish (bounded).
//!
//! All numbers are in [`ServerConfig`], with their defaults and sources.

use crate::AppState;
use axum::Router;
use axum::body::Bytes;
use axum::extract::ConnectInfo;
use axum::http::HeaderMap;
use http_body::{Body as HttpBody, Frame, SizeHint};
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::pin::{Pin, pin};
use std::str::FromStr;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, Semaphore, watch};
use tokio::time::{Instant, Sleep};
use tower::ServiceExt;

/// Limits of the HTTP server. The defaults suit a platform behind a TLS proxy on a
/// 2-core machine; `vanguard serve` takes each as an option.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Time a client has to send a request's whole header; also the longest an idle
    /// keep-alive connection waits for its next request. Default 10 s (Apache's
    /// mod_reqtimeout starts at 20 s and extends at 500 B/s; 10 s is ample for a header of
    /// a few hundred bytes on a phone network).
    pub header_read_timeout: Duration,
    /// Time a client has to send a request's whole body, from the end of its header.
    /// Default 120 s: a 10 MB attachment (the largest accepted) over 1 Mbit/s takes 80 s.
    pub body_read_timeout: Duration,
    /// Longest pause between two pieces of a body. Default 15 s (a stalled upload, or a
    /// client that declared 100 GB and sent 64 KB, is cut off after this long).
    pub body_idle_timeout: Duration,
    /// Open connections at most; further clients wait in the listen backlog until one
    /// closes. Default 2048 (security.md R4 soaks 1,000 concurrent connections; the
    /// process's open-file limit must be higher than this).
    pub max_connections: usize,
    /// Time requests in flight get to finish at shutdown. Default 30 s.
    pub shutdown_grace: Duration,
    /// Proxies whose `X-Forwarded-For` names the client (see [`TrustedProxies`]).
    pub trusted_proxies: TrustedProxies,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            header_read_timeout: Duration::from_secs(10),
            body_read_timeout: Duration::from_secs(120),
            body_idle_timeout: Duration::from_secs(15),
            max_connections: 2048,
            shutdown_grace: Duration::from_secs(30),
            trusted_proxies: TrustedProxies::default(),
        }
    }
}

/// One network: an address and how many leading bits are fixed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    addr: IpAddr,
    bits: u8,
}

impl Cidr {
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.addr, canonical(ip)) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                prefix_eq(u128::from(u32::from(net)) << 96, u128::from(u32::from(ip)) << 96, self.bits)
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => prefix_eq(u128::from(net), u128::from(ip), self.bits),
            _ => false,
        }
    }
}

fn prefix_eq(a: u128, b: u128, bits: u8) -> bool {
    bits == 0 || (a ^ b) >> (128 - u32::from(bits)) == 0
}

impl FromStr for Cidr {
    type Err = String;
    /// `10.0.0.0/8`, `fd00::/8`, or a single address (`192.168.1.10`, `::1`).
    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || format!("“{s}”不是有效的 IP 地址或网段（例如 10.0.0.0/8、192.168.1.10、fd00::/8）");
        let (addr, bits) = match s.trim().split_once('/') {
            Some((a, b)) => (a, Some(b)),
            None => (s.trim(), None),
        };
        let addr = canonical(IpAddr::from_str(addr).map_err(|_| bad())?);
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let bits = match bits {
            Some(b) => b.parse::<u8>().ok().filter(|b| *b <= max).ok_or_else(bad)?,
            None => max,
        };
        Ok(Cidr { addr, bits })
    }
}

/// IPv4 addresses seen on an IPv6 socket (`::ffff:10.0.0.1`) as plain IPv4.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
        v4 => v4,
    }
}

/// The reverse proxies (TLS terminators, load balancers) in front of the platform. A
/// request from one of them names its client in `X-Forwarded-For`; from anyone else the
/// header is the client's own claim and is ignored. Empty by default: the socket's peer
/// is the client.
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies(Arc<Vec<Cidr>>);

impl TrustedProxies {
    pub fn new(nets: Vec<Cidr>) -> Self {
        TrustedProxies(Arc::new(nets))
    }

    pub fn trusts(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|n| n.contains(ip))
    }

    /// The client of a request that arrived from `peer`. Each proxy appends the address
    /// it received the request from to `X-Forwarded-For`, so the header is read from the
    /// right: trusted proxies are skipped, and the first other address is the client.
    /// Anything left of it was written by the client itself and is never believed.
    pub fn client_ip(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        let mut client = canonical(peer);
        if !self.trusts(client) {
            return client;
        }
        for value in headers.get_all("x-forwarded-for").iter().rev() {
            let Ok(text) = value.to_str() else { return client };
            for hop in text.rsplit(',') {
                let Some(ip) = parse_hop(hop.trim()) else { return client };
                client = canonical(ip);
                if !self.trusts(client) {
                    return client;
                }
            }
        }
        client
    }
}

/// One entry of `X-Forwarded-For`: an address, possibly with a port (`1.2.3.4:5678`,
/// `[2001:db8::1]:443`).
fn parse_hop(s: &str) -> Option<IpAddr> {
    if let Ok(ip) = IpAddr::from_str(s) {
        return Some(ip);
    }
    SocketAddr::from_str(s).ok().map(|a| a.ip())
}

/// Why a request body stopped: it took longer than the server allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyTimeout {
    /// The whole body was not sent within [`ServerConfig::body_read_timeout`].
    Total,
    /// Nothing arrived for [`ServerConfig::body_idle_timeout`].
    Idle,
}

impl std::fmt::Display for BodyTimeout {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            BodyTimeout::Total => "request body not received within the body read timeout",
            BodyTimeout::Idle => "request body stalled longer than the body idle timeout",
        })
    }
}

impl std::error::Error for BodyTimeout {}

/// Whether an error (or any error it was caused by) is a body read timeout.
pub fn is_body_timeout(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut cur = Some(e);
    while let Some(err) = cur {
        if err.downcast_ref::<BodyTimeout>().is_some() {
            return true;
        }
        cur = err.source();
    }
    false
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// A request body that fails with [`BodyTimeout`] when the client is too slow: the
/// whole body must arrive before a deadline, and no pause may exceed the idle limit.
pub struct DeadlineBody<B> {
    inner: B,
    /// `None` for a request without a body (no timers are set up for it).
    timers: Option<Timers>,
}

struct Timers {
    deadline: Pin<Box<Sleep>>,
    idle: Pin<Box<Sleep>>,
    idle_for: Duration,
}

impl<B: HttpBody> DeadlineBody<B> {
    pub fn new(inner: B, total: Duration, idle: Duration) -> Self {
        let timers = (!inner.is_end_stream()).then(|| {
            let now = Instant::now();
            Timers {
                deadline: Box::pin(tokio::time::sleep_until(now + total)),
                idle: Box::pin(tokio::time::sleep_until(now + idle)),
                idle_for: idle,
            }
        });
        DeadlineBody { inner, timers }
    }
}

impl<B> HttpBody for DeadlineBody<B>
where
    B: HttpBody<Data = Bytes> + Unpin,
    B::Error: Into<BoxError>,
{
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        let this = &mut *self;
        match Pin::new(&mut this.inner).poll_frame(cx) {
            Poll::Ready(Some(Ok(frame))) => {
                if let Some(t) = &mut this.timers {
                    let next = Instant::now() + t.idle_for;
                    t.idle.as_mut().reset(next);
                }
                Poll::Ready(Some(Ok(frame)))
            }
            Poll::Ready(Some(Err(e))) => Poll::Ready(Some(Err(e.into()))),
            Poll::Ready(None) => Poll::Ready(None),
            Poll::Pending => {
                let Some(t) = &mut this.timers else { return Poll::Pending };
                if t.deadline.as_mut().poll(cx).is_ready() {
                    return Poll::Ready(Some(Err(Box::new(BodyTimeout::Total))));
                }
                if t.idle.as_mut().poll(cx).is_ready() {
                    return Poll::Ready(Some(Err(Box::new(BodyTimeout::Idle))));
                }
                Poll::Pending
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// Serves the application on `listener` until `shutdown` completes, then stops
/// accepting and gives the requests in flight [`ServerConfig::shutdown_grace`] to finish.
pub async fn serve_until(
    state: AppState,
    listener: tokio::net::TcpListener,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let cfg = Arc::new(state.server.clone());
    let router = crate::app(state);
    let slots = Arc::new(Semaphore::new(cfg.max_connections.max(1)));
    let (stop_tx, stop_rx) = watch::channel(());
    let mut shutdown = pin!(shutdown);
    loop {
        let permit = tokio::select! {
            p = slots.clone().acquire_owned() => match p {
                Ok(p) => p,
                Err(_) => break,
            },
            _ = &mut shutdown => break,
        };
        let (stream, peer) = tokio::select! {
            r = listener.accept() => match r {
                Ok(c) => c,
                Err(e) => {
                    accept_failed(e).await;
                    continue;
                }
            },
            _ = &mut shutdown => break,
        };
        if let Err(e) = stream.set_nodelay(true) {
            tracing::debug!(error = %e, "TCP_NODELAY not set");
        }
        tokio::spawn(connection(stream, peer, router.clone(), cfg.clone(), stop_rx.clone(), permit));
    }
    drop(listener);
    drop(stop_tx);
    // Every connection holds a permit until it is done; all of them back means all done.
    let all = u32::try_from(cfg.max_connections.max(1)).unwrap_or(u32::MAX);
    if tokio::time::timeout(cfg.shutdown_grace, slots.acquire_many(all)).await.is_err() {
        tracing::warn!(grace_seconds = cfg.shutdown_grace.as_secs(), "requests still running at shutdown were cut off");
    }
    Ok(())
}

/// A failed `accept`: a connection reset before it was taken is the client's business;
/// anything else (no file descriptors left) is logged and retried after a pause, as
/// axum's own loop does.
async fn accept_failed(e: std::io::Error) {
    use std::io::ErrorKind::*;
    if matches!(e.kind(), ConnectionAborted | ConnectionReset | ConnectionRefused) {
        tracing::debug!(error = %e, "connection closed before it was accepted");
        return;
    }
    tracing::error!(error = %e, "accepting a connection failed; retrying in 1 s");
    tokio::time::sleep(Duration::from_secs(1)).await;
}

async fn connection(
    stream: tokio::net::TcpStream,
    peer: SocketAddr,
    router: Router,
    cfg: Arc<ServerConfig>,
    mut stop: watch::Receiver<()>,
    _permit: OwnedSemaphorePermit,
) {
    let limits = cfg.clone();
    let service = hyper::service::service_fn(move |req: axum::http::Request<Incoming>| {
        let mut req =
            req.map(|b| axum::body::Body::new(DeadlineBody::new(b, limits.body_read_timeout, limits.body_idle_timeout)));
        req.extensions_mut().insert(ConnectInfo(peer));
        router.clone().oneshot(req)
    });
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder.timer(TokioTimer::new()).header_read_timeout(cfg.header_read_timeout);
    let conn = builder.serve_connection(TokioIo::new(stream), service);
    let mut conn = pin!(conn);
    let result = tokio::select! {
        r = conn.as_mut() => r,
        _ = stop.changed() => {
            conn.as_mut().graceful_shutdown();
            conn.await
        }
    };
    if let Err(e) = result {
        // Timeouts, resets and malformed requests: the client's doing, not an error here.
        tracing::debug!(%peer, error = %e, "connection ended with an error");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("ip")
    }

    fn xff(values: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in values {
            h.append("x-forwarded-for", HeaderValue::from_str(v).expect("header"));
        }
        h
    }

    #[test]
    fn networks_contain_their_addresses_only() {
        let n: Cidr = "10.1.0.0/16".parse().expect("cidr");
        assert!(n.contains(ip("10.1.200.3")));
        assert!(!n.contains(ip("10.2.0.1")));
        assert!(n.contains(ip("::ffff:10.1.0.9")), "IPv4-mapped IPv6 is the IPv4 address");
        let one: Cidr = "192.168.1.10".parse().expect("single");
        assert!(one.contains(ip("192.168.1.10")) && !one.contains(ip("192.168.1.11")));
        let v6: Cidr = "fd00::/8".parse().expect("v6");
        assert!(v6.contains(ip("fd12::1")) && !v6.contains(ip("fe80::1")));
        let all: Cidr = "0.0.0.0/0".parse().expect("all");
        assert!(all.contains(ip("8.8.8.8")));
        for bad in ["10.0.0.0/33", "10.0.0/8", "example.com", "::1/129", ""] {
            assert!(bad.parse::<Cidr>().is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn forwarded_for_is_ignored_from_an_untrusted_peer() {
        let t = TrustedProxies::new(vec!["10.0.0.1".parse().expect("cidr")]);
        assert_eq!(t.client_ip(ip("203.0.113.7"), &xff(&["1.2.3.4"])), ip("203.0.113.7"));
    }

    #[test]
    fn forwarded_for_names_the_client_from_a_trusted_proxy() {
        let t = TrustedProxies::new(vec!["10.0.0.0/8".parse().expect("cidr")]);
        assert_eq!(t.client_ip(ip("10.0.0.1"), &xff(&["198.51.100.9"])), ip("198.51.100.9"));
        // A client's own forged entry sits left of the real one and is not believed.
        assert_eq!(t.client_ip(ip("10.0.0.1"), &xff(&["1.1.1.1, 198.51.100.9"])), ip("198.51.100.9"));
        // Chained trusted proxies are skipped.
        assert_eq!(t.client_ip(ip("10.0.0.1"), &xff(&["198.51.100.9, 10.0.0.2"])), ip("198.51.100.9"));
        assert_eq!(t.client_ip(ip("10.0.0.1"), &xff(&["198.51.100.9", "10.0.0.2"])), ip("198.51.100.9"));
        assert_eq!(t.client_ip(ip("10.0.0.1"), &xff(&["[2001:db8::5]:4431"])), ip("2001:db8::5"));
        // Without the header, or with garbage, the proxy itself is all that is known.
        assert_eq!(t.client_ip(ip("10.0.0.1"), &HeaderMap::new()), ip("10.0.0.1"));
        assert_eq!(t.client_ip(ip("10.0.0.1"), &xff(&["not-an-ip"])), ip("10.0.0.1"));
    }
}
