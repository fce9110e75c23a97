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

#[test]
fn the_site_is_the_scheme_and_authority() {
    for (url, site) in [
        ("http://127.0.0.1:8787/mcp?x=1", "http://127.0.0.1:8787"),
        ("https://keys.example.com/", "https://keys.example.com"),
        ("https://keys.example.com", "https://keys.example.com"),
        ("https://keys.example.com?q", "https://keys.example.com"),
        ("https://keys.example.com#f", "https://keys.example.com"),
        ("https://keys.example.com\\mcp", "https://keys.example.com"),
        ("http://user:pw@[::1]:8787/a/b", "http://user:pw@[::1]:8787"),
    ] {
        assert_eq!(site_of(url), site, "{url}");
    }
}

/// Every pair of these, in every order, through one memo per configured value: the same
/// answers as the rule applied to each request alone, so a remembered answer never
/// outlives its host.
#[test]
fn the_memo_answers_what_the_rule_answers_whatever_came_before() {
    let configured = [
        None,
        Some(""),
        Some("https://keys.example.com/"),
        Some("http://127.0.0.1:8787"),
        Some("ftp://x"),
    ];
    let requests = [
        "http://127.0.0.1:8787/mcp",
        "http://127.0.0.1:8787/api/me?x=1",
        "http://127.0.0.1:8788/mcp",
        "http://localhost:8787/mcp",
        "http://evil.example:8787/mcp",
        "https://keys.example.com/mcp",
        "https://KEYS.example.com/mcp",
        "http://keys.example.com/mcp",
        "https://keys.example.com:8443/mcp",
        "http://[::1]:8787/mcp",
    ];
    for with in configured {
        let mut memo = OriginMemo::new(with.map(str::to_owned));
        for first in requests {
            for second in requests {
                for request in [first, second] {
                    assert_eq!(
                        memo.for_request(request),
                        PublicOrigin::for_request(with, &url(request)),
                        "{request} with {with:?}, after {first}"
                    );
                }
            }
        }
    }
}

#[test]
fn a_url_that_does_not_parse_is_no_host_of_ours() {
    assert_eq!(
        OriginMemo::new(None).for_request("http://[::1/mcp"),
        Err(HostRefused::NotLoopback)
    );
    assert_eq!(
        OriginMemo::new(Some("https://keys.example.com".into())).for_request("http://[::1/mcp"),
        Err(HostRefused::NotTheConfiguredHost)
    );
}
