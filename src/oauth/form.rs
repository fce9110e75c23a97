//! OAuth request parameters: `application/x-www-form-urlencoded` pairs from a query
//! string (authorization endpoint) or a body (token and revocation endpoints), and the
//! RFC 6749 §3.1/§3.2 rules for reading them.
//! Pure: no `worker` import, so it unit-tests on the host.

/// Decodes `a=1&b=2` into pairs, in order. Malformed percent-escapes and invalid UTF-8
/// decode lossily (U+FFFD) rather than failing: such a value can only fail the checks
/// each parameter gets afterwards.
pub fn parse(encoded: &str) -> Vec<(String, String)> {
    url::form_urlencoded::parse(encoded.as_bytes())
        .into_owned()
        .collect()
}

/// Encodes pairs as `application/x-www-form-urlencoded`, the format RFC 6749 Appendix B
/// prescribes for the parameters added to a redirect URI.
pub fn encode(pairs: &[(&str, &str)]) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
}

/// Decodes one form-urlencoded component (`+` is a space, `%XX` a byte), strictly: a bad
/// escape or invalid UTF-8 gives `None`. For credentials, where a lossy decode could turn
/// two different secrets into the same string.
pub fn decode_component(encoded: &str) -> Option<String> {
    let bytes = encoded.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => decoded.push(b' '),
            b'%' => {
                let hex = encoded.get(i + 1..i + 3)?;
                if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
                    return None;
                }
                decoded.push(u8::from_str_radix(hex, 16).ok()?);
                i += 2;
            }
            byte => decoded.push(byte),
        }
        i += 1;
    }
    String::from_utf8(decoded).ok()
}

/// A parameter that appeared more than once where RFC 6749 §3.1 allows it once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Duplicated(pub String);

/// Every non-empty value of `name`, in order. RFC 6749 §3.1: "Parameters sent without a
/// value MUST be treated as if they were omitted from the request."
pub fn values<'a>(params: &'a [(String, String)], name: &str) -> Vec<&'a str> {
    params
        .iter()
        .filter(|(key, value)| key == name && !value.is_empty())
        .map(|(_, value)| value.as_str())
        .collect()
}

/// The value of a parameter that may appear at most once.
pub fn single<'a>(
    params: &'a [(String, String)],
    name: &str,
) -> Result<Option<&'a str>, Duplicated> {
    match values(params, name).as_slice() {
        [] => Ok(None),
        [value] => Ok(Some(value)),
        _ => Err(Duplicated(name.to_owned())),
    }
}

#[cfg(test)]
mod tests;
