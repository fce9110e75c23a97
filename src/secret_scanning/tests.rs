use super::fixtures::{block_on, github, unhex};
use super::*;

/// The current key of `github::KEYS_DOCUMENT`, and its SPKI DER in hex.
const CURRENT_KEY_PEM: &str = "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEYAGMWO8XgCamYKMJS6jc/qgvSlAd\nAjPuDPRcXU22YxgBrz+zoN19MzuRyW87qEt9/AmtoNP5GrobzUvQSyJFVw==\n-----END PUBLIC KEY-----\n";
const CURRENT_KEY_SPKI_HEX: &str = "3059301306072a8648ce3d020106082a8648ce3d0301070342000460018c58ef178026a660a3094ba8dcfea82f4a501d0233ee0cf45c5d4db6631801af3fb3a0dd7d333b91c96f3ba84b7dfc09ada0d3f91aba1bcd4bd04b224557";

const RSA_PEM: &str = "-----BEGIN PUBLIC KEY-----\nMIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQCt3r8+k8/UubBLpHJOW1Q/TJOe\nBbqRAEswe0T7Fx/j83lx33V4C7itGlFeoaHLsyYVMNB4N0Khnr9rLZ2+rGWFxrxJ\nSfrHEsFaVHBgfZgC5paSLWFn8glwf9MTpkCWSrZ7zQQcAIGn8ayNcrj3tGsDQZgx\nqG4afC9EZLSxFTeEyQIDAQAB\n-----END PUBLIC KEY-----\n";
const P384_PEM: &str = "-----BEGIN PUBLIC KEY-----\nMHYwEAYHKoZIzj0CAQYFK4EEACIDYgAEXt5xKmf13qBBi3lFAi2aFji/BechApfk\nmx6lO5N36x8H7hxBjhNgCGa1nMSIQRnDX+ng0XsGjTlj8uSY0t6lwYLQwK2Gy/9G\nilOO2UnxIKDCVw69G0XVRibPmzIgI6uO\n-----END PUBLIC KEY-----\n";
const SECP256K1_PEM: &str = "-----BEGIN PUBLIC KEY-----\nMFYwEAYHKoZIzj0CAQYFK4EEAAoDQgAEFCIrXsm6+nNaBgZjClMNyCu4fmle/a3+\nlZRV6wp6HYHom8w6fOiXug3ATg2p9ugQ7UwOR6cOKR397soWlvTh6g==\n-----END PUBLIC KEY-----\n";
const ED25519_PEM: &str = "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA9MC4OM4lwnEa6SODoKcGq2XkCSoE0G6gE8rHQ/L7K70=\n-----END PUBLIC KEY-----\n";

fn github_keys() -> GitHubPublicKeys {
    GitHubPublicKeys::parse(github::KEYS_DOCUMENT).unwrap()
}

fn document_with(entries: &[String]) -> String {
    format!(r#"{{"public_keys":[{}]}}"#, entries.join(","))
}

fn entry(key_identifier: &str, pem: &str) -> String {
    json!({"key_identifier": key_identifier, "key": pem, "is_current": true}).to_string()
}

// --- public keys -------------------------------------------------------------------

#[test]
fn githubs_published_document_reads_as_two_p256_keys() {
    let keys = github_keys();
    assert_eq!(keys.keys().len(), 2);
    let current = keys.find(github::CURRENT_KEY_ID).unwrap();
    assert!(current.is_current());
    assert_eq!(current.key().spki_der(), unhex(CURRENT_KEY_SPKI_HEX));
    assert!(!keys.keys()[0].is_current());
}

#[test]
fn an_identifier_not_in_the_document_finds_no_key() {
    assert_eq!(github_keys().find("0000"), None);
    assert_eq!(github_keys().find(""), None);
    assert_eq!(
        github_keys().find(&github::CURRENT_KEY_ID.to_uppercase()),
        None
    );
}

#[test]
fn unknown_fields_are_ignored_and_is_current_defaults_to_false() {
    let document = format!(
        r#"{{"etag":"x","public_keys":[{{"key_identifier":"k1","key":{},"algorithm":"ecdsa"}}]}}"#,
        serde_json::to_string(CURRENT_KEY_PEM).unwrap()
    );
    let keys = GitHubPublicKeys::parse(&document).unwrap();
    assert!(!keys.find("k1").unwrap().is_current());
}

#[test]
fn a_pem_with_crlf_line_ends_and_surrounding_blanks_still_reads() {
    let pasted = format!("\n  {}  \n\n", CURRENT_KEY_PEM.replace('\n', "\r\n"));
    let key = P256PublicKey::from_pem(&pasted).unwrap();
    assert_eq!(key.spki_der(), unhex(CURRENT_KEY_SPKI_HEX));
}

#[test]
fn a_pem_on_a_single_base64_line_still_reads() {
    let body: String = CURRENT_KEY_PEM.lines().skip(1).take(2).collect();
    let pem = format!("-----BEGIN PUBLIC KEY-----\n{body}\n-----END PUBLIC KEY-----");
    assert!(P256PublicKey::from_pem(&pem).is_ok());
}

#[test]
fn anything_but_one_public_key_block_is_not_pem() {
    let lines: Vec<&str> = CURRENT_KEY_PEM.lines().collect();
    for bad in [
        String::new(),
        lines[1..].join("\n"),
        lines[..3].join("\n"),
        format!("junk\n{CURRENT_KEY_PEM}"),
        format!("{CURRENT_KEY_PEM}junk\n"),
        format!("{CURRENT_KEY_PEM}{CURRENT_KEY_PEM}"),
        CURRENT_KEY_PEM.replace("PUBLIC KEY", "EC PUBLIC KEY"),
        CURRENT_KEY_PEM.replace("PUBLIC KEY", "CERTIFICATE"),
    ] {
        assert_eq!(
            P256PublicKey::from_pem(&bad),
            Err(KeyError::NotPem),
            "{bad:?}"
        );
    }
}

#[test]
fn a_pem_body_that_is_not_base64_is_refused() {
    for bad in [
        CURRENT_KEY_PEM.replace("MFkw", "MF*w"),
        CURRENT_KEY_PEM.replace("-----END", "Proc-Type: 4,ENCRYPTED\n-----END"),
    ] {
        assert_eq!(P256PublicKey::from_pem(&bad), Err(KeyError::NotBase64));
    }
}

#[test]
fn an_oversized_pem_is_refused_before_it_is_read() {
    let padded = format!("{CURRENT_KEY_PEM}{}", " ".repeat(MAX_PEM_LEN));
    assert_eq!(P256PublicKey::from_pem(&padded), Err(KeyError::TooLong));
}

#[test]
fn keys_of_other_algorithms_and_curves_are_refused() {
    for pem in [RSA_PEM, P384_PEM, SECP256K1_PEM, ED25519_PEM] {
        assert_eq!(
            P256PublicKey::from_pem(pem),
            Err(KeyError::NotP256),
            "{pem}"
        );
    }
}

#[test]
fn a_compressed_point_is_refused() {
    let spki = unhex(CURRENT_KEY_SPKI_HEX);
    let mut compressed = vec![0x30, 0x39];
    compressed.extend_from_slice(&spki[2..23]);
    compressed.extend_from_slice(&[0x03, 0x22, 0x00, 0x02]);
    compressed.extend_from_slice(&spki[27..59]);
    assert_eq!(P256PublicKey::from_der(&compressed), Err(KeyError::NotP256));
}

#[test]
fn a_p256_key_not_in_strict_der_is_refused() {
    let spki = unhex(CURRENT_KEY_SPKI_HEX);
    // The outer length in long form: valid BER, not DER.
    let mut long_form = vec![0x30, 0x81, 0x59];
    long_form.extend_from_slice(&spki[2..]);
    let mut trailing = spki.clone();
    trailing.push(0);
    let mut unused_bits = spki.clone();
    unused_bits[25] = 0x01;
    for bad in [
        long_form,
        trailing,
        unused_bits,
        spki[..90].to_vec(),
        vec![],
    ] {
        assert_eq!(P256PublicKey::from_der(&bad), Err(KeyError::NotP256));
    }
}

#[test]
fn the_public_key_debug_output_is_its_hex() {
    let key = P256PublicKey::from_pem(CURRENT_KEY_PEM).unwrap();
    assert_eq!(
        format!("{key:?}"),
        format!("P256PublicKey({CURRENT_KEY_SPKI_HEX})")
    );
}

#[test]
fn a_document_that_is_not_the_expected_json_shape_is_malformed() {
    for bad in [
        "",
        "[]",
        "{}",
        r#"{"public_keys":{}}"#,
        r#"{"public_keys":[{"key_identifier":"k"}]}"#,
        r#"{"public_keys":[{"key":"x"}]}"#,
        r#"{"public_keys":[{"key_identifier":1,"key":"x"}]}"#,
        r#"{"public_keys":[{"key_identifier":"k","key":"x","is_current":"yes"}]}"#,
    ] {
        assert_eq!(
            GitHubPublicKeys::parse(bad),
            Err(KeysDocumentError::Malformed),
            "{bad}"
        );
    }
}

#[test]
fn a_document_without_keys_is_refused() {
    assert_eq!(
        GitHubPublicKeys::parse(r#"{"public_keys":[]}"#),
        Err(KeysDocumentError::NoKeys)
    );
}

#[test]
fn a_document_with_more_than_twenty_keys_is_refused() {
    let entries: Vec<String> = (0..=MAX_PUBLIC_KEYS)
        .map(|i| entry(&format!("k{i}"), CURRENT_KEY_PEM))
        .collect();
    assert_eq!(
        GitHubPublicKeys::parse(&document_with(&entries)),
        Err(KeysDocumentError::TooManyKeys)
    );
    assert!(GitHubPublicKeys::parse(&document_with(&entries[1..])).is_ok());
}

#[test]
fn an_oversized_document_is_refused_before_it_is_parsed() {
    let padded = format!(
        "{}{}",
        github::KEYS_DOCUMENT,
        " ".repeat(MAX_KEYS_DOCUMENT_BYTES)
    );
    assert_eq!(
        GitHubPublicKeys::parse(&padded),
        Err(KeysDocumentError::TooLarge)
    );
}

#[test]
fn one_unusable_key_refuses_the_whole_document() {
    let document = document_with(&[entry("good", CURRENT_KEY_PEM), entry("rsa", RSA_PEM)]);
    assert_eq!(
        GitHubPublicKeys::parse(&document),
        Err(KeysDocumentError::BadKey {
            index: 1,
            error: KeyError::NotP256
        })
    );
}

#[test]
fn a_repeated_identifier_refuses_the_document() {
    let document = document_with(&[entry("k", CURRENT_KEY_PEM), entry("k", CURRENT_KEY_PEM)]);
    assert_eq!(
        GitHubPublicKeys::parse(&document),
        Err(KeysDocumentError::DuplicateKeyIdentifier { index: 1 })
    );
}

#[test]
fn identifiers_must_be_short_visible_ascii() {
    let too_long = "a".repeat(MAX_KEY_IDENTIFIER_LEN + 1);
    for bad in ["", "two words", "tab\t", "é", too_long.as_str()] {
        let document = document_with(&[entry(bad, CURRENT_KEY_PEM)]);
        assert_eq!(
            GitHubPublicKeys::parse(&document),
            Err(KeysDocumentError::BadKeyIdentifier { index: 0 }),
            "{bad:?}"
        );
    }
    let longest = "a".repeat(MAX_KEY_IDENTIFIER_LEN);
    assert!(GitHubPublicKeys::parse(&document_with(&[entry(&longest, CURRENT_KEY_PEM)])).is_ok());
}

// --- signatures --------------------------------------------------------------------

/// `SEQUENCE { INTEGER r, INTEGER s }` with the given raw INTEGER contents.
fn der_signature(r: &[u8], s: &[u8]) -> Vec<u8> {
    let mut der = vec![0x30, (4 + r.len() + s.len()) as u8, 0x02, r.len() as u8];
    der.extend_from_slice(r);
    der.extend_from_slice(&[0x02, s.len() as u8]);
    der.extend_from_slice(s);
    der
}

#[test]
fn githubs_sample_signature_converts_with_r_unpadded_and_s_left_padded() {
    let signature = P1363Signature::from_header(github::SIGNATURE).unwrap();
    let der = decode_standard(github::SIGNATURE).unwrap();
    // r is 33 bytes in DER (a zero, then a high bit set); s only 31.
    assert_eq!(&der[2..5], &[0x02, 0x21, 0x00]);
    assert_eq!(&der[37..39], &[0x02, 0x1f]);
    assert_eq!(&signature.as_bytes()[..32], &der[5..37]);
    assert_eq!(signature.as_bytes()[32], 0);
    assert_eq!(&signature.as_bytes()[33..], &der[39..]);
}

#[test]
fn small_integers_are_left_padded_to_32_bytes() {
    let signature = P1363Signature::from_der(&der_signature(&[0x01], &[0x7f, 0xff])).unwrap();
    let mut expected = [0u8; 64];
    expected[31] = 0x01;
    expected[62] = 0x7f;
    expected[63] = 0xff;
    assert_eq!(signature.as_bytes(), &expected);
}

#[test]
fn the_largest_scalar_below_the_group_order_is_accepted() {
    let mut largest = P256_ORDER;
    largest[31] -= 1;
    let padded = [&[0x00][..], &largest].concat();
    let signature = P1363Signature::from_der(&der_signature(&padded, &padded)).unwrap();
    assert_eq!(&signature.as_bytes()[..32], &largest);
}

#[test]
fn zero_and_the_group_order_and_above_are_out_of_range() {
    let order = [&[0x00][..], &P256_ORDER].concat();
    let above = [&[0x00][..], &[0xff; 32]].concat();
    for bad in [vec![0x00], order, above] {
        assert_eq!(
            P1363Signature::from_der(&der_signature(&bad, &[0x01])),
            Err(SignatureError::OutOfRange)
        );
        assert_eq!(
            P1363Signature::from_der(&der_signature(&[0x01], &bad)),
            Err(SignatureError::OutOfRange)
        );
    }
}

#[test]
fn an_integer_with_its_high_bit_set_is_negative() {
    assert_eq!(
        P1363Signature::from_der(&der_signature(&[0x80], &[0x01])),
        Err(SignatureError::NegativeInteger)
    );
    assert_eq!(
        P1363Signature::from_der(&der_signature(&[0x01], &[0xff; 32])),
        Err(SignatureError::NegativeInteger)
    );
}

#[test]
fn a_leading_zero_that_is_not_needed_is_non_minimal() {
    assert_eq!(
        P1363Signature::from_der(&der_signature(&[0x00, 0x01], &[0x01])),
        Err(SignatureError::NonMinimalInteger)
    );
    assert_eq!(
        P1363Signature::from_der(&der_signature(&[0x01], &[0x00, 0x00, 0x80])),
        Err(SignatureError::NonMinimalInteger)
    );
}

#[test]
fn integers_longer_than_33_bytes_or_33_without_the_sign_zero_are_too_long() {
    let thirty_three = [0x01; 33];
    let thirty_four = [&[0x00][..], &[0x80; 33]].concat();
    for bad in [&thirty_three[..], &thirty_four] {
        assert_eq!(
            P1363Signature::from_der(&der_signature(bad, &[0x01])),
            Err(SignatureError::IntegerTooLong)
        );
    }
}

#[test]
fn bytes_after_the_sequence_or_inside_it_after_s_are_trailing() {
    let mut after = der_signature(&[0x01], &[0x02]);
    after.push(0x00);
    assert_eq!(
        P1363Signature::from_der(&after),
        Err(SignatureError::TrailingBytes)
    );
    let mut inside = der_signature(&[0x01], &[0x02]);
    inside[1] += 2;
    inside.extend_from_slice(&[0x05, 0x00]);
    assert_eq!(
        P1363Signature::from_der(&inside),
        Err(SignatureError::TrailingBytes)
    );
}

#[test]
fn anything_but_a_sequence_of_two_short_integers_is_malformed() {
    let good = der_signature(&[0x01], &[0x02]);
    let mut long_form_length = vec![0x30, 0x81, 0x06];
    long_form_length.extend_from_slice(&good[2..]);
    let mut set_tag = good.clone();
    set_tag[0] = 0x31;
    let mut bit_string_r = good.clone();
    bit_string_r[2] = 0x03;
    let mut empty_r = vec![0x30, 0x05, 0x02, 0x00];
    empty_r.extend_from_slice(&good[5..]);
    let one_integer = vec![0x30, 0x03, 0x02, 0x01, 0x01];
    for bad in [
        vec![],
        vec![0x30],
        good[..good.len() - 1].to_vec(),
        long_form_length,
        set_tag,
        bit_string_r,
        empty_r,
        one_integer,
    ] {
        assert_eq!(
            P1363Signature::from_der(&bad),
            Err(SignatureError::Malformed),
            "{bad:02x?}"
        );
    }
}

#[test]
fn a_signature_header_that_is_not_base64_or_too_long_is_refused() {
    assert_eq!(
        P1363Signature::from_header("MEQC IQDa"),
        Err(SignatureError::NotBase64)
    );
    assert_eq!(
        P1363Signature::from_header(&github::SIGNATURE.replace('/', "_")),
        Err(SignatureError::NotBase64)
    );
    assert_eq!(
        P1363Signature::from_header(&"A".repeat(MAX_SIGNATURE_HEADER_LEN + 4)),
        Err(SignatureError::TooLong)
    );
}

// --- reports -----------------------------------------------------------------------

/// A verifier with a fixed answer, to reach each branch without any cryptography.
struct Answers(Result<bool, &'static str>);

impl SignatureVerifier for Answers {
    type Error = &'static str;

    async fn verify(&self, _: &[u8], _: &[u8], _: &P1363Signature) -> Result<bool, &'static str> {
        self.0
    }
}

fn signed(body: &str) -> SignedReport {
    SignedReport::new(
        &github_keys(),
        Some(github::CURRENT_KEY_ID),
        Some(github::SIGNATURE),
        body.as_bytes().to_vec(),
    )
    .unwrap()
}

/// Reaches the body parser as if the signature had checked out.
fn read(body: &str) -> Result<VerifiedReport, ReportError> {
    block_on(signed(body).verify(&Answers(Ok(true)))).map_err(|error| match error {
        VerifyError::Rejected(error) => error,
        VerifyError::Verifier(error) => panic!("{error}"),
    })
}

fn item(token: &str, url: Value) -> Value {
    json!({"token": token, "type": "hadron_api_key", "url": url, "source": "content"})
}

#[test]
fn a_report_without_a_key_identifier_or_signature_is_refused_first() {
    let keys = github_keys();
    let attempt = |id, signature| SignedReport::new(&keys, id, signature, vec![]).unwrap_err();
    assert_eq!(
        attempt(None, Some(github::SIGNATURE)),
        ReportError::MissingKeyIdentifier
    );
    assert_eq!(
        attempt(Some(github::CURRENT_KEY_ID), None),
        ReportError::MissingSignature
    );
    assert_eq!(attempt(None, None), ReportError::MissingKeyIdentifier);
}

#[test]
fn a_report_naming_an_unknown_key_is_refused() {
    let refused = SignedReport::new(
        &github_keys(),
        Some("0123"),
        Some(github::SIGNATURE),
        vec![],
    );
    assert_eq!(refused.unwrap_err(), ReportError::UnknownKeyIdentifier);
}

#[test]
fn a_malformed_signature_is_refused_before_the_key_is_looked_up() {
    let refused = SignedReport::new(&github_keys(), Some("0123"), Some("!!"), vec![]);
    assert_eq!(
        refused.unwrap_err(),
        ReportError::MalformedSignature(SignatureError::NotBase64)
    );
}

#[test]
fn an_oversized_body_is_refused_before_anything_is_verified() {
    let refused = SignedReport::new(
        &github_keys(),
        Some(github::CURRENT_KEY_ID),
        Some(github::SIGNATURE),
        vec![b' '; MAX_REPORT_BYTES + 1],
    );
    assert_eq!(refused.unwrap_err(), ReportError::BodyTooLarge);
}

#[test]
fn a_signature_the_verifier_rejects_is_a_mismatch_and_the_body_is_never_read() {
    let outcome = block_on(signed("not even json").verify(&Answers(Ok(false))));
    assert_eq!(
        outcome.unwrap_err(),
        VerifyError::Rejected(ReportError::SignatureMismatch)
    );
}

#[test]
fn a_verifier_that_fails_to_check_is_not_the_reports_fault() {
    let outcome = block_on(signed(github::BODY).verify(&Answers(Err("no crypto"))));
    assert_eq!(outcome.unwrap_err(), VerifyError::Verifier("no crypto"));
}

#[test]
fn the_verifier_is_given_the_named_key_the_raw_body_and_the_converted_signature() {
    struct Expects;
    impl SignatureVerifier for Expects {
        type Error = ();
        async fn verify(
            &self,
            spki: &[u8],
            message: &[u8],
            signature: &P1363Signature,
        ) -> Result<bool, ()> {
            assert_eq!(spki, unhex(CURRENT_KEY_SPKI_HEX));
            assert_eq!(message, b" [] ");
            assert_eq!(
                signature,
                &P1363Signature::from_header(github::SIGNATURE).unwrap()
            );
            Ok(true)
        }
    }
    let report = block_on(signed(" [] ").verify(&Expects)).unwrap();
    assert!(report.tokens().is_empty());
}

#[test]
fn githubs_sample_body_reads_as_one_token() {
    let report = read(github::BODY).unwrap();
    let [token] = report.tokens() else {
        panic!("one token expected")
    };
    assert_eq!(token.expose_secret(), "some_token");
    assert_eq!(token.token_type(), "some_type");
    assert_eq!(token.url(), Some("https://example.com/base-repo-url/"));
    assert_eq!(token.source(), Some("commit"));
}

#[test]
fn a_report_of_a_hundred_tokens_reads_and_one_more_is_too_many() {
    let hundred: Vec<Value> = (0..MAX_REPORTED_TOKENS)
        .map(|i| item(&format!("t{i}"), json!("https://github.com/a/b")))
        .collect();
    assert_eq!(
        read(&Value::from(hundred.clone()).to_string())
            .unwrap()
            .tokens()
            .len(),
        MAX_REPORTED_TOKENS
    );
    let mut too_many = hundred;
    too_many.push(item("one more", Value::Null));
    assert_eq!(
        read(&Value::from(too_many).to_string()).unwrap_err(),
        ReportError::TooManyTokens
    );
}

#[test]
fn url_and_source_may_be_missing_null_or_empty() {
    let body = json!([
        {"token": "a", "type": "t"},
        {"token": "b", "type": "t", "url": null, "source": null},
        {"token": "c", "type": "t", "url": "", "source": ""},
    ]);
    let report = read(&body.to_string()).unwrap();
    for token in report.tokens() {
        assert_eq!((token.url(), token.source()), (None, None));
    }
}

#[test]
fn urls_that_are_not_plain_http_links_are_dropped_to_none() {
    let too_long = format!("https://github.com/{}", "a".repeat(MAX_URL_LEN));
    for dropped in [
        "javascript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "ftp://github.com/a",
        "file:///etc/passwd",
        "/octocat/Hello-World",
        "github.com/octocat",
        "https://user:pass@github.com/a",
        "https://evil.example@github.com/a",
        "http://",
        too_long.as_str(),
    ] {
        let body = Value::from(vec![item("t", json!(dropped))]).to_string();
        assert_eq!(read(&body).unwrap().tokens()[0].url(), None, "{dropped}");
    }
}

#[test]
fn kept_urls_are_normalised() {
    let body = Value::from(vec![item("t", json!("HTTPS://GitHub.com/a b?c#L3"))]).to_string();
    assert_eq!(
        read(&body).unwrap().tokens()[0].url(),
        Some("https://github.com/a%20b?c#L3")
    );
}

#[test]
fn a_body_that_is_not_an_array_of_token_objects_is_malformed() {
    for bad in [
        "",
        "{}",
        r#"{"token":"a","type":"t"}"#,
        "[1]",
        r#"[{"type":"t"}]"#,
        r#"[{"token":"a"}]"#,
        r#"[{"token":1,"type":"t"}]"#,
        r#"[{"token":"a","type":"t","url":1}]"#,
        r#"[{"token":"a","type":"t","source":[]}]"#,
        r#"[{"token":"a","type":"t"}] x"#,
    ] {
        assert_eq!(read(bad).unwrap_err(), ReportError::MalformedBody, "{bad}");
    }
}

#[test]
fn overlong_fields_are_refused_by_name() {
    let long = |n: usize| "x".repeat(n);
    for (body, field) in [
        (
            json!([{"token": long(MAX_TOKEN_LEN + 1), "type": "t"}]),
            "token",
        ),
        (
            json!([{"token": "a", "type": long(MAX_TOKEN_TYPE_LEN + 1)}]),
            "type",
        ),
        (
            json!([{"token": "a", "type": "t", "source": long(MAX_SOURCE_LEN + 1)}]),
            "source",
        ),
    ] {
        assert_eq!(
            read(&body.to_string()).unwrap_err(),
            ReportError::FieldTooLong(field)
        );
    }
    let longest = json!([{
        "token": long(MAX_TOKEN_LEN),
        "type": long(MAX_TOKEN_TYPE_LEN),
        "source": long(MAX_SOURCE_LEN),
    }]);
    assert!(read(&longest.to_string()).is_ok());
}

#[test]
fn debug_output_never_shows_a_reported_token() {
    let secret = "hdr_user_0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    let body = Value::from(vec![item(secret, Value::Null)]).to_string();
    let report = signed(&body);
    assert!(!format!("{report:?}").contains(secret));
    let report = block_on(report.verify(&Answers(Ok(true)))).unwrap();
    assert!(!format!("{report:?}").contains(secret));
    assert!(format!("{report:?}").contains("<redacted>"));
}

#[test]
fn feedback_labels_each_token_in_githubs_words_and_order() {
    let body = json!([
        {"token": "ours", "type": "hadron_api_key"},
        {"token": "not ours", "type": "hadron_api_key"},
    ]);
    let report = read(&body.to_string()).unwrap();
    let [ours, not_ours] = report.tokens() else {
        panic!("two tokens expected")
    };
    assert_eq!(
        feedback([
            (ours, Label::TruePositive),
            (not_ours, Label::FalsePositive)
        ]),
        json!([
            {"token_raw": "ours", "token_type": "hadron_api_key", "label": "true_positive"},
            {"token_raw": "not ours", "token_type": "hadron_api_key", "label": "false_positive"},
        ])
    );
}

#[test]
fn no_verdicts_make_an_empty_array() {
    assert_eq!(feedback([]), json!([]));
}

// --- when GitHub's keys are fetched again ------------------------------------------------

#[test]
fn fetched_keys_serve_for_an_hour() {
    assert!(fetched_keys_serve(0, KEYS_TTL_MS - 1, false));
    assert!(!fetched_keys_serve(0, KEYS_TTL_MS, false));
}

#[test]
fn an_unknown_key_identifier_fetches_again_at_most_every_five_minutes() {
    // A flood of reports naming made-up keys must not become a flood of calls to GitHub.
    assert!(fetched_keys_serve(0, MIN_REFETCH_INTERVAL_MS - 1, true));
    assert!(!fetched_keys_serve(0, MIN_REFETCH_INTERVAL_MS, true));
}
