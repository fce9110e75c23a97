//! Every route the Worker answers, written once: its path template, the methods it takes
//! and the endpoint that handles them. Dispatch, the 404, the 405 with its `Allow`, and
//! the route name in the request log all come from this table; the discovery documents
//! take their paths from it too. Pure (no `worker` import): `http::dispatch` maps each
//! endpoint to its handler (an exhaustive match, so a new endpoint cannot go unhandled),
//! and host tests check that `wrangler.toml` lets every template reach the Worker.

/// The endpoints, one per handler.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    /// `/mcp` takes any method: a request is authenticated before its method is judged,
    /// so a client without a key learns where to get one whatever it sent.
    Mcp,
    ProtectedResource,
    OriginProtectedResource,
    AuthorizationServerMetadata,
    Register,
    Authorize,
    Token,
    Revoke,
    ConsentDetails,
    ConsentDecision,
    SignUp,
    SignIn,
    SignOut,
    Me,
    ListKeys,
    MintKey,
    RevokeKey,
    /// The sign-in and sign-up pages, passed through so their forms can post to them.
    AuthPage,
    /// The signed-in user's activity log.
    Activity,
    /// Keys revoked automatically since the user last looked, and dismissing that notice.
    RevocationNotice,
    DismissRevocationNotice,
    /// GitHub's secret scanning reports of our keys found in public.
    LeakReport,
    /// `make bench`'s D1-only baseline, answered only with `BENCH_ROUTES=1`.
    BenchLookup,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Head,
    Post,
    /// Any method at all (only `/mcp`).
    Any,
}

impl Method {
    fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Head => "HEAD",
            Method::Post => "POST",
            Method::Any => "*",
        }
    }

    fn accepts(self, method: &str) -> bool {
        self == Method::Any || self.as_str() == method
    }
}

pub struct Route {
    /// A path; a `{name}` segment matches any one non-empty segment.
    pub template: &'static str,
    pub methods: &'static [(Method, Endpoint)],
}

pub const MCP: &str = "/mcp";
pub const PROTECTED_RESOURCE: &str = "/.well-known/oauth-protected-resource/mcp";
pub const ORIGIN_PROTECTED_RESOURCE: &str = "/.well-known/oauth-protected-resource";
pub const AUTHORIZATION_SERVER_METADATA: &str = "/.well-known/oauth-authorization-server";
pub const REGISTER: &str = "/oauth/register";
pub const AUTHORIZE: &str = "/oauth/authorize";
pub const TOKEN: &str = "/oauth/token";
pub const REVOKE: &str = "/oauth/revoke";
pub const CONSENT: &str = "/api/oauth/consent";
pub const SIGN_IN_PAGE: &str = "/signin";
pub const SIGN_UP_PAGE: &str = "/signup";
pub const LEAK_REPORT: &str = "/api/secret-scanning/github";
pub const BENCH_LOOKUP: &str = "/api/bench/d1-lookup";

use Endpoint as E;
use Method::{Any, Get, Head, Post};

#[rustfmt::skip]
pub const ROUTES: &[Route] = &[
    Route { template: MCP, methods: &[(Any, E::Mcp)] },
    Route { template: PROTECTED_RESOURCE, methods: &[(Get, E::ProtectedResource)] },
    Route { template: ORIGIN_PROTECTED_RESOURCE, methods: &[(Get, E::OriginProtectedResource)] },
    Route {
        template: AUTHORIZATION_SERVER_METADATA,
        methods: &[(Get, E::AuthorizationServerMetadata)],
    },
    Route { template: REGISTER, methods: &[(Post, E::Register)] },
    Route { template: AUTHORIZE, methods: &[(Get, E::Authorize)] },
    Route { template: TOKEN, methods: &[(Post, E::Token)] },
    Route { template: REVOKE, methods: &[(Post, E::Revoke)] },
    Route { template: CONSENT, methods: &[(Get, E::ConsentDetails), (Post, E::ConsentDecision)] },
    Route { template: "/api/auth/signup", methods: &[(Post, E::SignUp)] },
    Route { template: "/api/auth/login", methods: &[(Post, E::SignIn)] },
    Route { template: "/api/auth/logout", methods: &[(Post, E::SignOut)] },
    Route { template: "/api/me", methods: &[(Get, E::Me)] },
    Route { template: "/api/keys", methods: &[(Get, E::ListKeys), (Post, E::MintKey)] },
    Route { template: "/api/keys/{id}/revoke", methods: &[(Post, E::RevokeKey)] },
    Route {
        template: SIGN_IN_PAGE,
        methods: &[(Get, E::AuthPage), (Head, E::AuthPage), (Post, E::SignIn)],
    },
    Route {
        template: SIGN_UP_PAGE,
        methods: &[(Get, E::AuthPage), (Head, E::AuthPage), (Post, E::SignUp)],
    },
    Route { template: "/api/activity", methods: &[(Get, E::Activity)] },
    Route { template: "/api/revocation-notice", methods: &[(Get, E::RevocationNotice)] },
    Route {
        template: "/api/revocation-notice/dismiss",
        methods: &[(Post, E::DismissRevocationNotice)],
    },
    Route { template: LEAK_REPORT, methods: &[(Post, E::LeakReport)] },
    Route { template: BENCH_LOOKUP, methods: &[(Get, E::BenchLookup), (Post, E::BenchLookup)] },
];

/// What a request's method and path come to.
#[derive(Debug, PartialEq, Eq)]
pub enum Routing<'p> {
    Found {
        endpoint: Endpoint,
        template: &'static str,
        /// The `{…}` segment's value, for templates that have one.
        param: Option<&'p str>,
    },
    /// A known path, another method: 405 with these methods in `Allow`.
    MethodNotAllowed {
        template: &'static str,
        allow: String,
    },
    NotFound,
}

impl Routing<'_> {
    /// The name the request log gives the route: its template, never the raw path.
    pub fn log_name(&self) -> &'static str {
        match self {
            Routing::Found { template, .. } | Routing::MethodNotAllowed { template, .. } => {
                template
            }
            Routing::NotFound => "(unmatched)",
        }
    }
}

/// The path of a URL as the runtime serialises a request's URL (WHATWG, special scheme),
/// cut out of the string instead of parsed: such a URL always has a path right after its
/// scheme and authority (`public_origin::site_of`), and in it `?` and `#` only ever start
/// the query and the fragment.
pub fn path_of(url: &str) -> &str {
    let rest = &url[crate::public_origin::site_of(url).len()..];
    match &rest[..rest.find(['?', '#']).unwrap_or(rest.len())] {
        "" => "/",
        path => path,
    }
}

/// Finds the route for `method` (as sent, upper case) and `path`.
pub fn route<'p>(method: &str, path: &'p str) -> Routing<'p> {
    let Some((route, param)) = ROUTES
        .iter()
        .find_map(|route| matches(route.template, path).map(|param| (route, param)))
    else {
        return Routing::NotFound;
    };
    match route
        .methods
        .iter()
        .find(|(accepted, _)| accepted.accepts(method))
    {
        Some(&(_, endpoint)) => Routing::Found {
            endpoint,
            template: route.template,
            param,
        },
        None => Routing::MethodNotAllowed {
            template: route.template,
            allow: allow(route),
        },
    }
}

/// The `Allow` header of a route: its methods, each once, in the table's order.
fn allow(route: &Route) -> String {
    let mut methods: Vec<&str> = Vec::new();
    for (method, _) in route.methods {
        if !methods.contains(&method.as_str()) {
            methods.push(method.as_str());
        }
    }
    methods.join(", ")
}

/// `Some(param)` when `path` fits `template` (`param` is the `{…}` segment, if any).
fn matches<'p>(template: &str, path: &'p str) -> Option<Option<&'p str>> {
    let mut param = None;
    let mut template_segments = template.split('/');
    let mut path_segments = path.split('/');
    loop {
        match (template_segments.next(), path_segments.next()) {
            (None, None) => return Some(param),
            (Some(expected), Some(actual)) if expected.starts_with('{') => {
                if actual.is_empty() {
                    return None;
                }
                param = Some(actual);
            }
            (Some(expected), Some(actual)) if expected == actual => {}
            _ => return None,
        }
    }
}

#[cfg(test)]
mod tests;
