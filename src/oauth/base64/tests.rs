use super::*;

#[test]
fn url_encoding_matches_the_rfc_4648_test_vectors_without_padding() {
    for (input, expected) in [
        ("", ""),
        ("f", "Zg"),
        ("fo", "Zm8"),
        ("foo", "Zm9v"),
        ("foob", "Zm9vYg"),
        ("fooba", "Zm9vYmE"),
        ("foobar", "Zm9vYmFy"),
    ] {
        assert_eq!(encode_url_no_pad(input.as_bytes()), expected, "{input:?}");
    }
}

#[test]
fn url_encoding_uses_dash_and_underscore_instead_of_plus_and_slash() {
    assert_eq!(encode_url_no_pad(&[0xfb, 0xff, 0xbf]), "-_-_");
}

#[test]
fn standard_decoding_matches_the_rfc_4648_test_vectors() {
    for (expected, input) in [
        ("", ""),
        ("f", "Zg=="),
        ("fo", "Zm8="),
        ("foo", "Zm9v"),
        ("foob", "Zm9vYg=="),
        ("fooba", "Zm9vYmE="),
        ("foobar", "Zm9vYmFy"),
    ] {
        assert_eq!(decode_standard(input).as_deref(), Some(expected.as_bytes()));
    }
}

#[test]
fn standard_decoding_accepts_missing_padding() {
    assert_eq!(decode_standard("Zg").as_deref(), Some(&b"f"[..]));
    assert_eq!(decode_standard("Zm8").as_deref(), Some(&b"fo"[..]));
}

#[test]
fn standard_decoding_reads_plus_and_slash() {
    assert_eq!(
        decode_standard("+/+/").as_deref(),
        Some(&[0xfb, 0xff, 0xbf][..])
    );
}

#[test]
fn malformed_base64_is_refused() {
    for bad in [
        "Z", "Zg=", "Zg===", "Z===", "Zm9v=", "-_-_", "Zm 9v", "Zm9v\n", "Zh==", "Zm9=", "é", "=",
        "==",
    ] {
        assert_eq!(decode_standard(bad), None, "accepted {bad:?}");
    }
}
