//! Who a request came from when the console sits behind load balancers or proxies: the
//! forwarding header the proxies write (`--forwarded-header`: `X-Forwarded-For` with
//! `X-Forwarded-Proto`, or `Forwarded`) is believed only when the connection comes from a
//! trusted proxy (`--trusted-proxies`); from anyone else it is ignored, and the peer address
//! is the client. The other header is never read: a proxy passes on what a client wrote in
//! a header it does not write itself, so believing it would let the client pick its address.

pub use app::context::Client;
use axum::http::HeaderMap;
use std::net::IpAddr;

/// Addresses and CIDR blocks of the proxies whose forwarding headers are believed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<(IpAddr, u8)>);

impl TrustedProxies {
    /// A comma- or space-separated list of addresses and CIDRs (`10.0.0.0/8, ::1`).
    pub fn parse(list: &str) -> Result<Self, String> {
        let mut blocks = Vec::new();
        for item in list.split([',', ' ']).map(str::trim).filter(|s| !s.is_empty()) {
            let (addr, bits) = match item.split_once('/') {
                Some((addr, bits)) => (addr, Some(bits)),
                None => (item, None),
            };
            let addr: IpAddr = addr.parse().map_err(|_| format!("trusted proxy {item:?} is not an address or CIDR"))?;
            let max = if addr.is_ipv4() { 32 } else { 128 };
            let bits = match bits {
                Some(bits) => bits
                    .parse::<u8>()
                    .ok()
                    .filter(|b| *b <= max)
                    .ok_or(format!("trusted proxy {item:?}: the prefix length must be 0 to {max}"))?,
                None => max,
            };
            blocks.push((addr, bits));
        }
        Ok(Self(blocks))
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        self.0.iter().any(|(net, bits)| match (canonical(*net), ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => prefix_eq(&net.octets(), &ip.octets(), *bits),
            (IpAddr::V6(net), IpAddr::V6(ip)) => prefix_eq(&net.octets(), &ip.octets(), *bits),
            _ => false,
        })
    }
}

/// Which forwarding header the trusted proxies write (and which alone is believed).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ForwardedHeader {
    /// `X-Forwarded-For` for the address, `X-Forwarded-Proto` for the protocol (nginx's
    /// usual set-up, most cloud load balancers).
    #[default]
    XForwardedFor,
    /// RFC 7239's `Forwarded`: `for=` for the address, `proto=` for the protocol.
    Forwarded,
}

impl ForwardedHeader {
    /// `x-forwarded-for` or `forwarded` (any case).
    pub fn parse(raw: &str) -> Result<Self, String> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "x-forwarded-for" => Ok(Self::XForwardedFor),
            "forwarded" => Ok(Self::Forwarded),
            _ => Err("expected x-forwarded-for or forwarded".to_owned()),
        }
    }
}

/// An IPv4 address written as IPv6 (`::ffff:10.0.0.1`) is the IPv4 address.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
        v4 => v4,
    }
}

fn prefix_eq(a: &[u8], b: &[u8], bits: u8) -> bool {
    let full = usize::from(bits / 8);
    let rest = bits % 8;
    if a[..full] != b[..full] {
        return false;
    }
    rest == 0 || {
        let mask = 0xffu8 << (8 - rest);
        a[full] & mask == b[full] & mask
    }
}

/// The client, from the peer address and (only when the peer is a trusted proxy) the
/// forwarding headers: the nearest address in the chain that is not a trusted proxy.
pub fn client(peer: Option<IpAddr>, headers: &HeaderMap, trusted: &TrustedProxies, header: ForwardedHeader) -> Client {
    let Some(peer) = peer.filter(|p| trusted.contains(*p)) else {
        return Client { addr: peer, https: false };
    };
    let (chain, proto) = match header {
        ForwardedHeader::Forwarded => standard(headers),
        ForwardedHeader::XForwardedFor => x_forwarded(headers),
    };
    let addr = chain.iter().rev().find(|ip| !trusted.contains(**ip)).or(chain.first()).copied().unwrap_or(peer);
    Client { addr: Some(addr), https: proto.is_some_and(|p| p.eq_ignore_ascii_case("https")) }
}

fn values(headers: &HeaderMap, name: &str) -> Vec<String> {
    headers.get_all(name).iter().filter_map(|v| v.to_str().ok()).map(str::to_owned).collect()
}

/// The addresses of the chain (oldest first) and the original protocol, from `Forwarded`.
/// The protocol is the one the nearest proxy saw, the last `proto=`.
fn standard(headers: &HeaderMap) -> (Vec<IpAddr>, Option<String>) {
    let mut chain = Vec::new();
    let mut proto = None;
    for element in values(headers, "forwarded").iter().flat_map(|v| v.split(',')) {
        for pair in element.split(';') {
            let Some((key, value)) = pair.trim().split_once('=') else { continue };
            let value = value.trim().trim_matches('"');
            match key.trim().to_ascii_lowercase().as_str() {
                "for" => chain.extend(node_address(value)),
                "proto" => proto = Some(value.to_owned()),
                _ => {}
            }
        }
    }
    (chain, proto)
}

/// The same from `X-Forwarded-For` and `X-Forwarded-Proto`.
fn x_forwarded(headers: &HeaderMap) -> (Vec<IpAddr>, Option<String>) {
    let chain = values(headers, "x-forwarded-for")
        .iter()
        .flat_map(|v| v.split(','))
        .filter_map(|item| node_address(item.trim()))
        .collect();
    let proto =
        values(headers, "x-forwarded-proto").last().and_then(|v| v.split(',').next_back()).map(|p| p.trim().to_owned());
    (chain, proto)
}

/// An address from a `for=` node or an X-Forwarded-For item: `1.2.3.4`, `1.2.3.4:5`,
/// `[2001:db8::1]:4711`, `2001:db8::1`.
fn node_address(node: &str) -> Option<IpAddr> {
    if let Some(rest) = node.strip_prefix('[') {
        return rest.split(']').next()?.parse().ok();
    }
    node.parse().ok().or_else(|| node.rsplit_once(':').and_then(|(host, _)| host.parse().ok()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            map.append(axum::http::HeaderName::from_bytes(k.as_bytes()).unwrap(), v.parse().unwrap());
        }
        map
    }

    #[test]
    fn cidrs() {
        let t = TrustedProxies::parse("10.0.0.0/8, 192.168.1.7 ::1 2001:db8::/32").unwrap();
        for ok in ["10.1.2.3", "192.168.1.7", "::1", "2001:db8:ffff::1", "::ffff:10.9.9.9"] {
            assert!(t.contains(ok.parse().unwrap()), "{ok}");
        }
        for no in ["11.0.0.1", "192.168.1.8", "::2", "2001:db9::1"] {
            assert!(!t.contains(no.parse().unwrap()), "{no}");
        }
        assert!(TrustedProxies::parse("10.0.0.0/33").is_err());
        assert!(TrustedProxies::parse("proxy.internal").is_err());
        assert_eq!(TrustedProxies::parse("").unwrap(), TrustedProxies::default());
    }

    #[test]
    fn headers_count_only_from_trusted_proxies() {
        let trusted = TrustedProxies::parse("10.0.0.0/8").unwrap();
        let h = headers(&[("x-forwarded-for", "203.0.113.9, 10.0.0.5"), ("x-forwarded-proto", "https")]);
        let proxy = Some("10.0.0.2".parse().unwrap());
        let xff = ForwardedHeader::XForwardedFor;
        assert_eq!(
            client(proxy, &h, &trusted, xff),
            Client { addr: Some("203.0.113.9".parse().unwrap()), https: true }
        );
        let stranger = Some("198.51.100.1".parse().unwrap());
        assert_eq!(client(stranger, &h, &trusted, xff), Client { addr: stranger, https: false });
        // A client cannot hide behind an address it writes itself in front of the chain.
        let spoofed = headers(&[("x-forwarded-for", "1.1.1.1, 203.0.113.9")]);
        assert_eq!(client(proxy, &spoofed, &trusted, xff).addr, Some("203.0.113.9".parse().unwrap()));
        let standard = headers(&[("forwarded", "for=\"[2001:db8::7]:4711\";proto=https, for=10.0.0.3")]);
        assert_eq!(
            client(proxy, &standard, &trusted, ForwardedHeader::Forwarded),
            Client { addr: Some("2001:db8::7".parse().unwrap()), https: true }
        );
    }

    #[test]
    fn only_the_header_the_proxy_writes_is_believed() {
        let trusted = TrustedProxies::parse("10.0.0.0/8").unwrap();
        let proxy = Some("10.0.0.2".parse().unwrap());
        // nginx appended the real peer to X-Forwarded-For and set X-Forwarded-Proto; the
        // client wrote a Forwarded header of its own, which nginx passed on untouched.
        let h = headers(&[
            ("forwarded", "for=198.51.100.77;proto=https"),
            ("x-forwarded-for", "203.0.113.9"),
            ("x-forwarded-proto", "http"),
        ]);
        assert_eq!(
            client(proxy, &h, &trusted, ForwardedHeader::XForwardedFor),
            Client { addr: Some("203.0.113.9".parse().unwrap()), https: false }
        );
        // A proxy that writes Forwarded: X-Forwarded-* from the client count for nothing.
        let h = headers(&[
            ("forwarded", "for=203.0.113.9;proto=https"),
            ("x-forwarded-for", "198.51.100.77"),
            ("x-forwarded-proto", "http"),
        ]);
        assert_eq!(
            client(proxy, &h, &trusted, ForwardedHeader::Forwarded),
            Client { addr: Some("203.0.113.9".parse().unwrap()), https: true }
        );
        // Without the header the proxy writes, the proxy itself is the client.
        let only_forwarded = headers(&[("forwarded", "for=198.51.100.77")]);
        assert_eq!(client(proxy, &only_forwarded, &trusted, ForwardedHeader::XForwardedFor).addr, proxy);
        assert_eq!(ForwardedHeader::parse("X-Forwarded-For"), Ok(ForwardedHeader::XForwardedFor));
        assert_eq!(ForwardedHeader::parse("forwarded"), Ok(ForwardedHeader::Forwarded));
        assert!(ForwardedHeader::parse("x-real-ip").is_err());
    }
}
