use super::*;

fn error_code(body: &str) -> i64 {
    parse_message(body).expect_err("should be refused").code
}

#[test]
fn a_request_keeps_its_id_method_and_params() {
    let parsed =
        parse_message(r#"{"jsonrpc":"2.0","id":7,"method":"tools/list","params":{"cursor":"x"}}"#)
            .unwrap();
    let Incoming::Request { id, method, params } = parsed else {
        panic!("not a request")
    };
    assert_eq!(id, json!(7));
    assert_eq!(method, "tools/list");
    assert_eq!(params["cursor"], "x");
}

#[test]
fn string_ids_are_kept_verbatim() {
    let parsed = parse_message(r#"{"jsonrpc":"2.0","id":"abc","method":"ping"}"#).unwrap();
    assert!(matches!(parsed, Incoming::Request { id: Value::String(ref s), .. } if s == "abc"));
}

#[test]
fn a_message_without_id_is_a_notification() {
    assert_eq!(
        parse_message(r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#).unwrap(),
        Incoming::Notification {
            method: "notifications/initialized".into()
        }
    );
}

#[test]
fn a_client_response_is_recognised() {
    assert_eq!(
        parse_message(r#"{"jsonrpc":"2.0","id":1,"result":{}}"#).unwrap(),
        Incoming::Response
    );
}

#[test]
fn non_json_is_a_parse_error() {
    assert_eq!(error_code("not json"), PARSE_ERROR);
    assert_eq!(error_code(""), PARSE_ERROR);
    assert_eq!(error_code(r#"{"jsonrpc":"2.0","#), PARSE_ERROR);
}

#[test]
fn batches_and_scalars_are_invalid_requests() {
    assert_eq!(
        error_code(r#"[{"jsonrpc":"2.0","id":1,"method":"ping"}]"#),
        INVALID_REQUEST
    );
    assert_eq!(error_code("[]"), INVALID_REQUEST);
    assert_eq!(error_code("42"), INVALID_REQUEST);
    assert_eq!(error_code("null"), INVALID_REQUEST);
}

#[test]
fn a_wrong_or_missing_version_is_an_invalid_request() {
    assert_eq!(error_code(r#"{"id":1,"method":"ping"}"#), INVALID_REQUEST);
    assert_eq!(
        error_code(r#"{"jsonrpc":"1.0","id":1,"method":"ping"}"#),
        INVALID_REQUEST
    );
    assert_eq!(
        error_code(r#"{"jsonrpc":2.0,"id":1,"method":"ping"}"#),
        INVALID_REQUEST
    );
}

#[test]
fn null_object_and_bool_ids_are_invalid_requests() {
    for id in ["null", "{}", "[1]", "true"] {
        let body = format!(r#"{{"jsonrpc":"2.0","id":{id},"method":"ping"}}"#);
        let error = parse_message(&body).unwrap_err();
        assert_eq!(error.code, INVALID_REQUEST, "id {id}");
        assert_eq!(error.id, Value::Null);
    }
}

#[test]
fn a_missing_or_non_string_method_is_an_invalid_request_that_keeps_the_id() {
    let error = parse_message(r#"{"jsonrpc":"2.0","id":3}"#).unwrap_err();
    assert_eq!((error.code, error.id), (INVALID_REQUEST, json!(3)));
    assert_eq!(
        error_code(r#"{"jsonrpc":"2.0","id":3,"method":5}"#),
        INVALID_REQUEST
    );
}

#[test]
fn params_must_be_an_object() {
    let error =
        parse_message(r#"{"jsonrpc":"2.0","id":"a","method":"ping","params":[1]}"#).unwrap_err();
    assert_eq!((error.code, error.id), (INVALID_PARAMS, json!("a")));
    assert!(parse_message(r#"{"jsonrpc":"2.0","id":1,"method":"ping","params":null}"#).is_ok());
}

#[test]
fn deeply_nested_json_is_refused_without_a_panic() {
    let nested = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    assert_eq!(error_code(&nested), PARSE_ERROR);
}

#[test]
fn errors_serialise_as_json_rpc_error_objects() {
    let error = RpcError::new(json!(1), METHOD_NOT_FOUND, "Method not found: x");
    assert_eq!(
        error.to_json(),
        json!({"jsonrpc":"2.0","id":1,"error":{"code":-32601,"message":"Method not found: x"}})
    );
    assert!(!error.is_malformed());
}

#[test]
fn batches_are_read_only_when_the_protocol_version_has_them() {
    let batch = r#"[{"jsonrpc":"2.0","id":1,"method":"ping"},{"jsonrpc":"2.0","method":"notifications/initialized"}]"#;
    assert_eq!(
        parse_payload(batch, false).unwrap_err().code,
        INVALID_REQUEST
    );
    let Payload::Batch(items) = parse_payload(batch, true).expect("a batch") else {
        panic!("expected a batch");
    };
    assert_eq!(
        items,
        vec![
            Ok(Incoming::Request {
                id: json!(1),
                method: "ping".into(),
                params: Map::new(),
            }),
            Ok(Incoming::Notification {
                method: "notifications/initialized".into(),
            }),
        ]
    );
}

#[test]
fn each_batch_element_is_judged_on_its_own() {
    let batch =
        r#"[{"jsonrpc":"2.0","id":"a","method":"ping"}, 7, {"jsonrpc":"1.0","id":2,"method":"x"}]"#;
    let Payload::Batch(items) = parse_payload(batch, true).unwrap() else {
        panic!("expected a batch");
    };
    assert!(items[0].is_ok());
    assert_eq!(items[1].as_ref().unwrap_err().id, Value::Null);
    assert_eq!(items[2].as_ref().unwrap_err().id, json!(2));
}

#[test]
fn empty_and_oversized_batches_are_one_invalid_request() {
    assert_eq!(parse_payload("[]", true).unwrap_err().code, INVALID_REQUEST);
    let many = format!(
        "[{}]",
        vec![r#"{"jsonrpc":"2.0","method":"n"}"#; MAX_BATCH_LEN + 1].join(",")
    );
    assert_eq!(
        parse_payload(&many, true).unwrap_err().code,
        INVALID_REQUEST
    );
    let enough = format!(
        "[{}]",
        vec![r#"{"jsonrpc":"2.0","method":"n"}"#; MAX_BATCH_LEN].join(",")
    );
    assert!(parse_payload(&enough, true).is_ok());
}

#[test]
fn a_single_message_reads_the_same_with_or_without_batches() {
    let message = r#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#;
    assert_eq!(parse_payload(message, true), parse_payload(message, false));
}

#[test]
fn a_serialised_result_is_wrapped_as_success_would_write_it() {
    let result = serde_json::json!({ "tools": [{ "name": "a \"quoted\" tool" }], "n": 1.5 });
    for id in [
        json!(1),
        json!("req-\"7\""),
        json!(-3),
        json!(12345678901u64),
    ] {
        assert_eq!(
            success_text(&id, &result.to_string()),
            success(&id, result.clone()).to_string(),
            "{id}"
        );
    }
}
