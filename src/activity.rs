//! The account activity log: what happened to an account, when, and where the request
//! that did it came from. No `worker` import: the rules for what is stored are unit-tested
//! on the host; the words the page shows for each event live in the portal.

use crate::crypto::{hex, sha256_hex};

/// Entries, sign-in addresses and the place of a key's last use are kept this long.
pub const RETENTION_MS: i64 = 90 * 24 * 60 * 60 * 1000;

/// Entries per page of `GET /api/activity`.
pub const PAGE_SIZE: usize = 20;

/// The longest user agent stored, in characters. Real ones are well under this; the rest
/// of a longer one is dropped.
pub const USER_AGENT_MAX_CHARS: usize = 256;

/// What happened. Stored as `activity.kind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActivityKind {
    KeyMinted,
    KeyRevoked,
    ConsentApproved,
    ConsentDenied,
    /// Written by a trigger in D1 (migrations/0006), whoever changes the role.
    RoleChanged,
    LeakReported,
    NewAddressSignIn,
}

impl ActivityKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ActivityKind::KeyMinted => "key_minted",
            ActivityKind::KeyRevoked => "key_revoked",
            ActivityKind::ConsentApproved => "consent_approved",
            ActivityKind::ConsentDenied => "consent_denied",
            ActivityKind::RoleChanged => "role_changed",
            ActivityKind::LeakReported => "leak_reported",
            ActivityKind::NewAddressSignIn => "new_address_sign_in",
        }
    }
}

/// Where a request came from, as far as the edge tells: the client's address
/// (`CF-Connecting-IP`), its country (`request.cf.country`) and its user agent. Each part
/// is kept only in a shape it can have, so a header cannot put anything else in the log.
///
/// The country is kept only for a client address that came through Cloudflare's edge. A
/// loopback client (or none) means `wrangler dev` on its own, whose `request.cf` is a
/// fixed placeholder ("US", Austin): it would put a made-up country in the log.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClientMeta {
    pub ip: Option<String>,
    pub country: Option<String>,
    pub user_agent: Option<String>,
}

impl ClientMeta {
    pub fn new(ip: Option<&str>, country: Option<&str>, user_agent: Option<&str>) -> Self {
        let ip = ip.and_then(canonical_ip);
        let through_edge = ip.as_deref().is_some_and(|ip| !is_loopback(ip));
        ClientMeta {
            country: country.filter(|_| through_edge).and_then(country_code),
            ip,
            user_agent: user_agent.and_then(clean_user_agent),
        }
    }
}

/// An IP address as Cloudflare writes it, lowercased; anything that is not one is dropped.
/// Checked by hand rather than with `std::net`, whose parser and printer cost the bundle
/// more than the rest of the activity log.
fn canonical_ip(raw: &str) -> Option<String> {
    let ip = raw.trim();
    let valid = if ip.contains(':') {
        ipv6_groups(ip).is_some()
    } else {
        ipv4_octets(ip).is_some()
    };
    valid.then(|| ip.to_ascii_lowercase())
}

/// 127.0.0.0/8 and ::1 (as [`canonical_ip`] keeps them): this machine.
fn is_loopback(ip: &str) -> bool {
    ip.starts_with("127.")
        || ip.contains(':')
            && ipv6_groups(ip).is_some_and(|groups| groups == [0, 0, 0, 0, 0, 0, 0, 1])
}

/// The four numbers of a dotted-decimal IPv4 address (no leading zeros: `010` could be
/// read as octal).
fn ipv4_octets(ip: &str) -> Option<[u8; 4]> {
    let mut octets = [0u8; 4];
    let mut parts = ip.split('.');
    for octet in &mut octets {
        let part = parts.next()?;
        let decimal = (1..=3).contains(&part.len())
            && part.bytes().all(|b| b.is_ascii_digit())
            && (part == "0" || !part.starts_with('0'));
        if !decimal {
            return None;
        }
        *octet = part.parse().ok()?;
    }
    parts.next().is_none().then_some(octets)
}

/// The eight 16-bit groups of an IPv6 address: hex groups of one to four digits, at most
/// one `::` standing for the zero groups left out, and an IPv4 address allowed as the
/// last two groups.
fn ipv6_groups(ip: &str) -> Option<[u16; 8]> {
    let (head, tail) = match ip.split_once("::") {
        Some((head, tail)) if !head.contains('.') => (head, Some(tail)),
        Some(_) => return None,
        None => (ip, None),
    };
    let compressed = tail.is_some();
    let head = hex_groups(head)?;
    let tail = tail.map_or(Some(Vec::new()), hex_groups)?;
    let count = head.len() + tail.len();
    let fits = if compressed { count <= 7 } else { count == 8 };
    if !fits {
        return None;
    }
    let mut groups = [0u16; 8];
    groups[..head.len()].copy_from_slice(&head);
    groups[8 - tail.len()..].copy_from_slice(&tail);
    Some(groups)
}

/// `a:b:c` as numbers; the last part may be an IPv4 address (two groups). Empty is none.
fn hex_groups(part: &str) -> Option<Vec<u16>> {
    if part.is_empty() {
        return Some(Vec::new());
    }
    let pieces: Vec<&str> = part.split(':').collect();
    let mut groups = Vec::with_capacity(8);
    for (index, piece) in pieces.iter().enumerate() {
        if index + 1 == pieces.len() && piece.contains('.') {
            let [a, b, c, d] = ipv4_octets(piece)?;
            groups.extend([u16::from_be_bytes([a, b]), u16::from_be_bytes([c, d])]);
        } else if (1..=4).contains(&piece.len()) && piece.bytes().all(|b| b.is_ascii_hexdigit()) {
            groups.push(u16::from_str_radix(piece, 16).ok()?);
        } else {
            return None;
        }
    }
    (groups.len() <= 8).then_some(groups)
}

/// Cloudflare's country: two letters (ISO 3166-1 alpha-2) or `T1` for Tor.
fn country_code(raw: &str) -> Option<String> {
    let valid = raw.len() == 2
        && raw
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
    valid.then(|| raw.to_owned())
}

/// The user agent without control characters, cut to [`USER_AGENT_MAX_CHARS`]; `None` when
/// nothing is left.
fn clean_user_agent(raw: &str) -> Option<String> {
    let cleaned: String = raw
        .chars()
        .filter(|c| !c.is_control())
        .take(USER_AGENT_MAX_CHARS)
        .collect();
    let trimmed = cleaned.trim();
    (!trimmed.is_empty()).then(|| trimmed.to_owned())
}

/// What makes a sign-in address "the same" as an earlier one: an IPv4 address as it is, an
/// IPv6 address by its /64 prefix (one network; the rest changes by itself with privacy
/// extensions). Stored only as a hash together with the user, see [`address_hash`].
fn address_key(ip: &str) -> Option<String> {
    if !ip.contains(':') {
        return ipv4_octets(ip).map(|octets| format!("v4:{}", hex(&octets)));
    }
    let groups = ipv6_groups(ip)?;
    let bytes: Vec<u8> = groups
        .iter()
        .flat_map(|group| group.to_be_bytes())
        .collect();
    // An IPv4-mapped address (::ffff:a.b.c.d) is that IPv4 address.
    if groups[..6] == [0, 0, 0, 0, 0, 0xffff] {
        return Some(format!("v4:{}", hex(&bytes[12..])));
    }
    Some(format!("v6:{}", hex(&bytes[..8])))
}

/// The stored form of "this user signed in from this address": a hash of both, so the
/// table holds no address in the clear. `None` when the address is unknown.
pub fn address_hash(user_id: &str, ip: Option<&str>) -> Option<String> {
    let key = address_key(ip?)?;
    Some(sha256_hex(format!("{user_id}\0{key}").as_bytes()))
}

#[cfg(test)]
mod tests;
