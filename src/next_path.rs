//! Where to go after signing in: only ever a path on this site.
//! Pure: no `worker` import, so it unit-tests on the host.
//!
//! The sign-in and sign-up forms carry a `next` (the page that sent the visitor to sign
//! in). Browsers read `//host`, `/\host` and, after normalisation, `/.//host` as another
//! site, so the check is made on the path as a browser would resolve it, not on the text.
//! The same rule runs in the portal's `next-path.js`; both are tested on the same inputs.

use url::Url;

/// Where a visitor goes when `next` is absent or refused.
pub const DEFAULT_NEXT: &str = "/app/account/api-keys";

/// Any origin will do: only whether the path stays on it matters.
const BASE: &str = "https://portal.invalid";

/// `raw` normalised to path + query + fragment when it stays on this site and is not a
/// sign-in page; `None` otherwise.
pub fn safe_next_path(raw: &str) -> Option<String> {
    let lowered = raw.to_ascii_lowercase();
    let suspicious = !raw.starts_with('/')
        || raw.starts_with("//")
        || raw.contains('\\')
        || lowered.contains("%5c")
        || raw.chars().any(char::is_control);
    if suspicious {
        return None;
    }
    let base = Url::parse(BASE).ok()?;
    let resolved = base.join(raw).ok()?;
    let path = resolved.path();
    if resolved.origin() != base.origin() || path.starts_with("//") || path.starts_with("/\\") {
        return None;
    }
    if matches!(path.trim_end_matches('/'), "/signin" | "/signup") {
        return None;
    }
    let mut next = path.to_owned();
    if let Some(query) = resolved.query() {
        next.push('?');
        next.push_str(query);
    }
    if let Some(fragment) = resolved.fragment() {
        next.push('#');
        next.push_str(fragment);
    }
    Some(next)
}

#[cfg(test)]
mod tests;
