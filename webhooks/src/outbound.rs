//! Outbound HTTP to the app's webhook URL, which is hostile territory: no redirects, a
//! time limit on every call, at most 64 KB of an answer read, and (unless private networks
//! are allowed) no loopback, private, link-local or unspecified address, checked when the
//! URL is saved and again when connecting, on the addresses actually connected to (the
//! resolver below), so a name that resolves elsewhere later gains nothing.

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How much of an answer is read.
pub const MAX_ANSWER_BYTES: usize = 64 * 1024;

/// Whether an address is one the public internet can reach.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            !(v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || a == 0
                || a >= 240
                || (a == 100 && (64..128).contains(&b))
                || (a == 192 && b == 0 && v4.octets()[2] == 0)
                || (a == 198 && (18..20).contains(&b)))
        }
        IpAddr::V6(v6) => {
            let s = v6.segments();
            let v4_at = |hi: u16, lo: u16| IpAddr::from([(hi >> 8) as u8, hi as u8, (lo >> 8) as u8, lo as u8]);
            // Addresses that carry an IPv4 address (mapped, compatible, NAT64, 6to4) are
            // as public as it is.
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public(IpAddr::V4(v4));
            }
            if s[..6] == [0; 6] && !v6.is_loopback() && !v6.is_unspecified() {
                return is_public(v4_at(s[6], s[7]));
            }
            if s[0] == 0x64 && s[1] == 0xff9b && s[2] == 1 {
                return false; // local-use NAT64: where it leads is the network's own
            }
            if s[0] == 0x64 && s[1] == 0xff9b {
                return is_public(v4_at(s[6], s[7]));
            }
            if s[0] == 0x2002 {
                return is_public(v4_at(s[1], s[2]));
            }
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (s[0] & 0xfe00) == 0xfc00
                || (s[0] & 0xffc0) == 0xfe80
                || (s[0] & 0xffc0) == 0xfec0
                || (s[0] == 0x2001 && (s[1] == 0x0db8 || s[1] == 0)))
        }
    }
}

/// Why a call did not get an answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallError {
    /// The URL names (or resolves only to) an address that is not public.
    PrivateAddress(String),
    BadUrl(String),
    Timeout,
    Connect(String),
    Redirect(u16),
    Other(String),
}

impl std::fmt::Display for CallError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CallError::PrivateAddress(host) => {
                write!(f, "{host} is a loopback, private or link-local address (not allowed on this server)")
            }
            CallError::BadUrl(why) => write!(f, "bad URL: {why}"),
            CallError::Timeout => f.write_str("timed out"),
            CallError::Connect(why) => write!(f, "could not connect: {why}"),
            CallError::Redirect(status) => write!(f, "answered a redirect ({status}), which is not followed"),
            CallError::Other(why) => f.write_str(why),
        }
    }
}

/// An answer: its status, up to [`MAX_ANSWER_BYTES`] of its body, and how long it took.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    pub body: Vec<u8>,
    pub latency: Duration,
}

/// Resolves names to public addresses only (all of them, when private ones are allowed).
struct PublicOnly {
    allow_private: bool,
}

impl Resolve for PublicOnly {
    fn resolve(&self, name: Name) -> Resolving {
        let allow_private = self.allow_private;
        Box::pin(async move {
            let host = name.as_str().to_owned();
            let found: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let usable: Vec<SocketAddr> = found.into_iter().filter(|a| allow_private || is_public(a.ip())).collect();
            if usable.is_empty() {
                return Err(Box::new(PrivateName(host)) as Box<dyn std::error::Error + Send + Sync>);
            }
            Ok(Box::new(usable.into_iter()) as Addrs)
        })
    }
}

#[derive(Debug)]
struct PrivateName(String);

impl std::fmt::Display for PrivateName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} resolves to no public address", self.0)
    }
}

impl std::error::Error for PrivateName {}

/// The HTTP client webhooks go out through.
#[derive(Clone, Debug)]
pub struct Outbound {
    client: reqwest::Client,
    allow_private: bool,
}

impl Outbound {
    pub fn new(allow_private: bool) -> Result<Self, String> {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .connect_timeout(Duration::from_secs(2))
            .pool_idle_timeout(Duration::from_secs(60))
            .pool_max_idle_per_host(64)
            .user_agent("ChannelConsole-Webhook/1")
            .dns_resolver(Arc::new(PublicOnly { allow_private }))
            .build()
            .map_err(|e| e.to_string())?;
        Ok(Self { client, allow_private })
    }

    pub fn allows_private(&self) -> bool {
        self.allow_private
    }

    /// Checks a URL before it is saved: its host must resolve, and to public addresses
    /// only (unless private ones are allowed).
    pub async fn check_url(&self, raw: &str) -> Result<(), CallError> {
        let url = url::Url::parse(raw).map_err(|e| CallError::BadUrl(e.to_string()))?;
        let host = url.host_str().ok_or_else(|| CallError::BadUrl("no host".into()))?.to_owned();
        let port = url.port_or_known_default().unwrap_or(80);
        let bare = host.trim_start_matches('[').trim_end_matches(']');
        let addrs: Vec<IpAddr> = match bare.parse::<IpAddr>() {
            Ok(ip) => vec![ip],
            Err(_) => tokio::net::lookup_host((bare, port))
                .await
                .map_err(|e| CallError::Connect(format!("{host} does not resolve: {e}")))?
                .map(|a| a.ip())
                .collect(),
        };
        if !self.allow_private && (addrs.is_empty() || addrs.iter().any(|ip| !is_public(*ip))) {
            return Err(CallError::PrivateAddress(host));
        }
        Ok(())
    }

    /// POSTs a JSON body and reads the answer, within `timeout` in all.
    pub async fn post(
        &self,
        url: &url::Url,
        headers: &[(&str, String)],
        body: Vec<u8>,
        timeout: Duration,
    ) -> Result<Answer, CallError> {
        // An address written in the URL is not resolved: check it here.
        if let Some(url::Host::Ipv4(_) | url::Host::Ipv6(_)) = url.host() {
            let bare = url.host_str().unwrap_or_default().trim_start_matches('[').trim_end_matches(']');
            if let Ok(ip) = bare.parse::<IpAddr>() {
                if !self.allow_private && !is_public(ip) {
                    return Err(CallError::PrivateAddress(ip.to_string()));
                }
            }
        }
        let started = Instant::now();
        let call = async {
            let mut request = self.client.post(url.clone()).header("content-type", "application/json");
            for (name, value) in headers {
                request = request.header(*name, value);
            }
            let mut response = request.body(body).send().await.map_err(call_error)?;
            let status = response.status().as_u16();
            if response.status().is_redirection() {
                return Err(CallError::Redirect(status));
            }
            let mut read = Vec::new();
            while let Some(chunk) = response.chunk().await.map_err(call_error)? {
                let room = MAX_ANSWER_BYTES - read.len();
                read.extend_from_slice(&chunk[..chunk.len().min(room)]);
                if read.len() >= MAX_ANSWER_BYTES {
                    break;
                }
            }
            Ok(Answer { status, body: read, latency: started.elapsed() })
        };
        match tokio::time::timeout(timeout, call).await {
            Ok(answer) => answer,
            Err(_) => Err(CallError::Timeout),
        }
    }
}

fn call_error(e: reqwest::Error) -> CallError {
    if e.is_timeout() {
        return CallError::Timeout;
    }
    let mut source: Option<&dyn std::error::Error> = Some(&e);
    while let Some(err) = source {
        if let Some(private) = err.downcast_ref::<PrivateName>() {
            return CallError::PrivateAddress(private.0.clone());
        }
        source = err.source();
    }
    if e.is_connect() {
        let mut why = e.to_string();
        let mut inner = std::error::Error::source(&e);
        while let Some(err) = inner {
            why = err.to_string();
            inner = err.source();
        }
        return CallError::Connect(why);
    }
    CallError::Other(e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn which_addresses_are_public() {
        for private in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "100.64.0.1",
            "::1",
            "::",
            "fe80::1",
            "fd00::1",
            "::ffff:127.0.0.1",
            "224.0.0.1",
        ] {
            assert!(!is_public(private.parse().unwrap()), "{private}");
        }
        for public in
            ["93.184.216.34", "8.8.8.8", "2606:4700::1111", "::ffff:8.8.8.8", "64:ff9b::808:808", "2002:808:808::"]
        {
            assert!(is_public(public.parse().unwrap()), "{public}");
        }
    }
}

#[cfg(test)]
mod safety {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// A one-connection HTTP server on 127.0.0.1 that answers `answer` (raw HTTP).
    async fn serve_once(answer: Vec<u8>) -> url::Url {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(async move {
            let (mut socket, _) = listener.accept().await.unwrap();
            let mut buf = vec![0u8; 8192];
            let _ = socket.read(&mut buf).await;
            let _ = socket.write_all(&answer).await;
        });
        url::Url::parse(&format!("http://127.0.0.1:{port}/hook")).unwrap()
    }

    #[tokio::test]
    async fn private_addresses_are_refused_unless_allowed() {
        let strict = Outbound::new(false).unwrap();
        for url in [
            "http://127.0.0.1:9/x",
            "http://localhost:9/x",
            "http://[::1]:9/x",
            "http://10.0.0.1/x",
            "http://169.254.169.254/latest",
        ] {
            assert!(matches!(strict.check_url(url).await, Err(CallError::PrivateAddress(_))), "{url}");
        }
        let target = serve_once(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}".to_vec()).await;
        let refused = strict.post(&target, &[], b"{}".to_vec(), Duration::from_secs(2)).await;
        assert!(matches!(refused, Err(CallError::PrivateAddress(_))), "{refused:?}");
        let by_name = url::Url::parse(&target.as_str().replace("127.0.0.1", "localhost")).unwrap();
        let refused = strict.post(&by_name, &[], b"{}".to_vec(), Duration::from_secs(2)).await;
        assert!(matches!(refused, Err(CallError::PrivateAddress(_))), "{refused:?}");
        let open = Outbound::new(true).unwrap();
        assert_eq!(open.check_url("http://127.0.0.1:9/x").await, Ok(()));
        assert_eq!(open.post(&target, &[], b"{}".to_vec(), Duration::from_secs(2)).await.unwrap().status, 200);
    }

    #[tokio::test]
    async fn redirects_are_not_followed_and_answers_are_capped() {
        let open = Outbound::new(true).unwrap();
        let target = serve_once(
            b"HTTP/1.1 302 Found\r\nlocation: http://169.254.169.254/\r\ncontent-length: 0\r\n\r\n".to_vec(),
        )
        .await;
        assert_eq!(
            open.post(&target, &[], vec![], Duration::from_secs(2)).await.unwrap_err(),
            CallError::Redirect(302)
        );
        let mut huge = b"HTTP/1.1 200 OK\r\ncontent-length: 1048576\r\n\r\n".to_vec();
        huge.extend(std::iter::repeat_n(b'x', 1024 * 1024));
        let target = serve_once(huge).await;
        let answer = open.post(&target, &[], vec![], Duration::from_secs(5)).await.unwrap();
        assert_eq!(answer.body.len(), MAX_ANSWER_BYTES);
        // A receiver that never answers is given up at the time limit.
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let silent = url::Url::parse(&format!("http://{}/", listener.local_addr().unwrap())).unwrap();
        let held = tokio::spawn(async move {
            let _conn = listener.accept().await;
            tokio::time::sleep(Duration::from_secs(10)).await;
        });
        assert_eq!(open.post(&silent, &[], vec![], Duration::from_millis(300)).await.unwrap_err(), CallError::Timeout);
        held.abort();
    }
}
