use super::*;

fn kind_of(raw: &str) -> Result<RedirectKind, RedirectUriError> {
    RedirectUri::parse(raw).map(|uri| uri.kind())
}

#[test]
fn https_redirects_of_real_mcp_clients_are_accepted() {
    for uri in [
        "https://claude.ai/api/mcp/auth_callback",
        "https://vscode.dev/redirect",
        "https://insiders.vscode.dev/redirect",
        "https://example.com/cb?tenant=a&x=1",
        "https://example.com:8443/cb",
        "https://example.com",
    ] {
        assert_eq!(kind_of(uri), Ok(RedirectKind::Https), "{uri}");
    }
}

#[test]
fn the_uri_is_kept_exactly_as_sent() {
    let raw = "https://Example.com:443/A%2fb?Q=1";
    assert_eq!(RedirectUri::parse(raw).unwrap().as_str(), raw);
}

#[test]
fn loopback_http_redirects_are_accepted_with_or_without_a_port() {
    for uri in [
        "http://127.0.0.1:33418/",
        "http://127.0.0.1:33418",
        "http://127.0.0.1/callback",
        "http://127.10.0.254:1/cb",
        "http://[::1]:61023/oauth2redirect/example-provider",
        "http://[::1]/cb",
        "http://localhost:54321/callback",
        "http://localhost:0/callback",
        "http://localhost/oauth/callback?x=1",
    ] {
        assert_eq!(kind_of(uri), Ok(RedirectKind::Loopback), "{uri}");
    }
}

#[test]
fn http_on_any_other_host_is_refused() {
    for uri in [
        "http://example.com/cb",
        "http://192.168.1.10/cb",
        "http://10.0.0.1:8080/cb",
        "http://[::2]/cb",
        "http://localhost.example.com/cb",
        "http://127.0.0.1.nip.io/cb",
        "http://localhost./cb",
        "http://0.0.0.0:8080/cb",
    ] {
        assert_eq!(
            kind_of(uri),
            Err(RedirectUriError::HttpNotLoopback),
            "{uri}"
        );
    }
}

#[test]
fn loopback_addresses_in_unusual_spellings_are_refused() {
    for uri in [
        "http://127.1/cb",
        "http://0x7f.0.0.1/cb",
        "http://0177.0.0.1/cb",
        "http://2130706433/cb",
        "http://127.000.000.001/cb",
        "http://127.0.0.256/cb",
        "http://[0:0:0:0:0:0:0:1]/cb",
        "http:/127.0.0.1/cb",
        "http:127.0.0.1/cb",
    ] {
        assert!(RedirectUri::parse(uri).is_err(), "accepted {uri}");
    }
}

#[test]
fn https_must_be_spelled_with_a_host() {
    assert_eq!(
        kind_of("https:/example.com/cb"),
        Err(RedirectUriError::HttpsWithoutHost)
    );
    assert_eq!(
        kind_of("https:example.com/cb"),
        Err(RedirectUriError::HttpsWithoutHost)
    );
}

#[test]
fn reverse_domain_private_schemes_are_accepted() {
    for uri in [
        "com.example.app:/callback",
        "com.example.app:/oauth2redirect/example-provider",
        "com.example.app://callback",
        "io.modelcontextprotocol.inspector:/cb?x=1",
    ] {
        assert_eq!(kind_of(uri), Ok(RedirectKind::PrivateUse), "{uri}");
    }
}

#[test]
fn the_known_editor_schemes_are_accepted() {
    for uri in [
        "cursor://anysphere.cursor-mcp/oauth/callback",
        "vscode://vscode.github-authentication/did-authenticate",
        "vscode-insiders://vscode.github-authentication/did-authenticate",
    ] {
        assert_eq!(kind_of(uri), Ok(RedirectKind::PrivateUse), "{uri}");
    }
}

#[test]
fn other_private_schemes_without_a_dot_are_refused() {
    assert_eq!(
        kind_of("myapp://callback"),
        Err(RedirectUriError::UnrecognisedScheme("myapp".into()))
    );
}

#[test]
fn private_schemes_need_a_path() {
    assert_eq!(
        kind_of("com.example.app:callback"),
        Err(RedirectUriError::NoPath)
    );
}

#[test]
fn dangerous_schemes_are_refused_by_name() {
    for (uri, scheme) in [
        ("javascript:alert(1)", "javascript"),
        ("JavaScript:alert(1)", "javascript"),
        ("data:text/html,hi", "data"),
        ("file:///etc/passwd", "file"),
        ("vbscript:msgbox(1)", "vbscript"),
        ("blob:https://example.com/uuid", "blob"),
        ("about:blank", "about"),
        ("wss://example.com/cb", "wss"),
        ("ftp://example.com/cb", "ftp"),
        ("mailto:a@example.com", "mailto"),
    ] {
        assert_eq!(
            kind_of(uri),
            Err(RedirectUriError::ForbiddenScheme(scheme.into())),
            "{uri}"
        );
    }
}

#[test]
fn fragments_are_refused() {
    assert_eq!(
        kind_of("https://example.com/cb#x"),
        Err(RedirectUriError::Fragment)
    );
    assert_eq!(
        kind_of("https://example.com/cb#"),
        Err(RedirectUriError::Fragment)
    );
    assert_eq!(
        kind_of("http://127.0.0.1/cb#x"),
        Err(RedirectUriError::Fragment)
    );
}

#[test]
fn userinfo_is_refused() {
    for uri in [
        "https://user@example.com/cb",
        "https://user:pass@example.com/cb",
        "https://:pass@example.com/cb",
        "http://evil.com@127.0.0.1/cb",
        "cursor://user@anysphere.cursor-mcp/cb",
    ] {
        assert_eq!(kind_of(uri), Err(RedirectUriError::Userinfo), "{uri}");
    }
}

#[test]
fn relative_and_malformed_uris_are_refused() {
    for uri in [
        "",
        "/callback",
        "callback",
        "//example.com/cb",
        "https://",
        "https://exa mple.com",
    ] {
        assert!(RedirectUri::parse(uri).is_err(), "accepted {uri:?}");
    }
    assert_eq!(kind_of("/callback"), Err(RedirectUriError::NotAbsolute));
}

#[test]
fn characters_the_url_parser_would_silently_rewrite_are_refused() {
    for uri in [
        "https://example.com/c\tb",
        "https://example.com/c\nb",
        " https://example.com/cb",
        "https://example.com/cb ",
        "https://example.com\\@evil.com/cb",
        "http://127.0.0.1\\@evil.com/cb",
        "https://example.com/é",
        "https://exämple.com/cb",
        "https://example.com/\"><script>",
        "https://example.com/%zz",
        "https://example.com/%4",
    ] {
        assert_eq!(
            kind_of(uri),
            Err(RedirectUriError::InvalidCharacters),
            "{uri:?}"
        );
    }
}

#[test]
fn overly_long_uris_are_refused() {
    let base = "https://example.com/";
    let ok = format!("{base}{}", "a".repeat(MAX_REDIRECT_URI_LEN - base.len()));
    assert!(RedirectUri::parse(&ok).is_ok());
    let long = format!("{ok}a");
    assert_eq!(kind_of(&long), Err(RedirectUriError::TooLong));
}

#[test]
fn every_error_explains_itself() {
    let description = RedirectUriError::HttpNotLoopback.to_string();
    assert!(description.contains("loopback"));
    assert!(RedirectUriError::UnrecognisedScheme("myapp".into())
        .to_string()
        .contains("myapp"));
}

#[test]
fn identical_uris_match() {
    for uri in [
        "https://claude.ai/api/mcp/auth_callback",
        "com.example.app:/cb",
        "http://127.0.0.1:1234/cb",
    ] {
        assert!(matches(uri, uri), "{uri}");
    }
}

#[test]
fn https_uris_must_match_character_for_character() {
    let registered = "https://example.com/cb";
    for presented in [
        "https://example.com/cb/",
        "https://example.com/CB",
        "https://EXAMPLE.com/cb",
        "https://example.com:443/cb",
        "https://example.com/cb?x=1",
        "https://example.com/c%62",
        "https://example.com:8443/cb",
        "https://example.com/cb#frag",
        "http://example.com/cb",
    ] {
        assert!(!matches(registered, presented), "{presented}");
    }
}

#[test]
fn loopback_redirects_may_use_any_port() {
    assert!(matches("http://127.0.0.1/cb", "http://127.0.0.1:51004/cb"));
    assert!(matches("http://127.0.0.1:33418/", "http://127.0.0.1:5000/"));
    assert!(matches(
        "http://[::1]:1/cb?a=b",
        "http://[::1]:61023/cb?a=b"
    ));
    assert!(matches(
        "http://localhost:0/callback",
        "http://localhost:35535/callback"
    ));
    assert!(matches(
        "http://localhost:35535/callback",
        "http://localhost/callback"
    ));
}

#[test]
fn an_empty_loopback_path_is_the_root_path() {
    assert!(matches("http://127.0.0.1:33418", "http://127.0.0.1:5000/"));
    assert!(matches("http://127.0.0.1:33418/", "http://127.0.0.1:5000"));
    assert!(matches(
        "http://127.0.0.1:33418?x=1",
        "http://127.0.0.1:5000/?x=1"
    ));
}

#[test]
fn loopback_redirects_must_keep_host_path_and_query() {
    let registered = "http://127.0.0.1:8080/cb?a=b";
    for presented in [
        "http://localhost:8080/cb?a=b",
        "http://[::1]:8080/cb?a=b",
        "http://127.0.0.2:8080/cb?a=b",
        "http://127.0.0.1:8080/cb",
        "http://127.0.0.1:8080/cb?a=c",
        "http://127.0.0.1:8080/other?a=b",
        "http://127.0.0.1:8080/cb?a=b#x",
        "https://127.0.0.1:8080/cb?a=b",
        "http://127.0.0.1:8080@evil.com/cb?a=b",
    ] {
        assert!(!matches(registered, presented), "{presented}");
    }
}

#[test]
fn a_presented_port_must_be_a_real_port_number() {
    let registered = "http://127.0.0.1/cb";
    for presented in [
        "http://127.0.0.1:/cb",
        "http://127.0.0.1:65536/cb",
        "http://127.0.0.1:123456/cb",
        "http://127.0.0.1:80a/cb",
        "http://127.0.0.1:-1/cb",
        "http://127.0.0.1: 80/cb",
    ] {
        assert!(!matches(registered, presented), "{presented}");
    }
    assert!(matches(registered, "http://127.0.0.1:65535/cb"));
}

#[test]
fn only_loopback_redirects_get_port_freedom() {
    assert!(!matches(
        "https://localhost/cb",
        "https://localhost:8443/cb"
    ));
    assert!(!matches(
        "com.example.app://host/cb",
        "com.example.app://host:1/cb"
    ));
    assert!(!matches(
        "http://example.com/cb",
        "http://example.com:8080/cb"
    ));
}
