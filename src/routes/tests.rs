use super::*;
use crate::oauth::metadata::{authorization_server_metadata, protected_resource_metadata};

const WRANGLER_TOML: &str = include_str!("../../wrangler.toml");

#[test]
fn no_template_is_written_twice() {
    let mut templates: Vec<_> = ROUTES.iter().map(|route| route.template).collect();
    templates.sort_unstable();
    let before = templates.len();
    templates.dedup();
    assert_eq!(templates.len(), before);
}

#[test]
fn a_known_path_and_method_finds_its_endpoint() {
    assert_eq!(
        route("GET", "/api/keys"),
        Routing::Found {
            endpoint: Endpoint::ListKeys,
            template: "/api/keys",
            param: None
        }
    );
    assert_eq!(
        route("POST", "/api/keys"),
        Routing::Found {
            endpoint: Endpoint::MintKey,
            template: "/api/keys",
            param: None
        }
    );
    assert_eq!(
        route("POST", "/signin"),
        Routing::Found {
            endpoint: Endpoint::SignIn,
            template: "/signin",
            param: None
        }
    );
}

#[test]
fn a_template_segment_captures_the_id() {
    assert_eq!(
        route("POST", "/api/keys/key_0123/revoke"),
        Routing::Found {
            endpoint: Endpoint::RevokeKey,
            template: "/api/keys/{id}/revoke",
            param: Some("key_0123"),
        }
    );
    assert_eq!(route("POST", "/api/keys//revoke"), Routing::NotFound);
    assert_eq!(route("POST", "/api/keys/a/b/revoke"), Routing::NotFound);
}

#[test]
fn a_known_path_with_another_method_is_a_405_naming_the_right_ones() {
    for (method, path, allow) in [
        ("DELETE", "/api/keys", "GET, POST"),
        ("GET", "/api/auth/login", "POST"),
        ("GET", "/api/keys/key_1/revoke", "POST"),
        ("POST", "/oauth/authorize", "GET"),
        ("PUT", "/api/oauth/consent", "GET, POST"),
        ("DELETE", "/signin", "GET, HEAD, POST"),
    ] {
        match route(method, path) {
            Routing::MethodNotAllowed { allow: actual, .. } => assert_eq!(actual, allow, "{path}"),
            other => panic!("{method} {path}: {other:?}"),
        }
    }
}

#[test]
fn mcp_takes_every_method_so_that_authentication_comes_first() {
    for method in ["GET", "POST", "DELETE", "PATCH"] {
        assert!(matches!(
            route(method, "/mcp"),
            Routing::Found {
                endpoint: Endpoint::Mcp,
                ..
            }
        ));
    }
}

#[test]
fn unknown_paths_are_not_found_and_logged_without_their_text() {
    for path in [
        "/",
        "/api",
        "/api/keys/",
        "/mcp/",
        "/oauth",
        "/api/keys/x/revoke/x",
    ] {
        let routing = route("GET", path);
        assert_eq!(routing, Routing::NotFound, "{path}");
        assert_eq!(routing.log_name(), "(unmatched)");
    }
    assert_eq!(
        route("POST", "/api/keys/key_secretish/revoke").log_name(),
        "/api/keys/{id}/revoke"
    );
}

/// The `run_worker_first` patterns of wrangler.toml.
fn run_worker_first() -> Vec<String> {
    let start = WRANGLER_TOML
        .find("run_worker_first = [")
        .expect("wrangler.toml lists run_worker_first");
    let list = &WRANGLER_TOML[start..];
    let list = &list[list.find('[').unwrap() + 1..list.find(']').unwrap()];
    list.split(',')
        .map(|item| item.trim().trim_matches('"').to_owned())
        .filter(|item| !item.is_empty())
        .collect()
}

/// Whether a `run_worker_first` pattern (a path, or a prefix ending in `/*`) covers every
/// path the template matches.
fn covers(pattern: &str, template: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => template.starts_with(prefix),
        None => pattern == template,
    }
}

#[test]
fn every_template_reaches_the_worker_before_the_static_assets() {
    let patterns = run_worker_first();
    assert!(patterns.len() >= 5, "{patterns:?}");
    for route in ROUTES {
        assert!(
            patterns
                .iter()
                .any(|pattern| covers(pattern, route.template)),
            "{} is not in run_worker_first {patterns:?}",
            route.template
        );
    }
}

#[test]
fn every_endpoint_the_discovery_documents_name_is_in_the_table() {
    let origin = "https://keys.example.com";
    let server = authorization_server_metadata(origin);
    let resource = protected_resource_metadata(origin, &format!("{origin}{MCP}"));
    let mut named = vec![resource["resource"].as_str().unwrap().to_owned()];
    for (field, value) in server.as_object().unwrap() {
        if field.ends_with("_endpoint") {
            named.push(value.as_str().unwrap().to_owned());
        }
    }
    assert!(named.len() >= 5, "{named:?}");
    for url in named {
        let path = url.strip_prefix(origin).expect("under the origin");
        let found = ["GET", "POST"]
            .iter()
            .any(|method| matches!(route(method, path), Routing::Found { .. }));
        assert!(found, "{url} is named but not routed");
    }
}

#[test]
fn the_path_cut_from_a_serialised_url_is_the_parsers_path() {
    let urls = [
        "http://127.0.0.1:8787/mcp",
        "https://keys.example.com/",
        "https://keys.example.com",
        "https://keys.example.com/api/keys/k_1?limit=5#top",
        "https://keys.example.com/.well-known/oauth-protected-resource/mcp?x=/y",
        "http://[::1]:8787/oauth/authorize?redirect_uri=https://a.example/cb",
        "https://user:pw@keys.example.com:8443/a/b/?#",
        "https://keys.example.com/%3F%23?q#f",
        "https://keys.example.com#frag",
        "https://keys.example.com?q=/a",
    ];
    for url in urls {
        let parsed = url::Url::parse(url).expect("a valid URL");
        // The runtime hands the Worker the serialised form.
        let serialised = parsed.as_str();
        assert_eq!(path_of(serialised), parsed.path(), "{serialised}");
    }
}
