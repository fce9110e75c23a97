//! The MCP server's protocol rules and tools, independent of HTTP and D1.

pub mod jsonrpc;

use serde_json::{json, Map, Value};

use crate::accounts::User;
use crate::keys::KeyRecord;
use jsonrpc::{RpcError, INVALID_PARAMS, METHOD_NOT_FOUND};

/// Newest first; `initialize` answers with the client's version when it is one of these.
pub const SUPPORTED_PROTOCOL_VERSIONS: [&str; 3] = ["2025-11-25", "2025-06-18", "2025-03-26"];
pub const LATEST_PROTOCOL_VERSION: &str = SUPPORTED_PROTOCOL_VERSIONS[0];

pub fn is_supported_version(version: &str) -> bool {
    SUPPORTED_PROTOCOL_VERSIONS.contains(&version)
}

/// The one version that has JSON-RPC batches.
pub const BATCHING_PROTOCOL_VERSION: &str = "2025-03-26";

/// Whether a request may carry a batch, from its `MCP-Protocol-Version` header. Without the
/// header the server is to assume 2025-03-26 (Streamable HTTP, "Protocol Version Header"),
/// which says batches MUST be received; later versions dropped them.
pub fn accepts_batches(protocol_version_header: Option<&str>) -> bool {
    protocol_version_header.is_none_or(|version| version == BATCHING_PROTOCOL_VERSION)
}

/// Version negotiation: echo a version we speak, otherwise offer our latest and let the
/// client decide whether to continue.
pub fn negotiate_version(requested: Option<&str>) -> &'static str {
    SUPPORTED_PROTOCOL_VERSIONS
        .into_iter()
        .find(|supported| Some(*supported) == requested)
        .unwrap_or(LATEST_PROTOCOL_VERSION)
}

pub fn initialize_result(params: &Map<String, Value>) -> Value {
    let requested = params.get("protocolVersion").and_then(Value::as_str);
    json!({
        "protocolVersion": negotiate_version(requested),
        "capabilities": { "tools": { "listChanged": false } },
        "serverInfo": {
            "name": "hadron-keys",
            "title": "Hadron keys",
            "version": env!("CARGO_PKG_VERSION"),
        },
        "instructions": "Tools for the Hadron account behind the bearer key: `whoami` names \
                         the user, role and calling key; `list_api_keys` lists the account's keys.",
    })
}

/// The tools this server offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tool {
    WhoAmI,
    ListApiKeys,
}

/// The `tools/list` result, serialised (serde_json's key order, no blanks): it never
/// changes, so it is written once here rather than built and serialised per request.
/// `tests.rs` checks it against the same document built with `json!`.
pub const TOOLS_LIST_JSON: &str = concat!(
    r#"{"tools":["#,
    r#"{"annotations":{"openWorldHint":false,"readOnlyHint":true},"#,
    r#""description":"The Hadron user behind this key, their current role, and which key made the call.","#,
    r#""inputSchema":{"additionalProperties":false,"properties":{},"type":"object"},"#,
    r#""name":"whoami","title":"Who am I"},"#,
    r#"{"annotations":{"openWorldHint":false,"readOnlyHint":true},"#,
    r#""description":"Every API key of this account, active and revoked, newest first. Never includes secrets.","#,
    r#""inputSchema":{"additionalProperties":false,"properties":{},"type":"object"},"#,
    r#""name":"list_api_keys","title":"List API keys"}"#,
    r#"]}"#,
);

/// [`TOOLS_LIST_JSON`] as a value (a batch answers with values).
pub fn tools_list_result() -> Value {
    serde_json::from_str(TOOLS_LIST_JSON).unwrap_or_default()
}

/// Reads `tools/call` params: a known tool name, and arguments that are absent or `{}`.
pub fn parse_tool_call(id: &Value, params: &Map<String, Value>) -> Result<Tool, RpcError> {
    let invalid = |message: String| RpcError::new(id.clone(), INVALID_PARAMS, message);
    let tool = match params.get("name") {
        Some(Value::String(name)) if name == "whoami" => Tool::WhoAmI,
        Some(Value::String(name)) if name == "list_api_keys" => Tool::ListApiKeys,
        Some(Value::String(name)) => return Err(invalid(format!("Unknown tool: {name}"))),
        _ => return Err(invalid("Invalid params: name must be a string".into())),
    };
    match params.get("arguments") {
        None | Some(Value::Null) => Ok(tool),
        Some(Value::Object(arguments)) if arguments.is_empty() => Ok(tool),
        Some(Value::Object(_)) => Err(invalid(
            "Invalid params: this tool takes no arguments".into(),
        )),
        Some(_) => Err(invalid(
            "Invalid params: arguments must be an object".into(),
        )),
    }
}

/// A tool result that carries the same data as text (for every client) and as structured
/// content (for clients that read it).
pub fn tool_result(structured: Value) -> Value {
    json!({
        "content": [{ "type": "text", "text": structured.to_string() }],
        "structuredContent": structured,
        "isError": false,
    })
}

pub fn whoami(user: &User, key: &KeyRecord) -> Value {
    tool_result(json!({
        "user": user.to_json(),
        "key": {
            "id": key.id.as_str(),
            "label": key.label,
            "last4": key.last4,
            "source": key.source.to_json(),
        },
    }))
}

pub fn list_api_keys(keys: &[KeyRecord]) -> Value {
    tool_result(json!({ "keys": keys.iter().map(KeyRecord::to_json).collect::<Vec<_>>() }))
}

pub fn method_not_found(id: &Value, method: &str) -> RpcError {
    RpcError::new(
        id.clone(),
        METHOD_NOT_FOUND,
        format!("Method not found: {method}"),
    )
}

#[cfg(test)]
mod tests;
