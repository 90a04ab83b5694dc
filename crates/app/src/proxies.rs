//! The client's address behind reverse proxies and load balancers (docs/scale-out.md): `X-Forwarded-For` is
//! believed only when the connection comes from a configured network (`trusted_proxies`), and only as far back
//! as the hops are trusted too, so a client cannot choose its own address (rate limits are per client address).

use ipnet::IpNet;
use std::net::IpAddr;

/// Networks whose `X-Forwarded-For` is believed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    /// From CIDR texts (`10.0.0.0/8`, `127.0.0.1/32`); a bare address is its own network.
    pub fn parse(networks: &[String]) -> Result<TrustedProxies, String> {
        networks
            .iter()
            .map(|n| {
                let n = n.trim();
                n.parse::<IpNet>()
                    .or_else(|_| n.parse::<IpAddr>().map(IpNet::from))
                    .map_err(|_| format!("{n:?} is not a network (e.g. 10.0.0.0/8) or an address"))
            })
            .collect::<Result<_, _>>()
            .map(TrustedProxies)
    }

    fn trusts(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        self.0.iter().any(|n| n.contains(&ip))
    }

    /// The client of a connection from `peer` carrying the `X-Forwarded-For` header values `forwarded` (in the
    /// order received): read from the right, the first hop that is not a trusted proxy. The peer itself when it
    /// is not trusted, and the last trusted hop when a hop is unreadable (nothing left of it is believed).
    pub fn client<'a>(&self, peer: IpAddr, forwarded: impl IntoIterator<Item = &'a str>) -> IpAddr {
        let mut client = peer.to_canonical();
        if !self.trusts(client) {
            return client;
        }
        let hops: Vec<&str> = forwarded.into_iter().flat_map(|v| v.split(',')).collect();
        for hop in hops.into_iter().rev() {
            let Some(ip) = parse_hop(hop) else {
                return client;
            };
            client = ip.to_canonical();
            if !self.trusts(client) {
                break;
            }
        }
        client
    }
}

impl crate::App {
    /// The client address of a request from `peer` with `headers`, per [`TrustedProxies::client`].
    pub fn client_ip(&self, peer: IpAddr, headers: &reqwest::header::HeaderMap) -> IpAddr {
        self.settings.proxies.client(
            peer,
            headers
                .get_all("x-forwarded-for")
                .iter()
                .filter_map(|v| v.to_str().ok()),
        )
    }
}

/// One `X-Forwarded-For` entry: an address, `[v6]` or `[v6]:port`, or `v4:port`.
fn parse_hop(hop: &str) -> Option<IpAddr> {
    let hop = hop.trim();
    if let Ok(ip) = hop.parse::<IpAddr>() {
        return Some(ip);
    }
    if let Some(rest) = hop.strip_prefix('[') {
        return rest.split(']').next()?.parse().ok();
    }
    let (host, port) = hop.rsplit_once(':')?;
    port.parse::<u16>().ok()?;
    host.parse::<std::net::Ipv4Addr>().ok().map(IpAddr::V4)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn forwarded_for_is_believed_only_from_trusted_proxies() {
        let t = TrustedProxies::parse(&["10.0.0.0/8".into(), "127.0.0.1".into()]).unwrap();
        // Straight from the internet: the header is the client's own claim.
        assert_eq!(t.client(ip("203.0.113.9"), ["1.2.3.4"]), ip("203.0.113.9"));
        // Through the balancer: the hop before it.
        assert_eq!(
            t.client(ip("10.0.0.5"), ["198.51.100.7"]),
            ip("198.51.100.7")
        );
        // A client's forged entries stay left of the first untrusted hop.
        assert_eq!(
            t.client(ip("10.0.0.5"), ["6.6.6.6, 198.51.100.7, 10.0.0.9"]),
            ip("198.51.100.7")
        );
        // Several headers are one list.
        assert_eq!(
            t.client(ip("127.0.0.1"), ["6.6.6.6", "198.51.100.7"]),
            ip("198.51.100.7")
        );
        // Ports and brackets.
        assert_eq!(
            t.client(ip("10.0.0.5"), ["198.51.100.7:5123"]),
            ip("198.51.100.7")
        );
        assert_eq!(
            t.client(ip("10.0.0.5"), ["[2001:db8::1]:443"]),
            ip("2001:db8::1")
        );
        // Unreadable: stop at the last trusted hop.
        assert_eq!(t.client(ip("10.0.0.5"), ["unknown"]), ip("10.0.0.5"));
        // No header: the proxy itself.
        assert_eq!(t.client(ip("10.0.0.5"), []), ip("10.0.0.5"));
        // IPv4-mapped peers are their IPv4 address.
        assert_eq!(
            t.client(ip("::ffff:10.0.0.5"), ["198.51.100.7"]),
            ip("198.51.100.7")
        );
        assert!(TrustedProxies::parse(&["10.0.0.0/33".into()]).is_err());
        // Nobody trusted (the default): the peer, always.
        assert_eq!(
            TrustedProxies::default().client(ip("10.0.0.5"), ["198.51.100.7"]),
            ip("10.0.0.5")
        );
    }

    proptest! {
        /// Whatever a client writes into the header, the answer is either the peer or an address some hop
        /// named, and an untrusted peer is always its own answer.
        #[test]
        fn the_answer_is_the_peer_or_a_named_hop(
            peer in any::<[u8; 4]>(),
            hops in proptest::collection::vec(any::<[u8; 4]>(), 0..5),
            junk in "[ -~]{0,12}",
        ) {
            let t = TrustedProxies::parse(&["10.0.0.0/8".into()]).unwrap();
            let peer = IpAddr::from(peer);
            let mut header: Vec<String> = hops.iter().map(|h| IpAddr::from(*h).to_string()).collect();
            header.insert(0, junk);
            let joined = header.join(",");
            let got = t.client(peer, [joined.as_str()]);
            if !t.trusts(peer) {
                prop_assert_eq!(got, peer);
            } else {
                prop_assert!(got == peer || hops.iter().any(|h| IpAddr::from(*h) == got) || joined.contains(&got.to_string()));
            }
        }
    }
}
