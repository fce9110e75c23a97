//! Filling in the page an authorization request that cannot continue is shown on. The
//! page itself is a portal page (`portal/pages/oauth/error.html`, in the one shell); it
//! marks where the reason goes and the optional "Return to …" link. Pure (no `worker`
//! import): the handler fetches the page from the assets and hands it here.

/// Where the reason goes.
pub const MESSAGE: &str = "<!--oauth-error:message-->";
/// The "Return to …" block, kept or dropped as a whole.
pub const RETURN_START: &str = "<!--oauth-error:return-->";
pub const RETURN_END: &str = "<!--/oauth-error:return-->";
/// Inside the block: the link's target and the words that name it.
pub const RETURN_URL: &str = "oauth-error:return-url";
pub const DESTINATION: &str = "<!--oauth-error:destination-->";

/// The page with `message` in place and, when there is one, the way back to the client
/// (`(url, destination)`); every value is HTML-escaped. `None` when the page lacks its
/// markers, so the caller can fall back to a plain page rather than show a broken one.
pub fn fill(page: &str, message: &str, way_back: Option<(&str, &str)>) -> Option<String> {
    let start = page.find(RETURN_START)?;
    let end_marker = page.find(RETURN_END)?;
    if end_marker < start + RETURN_START.len() || !page.contains(MESSAGE) {
        return None;
    }
    let end = end_marker + RETURN_END.len();
    let block = match way_back {
        Some((url, destination)) => {
            let block = &page[start + RETURN_START.len()..end - RETURN_END.len()];
            if !block.contains(RETURN_URL) || !block.contains(DESTINATION) {
                return None;
            }
            block.replacen(RETURN_URL, &escape_html(url), 1).replacen(
                DESTINATION,
                &escape_html(destination),
                1,
            )
        }
        None => String::new(),
    };
    let page = format!("{}{block}{}", &page[..start], &page[end..]);
    Some(page.replacen(MESSAGE, &escape_html(message), 1))
}

/// The page when the portal's could not be had: the same words, no shell.
pub fn plain(message: &str, way_back: Option<(&str, &str)>) -> String {
    let link = way_back.map_or(String::new(), |(url, destination)| {
        format!(
            "<p><a href=\"{}\">Return to {}</a></p>",
            escape_html(url),
            escape_html(destination)
        )
    });
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <title>This sign-in request cannot continue · Hadron</title></head>\
         <body><h1>This sign-in request cannot continue</h1><p>{}</p>{link}\
         <p><a href=\"/app/account/api-keys\">Go to your API keys</a></p></body></html>\n",
        escape_html(message)
    )
}

pub fn escape_html(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            other => escaped.push(other),
        }
    }
    escaped
}

#[cfg(test)]
mod tests;
