//! `/mcp`: MCP over Streamable HTTP, answering JSON (no server-sent streams).
//!
//! The hot path is: Origin check → bearer format check → SHA-256 → one D1 read → answer.
//! The `last_used_at` write happens after the response, at most once a minute per key.

use serde_json::Value;
use worker::{Method, Result};

use super::Request;

use super::request::{header_values, read_body, require_json_media_type, Deps};
use super::response::{
    empty_response, error_response, json_response, json_text_response, Response,
};
use crate::auth::{authenticate_bearer, bearer_key, now_ms, BearerRejection, Caller};
use crate::error::{error_body_json, AppError};
use crate::listing::KeyQuery;
use crate::mcp::jsonrpc::{
    parse_payload, success, success_text, Incoming, Payload, RpcError, INVALID_REQUEST,
};
use crate::mcp::{self, Tool};
use crate::oauth::metadata::MCP_SCOPE;
use crate::store;

/// MCP messages from a client are small; this bounds what a caller can make us parse.
const MAX_MCP_BODY_BYTES: usize = 256 * 1024;

/// Answers one `/mcp` request; the accepted key's id goes to the request context's log
/// fields.
pub async fn handle(req: Request, deps: &Deps) -> Result<Response> {
    match serve(req, deps).await {
        Ok(response) => Ok(response),
        Err(McpFailure::App(error)) => error_response(&error),
        Err(McpFailure::Unauthorized { token_sent }) => unauthorized(deps.origin(), token_sent),
        Err(McpFailure::Rpc(error)) => {
            let status = if error.is_malformed() { 400 } else { 200 };
            json_response(status, &error.to_json())
        }
    }
}

enum McpFailure {
    App(AppError),
    Unauthorized { token_sent: bool },
    Rpc(RpcError),
}

/// A refused bearer token is a 401 that says only whether one was sent.
fn refused(rejection: BearerRejection) -> McpFailure {
    match rejection {
        BearerRejection::Internal(error) => error.into(),
        rejection => McpFailure::Unauthorized {
            token_sent: matches!(rejection, BearerRejection::InvalidToken),
        },
    }
}

impl From<AppError> for McpFailure {
    fn from(error: AppError) -> Self {
        McpFailure::App(error)
    }
}

impl From<worker::Error> for McpFailure {
    fn from(error: worker::Error) -> Self {
        McpFailure::App(error.into())
    }
}

/// The request headers `/mcp` reads, in this order, in one crossing (`Content-Length` is
/// read with the body, only when there is one).
const HEADERS: &str = "Origin,Authorization,MCP-Protocol-Version,Content-Type";

async fn serve(mut req: Request, deps: &Deps) -> std::result::Result<Response, McpFailure> {
    let headers = header_values(&req.headers().0, HEADERS);
    let [origin, authorization, version, content_type] = crate::header_values::split::<4>(&headers)
        .ok_or_else(|| AppError::Internal("header values: wrong number of lines".into()))?;
    refuse_foreign_origin(origin, deps)?;
    // Every refused token is a 401 (the MCP authorization spec's MUST), however many come:
    // volume is for a rate limiting rule in front of the Worker (docs/security.md).
    let key = bearer_key(authorization).map_err(refused)?;
    let db = deps.db()?;
    let caller = authenticate_bearer(&key, &db).await.map_err(refused)?;
    deps.request.record_key(caller.key.id.as_str());
    if req.method() != Method::Post {
        // No server-to-client stream and no sessions: GET and DELETE are not offered.
        return Err(AppError::MethodNotAllowed("POST".into()).into());
    }
    record_use(&db, &req, &caller, deps)?;
    let version = protocol_version_header(version)?;
    require_json_media_type(content_type)?;

    let body = read_body(&mut req, MAX_MCP_BODY_BYTES).await?;
    let body = std::str::from_utf8(&body)
        .map_err(|_| {
            RpcError::new(
                Value::Null,
                crate::mcp::jsonrpc::PARSE_ERROR,
                "Parse error: the body is not UTF-8",
            )
        })
        .map_err(McpFailure::Rpc)?;
    match parse_payload(body, mcp::accepts_batches(version)).map_err(McpFailure::Rpc)? {
        Payload::Single(Incoming::Request { id, method, .. }) if method == "tools/list" => Ok(
            json_text_response(200, &success_text(&id, mcp::TOOLS_LIST_JSON))?,
        ),
        Payload::Single(Incoming::Request { id, method, params }) => {
            let result = answer(&db, &caller, &id, &method, &params).await?;
            Ok(json_response(200, &success(&id, result))?)
        }
        Payload::Single(Incoming::Notification { .. } | Incoming::Response) => Ok(accepted()?),
        Payload::Batch(messages) => answer_batch(&db, &caller, messages).await,
    }
}

/// The result of one request, or the JSON-RPC error it gets.
async fn answer(
    db: &worker::D1Database,
    caller: &Caller,
    id: &Value,
    method: &str,
    params: &serde_json::Map<String, Value>,
) -> std::result::Result<Value, McpFailure> {
    Ok(match method {
        "initialize" => mcp::initialize_result(params),
        "ping" => Value::Object(Default::default()),
        "tools/list" => mcp::tools_list_result(),
        "tools/call" => match mcp::parse_tool_call(id, params).map_err(McpFailure::Rpc)? {
            Tool::WhoAmI => mcp::whoami(&caller.user, &caller.key),
            Tool::ListApiKeys => {
                let (keys, _) = store::list_keys(db, &caller.user.id, &KeyQuery::default()).await?;
                mcp::list_api_keys(&keys)
            }
        },
        other => return Err(McpFailure::Rpc(mcp::method_not_found(id, other))),
    })
}

/// A 2025-03-26 batch: one response per request, in order, as a JSON array; 202 when it
/// held only notifications and responses. `initialize` may not be batched.
async fn answer_batch(
    db: &worker::D1Database,
    caller: &Caller,
    messages: Vec<std::result::Result<Incoming, RpcError>>,
) -> std::result::Result<Response, McpFailure> {
    let mut responses = Vec::new();
    for message in messages {
        let response = match message {
            Ok(Incoming::Request { id, method, .. }) if method == "initialize" => RpcError::new(
                id,
                INVALID_REQUEST,
                "Invalid Request: initialize cannot be batched",
            )
            .to_json(),
            Ok(Incoming::Request { id, method, params }) => {
                match answer(db, caller, &id, &method, &params).await {
                    Ok(result) => success(&id, result),
                    Err(McpFailure::Rpc(error)) => error.to_json(),
                    Err(other) => return Err(other),
                }
            }
            Ok(Incoming::Notification { .. } | Incoming::Response) => continue,
            Err(error) => error.to_json(),
        };
        responses.push(response);
    }
    if responses.is_empty() {
        return Ok(accepted()?);
    }
    Ok(json_response(200, &Value::Array(responses))?)
}

/// MCP servers must refuse browsers on other origins (DNS rebinding). Clients that are
/// not browsers send no `Origin`.
fn refuse_foreign_origin(origin: Option<&str>, deps: &Deps) -> std::result::Result<(), McpFailure> {
    match origin {
        Some(origin) if origin != deps.origin() => Err(AppError::CrossSite.into()),
        _ => Ok(()),
    }
}

/// After initialization clients name the protocol version on every request; one we do
/// not speak is a 400 (Streamable HTTP transport, "Protocol Version Header").
fn protocol_version_header(version: Option<&str>) -> std::result::Result<Option<&str>, McpFailure> {
    match version {
        Some(version) if !mcp::is_supported_version(version) => {
            Err(McpFailure::Rpc(RpcError::new(
                Value::Null,
                INVALID_REQUEST,
                format!("Unsupported MCP-Protocol-Version: {version}"),
            )))
        }
        version => Ok(version),
    }
}

/// Updates `last_used_at`, and where the use came from, after the response is sent, and
/// only when the stored value is more than a minute old: most requests write nothing, and
/// read nothing for it either (the user agent and `request.cf` are read only for a write).
fn record_use(db: &worker::D1Database, req: &Request, caller: &Caller, deps: &Deps) -> Result<()> {
    let now = now_ms();
    let stale = caller
        .key
        .last_used_at
        .is_none_or(|last| now - last >= store::LAST_USED_RESOLUTION_MS);
    if stale {
        let meta = deps.request.client_meta(req);
        let statement = store::touch_key(db, &caller.key.id, &meta, now)?;
        deps.ctx.wait_until(async move {
            let _ = statement.run().await;
        });
    }
    Ok(())
}

fn accepted() -> Result<Response> {
    empty_response(202)
}

/// 401 for a missing or unusable bearer token, pointing at the resource metadata so MCP
/// clients can discover where to get one. The body does not say what was wrong.
fn unauthorized(origin: &str, token_sent: bool) -> Result<Response> {
    let mut challenge = format!(
        "Bearer resource_metadata=\"{origin}/.well-known/oauth-protected-resource/mcp\", scope=\"{MCP_SCOPE}\""
    );
    if token_sent {
        challenge.push_str(", error=\"invalid_token\"");
    }
    let response = json_text_response(
        401,
        &error_body_json("unauthorized", "A valid bearer token is required."),
    )?;
    response.headers().set("WWW-Authenticate", &challenge)?;
    Ok(response)
}
