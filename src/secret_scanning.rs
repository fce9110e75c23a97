//! GitHub's secret scanning partner program, the pure half of
//! `POST /api/secret-scanning/github`: GitHub finds one of our keys in public code and
//! POSTs a JSON array of what it found, signed with ECDSA P-256 / SHA-256 by a key it
//! publishes; we check the signature, read the report and answer with a label per token.
//!
//! The order is fixed by the types: [`GitHubPublicKeys::parse`] reads the published key
//! document, [`SignedReport::new`] checks the two headers and the body size,
//! [`SignedReport::verify`] checks the signature (through a [`SignatureVerifier`]:
//! WebCrypto in the Worker, a Rust implementation in host tests) and only then parses the
//! body into a [`VerifiedReport`], and [`feedback`] builds the answer.
//!
//! No `worker` import: everything here tests on the host. ASN.1 is read by hand because
//! only two fixed shapes are accepted: a P-256 `SubjectPublicKeyInfo` (RFC 5480) and an
//! `ECDSA-Sig-Value` (RFC 3279 §2.2.3), both strict DER.

use std::fmt;
use std::future::Future;

use serde_json::{json, Value};
use url::Url;

use crate::oauth::base64::decode_standard;

/// Which published key signed the report (its `key_identifier`).
pub const KEY_IDENTIFIER_HEADER: &str = "Github-Public-Key-Identifier";
/// Base64 of the DER `ECDSA-Sig-Value` over the raw body.
pub const SIGNATURE_HEADER: &str = "Github-Public-Key-Signature";
/// Where GitHub publishes its secret scanning keys (`{"public_keys":[…]}`).
pub const PUBLIC_KEYS_URL: &str = "https://api.github.com/meta/public_keys/secret_scanning";

/// GitHub's document holds two keys today; twenty leaves room for rotations without
/// letting a configuration variable grow without bound.
pub const MAX_PUBLIC_KEYS: usize = 20;
/// A P-256 key in PEM is 178 bytes; a few KB leaves room for CRLF and wrapping.
pub const MAX_PEM_LEN: usize = 4 * 1024;
/// GitHub's identifiers are 64 hex characters (a SHA-256).
pub const MAX_KEY_IDENTIFIER_LEN: usize = 128;
/// Bounds the JSON parsed before the per-key limits apply: 20 keys of 4 KiB, and then some.
pub const MAX_KEYS_DOCUMENT_BYTES: usize = 128 * 1024;

/// One report item is 250–400 bytes with a usual URL, so 100 of them fit in 64 KiB.
/// Both bound the D1 work one request can cause. GitHub may batch several matches into
/// one message, and a report over either limit is refused whole: if GitHub's delivery
/// log ever shows that, raise them (a report that verifies can only come from GitHub).
pub const MAX_REPORT_BYTES: usize = 64 * 1024;
pub const MAX_REPORTED_TOKENS: usize = 100;
/// Our keys are 73 characters; GitHub sends what matched the registered pattern.
pub const MAX_TOKEN_LEN: usize = 512;
/// The secret type name registered with GitHub.
pub const MAX_TOKEN_TYPE_LEN: usize = 128;
/// Where the token was found (`content`, `commit`, `issue_comment`, …).
pub const MAX_SOURCE_LEN: usize = 64;
/// A longer `url` is dropped rather than refused: it is only shown as a link.
pub const MAX_URL_LEN: usize = 2048;

/// The longest DER `ECDSA-Sig-Value` for P-256 is 72 bytes, which is 96 Base64 characters.
pub const MAX_SIGNATURE_HEADER_LEN: usize = 96;

// ---------------------------------------------------------------------------------------
// Public keys
// ---------------------------------------------------------------------------------------

/// The DER `SubjectPublicKeyInfo` of every P-256 key with an uncompressed point, up to
/// the point itself. DER has one encoding per value, so this prefix is the only one.
const P256_SPKI_PREFIX: [u8; 27] = [
    0x30, 0x59, // SEQUENCE, 89 bytes
    0x30, 0x13, // SEQUENCE (AlgorithmIdentifier), 19 bytes
    0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02,
    0x01, // OID 1.2.840.10045.2.1 id-ecPublicKey
    0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01,
    0x07, // OID 1.2.840.10045.3.1.7 prime256v1
    0x03, 0x42, 0x00, // BIT STRING, 66 bytes, no unused bits
    0x04, // SEC 1 uncompressed point: X and Y follow, 32 bytes each
];
const P256_SPKI_LEN: usize = P256_SPKI_PREFIX.len() + 64;

/// A P-256 public key as a DER `SubjectPublicKeyInfo`: the bytes WebCrypto's
/// `importKey("spki", …)` takes. Whether the point is on the curve is left to the
/// import, which refuses it if not.
#[derive(Clone, PartialEq, Eq)]
pub struct P256PublicKey([u8; P256_SPKI_LEN]);

/// Why a `key` is not a P-256 public key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyError {
    TooLong,
    /// Not one `PUBLIC KEY` PEM block with nothing else around it.
    NotPem,
    NotBase64,
    /// Another algorithm or curve, a compressed point, or not DER.
    NotP256,
}

impl P256PublicKey {
    pub fn from_der(der: &[u8]) -> Result<Self, KeyError> {
        let spki: [u8; P256_SPKI_LEN] = der.try_into().map_err(|_| KeyError::NotP256)?;
        if !spki.starts_with(&P256_SPKI_PREFIX) {
            return Err(KeyError::NotP256);
        }
        Ok(P256PublicKey(spki))
    }

    /// Reads one `-----BEGIN PUBLIC KEY-----` block (RFC 7468 §13). Whitespace around the
    /// block and around each line is allowed, so a key pasted into a variable still reads;
    /// anything else before or after it is not.
    pub fn from_pem(pem: &str) -> Result<Self, KeyError> {
        if pem.len() > MAX_PEM_LEN {
            return Err(KeyError::TooLong);
        }
        let mut lines = pem.trim().lines().map(str::trim);
        if lines.next() != Some("-----BEGIN PUBLIC KEY-----") {
            return Err(KeyError::NotPem);
        }
        let mut base64 = String::with_capacity(pem.len());
        loop {
            match lines.next() {
                Some("-----END PUBLIC KEY-----") => break,
                Some(line) if !line.starts_with('-') => base64.push_str(line),
                _ => return Err(KeyError::NotPem),
            }
        }
        if lines.next().is_some() {
            return Err(KeyError::NotPem);
        }
        let der = decode_standard(&base64).ok_or(KeyError::NotBase64)?;
        Self::from_der(&der)
    }

    pub fn spki_der(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for P256PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "P256PublicKey({})", crate::crypto::hex(&self.0))
    }
}

/// One entry of GitHub's key document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GitHubPublicKey {
    key_identifier: String,
    key: P256PublicKey,
    is_current: bool,
}

impl GitHubPublicKey {
    pub fn key_identifier(&self) -> &str {
        &self.key_identifier
    }

    pub fn key(&self) -> &P256PublicKey {
        &self.key
    }

    /// Informative only: GitHub may still sign with a key that is no longer current, and
    /// the identifier header says which one it used.
    pub fn is_current(&self) -> bool {
        self.is_current
    }
}

/// GitHub's published secret scanning keys, every one of them a usable P-256 key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GitHubPublicKeys(Vec<GitHubPublicKey>);

/// Why a key document was refused. The whole document is refused for one bad entry:
/// the document is either GitHub's or an operator's variable, and in both cases a key we
/// cannot read is a fault to surface, not to step around. `index` counts from 0.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeysDocumentError {
    TooLarge,
    /// Not JSON of the shape `{"public_keys":[{"key_identifier","key","is_current"}]}`.
    Malformed,
    NoKeys,
    TooManyKeys,
    BadKeyIdentifier {
        index: usize,
    },
    DuplicateKeyIdentifier {
        index: usize,
    },
    BadKey {
        index: usize,
        error: KeyError,
    },
}

impl GitHubPublicKeys {
    /// Reads the document served at [`PUBLIC_KEYS_URL`] (or the same JSON from a
    /// variable). Unknown fields are ignored, so GitHub can add some; `is_current` may be
    /// left out of a hand-written document.
    pub fn parse(document: &str) -> Result<Self, KeysDocumentError> {
        if document.len() > MAX_KEYS_DOCUMENT_BYTES {
            return Err(KeysDocumentError::TooLarge);
        }
        // Read as a `Value` rather than through derived structs: the Worker already
        // carries that parser, and the derives would add to the bundle.
        let document: Value =
            serde_json::from_str(document).map_err(|_| KeysDocumentError::Malformed)?;
        let entries = document
            .get("public_keys")
            .and_then(Value::as_array)
            .ok_or(KeysDocumentError::Malformed)?;
        if entries.is_empty() {
            return Err(KeysDocumentError::NoKeys);
        }
        if entries.len() > MAX_PUBLIC_KEYS {
            return Err(KeysDocumentError::TooManyKeys);
        }
        let mut keys: Vec<GitHubPublicKey> = Vec::with_capacity(entries.len());
        for (index, entry) in entries.iter().enumerate() {
            let (Some(key_identifier), Some(pem)) = (
                entry.get("key_identifier").and_then(Value::as_str),
                entry.get("key").and_then(Value::as_str),
            ) else {
                return Err(KeysDocumentError::Malformed);
            };
            let is_current = match entry.get("is_current") {
                None => false,
                Some(Value::Bool(is_current)) => *is_current,
                Some(_) => return Err(KeysDocumentError::Malformed),
            };
            if !is_key_identifier(key_identifier) {
                return Err(KeysDocumentError::BadKeyIdentifier { index });
            }
            if keys
                .iter()
                .any(|known| known.key_identifier == key_identifier)
            {
                return Err(KeysDocumentError::DuplicateKeyIdentifier { index });
            }
            let key = P256PublicKey::from_pem(pem)
                .map_err(|error| KeysDocumentError::BadKey { index, error })?;
            keys.push(GitHubPublicKey {
                key_identifier: key_identifier.to_owned(),
                key,
                is_current,
            });
        }
        Ok(GitHubPublicKeys(keys))
    }

    /// The key a report names in its [`KEY_IDENTIFIER_HEADER`]. Identifiers are public, so
    /// a plain comparison is fine.
    pub fn find(&self, key_identifier: &str) -> Option<&GitHubPublicKey> {
        self.0
            .iter()
            .find(|key| key.key_identifier == key_identifier)
    }

    pub fn keys(&self) -> &[GitHubPublicKey] {
        &self.0
    }
}

/// 1–128 visible ASCII characters: something that can travel in a header unchanged.
fn is_key_identifier(candidate: &str) -> bool {
    (1..=MAX_KEY_IDENTIFIER_LEN).contains(&candidate.len())
        && candidate.bytes().all(|b| b.is_ascii_graphic())
}

// ---------------------------------------------------------------------------------------
// Signatures
// ---------------------------------------------------------------------------------------

/// The order n of the P-256 group (SEC 2 §2.4.2). r and s must lie in [1, n − 1].
const P256_ORDER: [u8; 32] = [
    0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51,
];

/// An ECDSA P-256 signature as IEEE P1363 `r || s`, 32 big-endian bytes each: the form
/// WebCrypto's ECDSA `verify` takes, where GitHub sends DER.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct P1363Signature([u8; 64]);

/// Why a signature header was refused. Only the strict DER encoding is accepted, so each
/// signature has exactly one accepted spelling.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignatureError {
    TooLong,
    NotBase64,
    /// Not `SEQUENCE { INTEGER, INTEGER }`, a length that is not in DER's short form, or
    /// fewer bytes than a length says.
    Malformed,
    TrailingBytes,
    /// An INTEGER with a leading zero byte it does not need.
    NonMinimalInteger,
    NegativeInteger,
    /// An INTEGER longer than 33 bytes, or a 33-byte one whose first byte is not the
    /// zero that keeps a 32-byte value positive.
    IntegerTooLong,
    /// r or s is zero or not below the group order.
    OutOfRange,
}

impl P1363Signature {
    /// Reads the [`SIGNATURE_HEADER`]: standard Base64 of a DER `ECDSA-Sig-Value`.
    pub fn from_header(value: &str) -> Result<Self, SignatureError> {
        if value.len() > MAX_SIGNATURE_HEADER_LEN {
            return Err(SignatureError::TooLong);
        }
        let der = decode_standard(value).ok_or(SignatureError::NotBase64)?;
        Self::from_der(&der)
    }

    /// Converts `ECDSA-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER }` (RFC 3279
    /// §2.2.3) to `r || s`. Strict DER (X.690 §10): short-form lengths (the content is at
    /// most 70 bytes), minimal positive integers, nothing after the sequence.
    pub fn from_der(der: &[u8]) -> Result<Self, SignatureError> {
        let [0x30, length, content @ ..] = der else {
            return Err(SignatureError::Malformed);
        };
        if *length >= 0x80 {
            return Err(SignatureError::Malformed);
        }
        let length = usize::from(*length);
        if content.len() < length {
            return Err(SignatureError::Malformed);
        }
        if content.len() > length {
            return Err(SignatureError::TrailingBytes);
        }
        let (r, rest) = read_scalar(content)?;
        let (s, rest) = read_scalar(rest)?;
        if !rest.is_empty() {
            return Err(SignatureError::TrailingBytes);
        }
        let mut p1363 = [0u8; 64];
        p1363[..32].copy_from_slice(&r);
        p1363[32..].copy_from_slice(&s);
        Ok(P1363Signature(p1363))
    }

    pub fn as_bytes(&self) -> &[u8; 64] {
        &self.0
    }
}

/// Reads one DER INTEGER in [1, n − 1] as 32 big-endian bytes; returns what follows it.
fn read_scalar(input: &[u8]) -> Result<([u8; 32], &[u8]), SignatureError> {
    let [0x02, length, rest @ ..] = input else {
        return Err(SignatureError::Malformed);
    };
    let length = usize::from(*length);
    if length == 0 {
        return Err(SignatureError::Malformed);
    }
    if length > 33 {
        return Err(SignatureError::IntegerTooLong);
    }
    if rest.len() < length {
        return Err(SignatureError::Malformed);
    }
    let (bytes, rest) = rest.split_at(length);
    let magnitude = match bytes {
        [first, ..] if first & 0x80 != 0 => return Err(SignatureError::NegativeInteger),
        // A leading zero is only there to keep a set high bit from reading as negative.
        [0x00, second, ..] if second & 0x80 == 0 => return Err(SignatureError::NonMinimalInteger),
        [0x00, magnitude @ ..] => magnitude,
        magnitude => magnitude,
    };
    if magnitude.len() > 32 {
        return Err(SignatureError::IntegerTooLong);
    }
    let mut scalar = [0u8; 32];
    scalar[32 - magnitude.len()..].copy_from_slice(magnitude);
    // Equal-length big-endian byte arrays compare like the numbers they hold.
    if scalar == [0u8; 32] || scalar >= P256_ORDER {
        return Err(SignatureError::OutOfRange);
    }
    Ok((scalar, rest))
}

/// Checks an ECDSA P-256 / SHA-256 signature: WebCrypto in the Worker
/// (`webcrypto::WebCrypto`), a Rust implementation in host tests.
pub trait SignatureVerifier {
    /// A failure to check at all (the platform refused the key, say), as opposed to a
    /// signature that does not match.
    type Error;

    /// Whether `signature` is a valid signature of `message` by the key in `spki_der`.
    fn verify(
        &self,
        spki_der: &[u8],
        message: &[u8],
        signature: &P1363Signature,
    ) -> impl Future<Output = Result<bool, Self::Error>>;
}

// ---------------------------------------------------------------------------------------
// Reports
// ---------------------------------------------------------------------------------------

/// Why a report was refused. Every one is the sender's fault (a 4xx) and changes nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReportError {
    MissingKeyIdentifier,
    /// No published key has this identifier. GitHub may have rotated its keys since we
    /// last fetched them: worth one fresh fetch before answering.
    UnknownKeyIdentifier,
    MissingSignature,
    MalformedSignature(SignatureError),
    BodyTooLarge,
    /// The signature is well-formed but not GitHub's over this body.
    SignatureMismatch,
    /// Not a JSON array of objects with string `token` and `type`.
    MalformedBody,
    TooManyTokens,
    FieldTooLong(&'static str),
}

/// A report whose headers are well-formed and name a key we know, and whose signature
/// has not been checked yet. Its body is unread until [`SignedReport::verify`].
pub struct SignedReport {
    key: GitHubPublicKey,
    signature: P1363Signature,
    body: Vec<u8>,
}

impl SignedReport {
    /// `key_identifier` and `signature` are the two header values, if sent; `body` is the
    /// raw body exactly as received (the signature covers its bytes, not its JSON).
    pub fn new(
        keys: &GitHubPublicKeys,
        key_identifier: Option<&str>,
        signature: Option<&str>,
        body: Vec<u8>,
    ) -> Result<Self, ReportError> {
        let key_identifier = key_identifier.ok_or(ReportError::MissingKeyIdentifier)?;
        let signature = signature.ok_or(ReportError::MissingSignature)?;
        if body.len() > MAX_REPORT_BYTES {
            return Err(ReportError::BodyTooLarge);
        }
        let signature =
            P1363Signature::from_header(signature).map_err(ReportError::MalformedSignature)?;
        // Last, so that a refetch of the keys is only ever worth it for a request that is
        // otherwise well-formed.
        let key = keys
            .find(key_identifier)
            .ok_or(ReportError::UnknownKeyIdentifier)?;
        Ok(SignedReport {
            key: key.clone(),
            signature,
            body,
        })
    }

    pub fn key_identifier(&self) -> &str {
        self.key.key_identifier()
    }

    /// Checks the signature over the raw body, then reads the body. The only way to a
    /// [`VerifiedReport`].
    pub async fn verify<V: SignatureVerifier>(
        self,
        verifier: &V,
    ) -> Result<VerifiedReport, VerifyError<V::Error>> {
        let genuine = verifier
            .verify(self.key.key().spki_der(), &self.body, &self.signature)
            .await
            .map_err(VerifyError::Verifier)?;
        if !genuine {
            return Err(VerifyError::Rejected(ReportError::SignatureMismatch));
        }
        let tokens = parse_report_body(&self.body).map_err(VerifyError::Rejected)?;
        Ok(VerifiedReport { tokens })
    }
}

impl fmt::Debug for SignedReport {
    /// The body carries the reported tokens, which may be live keys: only its size shows.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignedReport")
            .field("key_identifier", &self.key.key_identifier)
            .field("signature", &self.signature)
            .field("body_bytes", &self.body.len())
            .finish()
    }
}

/// What [`SignedReport::verify`] can fail with: the report's fault (a 4xx), or the
/// verifier's (a 5xx: nothing about the report is known yet).
#[derive(Debug, PartialEq, Eq)]
pub enum VerifyError<E> {
    Rejected(ReportError),
    Verifier(E),
}

/// A report GitHub signed, read into bounded items.
#[derive(Debug)]
pub struct VerifiedReport {
    tokens: Vec<ReportedToken>,
}

impl VerifiedReport {
    pub fn tokens(&self) -> &[ReportedToken] {
        &self.tokens
    }
}

/// One match GitHub reports. The token may be a live key, so `Debug` leaves it out.
#[derive(Clone, PartialEq, Eq)]
pub struct ReportedToken {
    token: String,
    token_type: String,
    url: Option<String>,
    source: Option<String>,
}

impl ReportedToken {
    /// The string GitHub found; compare it only through its hash (`keys::ApiKey::parse`).
    pub fn expose_secret(&self) -> &str {
        &self.token
    }

    /// The secret type name we registered with GitHub.
    pub fn token_type(&self) -> &str {
        &self.token_type
    }

    /// Where the token was found: an absolute `http`/`https` URL with a host and no
    /// credentials, at most [`MAX_URL_LEN`] long, safe to show as a link. `None` when
    /// GitHub sent none, an empty one, or one that is not such a URL.
    pub fn url(&self) -> Option<&str> {
        self.url.as_deref()
    }

    /// What kind of place on GitHub it was found in (`content`, `commit`, …), as sent;
    /// `None` when absent or empty.
    pub fn source(&self) -> Option<&str> {
        self.source.as_deref()
    }
}

impl fmt::Debug for ReportedToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReportedToken")
            .field("token", &"<redacted>")
            .field("token_type", &self.token_type)
            .field("url", &self.url)
            .field("source", &self.source)
            .finish()
    }
}

fn parse_report_body(body: &[u8]) -> Result<Vec<ReportedToken>, ReportError> {
    if body.len() > MAX_REPORT_BYTES {
        return Err(ReportError::BodyTooLarge);
    }
    // A `Value`, as for the key document: no derived parser in the bundle.
    let body: Value = serde_json::from_slice(body).map_err(|_| ReportError::MalformedBody)?;
    let items = body.as_array().ok_or(ReportError::MalformedBody)?;
    if items.len() > MAX_REPORTED_TOKENS {
        return Err(ReportError::TooManyTokens);
    }
    items.iter().map(read_report_item).collect()
}

fn read_report_item(item: &Value) -> Result<ReportedToken, ReportError> {
    if !item.is_object() {
        return Err(ReportError::MalformedBody);
    }
    let token = optional_string(item, "token")?.ok_or(ReportError::MalformedBody)?;
    let token_type = optional_string(item, "type")?.ok_or(ReportError::MalformedBody)?;
    let url = optional_string(item, "url")?;
    let source = optional_string(item, "source")?.filter(|source| !source.is_empty());
    if token.len() > MAX_TOKEN_LEN {
        return Err(ReportError::FieldTooLong("token"));
    }
    if token_type.len() > MAX_TOKEN_TYPE_LEN {
        return Err(ReportError::FieldTooLong("type"));
    }
    if source.is_some_and(|source| source.len() > MAX_SOURCE_LEN) {
        return Err(ReportError::FieldTooLong("source"));
    }
    Ok(ReportedToken {
        token: token.to_owned(),
        token_type: token_type.to_owned(),
        url: url.and_then(link_url),
        source: source.map(str::to_owned),
    })
}

/// The string field `name` of `item`: `None` when absent or `null`, refused when another
/// type.
fn optional_string<'a>(item: &'a Value, name: &str) -> Result<Option<&'a str>, ReportError> {
    match item.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(value)) => Ok(Some(value)),
        Some(_) => Err(ReportError::MalformedBody),
    }
}

/// `candidate` normalised, if it is an absolute `http`/`https` URL with a host, no
/// user name or password (a link that reads as one site and goes to another), and at
/// most [`MAX_URL_LEN`] long once normalised.
fn link_url(candidate: &str) -> Option<String> {
    if candidate.len() > MAX_URL_LEN {
        return None;
    }
    let url = Url::parse(candidate).ok()?;
    let acceptable = matches!(url.scheme(), "http" | "https")
        && url.host().is_some()
        && url.username().is_empty()
        && url.password().is_none()
        && url.as_str().len() <= MAX_URL_LEN;
    acceptable.then(|| url.into())
}

// ---------------------------------------------------------------------------------------
// The answer
// ---------------------------------------------------------------------------------------

/// Our verdict on one reported token, in GitHub's words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Label {
    /// One of our keys, active or already revoked.
    TruePositive,
    /// Anything else.
    FalsePositive,
}

impl Label {
    pub fn as_str(self) -> &'static str {
        match self {
            Label::TruePositive => "true_positive",
            Label::FalsePositive => "false_positive",
        }
    }
}

/// The `200` body: `[{"token_raw","token_type","label"}]`, one entry per verdict, in
/// the order given. The raw token goes back to GitHub, who sent it.
pub fn feedback<'a>(verdicts: impl IntoIterator<Item = (&'a ReportedToken, Label)>) -> Value {
    Value::Array(
        verdicts
            .into_iter()
            .map(|(reported, label)| {
                json!({
                    "token_raw": reported.token,
                    "token_type": reported.token_type,
                    "label": label.as_str(),
                })
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use std::pin::pin;
    use std::task::{Context, Poll, Waker};

    use super::*;

    /// GitHub's published document as it stood when its docs' sample request was signed.
    const GITHUB_KEYS_DOCUMENT: &str = r#"{"public_keys":[
        {"key_identifier":"90a421169f0a406205f1563a953312f0be898d3c7b6c06b681aa86a874555f4a",
         "key":"-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE9MJJHnMfn2+H4xL4YaPDA4RpJqUq\nkCmRCBnYERxZanmcpzQSXs1X/AljlKkbJ8qpVIW4clayyef9gWhFbNHWAA==\n-----END PUBLIC KEY-----\n",
         "is_current":false},
        {"key_identifier":"bcb53661c06b4728e59d897fb6165d5c9cda0fd9cdf9d09ead458168deb7518c",
         "key":"-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEYAGMWO8XgCamYKMJS6jc/qgvSlAd\nAjPuDPRcXU22YxgBrz+zoN19MzuRyW87qEt9/AmtoNP5GrobzUvQSyJFVw==\n-----END PUBLIC KEY-----\n",
         "is_current":true}]}"#;
    const CURRENT_KEY_ID: &str = "bcb53661c06b4728e59d897fb6165d5c9cda0fd9cdf9d09ead458168deb7518c";
    const CURRENT_KEY_PEM: &str = "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEYAGMWO8XgCamYKMJS6jc/qgvSlAd\nAjPuDPRcXU22YxgBrz+zoN19MzuRyW87qEt9/AmtoNP5GrobzUvQSyJFVw==\n-----END PUBLIC KEY-----\n";
    const CURRENT_KEY_SPKI_HEX: &str = "3059301306072a8648ce3d020106082a8648ce3d0301070342000460018c58ef178026a660a3094ba8dcfea82f4a501d0233ee0cf45c5d4db6631801af3fb3a0dd7d333b91c96f3ba84b7dfc09ada0d3f91aba1bcd4bd04b224557";

    /// The sample request in GitHub's partner program docs, signed by the current key.
    const SAMPLE_SIGNATURE: &str = "MEQCIQDaMKqrGnE27S0kgMrEK0eYBmyG0LeZismAEz/BgZyt7AIfXt9fErtRS4XaeSt/AO1RtBY66YcAdjxji410VQV4xg==";
    const SAMPLE_BODY: &str = r#"[{"source":"commit","token":"some_token","type":"some_type","url":"https://example.com/base-repo-url/"}]"#;

    const RSA_PEM: &str = "-----BEGIN PUBLIC KEY-----\nMIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQCt3r8+k8/UubBLpHJOW1Q/TJOe\nBbqRAEswe0T7Fx/j83lx33V4C7itGlFeoaHLsyYVMNB4N0Khnr9rLZ2+rGWFxrxJ\nSfrHEsFaVHBgfZgC5paSLWFn8glwf9MTpkCWSrZ7zQQcAIGn8ayNcrj3tGsDQZgx\nqG4afC9EZLSxFTeEyQIDAQAB\n-----END PUBLIC KEY-----\n";
    const P384_PEM: &str = "-----BEGIN PUBLIC KEY-----\nMHYwEAYHKoZIzj0CAQYFK4EEACIDYgAEXt5xKmf13qBBi3lFAi2aFji/BechApfk\nmx6lO5N36x8H7hxBjhNgCGa1nMSIQRnDX+ng0XsGjTlj8uSY0t6lwYLQwK2Gy/9G\nilOO2UnxIKDCVw69G0XVRibPmzIgI6uO\n-----END PUBLIC KEY-----\n";
    const SECP256K1_PEM: &str = "-----BEGIN PUBLIC KEY-----\nMFYwEAYHKoZIzj0CAQYFK4EEAAoDQgAEFCIrXsm6+nNaBgZjClMNyCu4fmle/a3+\nlZRV6wp6HYHom8w6fOiXug3ATg2p9ugQ7UwOR6cOKR397soWlvTh6g==\n-----END PUBLIC KEY-----\n";
    const ED25519_PEM: &str = "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA9MC4OM4lwnEa6SODoKcGq2XkCSoE0G6gE8rHQ/L7K70=\n-----END PUBLIC KEY-----\n";

    fn unhex(hex: &str) -> Vec<u8> {
        (0..hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
            .collect()
    }

    fn github_keys() -> GitHubPublicKeys {
        GitHubPublicKeys::parse(GITHUB_KEYS_DOCUMENT).unwrap()
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
        let current = keys.find(CURRENT_KEY_ID).unwrap();
        assert!(current.is_current());
        assert_eq!(current.key().spki_der(), unhex(CURRENT_KEY_SPKI_HEX));
        assert!(!keys.keys()[0].is_current());
    }

    #[test]
    fn an_identifier_not_in_the_document_finds_no_key() {
        assert_eq!(github_keys().find("0000"), None);
        assert_eq!(github_keys().find(""), None);
        assert_eq!(github_keys().find(&CURRENT_KEY_ID.to_uppercase()), None);
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
            GITHUB_KEYS_DOCUMENT,
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
        assert!(
            GitHubPublicKeys::parse(&document_with(&[entry(&longest, CURRENT_KEY_PEM)])).is_ok()
        );
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
        let signature = P1363Signature::from_header(SAMPLE_SIGNATURE).unwrap();
        let der = decode_standard(SAMPLE_SIGNATURE).unwrap();
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
            P1363Signature::from_header(&SAMPLE_SIGNATURE.replace('/', "_")),
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

        async fn verify(
            &self,
            _: &[u8],
            _: &[u8],
            _: &P1363Signature,
        ) -> Result<bool, &'static str> {
            self.0
        }
    }

    fn block_on<F: Future>(future: F) -> F::Output {
        match pin!(future).poll(&mut Context::from_waker(Waker::noop())) {
            Poll::Ready(output) => output,
            Poll::Pending => panic!("the verifiers in these tests answer at once"),
        }
    }

    fn signed(body: &str) -> SignedReport {
        SignedReport::new(
            &github_keys(),
            Some(CURRENT_KEY_ID),
            Some(SAMPLE_SIGNATURE),
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
            attempt(None, Some(SAMPLE_SIGNATURE)),
            ReportError::MissingKeyIdentifier
        );
        assert_eq!(
            attempt(Some(CURRENT_KEY_ID), None),
            ReportError::MissingSignature
        );
        assert_eq!(attempt(None, None), ReportError::MissingKeyIdentifier);
    }

    #[test]
    fn a_report_naming_an_unknown_key_is_refused() {
        let refused =
            SignedReport::new(&github_keys(), Some("0123"), Some(SAMPLE_SIGNATURE), vec![]);
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
            Some(CURRENT_KEY_ID),
            Some(SAMPLE_SIGNATURE),
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
        let outcome = block_on(signed(SAMPLE_BODY).verify(&Answers(Err("no crypto"))));
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
                    &P1363Signature::from_header(SAMPLE_SIGNATURE).unwrap()
                );
                Ok(true)
            }
        }
        let report = block_on(signed(" [] ").verify(&Expects)).unwrap();
        assert!(report.tokens().is_empty());
    }

    #[test]
    fn githubs_sample_body_reads_as_one_token() {
        let report = read(SAMPLE_BODY).unwrap();
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
}
