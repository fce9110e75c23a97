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

/// How long an isolate keeps GitHub's fetched keys before asking again.
pub const KEYS_TTL_MS: i64 = 60 * 60 * 1000;
/// A report naming a key identifier we do not have makes us fetch GitHub's keys again (it
/// rotates them), but at most this often. Otherwise anyone could turn every forged report
/// into a request to GitHub's API, and get this Worker's address rate-limited there, which
/// would stop genuine reports from being verified.
pub const MIN_REFETCH_INTERVAL_MS: i64 = 5 * 60 * 1000;

/// Whether keys fetched at `fetched_at` still serve at `now`: for an hour, and when a report
/// named a key they lack (`unknown_key_named`), only if they are too fresh to fetch again.
pub fn fetched_keys_serve(fetched_at: i64, now: i64, unknown_key_named: bool) -> bool {
    let age = now - fetched_at;
    if unknown_key_named {
        age < MIN_REFETCH_INTERVAL_MS
    } else {
        age < KEYS_TTL_MS
    }
}
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
mod fixtures;
#[cfg(test)]
mod tests;
