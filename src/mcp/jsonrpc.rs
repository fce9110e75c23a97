//! JSON-RPC 2.0 message parsing for MCP over Streamable HTTP.

use serde_json::{json, Map, Value};

pub const PARSE_ERROR: i64 = -32700;
pub const INVALID_REQUEST: i64 = -32600;
pub const METHOD_NOT_FOUND: i64 = -32601;
pub const INVALID_PARAMS: i64 = -32602;

/// One message a client POSTs to `/mcp`.
#[derive(Debug, PartialEq)]
pub enum Incoming {
    /// Expects an answer with the same `id`.
    Request {
        id: Value,
        method: String,
        params: Map<String, Value>,
    },
    /// No `id`: answered with 202 and no body.
    Notification { method: String },
    /// A client's reply to a server-to-client request. This server sends none, so these
    /// are acknowledged and dropped.
    Response,
}

/// A JSON-RPC error together with the id it answers (`null` when the id is unknown).
#[derive(Debug, PartialEq)]
pub struct RpcError {
    pub id: Value,
    pub code: i64,
    pub message: String,
}

impl RpcError {
    pub fn new(id: Value, code: i64, message: impl Into<String>) -> Self {
        RpcError {
            id,
            code,
            message: message.into(),
        }
    }

    /// A malformed message (rather than a well-formed request that failed).
    pub fn is_malformed(&self) -> bool {
        matches!(self.code, PARSE_ERROR | INVALID_REQUEST)
    }

    pub fn to_json(&self) -> Value {
        json!({
            "jsonrpc": "2.0",
            "id": self.id,
            "error": { "code": self.code, "message": self.message },
        })
    }
}

pub fn success(id: &Value, result: Value) -> Value {
    json!({ "jsonrpc": "2.0", "id": id, "result": result })
}

/// Parses one JSON-RPC message. Batches (JSON arrays) were dropped from MCP in 2025-06-18
/// and are refused.
pub fn parse_message(body: &str) -> Result<Incoming, RpcError> {
    let value: Value = serde_json::from_str(body).map_err(|_| {
        RpcError::new(
            Value::Null,
            PARSE_ERROR,
            "Parse error: the body is not JSON",
        )
    })?;
    let Value::Object(mut message) = value else {
        let reason = if value.is_array() {
            "Invalid Request: batches are not supported"
        } else {
            "Invalid Request: expected a JSON-RPC object"
        };
        return Err(RpcError::new(Value::Null, INVALID_REQUEST, reason));
    };

    let id = match message.remove("id") {
        None => None,
        Some(id @ (Value::String(_) | Value::Number(_))) => Some(id),
        Some(_) => {
            return Err(RpcError::new(
                Value::Null,
                INVALID_REQUEST,
                "Invalid Request: id must be a string or a number",
            ))
        }
    };
    let invalid = |reason: &str| {
        RpcError::new(
            id.clone().unwrap_or(Value::Null),
            INVALID_REQUEST,
            format!("Invalid Request: {reason}"),
        )
    };

    if message.get("jsonrpc").and_then(Value::as_str) != Some("2.0") {
        return Err(invalid("jsonrpc must be \"2.0\""));
    }

    let method = match message.remove("method") {
        Some(Value::String(method)) => method,
        Some(_) => return Err(invalid("method must be a string")),
        None if id.is_some()
            && (message.contains_key("result") || message.contains_key("error")) =>
        {
            return Ok(Incoming::Response)
        }
        None => return Err(invalid("method is missing")),
    };

    let params = match message.remove("params") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(params)) => params,
        Some(_) => {
            return Err(RpcError::new(
                id.unwrap_or(Value::Null),
                INVALID_PARAMS,
                "Invalid params: params must be an object",
            ))
        }
    };

    Ok(match id {
        Some(id) => Incoming::Request { id, method, params },
        None => Incoming::Notification { method },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error_code(body: &str) -> i64 {
        parse_message(body).expect_err("should be refused").code
    }

    #[test]
    fn a_request_keeps_its_id_method_and_params() {
        let parsed = parse_message(
            r#"{"jsonrpc":"2.0","id":7,"method":"tools/list","params":{"cursor":"x"}}"#,
        )
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
        let error = parse_message(r#"{"jsonrpc":"2.0","id":"a","method":"ping","params":[1]}"#)
            .unwrap_err();
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
}
