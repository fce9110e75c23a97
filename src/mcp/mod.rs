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

pub fn tools_list_result() -> Value {
    let no_arguments = json!({ "type": "object", "properties": {}, "additionalProperties": false });
    json!({
        "tools": [
            {
                "name": "whoami",
                "title": "Who am I",
                "description": "The Hadron user behind this key, their current role, and which key made the call.",
                "inputSchema": no_arguments,
                "annotations": { "readOnlyHint": true, "openWorldHint": false },
            },
            {
                "name": "list_api_keys",
                "title": "List API keys",
                "description": "Every API key of this account, active and revoked, newest first. Never includes secrets.",
                "inputSchema": no_arguments,
                "annotations": { "readOnlyHint": true, "openWorldHint": false },
            },
        ]
    })
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
            "id": key.id,
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
mod tests {
    use super::*;
    use crate::accounts::Role;
    use crate::keys::Source;

    #[test]
    fn a_supported_version_is_echoed() {
        for version in SUPPORTED_PROTOCOL_VERSIONS {
            assert_eq!(negotiate_version(Some(version)), version);
        }
    }

    #[test]
    fn an_unknown_or_missing_version_gets_our_latest() {
        assert_eq!(
            negotiate_version(Some("2024-11-05")),
            LATEST_PROTOCOL_VERSION
        );
        assert_eq!(negotiate_version(Some("garbage")), LATEST_PROTOCOL_VERSION);
        assert_eq!(negotiate_version(None), LATEST_PROTOCOL_VERSION);
    }

    #[test]
    fn initialize_declares_tools_and_the_negotiated_version() {
        let mut params = Map::new();
        params.insert("protocolVersion".into(), json!("2025-06-18"));
        let result = initialize_result(&params);
        assert_eq!(result["protocolVersion"], "2025-06-18");
        assert!(result["capabilities"]["tools"].is_object());
        assert_eq!(result["serverInfo"]["name"], "hadron-keys");
    }

    #[test]
    fn tools_list_names_both_tools_with_object_schemas() {
        let result = tools_list_result();
        let names: Vec<_> = result["tools"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["name"].clone())
            .collect();
        assert_eq!(names, [json!("whoami"), json!("list_api_keys")]);
        for tool in result["tools"].as_array().unwrap() {
            assert_eq!(tool["inputSchema"]["type"], "object");
        }
    }

    fn params(value: Value) -> Map<String, Value> {
        value.as_object().unwrap().clone()
    }

    #[test]
    fn tool_calls_resolve_known_names() {
        let id = json!(1);
        assert_eq!(
            parse_tool_call(&id, &params(json!({"name": "whoami"}))),
            Ok(Tool::WhoAmI)
        );
        assert_eq!(
            parse_tool_call(
                &id,
                &params(json!({"name": "list_api_keys", "arguments": {}}))
            ),
            Ok(Tool::ListApiKeys)
        );
    }

    #[test]
    fn unknown_tools_and_bad_arguments_are_invalid_params() {
        let id = json!("x");
        for bad in [
            json!({}),
            json!({"name": 5}),
            json!({"name": "rm_rf"}),
            json!({"name": "whoami", "arguments": [1]}),
            json!({"name": "whoami", "arguments": {"unexpected": true}}),
        ] {
            let error = parse_tool_call(&id, &params(bad.clone())).unwrap_err();
            assert_eq!(
                (error.code, error.id.clone()),
                (INVALID_PARAMS, id.clone()),
                "{bad}"
            );
        }
    }

    #[test]
    fn whoami_names_the_user_role_and_calling_key_without_secrets() {
        let user = User {
            id: "usr_1".into(),
            email: "ada@example.com".into(),
            role: Role::OrgAdmin,
        };
        let key = KeyRecord {
            id: "key_1".into(),
            label: Some("laptop".into()),
            last4: "a1b2".into(),
            source: Source::Portal,
            created_at: 0,
            last_used_at: None,
            revoked_at: None,
        };
        let result = whoami(&user, &key);
        let data = &result["structuredContent"];
        assert_eq!(data["user"]["email"], "ada@example.com");
        assert_eq!(data["user"]["role"], "org_admin");
        assert_eq!(data["key"]["id"], "key_1");
        assert_eq!(data["key"]["source"]["kind"], "portal");
        let text = result["content"][0]["text"].as_str().unwrap();
        assert_eq!(serde_json::from_str::<Value>(text).unwrap(), *data);
    }
}
