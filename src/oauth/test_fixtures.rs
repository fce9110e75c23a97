//! Values and requests the OAuth tests share, written once: the unit tests beside each
//! rule use this module, and the property tests (`tests/properties`) include the same
//! file by path. Test-only and `std`-only, so it compiles in both crates; no `worker`
//! import.

/// A registered client's id (`dcr_` and 32 lowercase hex).
pub const CLIENT: &str = "dcr_0123456789abcdef0123456789abcdef";
/// The code verifier of RFC 7636 Appendix B …
pub const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
/// … and its S256 code challenge.
pub const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
/// The one resource this server protects.
pub const RESOURCE: &str = "https://keys.example.com/mcp";
/// A registered loopback redirect URI (any port matches it) …
pub const LOOPBACK: &str = "http://127.0.0.1/callback";
/// … a registered web one …
pub const WEB: &str = "https://claude.ai/api/mcp/auth_callback";
/// … and the loopback URI a native client presents, with the port it listens on.
pub const REDIRECT: &str = "http://127.0.0.1:51004/callback";

/// Owned form or query parameters, in order, from literals.
pub fn params(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(name, value)| (name.to_string(), value.to_string()))
        .collect()
}

/// A complete, valid authorization request for `CLIENT` redirecting to `REDIRECT`.
pub fn good_authorize_request() -> Vec<(String, String)> {
    params(&[
        ("response_type", "code"),
        ("client_id", CLIENT),
        ("redirect_uri", REDIRECT),
        ("state", "xyz"),
        ("code_challenge", CHALLENGE),
        ("code_challenge_method", "S256"),
        ("scope", "mcp"),
        ("resource", RESOURCE),
    ])
}

/// `params` without any `name` parameter.
pub fn without(params: Vec<(String, String)>, name: &str) -> Vec<(String, String)> {
    params.into_iter().filter(|(k, _)| k != name).collect()
}

/// `params` with `name` set to `value` alone: earlier values dropped, the new one last.
pub fn with(params: Vec<(String, String)>, name: &str, value: &str) -> Vec<(String, String)> {
    let mut changed = without(params, name);
    changed.push((name.to_owned(), value.to_owned()));
    changed
}

/// Standard Base64 (RFC 4648 §4), written here independently of the crate's own
/// encoder and decoder, to build Basic headers and check the decoder against.
pub fn standard_base64(bytes: &[u8], padded: bool) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, &b)| acc | (u32::from(b) << (16 - 8 * i)));
        for i in 0..=chunk.len() {
            out.push(ALPHABET[((n >> (18 - 6 * i)) & 0x3f) as usize] as char);
        }
        if padded {
            out.extend(std::iter::repeat_n('=', 3 - chunk.len()));
        }
    }
    out
}
