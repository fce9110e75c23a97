use super::*;
use crate::accounts::{Email, Role, UserId};
use crate::keys::tests::portal_key;
use crate::keys::RevocationReason;

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
        id: UserId::from_stored("usr_1".into()),
        email: Email::from_stored("ada@example.com".into()),
        role: Role::OrgAdmin,
    };
    let key = KeyRecord {
        label: Some("laptop".into()),
        ..portal_key()
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

#[test]
fn list_api_keys_says_why_and_when_each_key_was_revoked() {
    let leaked = KeyRecord {
        revoked_at: Some(60_000),
        revoked_reason: Some(RevocationReason::Leaked),
        revoked_detail: Some("https://gist.github.com/ada/1".into()),
        ..portal_key()
    };
    let result = list_api_keys(&[leaked]);
    let key = &result["structuredContent"]["keys"][0];
    assert_eq!(key["status"], "revoked");
    assert_eq!(key["revoked_at"], "1970-01-01T00:01:00Z");
    assert_eq!(key["revoked_reason"], "leaked");
    assert_eq!(key["revoked_detail"], "https://gist.github.com/ada/1");
}

#[test]
fn batches_belong_to_2025_03_26_and_to_requests_without_a_version_header() {
    assert!(accepts_batches(None));
    assert!(accepts_batches(Some("2025-03-26")));
    assert!(!accepts_batches(Some("2025-06-18")));
    assert!(!accepts_batches(Some("2025-11-25")));
}

#[test]
fn the_tools_list_text_is_the_document_serde_json_writes() {
    let no_arguments = json!({ "type": "object", "properties": {}, "additionalProperties": false });
    let annotations = json!({ "readOnlyHint": true, "openWorldHint": false });
    let expected = json!({
        "tools": [
            {
                "name": "whoami",
                "title": "Who am I",
                "description": "The Hadron user behind this key, their current role, and which key made the call.",
                "inputSchema": no_arguments,
                "annotations": annotations,
            },
            {
                "name": "list_api_keys",
                "title": "List API keys",
                "description": "Every API key of this account, active and revoked, newest first. Never includes secrets.",
                "inputSchema": no_arguments,
                "annotations": annotations,
            },
        ]
    });
    assert_eq!(TOOLS_LIST_JSON, expected.to_string());
    assert_eq!(tools_list_result(), expected);
}
