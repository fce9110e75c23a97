//! OAuth request parameters: `application/x-www-form-urlencoded` pairs from a query
//! string (authorization endpoint) or a body (token and revocation endpoints), and the
//! RFC 6749 §3.1/§3.2 rules for reading them.

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
mod tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn form_encoding_is_decoded_including_plus_as_space() {
        assert_eq!(
            parse("a=1&redirect_uri=http%3A%2F%2F127.0.0.1%3A8080%2Fcb&scope=mcp+x&empty="),
            pairs(&[
                ("a", "1"),
                ("redirect_uri", "http://127.0.0.1:8080/cb"),
                ("scope", "mcp x"),
                ("empty", ""),
            ])
        );
    }

    #[test]
    fn malformed_escapes_decode_without_failing() {
        assert_eq!(
            parse("a=%zz&b=%ff"),
            pairs(&[("a", "%zz"), ("b", "\u{fffd}")])
        );
    }

    #[test]
    fn encoding_escapes_everything_a_query_value_cannot_hold() {
        assert_eq!(
            encode(&[("state", "a b&c=d/é"), ("code", "abc")]),
            "state=a+b%26c%3Dd%2F%C3%A9&code=abc"
        );
    }

    #[test]
    fn a_component_decodes_plus_and_escapes() {
        assert_eq!(decode_component("a+b%3Ac%25").as_deref(), Some("a b:c%"));
        assert_eq!(decode_component("%C3%A9").as_deref(), Some("é"));
        assert_eq!(decode_component("plain").as_deref(), Some("plain"));
    }

    #[test]
    fn a_component_with_a_bad_escape_or_bad_utf8_does_not_decode() {
        for bad in ["%", "%4", "%zz", "%+1", "%ff", "a%C3"] {
            assert_eq!(decode_component(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_single_parameter_is_found() {
        let params = pairs(&[("a", "1"), ("b", "2")]);
        assert_eq!(single(&params, "b"), Ok(Some("2")));
        assert_eq!(single(&params, "c"), Ok(None));
    }

    #[test]
    fn a_repeated_parameter_is_an_error() {
        let params = pairs(&[("a", "1"), ("a", "1")]);
        assert_eq!(single(&params, "a"), Err(Duplicated("a".into())));
    }

    #[test]
    fn empty_values_count_as_omitted() {
        let params = pairs(&[("state", ""), ("scope", ""), ("scope", "mcp")]);
        assert_eq!(single(&params, "state"), Ok(None));
        assert_eq!(single(&params, "scope"), Ok(Some("mcp")));
    }

    #[test]
    fn names_are_case_sensitive() {
        let params = pairs(&[("State", "x")]);
        assert_eq!(single(&params, "state"), Ok(None));
    }
}
