//! Fetches of URLs that people type in (news wire sources, alert subscriptions): the guard against making the
//! server fetch its own private network for them (server-side request forgery).
//!
//! An address is refused unless it is public or inside a network the operator allowed
//! ([`OutboundPolicy::allow`], the `fetch_allow_networks` setting): loopback, private (RFC 1918 and IPv6 unique
//! local), link-local (where cloud metadata services answer), carrier-grade NAT, unspecified, multicast, broadcast
//! and documentation ranges, and IPv4 addresses written as IPv6 (mapped or compatible) by what they map to. The
//! check is made on the addresses a name resolves to (so a public name that resolves to `127.0.0.1` is refused
//! too, and the connection goes to the address that was checked), on addresses written in the URL, and on every
//! redirect. [`fetch`] is the one bounded, conditional fetch both (wire sources, CAP subscriptions) make.

use ipnet::IpNet;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use twincast_core::news::wire::WireError;

/// Which addresses outbound fetches may reach besides public ones.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OutboundPolicy {
    /// Networks allowed although not public (e.g. `10.20.0.0/16` for a feed on the city's own network).
    pub allow: Vec<IpNet>,
}

impl OutboundPolicy {
    /// A policy from CIDR texts (`10.0.0.0/8`, `127.0.0.1/32`, `::1/128`); a bare address is its own network.
    pub fn parse(networks: &[String]) -> Result<OutboundPolicy, String> {
        let allow = networks
            .iter()
            .map(|n| {
                let n = n.trim();
                n.parse::<IpNet>()
                    .or_else(|_| n.parse::<IpAddr>().map(IpNet::from))
                    .map_err(|_| format!("{n:?} is not a network (e.g. 10.0.0.0/8) or an address"))
            })
            .collect::<Result<_, _>>()?;
        Ok(OutboundPolicy { allow })
    }

    /// Whether a fetch may connect to `ip`.
    pub fn permits(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        is_public(ip) || self.allow.iter().any(|n| n.contains(&ip))
    }

    /// Refuses a URL whose host is an address this policy does not permit (names are checked when resolved).
    pub fn check_url(&self, url: &reqwest::Url) -> Result<(), String> {
        let host = url.host_str().unwrap_or_default();
        let Ok(ip) = host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<IpAddr>()
        else {
            return Ok(());
        };
        if self.permits(ip) {
            Ok(())
        } else {
            Err(refusal(ip))
        }
    }

    /// `builder` resolving names through this policy (addresses it does not permit are dropped; a name left with
    /// none fails with [`REFUSED`] in its message).
    pub fn guard(&self, builder: reqwest::ClientBuilder) -> reqwest::ClientBuilder {
        builder.dns_resolver(Arc::new(Guarded(self.clone())))
    }
}

/// The phrase every refusal starts with (front doors map it to the `address-refused` code).
pub const REFUSED: &str = "refused to fetch from";

fn refusal(ip: IpAddr) -> String {
    format!("{REFUSED} {ip}: not a public address (fetch_allow_networks allows private networks)")
}

/// An IPv4 address written as IPv6 (`::ffff:a.b.c.d`, `::a.b.c.d`) as the IPv4 address it is.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                if s[..6] == [0; 6] && !(s[6] == 0 && s[7] <= 1) {
                    IpAddr::V4(Ipv4Addr::new(
                        (s[6] >> 8) as u8,
                        s[6] as u8,
                        (s[7] >> 8) as u8,
                        s[7] as u8,
                    ))
                } else {
                    ip
                }
            }
        },
        v4 => v4,
    }
}

/// Whether `ip` (canonical) is an ordinary address of the public internet.
fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(a) => {
            let o = a.octets();
            !(a.is_unspecified()
                || a.is_loopback()
                || a.is_private()
                || a.is_link_local()
                || a.is_broadcast()
                || a.is_multicast()
                || a.is_documentation()
                || o[0] == 0
                || (o[0] == 100 && (o[1] & 0xc0) == 64) // 100.64.0.0/10, carrier-grade NAT
                || (o[0] == 192 && o[1] == 0 && o[2] == 0) // 192.0.0.0/24, protocol assignments
                || (o[0] == 198 && (o[1] & 0xfe) == 18) // 198.18.0.0/15, benchmarking
                || o[0] >= 240) // reserved
        }
        IpAddr::V6(a) => {
            let s = a.segments();
            !(a.is_unspecified()
                || a.is_loopback()
                || a.is_multicast()
                || (s[0] & 0xfe00) == 0xfc00 // fc00::/7, unique local
                || (s[0] & 0xffc0) == 0xfe80 // fe80::/10, link-local
                || (s[0] & 0xffc0) == 0xfec0 // fec0::/10, old site-local
                || (s[0] == 0x2001 && s[1] == 0x0db8) // documentation
                || s[0] == 0x0064 && s[1] == 0xff9b) // NAT64 (reaches IPv4 addresses unchecked)
        }
    }
}

/// The resolver that drops addresses the policy does not permit.
struct Guarded(OutboundPolicy);

impl reqwest::dns::Resolve for Guarded {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let policy = self.0.clone();
        let host = name.as_str().to_string();
        Box::pin(async move {
            let found: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let kept: Vec<SocketAddr> = found
                .iter()
                .copied()
                .filter(|a| policy.permits(a.ip()))
                .collect();
            match (kept.is_empty(), found.first()) {
                (false, _) => Ok(Box::new(kept.into_iter()) as reqwest::dns::Addrs),
                (true, Some(first)) => Err(format!("{} ({host})", refusal(first.ip())).into()),
                (true, None) => Err(format!("{host} has no address").into()),
            }
        })
    }
}

/// Whether an error (or one of its causes) is this guard's refusal.
pub fn is_refusal(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(c) = cur {
        if c.to_string().contains(REFUSED) {
            return true;
        }
        cur = c.source();
    }
    false
}

/// One bounded, conditional GET of a URL somebody typed in.
#[derive(Debug, Clone)]
pub struct Request<'a> {
    /// The address (`http` or `https`).
    pub url: &'a str,
    /// A validator from the last answer (`If-None-Match`).
    pub etag: Option<&'a str>,
    /// A validator from the last answer (`If-Modified-Since`).
    pub last_modified: Option<&'a str>,
    /// One timeout for connecting and reading.
    pub timeout: std::time::Duration,
    /// The most bytes read; more is `too-large`.
    pub max_bytes: usize,
    /// The `Accept` header.
    pub accept: &'static str,
    /// The `User-Agent` header.
    pub user_agent: &'static str,
    /// What the body is called in messages (`feed`, `document`).
    pub noun: &'static str,
}

/// What a fetch got.
#[derive(Debug)]
pub enum Fetched {
    /// `304 Not Modified`.
    NotModified,
    /// The bytes and headers.
    Body {
        /// The body, at most `max_bytes`.
        bytes: Vec<u8>,
        /// `Content-Type`.
        content_type: Option<String>,
        /// `ETag`.
        etag: Option<String>,
        /// `Last-Modified`.
        last_modified: Option<String>,
    },
}

/// The most redirects a fetch follows.
pub const MAX_REDIRECTS: usize = 5;

/// An error with its causes (reqwest's own message hides the cause, e.g. connection refused).
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        s.push_str(": ");
        s.push_str(&c.to_string());
        cur = c.source();
    }
    s
}

/// Fetches `r.url` under this policy: `http`/`https` only, at most [`MAX_REDIRECTS`] redirects (each to http(s) and
/// to a permitted address), one timeout, at most `max_bytes` read (no compression asked for), conditional when
/// validators are given, and a content type that can be a feed or XML. Whatever goes wrong is a `WireError` with
/// its stable code: `invalid-url`, `address-refused`, `timeout`, `redirect-refused`, `fetch-failed`,
/// `http-status`, `too-large`, `not-a-feed`.
pub async fn fetch(policy: &OutboundPolicy, r: &Request<'_>) -> Result<Fetched, WireError> {
    if !(r.url.starts_with("http://") || r.url.starts_with("https://")) {
        return Err(WireError::new(
            "invalid-url",
            "only http and https sources are fetched",
        ));
    }
    let url = reqwest::Url::parse(r.url)
        .map_err(|e| WireError::new("invalid-url", format!("the source's URL: {e}")))?;
    policy
        .check_url(&url)
        .map_err(|m| WireError::new("address-refused", m))?;
    let hops = policy.clone();
    let redirects = reqwest::redirect::Policy::custom(move |attempt| {
        if attempt.previous().len() > MAX_REDIRECTS {
            attempt.error(format!("more than {MAX_REDIRECTS} redirects"))
        } else if !matches!(attempt.url().scheme(), "http" | "https") {
            let scheme = attempt.url().scheme().to_string();
            attempt.error(format!("a redirect to a {scheme}: address"))
        } else if let Err(m) = hops.check_url(attempt.url()) {
            attempt.error(m)
        } else {
            attempt.follow()
        }
    });
    let client = policy
        .guard(reqwest::Client::builder())
        .timeout(r.timeout)
        .connect_timeout(r.timeout)
        .redirect(redirects)
        .user_agent(r.user_agent)
        .build()
        .map_err(|e| WireError::new("fetch-failed", error_chain(&e)))?;
    let mut req = client.get(url).header(reqwest::header::ACCEPT, r.accept);
    if let Some(etag) = r.etag {
        req = req.header(reqwest::header::IF_NONE_MATCH, etag);
    }
    if let Some(lm) = r.last_modified {
        req = req.header(reqwest::header::IF_MODIFIED_SINCE, lm);
    }
    let failed = |e: reqwest::Error| {
        if e.is_timeout() {
            WireError::new(
                "timeout",
                format!(
                    "the source did not answer within {} s",
                    r.timeout.as_secs_f32()
                ),
            )
        } else if is_refusal(&e) {
            WireError::new("address-refused", error_chain(&e))
        } else if e.is_redirect() {
            WireError::new("redirect-refused", error_chain(&e))
        } else {
            WireError::new("fetch-failed", error_chain(&e))
        }
    };
    let mut res = req.send().await.map_err(failed)?;
    let status = res.status();
    if status == reqwest::StatusCode::NOT_MODIFIED {
        return Ok(Fetched::NotModified);
    }
    if !status.is_success() {
        return Err(WireError::new(
            "http-status",
            format!("the source answered HTTP {}", status.as_u16()),
        ));
    }
    let too_large = || {
        WireError::new(
            "too-large",
            format!("the {} is larger than {} bytes", r.noun, r.max_bytes),
        )
    };
    if res.content_length().is_some_and(|n| n > r.max_bytes as u64) {
        return Err(too_large());
    }
    let header = |name: reqwest::header::HeaderName| {
        res.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let content_type = header(reqwest::header::CONTENT_TYPE);
    let etag = header(reqwest::header::ETAG);
    let last_modified = header(reqwest::header::LAST_MODIFIED);
    twincast_core::news::wire::feed_content_type(content_type.as_deref())?;
    let mut bytes = Vec::new();
    while let Some(chunk) = res.chunk().await.map_err(failed)? {
        if bytes.len() + chunk.len() > r.max_bytes {
            return Err(too_large());
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(Fetched::Body {
        bytes,
        content_type,
        etag,
        last_modified,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn private_and_special_addresses_are_refused_public_ones_pass() {
        let p = OutboundPolicy::default();
        for a in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "0.1.2.3",
            "255.255.255.255",
            "224.0.0.1",
            "198.18.0.1",
            "192.0.2.1",
            "::1",
            "::",
            "fe80::1",
            "fd00::1",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "::10.0.0.1",
            "64:ff9b::a9fe:a9fe",
        ] {
            assert!(!p.permits(ip(a)), "{a} must be refused");
        }
        for a in [
            "93.184.215.14",
            "8.8.8.8",
            "2a00:1450:4001:80b::200e",
            "::ffff:8.8.8.8",
        ] {
            assert!(p.permits(ip(a)), "{a} must pass");
        }
    }

    #[test]
    fn allowed_networks_open_exactly_themselves() {
        let p = OutboundPolicy::parse(&["127.0.0.0/8".into(), "10.20.0.0/16".into(), "::1".into()])
            .unwrap();
        assert!(p.permits(ip("127.0.0.1")));
        assert!(p.permits(ip("::ffff:127.0.0.1")));
        assert!(p.permits(ip("10.20.3.4")));
        assert!(p.permits(ip("::1")));
        assert!(!p.permits(ip("10.21.0.1")));
        assert!(!p.permits(ip("169.254.169.254")));
        assert!(OutboundPolicy::parse(&["not a net".into()]).is_err());
    }

    #[test]
    fn urls_with_addresses_are_checked_names_are_left_to_the_resolver() {
        let p = OutboundPolicy::default();
        let u = |s: &str| reqwest::Url::parse(s).unwrap();
        assert!(p
            .check_url(&u("http://169.254.169.254/latest/meta-data"))
            .is_err());
        assert!(p.check_url(&u("http://[::1]:8080/feed")).is_err());
        assert!(p.check_url(&u("http://2130706433/")).is_err()); // 127.0.0.1 as one number
        assert!(p.check_url(&u("https://news.example/feed.xml")).is_ok());
        let e = p.check_url(&u("http://10.0.0.1/")).unwrap_err();
        assert!(e.starts_with(REFUSED), "{e}");
    }

    #[tokio::test]
    async fn a_name_that_resolves_to_loopback_is_refused() {
        let r = Guarded(OutboundPolicy::default());
        let name: reqwest::dns::Name = "localhost".parse().unwrap();
        let e = match reqwest::dns::Resolve::resolve(&r, name).await {
            Ok(_) => panic!("localhost resolved through the guard"),
            Err(e) => e.to_string(),
        };
        assert!(e.starts_with(REFUSED), "{e}");
        let open = Guarded(OutboundPolicy::parse(&["127.0.0.0/8".into(), "::1".into()]).unwrap());
        let name: reqwest::dns::Name = "localhost".parse().unwrap();
        assert!(reqwest::dns::Resolve::resolve(&open, name).await.is_ok());
    }
}
