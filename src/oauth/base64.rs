//! The two Base64 forms OAuth needs, and nothing more: URL-safe without padding to
//! compute a PKCE S256 challenge (RFC 7636 §4.2), and standard with padding to read an
//! HTTP Basic `Authorization` header (RFC 7617); the GitHub leak reports
//! (`secret_scanning`) decode their PEM keys and signatures with the same function.
//! Pure: no `worker` import.
//!
//! Kept hand-written on purpose (issue 10 item 6, measured 2026-11-29 with `make build`
//! and `gzip -9c build/index_bg.wasm | wc -c`, from 255,224 bytes): the `base64` crate
//! (=0.22.1, no default features, `alloc`) made it 258,439 (+3,215), and `base64ct`
//! (=1.8.3, `alloc`, already in the tree through argon2) 256,981 (+1,757). Both are
//! over the 256,000-byte budget. RFC 4648's vectors and the property tests against an
//! independent encoder (`tests/properties/pkce.rs`) guard these two functions.

const URL_SAFE: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const STANDARD: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Base64url without `=` padding (RFC 4648 §5, as RFC 7636 Appendix A uses it).
pub fn encode_url_no_pad(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b0 = chunk[0];
        let b1 = chunk.get(1).copied().unwrap_or(0);
        let b2 = chunk.get(2).copied().unwrap_or(0);
        let sextets = [
            b0 >> 2,
            (b0 & 0x03) << 4 | b1 >> 4,
            (b1 & 0x0f) << 2 | b2 >> 6,
            b2 & 0x3f,
        ];
        // n input bytes carry n + 1 sextets; the rest would be padding, which we omit.
        for sextet in &sextets[..=chunk.len()] {
            out.push(URL_SAFE[usize::from(*sextet)] as char);
        }
    }
    out
}

/// Decodes standard Base64 (RFC 4648 §4). Padding is optional, but when present it must
/// be correct; whitespace and characters outside the alphabet are refused, as are
/// encodings whose unused trailing bits are not zero, so each byte string has exactly
/// one accepted spelling.
pub fn decode_standard(input: &str) -> Option<Vec<u8>> {
    let unpadded = input.trim_end_matches('=');
    let padding = input.len() - unpadded.len();
    if padding > 2 || (padding > 0 && !input.len().is_multiple_of(4)) || unpadded.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(unpadded.len() / 4 * 3 + 2);
    let mut buffer: u32 = 0;
    let mut bits = 0;
    for byte in unpadded.bytes() {
        let value = STANDARD.iter().position(|&c| c == byte)?;
        buffer = (buffer << 6) | value as u32;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
            buffer &= (1 << bits) - 1;
        }
    }
    (buffer == 0).then_some(out)
}

#[cfg(test)]
mod tests;
