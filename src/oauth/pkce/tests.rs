use super::*;

const RFC_VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const RFC_CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

#[test]
fn the_rfc_7636_appendix_b_verifier_yields_its_challenge() {
    let verifier = CodeVerifier::parse(RFC_VERIFIER).expect("RFC verifier parses");
    assert_eq!(verifier.s256_challenge(), RFC_CHALLENGE);
    let challenge = CodeChallenge::parse(RFC_CHALLENGE).expect("RFC challenge parses");
    assert!(verify_s256(&verifier, &challenge));
}

#[test]
fn a_different_verifier_does_not_match_the_challenge() {
    let challenge = CodeChallenge::parse(RFC_CHALLENGE).unwrap();
    let mut other = RFC_VERIFIER.to_owned();
    other.replace_range(0..1, "e");
    assert!(!verify_s256(
        &CodeVerifier::parse(&other).unwrap(),
        &challenge
    ));
}

#[test]
fn the_challenge_itself_is_not_accepted_as_its_verifier() {
    let challenge = CodeChallenge::parse(RFC_CHALLENGE).unwrap();
    let as_plain = CodeVerifier::parse(RFC_CHALLENGE).unwrap();
    assert!(!verify_s256(&as_plain, &challenge));
}

#[test]
fn verifiers_of_43_to_128_unreserved_characters_are_accepted() {
    for good in [
        "a".repeat(43),
        "Z".repeat(128),
        format!("{}-._~", "0".repeat(39)),
    ] {
        assert!(CodeVerifier::parse(&good).is_some(), "refused {good:?}");
    }
}

#[test]
fn verifiers_of_the_wrong_length_are_refused() {
    assert!(CodeVerifier::parse("").is_none());
    assert!(CodeVerifier::parse(&"a".repeat(42)).is_none());
    assert!(CodeVerifier::parse(&"a".repeat(129)).is_none());
}

#[test]
fn verifiers_with_reserved_or_non_ascii_characters_are_refused() {
    for bad_char in ["+", "/", "=", " ", "%", "é", "\n", "!"] {
        let bad = format!("{}{bad_char}", "a".repeat(43));
        assert!(CodeVerifier::parse(&bad).is_none(), "accepted {bad:?}");
    }
}

#[test]
fn challenges_must_be_43_base64url_characters() {
    assert!(CodeChallenge::parse(&RFC_CHALLENGE[..42]).is_none());
    assert!(CodeChallenge::parse(&format!("{RFC_CHALLENGE}A")).is_none());
    assert!(CodeChallenge::parse(&format!("{RFC_CHALLENGE}=")).is_none());
    assert!(CodeChallenge::parse("").is_none());
    // The standard alphabet's `+` and `/` are not base64url.
    for standard_only in ["+", "/"] {
        let mut challenge = RFC_CHALLENGE.to_owned();
        challenge.replace_range(0..1, standard_only);
        assert!(CodeChallenge::parse(&challenge).is_none(), "{challenge}");
    }
}

#[test]
fn challenges_that_no_sha256_digest_can_produce_are_refused() {
    // `x` sets the two low bits that a 256-bit digest never fills.
    let impossible = format!("{}x", &RFC_CHALLENGE[..42]);
    assert!(CodeChallenge::parse(&impossible).is_none());
}

#[test]
fn any_generated_verifier_produces_a_challenge_that_parses() {
    for _ in 0..64 {
        let verifier = CodeVerifier::parse(&crate::crypto::random_hex::<32>()).unwrap();
        let challenge =
            CodeChallenge::parse(&verifier.s256_challenge()).expect("a real S256 challenge parses");
        assert!(verify_s256(&verifier, &challenge));
    }
}

#[test]
fn debug_output_never_contains_the_verifier() {
    let verifier = CodeVerifier::parse(RFC_VERIFIER).unwrap();
    assert!(!format!("{verifier:?}").contains(RFC_VERIFIER));
}
