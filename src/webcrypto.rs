//! The platform's WebCrypto (`crypto.subtle`) for what would cost the bundle a Rust crate:
//! ECDSA P-256 verification, for GitHub's secret scanning reports. Measured in the release
//! bundle: verifying with the `p256` crate adds about 12 KB gzipped (26 KB raw), this glue
//! about 2.5 KB; the bundle is the cold start, and workerd already carries the curve.
//!
//! Only works inside the Worker: on the host these calls panic (as every `worker` call
//! does), so host tests use their own [`SignatureVerifier`].

use js_sys::{Array, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{CryptoKey, EcKeyImportParams, EcdsaParams, SubtleCrypto, WorkerGlobalScope};

use crate::secret_scanning::{P1363Signature, SignatureVerifier};

/// Whether `signature_p1363` (`r || s`, WebCrypto's form) is a valid ECDSA P-256 / SHA-256
/// signature of `message` by the key in `spki_der` (a DER `SubjectPublicKeyInfo`).
///
/// `Ok(false)` is a signature that does not match; `Err` is a failure to check at all,
/// such as a key WebCrypto refuses to import (workerd: `DataError: Invalid SPKI input.`
/// for a point not on the curve).
pub async fn verify_p256_sha256(
    spki_der: &[u8],
    message: &[u8],
    signature_p1363: &[u8; 64],
) -> worker::Result<bool> {
    let subtle = subtle_crypto()?;

    let import_params = EcKeyImportParams::new("ECDSA");
    import_params.set_named_curve("P-256");
    let usages = Array::of1(&JsValue::from_str("verify"));
    let key_data = Uint8Array::from(spki_der);
    let import =
        subtle.import_key_with_object("spki", &key_data, &import_params, false, &usages)?;
    let key: CryptoKey = JsFuture::from(import).await?.unchecked_into();

    // `verify` copies the bytes of `signature` and `message` before it returns its promise
    // (the WebCrypto spec's first steps), so views into the WASM memory are enough.
    let verify_params = EcdsaParams::new_with_str("ECDSA", "SHA-256");
    let verification = subtle.verify_with_object_and_u8_array_and_u8_array(
        &verify_params,
        &key,
        signature_p1363,
        message,
    )?;
    JsFuture::from(verification)
        .await?
        .as_bool()
        .ok_or_else(|| {
            worker::Error::RustError("crypto.subtle.verify did not answer a boolean".into())
        })
}

/// `globalThis.crypto.subtle`. The global is cast unchecked, as the `worker` crate does
/// for `caches` and `fetch`: the `crypto` getter is looked up by name, whatever workerd
/// calls the global scope's class.
fn subtle_crypto() -> worker::Result<SubtleCrypto> {
    let global: WorkerGlobalScope = js_sys::global().unchecked_into();
    Ok(global.crypto()?.subtle())
}

/// [`verify_p256_sha256`] as the verifier `SignedReport::verify` takes.
pub struct WebCrypto;

impl SignatureVerifier for WebCrypto {
    type Error = worker::Error;

    async fn verify(
        &self,
        spki_der: &[u8],
        message: &[u8],
        signature: &P1363Signature,
    ) -> worker::Result<bool> {
        verify_p256_sha256(spki_der, message, signature.as_bytes()).await
    }
}
