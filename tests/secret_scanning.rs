//! GitHub secret scanning reports against implementations that are not ours: the `p256`
//! crate (RustCrypto) plays WebCrypto's part and signs random messages with random keys;
//! Node's OpenSSL produced the fixed vectors below; GitHub itself signed the sample
//! request in its partner program docs. Host only, `cargo test --test secret_scanning`.
//! A property runs 256 cases (or `PROPTEST_CASES`) unless its block sets fewer.

use p256::ecdsa::signature::{Signer, Verifier};
use p256::ecdsa::{Signature, SigningKey, VerifyingKey};
use p256::pkcs8::{DecodePublicKey, EncodePublicKey, LineEnding};
use proptest::collection::vec;
use proptest::prelude::*;
use serde_json::{json, Value};

use hadron_keys::oauth::base64::encode_url_no_pad;
use hadron_keys::secret_scanning::{
    GitHubPublicKeys, P1363Signature, P256PublicKey, ReportError, SignatureVerifier, SignedReport,
    VerifiedReport, VerifyError,
};

// ---------------------------------------------------------------------------------------
// Fixed vectors
// ---------------------------------------------------------------------------------------

/// GitHub's sample request and published keys, shared with the unit tests.
#[path = "../src/secret_scanning/fixtures.rs"]
mod fixtures;
use fixtures::{block_on, github, unhex};

/// The key GitHub's document lists as no longer current.
const GITHUB_PREVIOUS_KEY_ID: &str =
    "90a421169f0a406205f1563a953312f0be898d3c7b6c06b681aa86a874555f4a";

/// Made with Node 20.20 (OpenSSL): `generateKeyPairSync('ec', {namedCurve: 'P-256'})`,
/// the key exported as SPKI PEM, `crypto.sign('sha256', body, privateKey)` for the DER
/// signatures (picked from many: one whose r needs the 33rd, sign-keeping byte, one
/// whose s is only 31 bytes), and each `r || s` confirmed with Node's own
/// `crypto.verify(…, {key, dsaEncoding: 'ieee-p1363'}, …)`.
mod node {
    pub const PEM: &str = "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEmbEhaThFuXvpMMV6Wal11+GVNfBO\nJH2wOUl/4InNRrhOn9IPp7KdK+sptbOyijlzMM+oR/S41keRMsttLDZMEw==\n-----END PUBLIC KEY-----\n";
    pub const SPKI_HEX: &str = "3059301306072a8648ce3d020106082a8648ce3d0301070342000499b121693845b97be930c57a59a975d7e19535f04e247db039497fe089cd46b84e9fd20fa7b29d2beb29b5b3b28a397330cfa847f4b8d6479132cb6d2c364c13";
    pub const BODY: &str = r#"[{"token":"hdr_user_0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef","type":"hadron_api_key","url":"https://github.com/octocat/Hello-World/blob/12345600b9cbe38a219f39a9941c9319b600c002/.env","source":"content"}]"#;
    /// (DER signature in Base64, the same signature as `r || s` in hex)
    pub const SIGNATURES: [(&str, &str); 2] = [
        (
            "MEUCIQDx+Kwvtzjw/bQNHe0k6kXcJ0dvTclWsyTls67pwMmH6AIgTuBgs9JCb0xQMToYniP6c/oLHBGdH/LQxR+1hp12+Uk=",
            "f1f8ac2fb738f0fdb40d1ded24ea45dc27476f4dc956b324e5b3aee9c0c987e84ee060b3d2426f4c50313a189e23fa73fa0b1c119d1ff2d0c51fb5869d76f949",
        ),
        (
            "MEMCIH52NJ9y3Ir9I0/G/KGR1aEh2MG6Ntl7CPDg0CTfY9IsAh9hz6K8oq7LeRZBIRxOrnCNkQw5qWB2FnDwJxaLpZ55",
            "7e76349f72dc8afd234fc6fca191d5a121d8c1ba36d97b08f0e0d024df63d22c0061cfa2bca2aecb791641211c4eae708d910c39a960761670f027168ba59e79",
        ),
    ];
}

// ---------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------

/// The `p256` crate as the verifier a report takes: the part WebCrypto plays in the Worker.
struct RustCrypto;

impl SignatureVerifier for RustCrypto {
    type Error = p256::pkcs8::spki::Error;

    async fn verify(
        &self,
        spki_der: &[u8],
        message: &[u8],
        signature: &P1363Signature,
    ) -> Result<bool, Self::Error> {
        let key = VerifyingKey::from_public_key_der(spki_der)?;
        Ok(Signature::from_slice(signature.as_bytes())
            .is_ok_and(|signature| key.verify(message, &signature).is_ok()))
    }
}

/// Says yes to everything: only to reach the body reader with arbitrary bodies.
struct TrustsEverything;

impl SignatureVerifier for TrustsEverything {
    type Error = ();

    async fn verify(&self, _: &[u8], _: &[u8], _: &P1363Signature) -> Result<bool, ()> {
        Ok(true)
    }
}

fn verify(
    keys: &GitHubPublicKeys,
    key_identifier: &str,
    signature: &str,
    body: &[u8],
) -> Result<VerifiedReport, ReportError> {
    let report = SignedReport::new(keys, Some(key_identifier), Some(signature), body.to_vec())?;
    block_on(report.verify(&RustCrypto)).map_err(|error| match error {
        VerifyError::Rejected(error) => error,
        VerifyError::Verifier(error) => panic!("p256 could not read the key: {error}"),
    })
}

/// Standard Base64 with padding, from the crate's URL-safe encoder.
fn base64(bytes: &[u8]) -> String {
    let mut text = encode_url_no_pad(bytes).replace('-', "+").replace('_', "/");
    while !text.len().is_multiple_of(4) {
        text.push('=');
    }
    text
}

/// A one-key document for `key`, its PEM written by `p256`.
fn keys_document(key_identifier: &str, key: &VerifyingKey) -> String {
    let pem = key.to_public_key_pem(LineEnding::LF).unwrap();
    json!({"public_keys": [{"key_identifier": key_identifier, "key": pem, "is_current": true}]})
        .to_string()
}

/// The DER of an `ECDSA-Sig-Value` holding `r || s`, written from X.690 §8.3 and §10:
/// each INTEGER in the fewest bytes, with a zero in front when the high bit is set.
fn canonical_der(p1363: &[u8; 64]) -> Vec<u8> {
    let integer = |scalar: &[u8]| {
        let significant: Vec<u8> = scalar.iter().copied().skip_while(|&b| b == 0).collect();
        let mut content = if significant.first().is_none_or(|&b| b >= 0x80) {
            vec![0]
        } else {
            vec![]
        };
        content.extend(significant);
        let mut der = vec![0x02, content.len() as u8];
        der.extend(content);
        der
    };
    let content = [integer(&p1363[..32]), integer(&p1363[32..])].concat();
    let mut der = vec![0x30, content.len() as u8];
    der.extend(content);
    der
}

const P256_ORDER_HEX: &str = "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551";

/// What a DER INTEGER's content must be to be an r or s, read from the rules rather than
/// the parser: non-empty, positive, minimal, and in [1, n − 1]. Its value, if so.
fn scalar_by_the_rules(content: &[u8]) -> Option<[u8; 32]> {
    let first = *content.first()?;
    let positive = first < 0x80;
    let minimal = !(first == 0 && content.len() > 1 && content[1] < 0x80);
    let significant: Vec<u8> = content.iter().copied().skip_while(|&b| b == 0).collect();
    if !positive || !minimal || significant.is_empty() || significant.len() > 32 {
        return None;
    }
    let mut scalar = [0u8; 32];
    scalar[32 - significant.len()..].copy_from_slice(&significant);
    (scalar.as_slice() < unhex(P256_ORDER_HEX).as_slice()).then_some(scalar)
}

fn signing_key() -> impl Strategy<Value = SigningKey> {
    any::<[u8; 32]>().prop_filter_map("not a valid scalar", |secret| {
        SigningKey::from_bytes(&secret.into()).ok()
    })
}

// ---------------------------------------------------------------------------------------
// GitHub's sample request
// ---------------------------------------------------------------------------------------

#[test]
fn githubs_signed_sample_request_verifies_with_its_published_key() {
    let keys = GitHubPublicKeys::parse(github::KEYS_DOCUMENT).unwrap();
    let report = verify(
        &keys,
        github::CURRENT_KEY_ID,
        github::SIGNATURE,
        github::BODY.as_bytes(),
    )
    .unwrap();
    let [token] = report.tokens() else {
        panic!("one token expected")
    };
    assert_eq!(token.expose_secret(), "some_token");
    assert_eq!(token.url(), Some("https://example.com/base-repo-url/"));
}

#[test]
fn githubs_sample_does_not_verify_against_its_other_key() {
    let keys = GitHubPublicKeys::parse(github::KEYS_DOCUMENT).unwrap();
    let outcome = verify(
        &keys,
        GITHUB_PREVIOUS_KEY_ID,
        github::SIGNATURE,
        github::BODY.as_bytes(),
    );
    assert_eq!(outcome.unwrap_err(), ReportError::SignatureMismatch);
}

#[test]
fn githubs_sample_with_one_byte_more_or_changed_does_not_verify() {
    let keys = GitHubPublicKeys::parse(github::KEYS_DOCUMENT).unwrap();
    let with_newline = format!("{}\n", github::BODY);
    let respaced = github::BODY.replace("\":\"", "\": \"");
    for body in [with_newline, respaced] {
        let outcome = verify(
            &keys,
            github::CURRENT_KEY_ID,
            github::SIGNATURE,
            body.as_bytes(),
        );
        assert_eq!(outcome.unwrap_err(), ReportError::SignatureMismatch);
    }
}

// ---------------------------------------------------------------------------------------
// Node's vectors
// ---------------------------------------------------------------------------------------

#[test]
fn a_key_node_exported_reads_as_the_spki_p256_reads() {
    let ours = P256PublicKey::from_pem(node::PEM).unwrap();
    assert_eq!(ours.spki_der(), unhex(node::SPKI_HEX));
    let theirs = VerifyingKey::from_public_key_der(ours.spki_der()).unwrap();
    assert_eq!(
        theirs.to_public_key_der().unwrap().as_bytes(),
        ours.spki_der()
    );
}

#[test]
fn node_signatures_convert_to_the_r_s_pair_node_itself_verifies() {
    for (der_base64, p1363_hex) in node::SIGNATURES {
        let converted = P1363Signature::from_header(der_base64).unwrap();
        assert_eq!(converted.as_bytes().as_slice(), unhex(p1363_hex));
    }
}

#[test]
fn node_signed_reports_verify_end_to_end() {
    let document = json!({"public_keys": [{"key_identifier": "node", "key": node::PEM}]});
    let keys = GitHubPublicKeys::parse(&document.to_string()).unwrap();
    for (der_base64, _) in node::SIGNATURES {
        let report = verify(&keys, "node", der_base64, node::BODY.as_bytes()).unwrap();
        assert_eq!(report.tokens()[0].token_type(), "hadron_api_key");
        let tampered = node::BODY.replace("0123", "0124");
        assert_eq!(
            verify(&keys, "node", der_base64, tampered.as_bytes()).unwrap_err(),
            ReportError::SignatureMismatch
        );
    }
}

// ---------------------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------------------

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Random keys, random messages: `p256` signs and DER-encodes, we convert, and the
    /// result is exactly `p256`'s own `r || s` and verifies. About half the r and s have
    /// their high bit set (33 DER bytes) and some are shorter than 32 bytes.
    #[test]
    fn every_p256_signature_converts_to_the_pair_p256_verifies(
        key in signing_key(),
        message in vec(any::<u8>(), 0..512),
    ) {
        let signature: Signature = key.sign(&message);
        let der = signature.to_der();
        let converted = P1363Signature::from_header(&base64(der.as_bytes())).unwrap();
        prop_assert_eq!(converted.as_bytes().to_vec(), signature.to_bytes().to_vec());
        let reread = Signature::from_slice(converted.as_bytes()).unwrap();
        prop_assert!(key.verifying_key().verify(&message, &reread).is_ok());
    }

    /// The whole path with a key of the test's own: document, headers, signature, body.
    /// Any one byte of the body changed and the same report is refused.
    #[test]
    fn reports_signed_with_a_published_key_verify_and_altered_ones_do_not(
        key in signing_key(),
        tokens in vec("[ -~]{0,80}", 0..5),
        flip in any::<proptest::sample::Index>(),
    ) {
        let keys = GitHubPublicKeys::parse(&keys_document("test-key", key.verifying_key())).unwrap();
        let body = Value::from(
            tokens.iter().map(|token| json!({"token": token, "type": "hadron_api_key"})).collect::<Vec<_>>(),
        ).to_string();
        let signature: Signature = key.sign(body.as_bytes());
        let header = base64(signature.to_der().as_bytes());

        let report = verify(&keys, "test-key", &header, body.as_bytes()).unwrap();
        let reported: Vec<&str> = report.tokens().iter().map(|t| t.expose_secret()).collect();
        prop_assert_eq!(reported, tokens.iter().map(String::as_str).collect::<Vec<_>>());

        let mut altered = body.into_bytes();
        let at = flip.index(altered.len());
        altered[at] ^= 0x01;
        prop_assert_eq!(
            verify(&keys, "test-key", &header, &altered).unwrap_err(),
            ReportError::SignatureMismatch
        );
    }
}

/// DER-shaped inputs: two INTEGERs of any length and content (a third of them behind a
/// zero byte, which random bytes would rarely start with), then maybe trailing bytes.
fn der_like() -> impl Strategy<Value = (Vec<u8>, Vec<u8>, Vec<u8>)> {
    let integer = || {
        prop_oneof![
            2 => vec(any::<u8>(), 0..35),
            1 => vec(any::<u8>(), 0..34).prop_map(|rest| [vec![0], rest].concat()),
        ]
    };
    (integer(), integer(), vec(any::<u8>(), 0..3))
}

fn sequence_of(r: &[u8], s: &[u8], trailing: &[u8]) -> Vec<u8> {
    let mut content = vec![0x02, r.len() as u8];
    content.extend_from_slice(r);
    content.extend_from_slice(&[0x02, s.len() as u8]);
    content.extend_from_slice(s);
    let mut der = vec![0x30, content.len() as u8];
    der.extend(content);
    der.extend_from_slice(trailing);
    der
}

proptest! {
    /// No byte string makes the converter panic, and what it accepts it accepts in one
    /// spelling only: re-encoding the result canonically gives back the input. Half the
    /// inputs are random bytes, half DER-shaped, so that some are accepted.
    #[test]
    fn the_der_reader_accepts_only_the_canonical_encoding(
        der in prop_oneof![
            vec(any::<u8>(), 0..80),
            der_like().prop_map(|(r, s, trailing)| sequence_of(&r, &s, &trailing)),
        ],
    ) {
        if let Ok(signature) = P1363Signature::from_der(&der) {
            prop_assert_eq!(canonical_der(signature.as_bytes()), der);
        }
    }

    /// Structured inputs reach past the tags: a sequence of two INTEGERs is accepted
    /// exactly when both are scalars by the rules and nothing follows.
    #[test]
    fn a_sequence_of_two_integers_is_accepted_exactly_when_both_are_scalars(
        (r, s, trailing) in der_like(),
    ) {
        let der = sequence_of(&r, &s, &trailing);
        let expected = match (scalar_by_the_rules(&r), scalar_by_the_rules(&s)) {
            (Some(r), Some(s)) if trailing.is_empty() => Some([r, s].concat()),
            _ => None,
        };
        let converted = P1363Signature::from_der(&der).ok().map(|sig| sig.as_bytes().to_vec());
        prop_assert_eq!(converted, expected);
    }

    #[test]
    fn no_header_value_makes_the_signature_reader_panic(value in any::<String>()) {
        let _ = P1363Signature::from_header(&value);
    }

    #[test]
    fn no_text_makes_the_key_readers_panic(text in any::<String>()) {
        let _ = P256PublicKey::from_pem(&text);
        let _ = GitHubPublicKeys::parse(&text);
        let _ = GitHubPublicKeys::parse(&format!(r#"{{"public_keys":[{{"key_identifier":"k","key":{}}}]}}"#, json!(text)));
    }

    /// Whatever a signed body holds, reading it ends in a report or a refusal; every
    /// token read back respects the bounds, and every kept URL is an http(s) link.
    #[test]
    fn any_signed_body_reads_into_bounded_tokens_or_is_refused(
        items in vec((".{0,40}", prop_oneof![Just(Value::Null), any::<String>().prop_map(Value::from),
            "(https?|ftp|javascript)://[a-z@:.]{0,20}/[ -~]{0,20}".prop_map(Value::from)]), 0..5),
        raw in vec(any::<u8>(), 0..200),
    ) {
        let keys = GitHubPublicKeys::parse(github::KEYS_DOCUMENT).unwrap();
        let structured = Value::from(items.iter().map(|(token, url)| {
            json!({"token": token, "type": "t", "url": url, "source": "content"})
        }).collect::<Vec<_>>()).to_string().into_bytes();
        for body in [structured, raw] {
            let report = SignedReport::new(&keys, Some(github::CURRENT_KEY_ID), Some(github::SIGNATURE), body).unwrap();
            if let Ok(report) = block_on(report.verify(&TrustsEverything)) {
                for token in report.tokens() {
                    if let Some(url) = token.url() {
                        let url = url::Url::parse(url).unwrap();
                        prop_assert!(matches!(url.scheme(), "http" | "https"), "{}", url);
                        prop_assert!(url.username().is_empty() && url.password().is_none(), "{}", url);
                    }
                }
            }
        }
    }
}
