use super::*;

fn url(raw: &str) -> Url {
    Url::parse(raw).expect("a URL")
}

#[test]
fn without_a_configured_origin_loopback_hosts_are_served_under_their_own_origin() {
    for (request, origin) in [
        ("http://127.0.0.1:8787/api/me", "http://127.0.0.1:8787"),
        ("http://localhost:8787/mcp", "http://localhost:8787"),
        ("http://[::1]:8787/mcp", "http://[::1]:8787"),
        ("http://127.0.0.1/mcp", "http://127.0.0.1"),
    ] {
        let public = PublicOrigin::for_request(None, &url(request)).expect(request);
        assert_eq!(public.as_str(), origin);
        assert!(!public.is_https());
    }
}

#[test]
fn a_rebound_host_name_is_refused_without_a_configured_origin() {
    for request in [
        "http://evil.example:8787/api/auth/login",
        "http://evil.example/mcp",
        "http://127.0.0.1.evil.example:8787/mcp",
        "http://localhost.evil.example:8787/mcp",
        "http://10.0.0.5:8787/mcp",
        "http://keys.example.com/mcp",
    ] {
        assert_eq!(
            PublicOrigin::for_request(None, &url(request)),
            Err(HostRefused::NotLoopback),
            "{request}"
        );
        assert_eq!(
            PublicOrigin::for_request(Some("  "), &url(request)),
            Err(HostRefused::NotLoopback),
            "{request} with a blank PUBLIC_ORIGIN"
        );
    }
}

#[test]
fn a_configured_origin_admits_exactly_its_host_and_port() {
    let configured = Some("https://keys.example.com/");
    for request in [
        "https://keys.example.com/mcp",
        "http://keys.example.com/mcp",
        "https://KEYS.example.com/api/me",
    ] {
        let public = PublicOrigin::for_request(configured, &url(request)).expect(request);
        assert_eq!(public.as_str(), "https://keys.example.com");
        assert!(public.is_https());
    }
    for request in [
        "http://127.0.0.1:8787/mcp",
        "https://evil.example/mcp",
        "https://keys.example.com:8443/mcp",
        "https://keys.example.com.evil.example/mcp",
    ] {
        assert_eq!(
            PublicOrigin::for_request(configured, &url(request)),
            Err(HostRefused::NotTheConfiguredHost),
            "{request}"
        );
    }
}

#[test]
fn a_configured_port_must_be_the_requests_port() {
    let configured = Some("http://portal.internal:9000");
    assert!(PublicOrigin::for_request(configured, &url("http://portal.internal:9000/x")).is_ok());
    assert!(PublicOrigin::for_request(configured, &url("http://portal.internal/x")).is_err());
}

#[test]
fn a_configured_value_that_is_not_an_origin_refuses_everything() {
    for configured in [
        "keys.example.com",
        "https://keys.example.com/portal",
        "ftp://keys.example.com",
        "https://user@keys.example.com",
    ] {
        assert_eq!(
            PublicOrigin::for_request(Some(configured), &url("https://keys.example.com/mcp")),
            Err(HostRefused::MisconfiguredOrigin),
            "{configured}"
        );
    }
}

/// `for_request_url` must decide exactly as `for_request` on the parsed URL.
fn assert_same_decision(configured: Option<&str>, request: &str) {
    let Ok(parsed) = Url::parse(request) else {
        return;
    };
    // The runtime hands us serialised URLs.
    let serialised = parsed.as_str();
    assert_eq!(
        PublicOrigin::for_request_url(configured, serialised),
        PublicOrigin::for_request(configured, &parsed),
        "{configured:?} {serialised}"
    );
}

#[test]
fn the_fast_host_check_decides_as_the_full_parse() {
    let configured = [
        None,
        Some(""),
        Some("https://keys.example.com"),
        Some("https://keys.example.com/"),
        Some("http://portal.internal:9000"),
        Some("https://keys.example.com/portal"),
        Some("https://user@keys.example.com"),
        Some("http://127.0.0.1:8787"),
        Some("http://1.2.3.4."),
        Some("HTTPS://Keys.Example.com"),
        Some("https://keys.example.com:443"),
    ];
    let requests = [
        "http://127.0.0.1:8787/mcp",
        "http://127.0.0.1/mcp?x=1",
        "http://127.1:8787/mcp",
        "http://127.0.0.1.:8787/mcp",
        "http://127.000.0.1:8787/mcp",
        "http://127.0.0.256:8787/mcp",
        "http://127.255.255.254/mcp",
        "http://127.0.0.1.2/mcp",
        "http://1.2.3.4/mcp",
        "http://localhost:8787/",
        "http://LOCALHOST:8787/",
        "http://[::1]:8787/mcp",
        "http://[0:0::1]/mcp",
        "http://[::2]:8787/mcp",
        "http://10.0.0.5:8787/mcp",
        "http://0x7f.0.0.1:8787/mcp",
        "http://evil.example:8787/api",
        "http://localhost.evil.example/mcp",
        "https://keys.example.com/mcp",
        "http://keys.example.com/mcp",
        "https://keys.example.com:443/mcp",
        "http://keys.example.com:443/mcp",
        "https://keys.example.com:8443/mcp",
        "https://KEYS.example.com/api/me",
        "https://keys.example.com./mcp",
        "https://user:pw@keys.example.com/mcp",
        "http://portal.internal:9000/x",
        "http://portal.internal:09000/x",
        "http://portal.internal/x",
        "http://1.2.3.4./x",
        "http://xn--nxasmq6b.example/x",
        "https://bücher.example/x",
    ];
    for configured in configured {
        for request in requests {
            assert_same_decision(configured, request);
        }
    }
}

proptest::proptest! {
    #[test]
    fn the_fast_host_check_decides_as_the_full_parse_for_any_host(
        scheme in "https?",
        host in "[a-zA-Z0-9.:\\[\\]-]{1,20}",
        port in proptest::option::of(0u32..70000),
        configured in proptest::option::of("https?://[a-z0-9.-]{1,12}(:[0-9]{1,5})?/?"),
    ) {
        let port = port.map(|port| format!(":{port}")).unwrap_or_default();
        assert_same_decision(configured.as_deref(), &format!("{scheme}://{host}{port}/mcp"));
        assert_same_decision(Some("http://localhost:8787"), &format!("{scheme}://{host}{port}/mcp"));
    }
}
