//! `mcp::jsonrpc` and `mcp`: JSON-RPC messages, tool calls and version negotiation.

use crate::common::*;
use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;
use serde_json::{json, Map, Value};

use hadron_keys::mcp::jsonrpc::{
    parse_message, Incoming, INVALID_PARAMS, INVALID_REQUEST, PARSE_ERROR,
};
use hadron_keys::mcp::{
    negotiate_version, parse_tool_call, Tool, LATEST_PROTOCOL_VERSION, SUPPORTED_PROTOCOL_VERSIONS,
};

fn rpc_id() -> impl Strategy<Value = Value> {
    prop_oneof![text().prop_map(Value::String), json_number()]
}

/// What parse_message must make of a message object, from the JSON-RPC 2.0 rules as the
/// module states them: `Ok` with the message, or `Err` with the (id, code) it answers.
fn expected_rpc_outcome(message: &Map<String, Value>) -> Result<Incoming, (Value, i64)> {
    let id = match message.get("id") {
        None => None,
        Some(id @ (Value::String(_) | Value::Number(_))) => Some(id.clone()),
        Some(_) => return Err((Value::Null, INVALID_REQUEST)),
    };
    let echoed = id.clone().unwrap_or(Value::Null);
    if message.get("jsonrpc") != Some(&json!("2.0")) {
        return Err((echoed, INVALID_REQUEST));
    }
    let method = match message.get("method") {
        Some(Value::String(method)) => method.clone(),
        Some(_) => return Err((echoed, INVALID_REQUEST)),
        None if id.is_some()
            && (message.contains_key("result") || message.contains_key("error")) =>
        {
            return Ok(Incoming::Response)
        }
        None => return Err((echoed, INVALID_REQUEST)),
    };
    let params = match message.get("params") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(params)) => params.clone(),
        Some(_) => return Err((echoed, INVALID_PARAMS)),
    };
    Ok(match id {
        Some(id) => Incoming::Request { id, method, params },
        None => Incoming::Notification { method },
    })
}

fn rpc_message() -> impl Strategy<Value = Map<String, Value>> {
    let jsonrpc = prop_oneof![
        1 => Just(None),
        6 => Just(Some(json!("2.0"))),
        1 => json_value().prop_map(Some),
    ];
    let not_an_id = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        Just(json!([])),
        Just(json!({})),
        json_value(),
    ];
    let id = prop_oneof![
        2 => Just(None),
        3 => rpc_id().prop_map(Some),
        1 => not_an_id.prop_map(Some),
    ];
    let method = prop_oneof![
        1 => Just(None),
        4 => text().prop_map(|method| Some(Value::String(method))),
        1 => json_value().prop_map(Some),
    ];
    let params = prop_oneof![
        2 => Just(None),
        1 => Just(Some(Value::Null)),
        3 => json_object().prop_map(|params| Some(Value::Object(params))),
        1 => json_value().prop_map(Some),
    ];
    (
        vec((json_key(), json_value()), 0..3),
        jsonrpc,
        id,
        method,
        params,
        option::weighted(0.2, json_value()),
        option::weighted(0.2, json_value()),
    )
        .prop_map(|(extra, jsonrpc, id, method, params, result, error)| {
            let fields = vec![
                ("jsonrpc", jsonrpc),
                ("id", id),
                ("method", method),
                ("params", params),
                ("result", result),
                ("error", error),
            ];
            object_of(fields, extra)
        })
}

/// `depth` arrays and objects nested in each other, in the order `shape` repeats.
fn nested_json(depth: usize, shape: &[bool]) -> String {
    let mut body = String::with_capacity(depth * 6);
    for level in 0..depth {
        body.push_str(if shape[level % shape.len()] {
            "["
        } else {
            "{\"a\":"
        });
    }
    body.push('1');
    for level in (0..depth).rev() {
        body.push(if shape[level % shape.len()] { ']' } else { '}' });
    }
    body
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn a_valid_request_parses_back_to_its_id_method_and_params(
        id in rpc_id(),
        method in text(),
        params in prop_oneof![
            Just(None),
            Just(Some(Value::Null)),
            json_object().prop_map(|p| Some(Value::Object(p))),
        ],
    ) {
        let mut message = json!({ "jsonrpc": "2.0", "id": id.clone(), "method": method.clone() });
        if let Some(params) = &params {
            message["params"] = params.clone();
        }
        let expected_params = match params {
            Some(Value::Object(params)) => params,
            _ => Map::new(),
        };
        prop_assert_eq!(
            parse_message(&message.to_string()),
            Ok(Incoming::Request { id, method, params: expected_params })
        );
    }

    #[test]
    fn a_message_without_an_id_is_a_notification(method in text(), params in json_object()) {
        let message = json!({ "jsonrpc": "2.0", "method": method.clone(), "params": params });
        prop_assert_eq!(parse_message(&message.to_string()), Ok(Incoming::Notification { method }));
    }

    #[test]
    fn every_message_object_gets_the_outcome_json_rpc_prescribes(message in rpc_message()) {
        let body = Value::Object(message.clone()).to_string();
        let outcome = parse_message(&body).map_err(|error| (error.id, error.code));
        prop_assert_eq!(outcome, expected_rpc_outcome(&message));
    }

    #[test]
    fn any_json_value_is_answered_and_non_objects_are_invalid_requests(value in json_value()) {
        let result = parse_message(&value.to_string());
        if !value.is_object() {
            let error = result.expect_err("only an object can be a message");
            prop_assert_eq!((error.id, error.code), (Value::Null, INVALID_REQUEST));
        } else if let Err(error) = result {
            prop_assert!(error.code == INVALID_REQUEST || error.code == INVALID_PARAMS);
        }
    }

    #[test]
    fn any_text_is_either_a_parse_error_or_read_as_json(
        body in prop_oneof![text(), "[\\[\\]{}\":,0-9a-z. -]{0,40}"]
    ) {
        let result = parse_message(&body).map_err(|e| (e.id, e.code));
        match serde_json::from_str::<Value>(&body) {
            Err(_) => prop_assert_eq!(result, Err((Value::Null, PARSE_ERROR))),
            Ok(value) if !value.is_object() => {
                prop_assert_eq!(result, Err((Value::Null, INVALID_REQUEST)));
            }
            Ok(_) => {}
        }
    }

    #[test]
    fn tool_calls_accept_only_known_names_without_arguments(
        id in rpc_id(),
        name in prop_oneof![
            2 => Just(None),
            6 => strings(&["whoami", "list_api_keys", "WhoAmI", "list_api_keys ", "rm_rf"])
                .prop_map(|n| Some(Value::String(n))),
            1 => json_value().prop_map(Some),
        ],
        arguments in prop_oneof![
            2 => Just(None),
            2 => Just(Some(Value::Null)),
            2 => Just(Some(json!({}))),
            2 => json_value().prop_map(Some),
        ],
        extra in vec((text(), json_value()), 0..2),
    ) {
        let params = object_of(vec![("name", name), ("arguments", arguments)], extra);
        let tool = match params.get("name") {
            Some(Value::String(name)) if name == "whoami" => Some(Tool::WhoAmI),
            Some(Value::String(name)) if name == "list_api_keys" => Some(Tool::ListApiKeys),
            _ => None,
        };
        let no_arguments = match params.get("arguments") {
            None | Some(Value::Null) => true,
            Some(Value::Object(arguments)) => arguments.is_empty(),
            Some(_) => false,
        };
        match parse_tool_call(&id, &params) {
            Ok(parsed) => prop_assert_eq!(Some(parsed), tool.filter(|_| no_arguments)),
            Err(error) => {
                prop_assert!(tool.is_none() || !no_arguments);
                prop_assert_eq!((error.id, error.code), (id, INVALID_PARAMS));
            }
        }
    }

    #[test]
    fn version_negotiation_echoes_only_supported_versions(
        requested in option::of(prop_oneof![
            strings(&SUPPORTED_PROTOCOL_VERSIONS),
            "20[0-9]{2}-[01][0-9]-[0-3][0-9]",
            text(),
        ])
    ) {
        let negotiated = negotiate_version(requested.as_deref());
        match requested.as_deref() {
            Some(version) if SUPPORTED_PROTOCOL_VERSIONS.contains(&version) => {
                prop_assert_eq!(negotiated, version);
            }
            _ => prop_assert_eq!(negotiated, LATEST_PROTOCOL_VERSION),
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn deeply_nested_json_is_refused_without_overflowing_the_stack(
        depth in 200usize..=10_000,
        shape in vec(any::<bool>(), 1..8),
        inside_params in any::<bool>(),
    ) {
        let nested = nested_json(depth, &shape);
        let body = if inside_params {
            format!(r#"{{"jsonrpc":"2.0","id":1,"method":"m","params":{{"p":{nested}}}}}"#)
        } else {
            nested
        };
        prop_assert_eq!(parse_message(&body).map_err(|e| e.code), Err(PARSE_ERROR));
    }

    #[test]
    fn moderately_nested_params_are_kept(depth in 0usize..=100, shape in vec(any::<bool>(), 1..8)) {
        let body = format!(
            r#"{{"jsonrpc":"2.0","id":1,"method":"m","params":{{"p":{}}}}}"#,
            nested_json(depth, &shape)
        );
        let kept = matches!(parse_message(&body), Ok(Incoming::Request { .. }));
        prop_assert!(kept, "refused at depth {}", depth);
    }
}
