//! What the consent page shows, and what protects the decision it posts. Pure rules, no
//! `worker` import; the handlers in `http::oauth` call them.
//!
//! The page leads with where the key will go, because that is the one thing an attacker
//! cannot fake: a registered client's name is whatever it typed, but its redirect URI is
//! where the code lands.

use serde_json::{json, Value};
use url::Url;

use super::redirect_uri::{RedirectKind, RedirectUri};
use crate::credentials::SessionHash;
use crate::crypto::sha256_hex;

/// Where an approved code is sent, as the consent page names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Destination {
    /// An `https` redirect: the web host (and port, when not the default).
    Web { host: String },
    /// A loopback redirect: a program on the user's own computer.
    ThisComputer,
    /// A private-use scheme (`vscode:`, `com.example.app:`): the app that opens such links.
    App { scheme: String },
}

impl Destination {
    /// Reads a redirect URI that passed the registration rules. Anything else (it cannot
    /// happen for a stored URI) is named by its full text rather than guessed at.
    pub fn of(redirect_uri: &str) -> Destination {
        let parsed = RedirectUri::parse(redirect_uri)
            .ok()
            .and_then(|uri| Some((uri.kind(), Url::parse(uri.as_str()).ok()?)));
        match parsed {
            Some((RedirectKind::Loopback, _)) => Destination::ThisComputer,
            Some((RedirectKind::Https, url)) => Destination::Web {
                host: match (url.host_str(), url.port()) {
                    (Some(host), Some(port)) => format!("{host}:{port}"),
                    (Some(host), None) => host.to_owned(),
                    (None, _) => redirect_uri.to_owned(),
                },
            },
            Some((RedirectKind::PrivateUse, url)) => Destination::App {
                scheme: url.scheme().to_owned(),
            },
            None => Destination::Web {
                host: redirect_uri.to_owned(),
            },
        }
    }

    /// The words the page and the error page use: "vscode.dev", "an app on this computer",
    /// "the app that opens vscode: links".
    pub fn label(&self) -> String {
        match self {
            Destination::Web { host } => host.clone(),
            Destination::ThisComputer => "an app on this computer".to_owned(),
            Destination::App { scheme } => format!("the app that opens {scheme}: links"),
        }
    }

    pub fn to_json(&self) -> Value {
        let kind = match self {
            Destination::Web { .. } => "web",
            Destination::ThisComputer => "this_computer",
            Destination::App { .. } => "app",
        };
        json!({ "kind": kind, "label": self.label() })
    }
}

/// The consent decision's CSRF token: derived from the session, so it needs no storage and
/// dies with the session.
pub fn consent_csrf_token(session_hash: &SessionHash) -> String {
    sha256_hex(format!("oauth-consent:{}", session_hash.as_str()).as_bytes())
}

#[cfg(test)]
mod tests;
