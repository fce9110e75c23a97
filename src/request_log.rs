//! The one log line each request gets, written without building a `serde_json::Value`:
//! `{"duration_ms":…,"key_id":…,"method":…,"route":…,"status":…}`, the keys in the
//! order serde_json wrote them, strings escaped as JSON.

use std::fmt::Write;

/// What the line says about one request. Never a secret and never the raw path.
pub struct RequestLog<'a> {
    pub method: &'a str,
    /// The route's template (`routes::Routing::log_name`).
    pub route: &'a str,
    pub status: u16,
    pub duration_ms: i64,
    /// The id of the key a bearer request was accepted with.
    pub key_id: Option<&'a str>,
}

impl RequestLog<'_> {
    pub fn to_line(&self) -> String {
        let mut line = String::with_capacity(96);
        let _ = write!(line, "{{\"duration_ms\":{},\"key_id\":", self.duration_ms);
        match self.key_id {
            Some(key_id) => push_json_string(&mut line, key_id),
            None => line.push_str("null"),
        }
        line.push_str(",\"method\":");
        push_json_string(&mut line, self.method);
        line.push_str(",\"route\":");
        push_json_string(&mut line, self.route);
        let _ = write!(line, ",\"status\":{}}}", self.status);
        line
    }
}

/// Appends `value` as a JSON string, escaped as serde_json escapes it (RFC 8259 §7).
pub fn push_json_string(out: &mut String, value: &str) {
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{08}' => out.push_str("\\b"),
            '\u{0c}' => out.push_str("\\f"),
            c if c < ' ' => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests;
