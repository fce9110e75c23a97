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

/// The same as [`success`], serialised, around a result that already is: for constant
/// results serialised once (`{"id":…,"jsonrpc":"2.0","result":…}`, serde_json's order).
pub fn success_text(id: &Value, result_json: &str) -> String {
    let id = id.to_string();
    let mut text = String::with_capacity(result_json.len() + id.len() + 32);
    text.push_str("{\"id\":");
    text.push_str(&id);
    text.push_str(",\"jsonrpc\":\"2.0\",\"result\":");
    text.push_str(result_json);
    text.push('}');
    text
}

/// What a client POSTed: one message, or (MCP 2025-03-26 only) a batch of them, each
/// read on its own so that one bad element does not spoil the others.
#[derive(Debug, PartialEq)]
pub enum Payload {
    Single(Incoming),
    Batch(Vec<Result<Incoming, RpcError>>),
}

/// At most this many messages in one batch: each is answered, and a batch costs no more
/// to send than one message.
pub const MAX_BATCH_LEN: usize = 32;

/// Parses a POST body. Batches (JSON arrays) exist in MCP 2025-03-26, which says they MUST
/// be received; 2025-06-18 dropped them, so with `accept_batches` false an array is an
/// Invalid Request.
pub fn parse_payload(body: &str, accept_batches: bool) -> Result<Payload, RpcError> {
    let value: Value = serde_json::from_str(body).map_err(|_| {
        RpcError::new(
            Value::Null,
            PARSE_ERROR,
            "Parse error: the body is not JSON",
        )
    })?;
    let invalid = |reason: &str| RpcError::new(Value::Null, INVALID_REQUEST, reason);
    match value {
        Value::Array(_) if !accept_batches => Err(invalid(
            "Invalid Request: batches are not supported in this protocol version",
        )),
        Value::Array(items) if items.is_empty() => Err(invalid("Invalid Request: empty batch")),
        Value::Array(items) if items.len() > MAX_BATCH_LEN => Err(invalid(
            "Invalid Request: a batch may hold at most 32 messages",
        )),
        Value::Array(items) => Ok(Payload::Batch(items.into_iter().map(parse_value).collect())),
        single => parse_value(single).map(Payload::Single),
    }
}

/// Parses one JSON-RPC message; an array is refused (see [`parse_payload`] for batches).
pub fn parse_message(body: &str) -> Result<Incoming, RpcError> {
    match parse_payload(body, false)? {
        Payload::Single(message) => Ok(message),
        // Not produced without `accept_batches`; refused all the same.
        Payload::Batch(_) => Err(RpcError::new(
            Value::Null,
            INVALID_REQUEST,
            "Invalid Request: batches are not supported in this protocol version",
        )),
    }
}

fn parse_value(value: Value) -> Result<Incoming, RpcError> {
    let Value::Object(mut message) = value else {
        return Err(RpcError::new(
            Value::Null,
            INVALID_REQUEST,
            "Invalid Request: expected a JSON-RPC object",
        ));
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
mod tests;
