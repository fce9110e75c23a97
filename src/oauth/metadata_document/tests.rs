use serde_json::json;

use super::*;

const URL: &str = "https://client.example.com/oauth/client.json";

fn url() -> DocumentUrl {
    DocumentUrl::parse(URL, false).expect("a valid document URL")
}

fn document(fields: serde_json::Value) -> Vec<u8> {
    let mut base = json!({
        "client_id": URL,
        "client_name": "Example MCP client",
        "redirect_uris": ["http://127.0.0.1/callback", "https://client.example.com/cb"],
        "token_endpoint_auth_method": "none",
        "grant_types": ["authorization_code", "refresh_token"],
        "response_types": ["code"],
    });
    for (name, value) in fields.as_object().expect("an object") {
        base[name] = value.clone();
    }
    serde_json::to_vec(&base).expect("serialisable")
}

fn parse(body: &[u8]) -> Result<ClientDocument, DocumentError> {
    parse_document(&url(), 200, Some("application/json"), body)
}

#[test]
fn https_urls_with_a_path_are_document_urls() {
    for raw in [
        URL,
        "https://vscode.dev/oauth/client-metadata.json",
        "https://claude.ai/oauth/mcp-oauth-client-metadata",
        "https://client.example.com:8443/metadata",
    ] {
        assert!(DocumentUrl::parse(raw, false).is_ok(), "{raw}");
    }
}

#[test]
fn the_host_vouching_for_the_client_includes_a_non_default_port() {
    assert_eq!(url().host(), "client.example.com");
    let with_port = DocumentUrl::parse("https://client.example.com:8443/m", false).unwrap();
    assert_eq!(with_port.host(), "client.example.com:8443");
}

#[test]
fn urls_that_break_the_drafts_rules_are_refused() {
    use DocumentUrlError::*;
    for (raw, error) in [
        ("http://client.example.com/c.json", NotCanonicalHttps),
        ("https://client.example.com", NoPath),
        ("https://client.example.com/", NoPath),
        ("https://client.example.com/c.json?v=1", ExtraParts),
        ("https://client.example.com/c.json#x", ExtraParts),
        ("https://user:pw@client.example.com/c.json", ExtraParts),
        ("https://client.example.com/a/../c.json", NotCanonicalHttps),
        ("https://client.example.com/./c.json", NotCanonicalHttps),
        (
            "https://client.example.com/%2e%2e/c.json",
            NotCanonicalHttps,
        ),
        ("https://Client.Example.com/c.json", NotCanonicalHttps),
        ("https://client.example.com:443/c.json", NotCanonicalHttps),
        ("https://client.example.com/c json", NotCanonicalHttps),
        ("https:client.example.com/c.json", NotCanonicalHttps),
        ("ftp://client.example.com/c.json", NotCanonicalHttps),
        ("https://127.0.0.1/c.json", NotPublicHost),
        ("https://10.0.0.8/c.json", NotPublicHost),
        ("https://[::1]/c.json", NotPublicHost),
        ("https://169.254.169.254/latest", NotPublicHost),
        ("https://localhost/c.json", NotPublicHost),
        ("https://intranet/c.json", NotPublicHost),
        ("https://metadata.google.internal/c", NotPublicHost),
        ("https://printer.local/c", NotPublicHost),
        ("https://0x7f.0.0.1/c.json", NotCanonicalHttps),
    ] {
        assert_eq!(DocumentUrl::parse(raw, false), Err(error), "{raw}");
    }
}

#[test]
fn loopback_http_documents_need_the_insecure_loopback_switch_and_a_port() {
    for raw in [
        "http://127.0.0.1:4321/client.json",
        "http://localhost:4321/client.json",
    ] {
        assert!(
            DocumentUrl::parse(raw, false).is_err(),
            "{raw} without the switch"
        );
        let parsed = DocumentUrl::parse(raw, true).expect("allowed with the switch");
        assert!(parsed.host().ends_with(":4321"));
    }
    for raw in [
        "http://127.0.0.1/client.json",
        "http://10.0.0.1:80/client.json",
        "http://127.0.0.2:4321/client.json",
        "http://[::1]:4321/client.json",
        "http://example.com:4321/client.json",
    ] {
        assert!(DocumentUrl::parse(raw, true).is_err(), "{raw}");
    }
}

#[test]
fn the_internal_id_is_stable_and_a_client_id() {
    let id = url().internal_id();
    assert_eq!(id, url().internal_id());
    assert_eq!(ClientId::parse(id.as_str()), Some(id.clone()));
    let other = DocumentUrl::parse("https://client.example.com/other.json", false).unwrap();
    assert_ne!(id, other.internal_id());
}

#[test]
fn a_complete_document_is_accepted() {
    let parsed = parse(&document(json!({}))).expect("valid");
    assert_eq!(parsed.client_name, "Example MCP client");
    let uris: Vec<_> = parsed
        .redirect_uris
        .iter()
        .map(RedirectUri::as_str)
        .collect();
    assert_eq!(
        uris,
        ["http://127.0.0.1/callback", "https://client.example.com/cb"]
    );
}

#[test]
fn a_document_without_a_name_is_named_by_its_host() {
    let body = document(json!({ "client_name": null }));
    assert_eq!(parse(&body).unwrap().client_name, "client.example.com");
}

#[test]
fn a_document_without_an_auth_method_is_public() {
    let body = document(json!({ "token_endpoint_auth_method": null }));
    assert!(parse(&body).is_ok());
}

#[test]
fn a_document_must_name_its_own_url() {
    for client_id in [
        json!("https://client.example.com/oauth/other.json"),
        json!("https://client.example.com/oauth/client.json/"),
        json!("HTTPS://client.example.com/oauth/client.json"),
        json!(null),
        json!(5),
    ] {
        let body = document(json!({ "client_id": client_id.clone() }));
        assert_eq!(
            parse(&body),
            Err(DocumentError::ClientIdMismatch),
            "{client_id}"
        );
    }
}

#[test]
fn secret_based_and_unknown_auth_methods_are_refused() {
    for method in [
        "client_secret_basic",
        "client_secret_post",
        "private_key_jwt",
    ] {
        let body = document(json!({ "token_endpoint_auth_method": method }));
        assert_eq!(
            parse(&body),
            Err(DocumentError::NotPublicClient),
            "{method}"
        );
    }
}

#[test]
fn registration_rules_apply_to_the_document() {
    for fields in [
        json!({ "redirect_uris": [] }),
        json!({ "redirect_uris": ["http://evil.example/cb"] }),
        json!({ "redirect_uris": ["javascript:alert(1)"] }),
        json!({ "client_name": "Claude\u{202e}" }),
        json!({ "grant_types": ["client_credentials"] }),
        json!({ "response_types": ["token"] }),
    ] {
        assert!(
            matches!(
                parse(&document(fields.clone())),
                Err(DocumentError::Invalid(_))
            ),
            "{fields}"
        );
    }
}

#[test]
fn only_a_200_json_object_within_the_size_limit_is_read() {
    let good = document(json!({}));
    let u = url();
    assert_eq!(
        parse_document(&u, 404, Some("application/json"), &good),
        Err(DocumentError::Status(404))
    );
    assert_eq!(
        parse_document(&u, 302, Some("application/json"), &good),
        Err(DocumentError::Status(302))
    );
    for content_type in [
        None,
        Some("text/html"),
        Some("application/jsonx"),
        Some("application/+json"),
    ] {
        assert_eq!(
            parse_document(&u, 200, content_type, &good),
            Err(DocumentError::NotJson),
            "{content_type:?}"
        );
    }
    for content_type in [
        "application/json; charset=utf-8",
        "Application/JSON",
        "application/oauth-client+json",
    ] {
        assert!(
            parse_document(&u, 200, Some(content_type), &good).is_ok(),
            "{content_type}"
        );
    }
    assert_eq!(parse(b"[1,2]"), Err(DocumentError::NotJson));
    assert_eq!(parse(b"{not json"), Err(DocumentError::NotJson));
    let padded = document(json!({ "padding": "x".repeat(MAX_DOCUMENT_BYTES) }));
    assert_eq!(parse(&padded), Err(DocumentError::TooLarge));
}

#[test]
fn the_cache_follows_max_age_within_bounds() {
    assert_eq!(cache_ttl_ms(None), DEFAULT_CACHE_MS);
    assert_eq!(cache_ttl_ms(Some("public, max-age=3600")), 3_600_000);
    assert_eq!(cache_ttl_ms(Some("max-age=7200, s-maxage=600")), 600_000);
    assert_eq!(cache_ttl_ms(Some("max-age=10")), MIN_CACHE_MS);
    assert_eq!(
        cache_ttl_ms(Some("max-age=99999999999999999")),
        MAX_CACHE_MS
    );
    assert_eq!(
        cache_ttl_ms(Some("max-age=999999999999999999999")),
        DEFAULT_CACHE_MS
    );
    assert_eq!(cache_ttl_ms(Some("max-age=9999999")), MAX_CACHE_MS);
    assert_eq!(cache_ttl_ms(Some("no-store")), MIN_CACHE_MS);
    assert_eq!(cache_ttl_ms(Some("No-Cache, max-age=600")), MIN_CACHE_MS);
    assert_eq!(cache_ttl_ms(Some("max-age=\"600\"")), 600_000);
    assert_eq!(cache_ttl_ms(Some("max-age=-5")), MIN_CACHE_MS);
    assert_eq!(cache_ttl_ms(Some("garbage")), DEFAULT_CACHE_MS);
}

#[test]
fn non_ascii_host_names_are_refused() {
    for raw in [
        "https://bücher.example/c.json",
        "https://xn--bcher-kva.example\u{200b}/c.json",
    ] {
        assert!(DocumentUrl::parse(raw, false).is_err(), "{raw}");
    }
    assert!(DocumentUrl::parse("https://xn--bcher-kva.example/c.json", false).is_ok());
}
