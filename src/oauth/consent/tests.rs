use super::*;

#[test]
fn a_web_redirect_is_named_by_its_host() {
    assert_eq!(
        Destination::of("https://vscode.dev/redirect").label(),
        "vscode.dev"
    );
    assert_eq!(
        Destination::of("https://claude.ai:8443/api/mcp/auth_callback").label(),
        "claude.ai:8443"
    );
}

#[test]
fn a_loopback_redirect_is_an_app_on_this_computer_whatever_its_port() {
    for uri in [
        "http://127.0.0.1:33418/callback",
        "http://localhost/cb",
        "http://[::1]:5000/",
    ] {
        assert_eq!(Destination::of(uri), Destination::ThisComputer, "{uri}");
    }
    assert_eq!(Destination::ThisComputer.label(), "an app on this computer");
}

#[test]
fn an_app_redirect_is_named_by_its_scheme_not_its_host() {
    assert_eq!(
        Destination::of("cursor://anysphere.cursor-mcp/oauth/callback").label(),
        "the app that opens cursor: links"
    );
    assert_eq!(
        Destination::of("com.example.app:/callback"),
        Destination::App {
            scheme: "com.example.app".into()
        }
    );
}

#[test]
fn the_json_names_the_kind_and_the_words() {
    let json = Destination::of("http://127.0.0.1:1/cb").to_json();
    assert_eq!(json["kind"], "this_computer");
    assert_eq!(json["label"], "an app on this computer");
}

#[test]
fn the_csrf_token_depends_on_the_session() {
    assert_ne!(
        consent_csrf_token(&SessionHash::of(b"a")),
        consent_csrf_token(&SessionHash::of(b"b"))
    );
    assert_eq!(
        consent_csrf_token(&SessionHash::of(b"a")),
        consent_csrf_token(&SessionHash::of(b"a"))
    );
}
