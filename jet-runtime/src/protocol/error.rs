use serde::{Deserialize, Serialize};
use serde_json::Value;

/// JSON-RPC and Jet error codes (PROTOCOL.md A.3, B.3.1).
pub mod codes {
    /// Undecodable JSON.
    pub const PARSE_ERROR: i64 = -32700;
    /// Neither a request nor a response.
    pub const INVALID_REQUEST: i64 = -32600;
    /// Unknown daemon method.
    pub const METHOD_NOT_FOUND: i64 = -32601;
    /// Almost every Jet-level failure (missing path, occupied path, no access, ...).
    pub const INVALID_PARAMS: i64 = -32602;
    /// Unexpected failures, errors thrown by handlers, owner disconnected.
    pub const INTERNAL_ERROR: i64 = -32603;
    /// A routed `set` or `call` was not answered in time.
    pub const RESPONSE_TIMEOUT: i64 = -32001;
    /// A configured resource limit of the daemon was hit (jetd extension).
    pub const LIMIT_EXCEEDED: i64 = -32002;
}

/// A JSON-RPC error object.
///
/// Field order matters for byte-level compatibility with node-jet traces: `message`,
/// `code`, `data`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorObject {
    /// Human-readable text.
    pub message: String,
    /// The error code ([`codes`]).
    pub code: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    /// Details; for Jet errors `{kind: detail}`.
    pub data: Option<Value>,
}

impl ErrorObject {
    /// An error with the standard message for `code` (or "Error" for unknown codes).
    pub fn new(code: i64, data: Option<Value>) -> Self {
        ErrorObject {
            message: standard_message(code).to_owned(),
            code,
            data,
        }
    }

    /// `-32602 Invalid params` with `data = {key: value}`: the shape of every Jet-level error.
    pub fn invalid_params_with(key: &str, value: Value) -> Self {
        let mut data = serde_json::Map::with_capacity(1);
        data.insert(key.to_owned(), value);
        Self::new(codes::INVALID_PARAMS, Some(Value::Object(data)))
    }

    /// `-32700 Parse error`; data = why the message is not JSON.
    pub fn parse_error(reason: impl Into<String>) -> Self {
        Self::new(codes::PARSE_ERROR, Some(Value::String(reason.into())))
    }

    /// `-32600 Invalid Request`; data = what is wrong with it.
    pub fn invalid_request(data: Value) -> Self {
        Self::new(codes::INVALID_REQUEST, Some(data))
    }

    /// `-32601 Method not found`; data = the method.
    pub fn method_not_found(method: Value) -> Self {
        Self::new(codes::METHOD_NOT_FOUND, Some(method))
    }

    /// `{"missingParam":"<key>","got":<params>}`
    pub fn missing_param(key: &str, got: Value) -> Self {
        let mut data = serde_json::Map::with_capacity(2);
        data.insert("missingParam".into(), Value::String(key.into()));
        data.insert("got".into(), got);
        Self::new(codes::INVALID_PARAMS, Some(Value::Object(data)))
    }

    /// `{"wrongType":"<key>","got":<params>}`
    pub fn wrong_type(key: &str, got: Value) -> Self {
        let mut data = serde_json::Map::with_capacity(2);
        data.insert("wrongType".into(), Value::String(key.into()));
        data.insert("got".into(), got);
        Self::new(codes::INVALID_PARAMS, Some(Value::Object(data)))
    }

    /// `pathAlreadyExists`: `add` of a path that exists.
    pub fn path_already_exists(path: &str) -> Self {
        Self::invalid_params_with("pathAlreadyExists", Value::String(path.into()))
    }

    /// `pathNotExists`: no element at the path (or one this peer may not see).
    pub fn path_not_exists(path: &str) -> Self {
        Self::invalid_params_with("pathNotExists", Value::String(path.into()))
    }

    /// `foreignPath`: `change` or `remove` of an element another peer owns.
    pub fn foreign_path(path: &str) -> Self {
        Self::invalid_params_with("foreignPath", Value::String(path.into()))
    }

    /// `fetchOnly`: `set` of a state added fetch-only.
    pub fn fetch_only(path: &str) -> Self {
        Self::invalid_params_with("fetchOnly", Value::String(path.into()))
    }

    /// `noAccess`: the peer's groups do not allow this.
    pub fn no_access(path: &str) -> Self {
        Self::invalid_params_with("noAccess", Value::String(path.into()))
    }

    /// `notAState`: `set` of a method.
    pub fn not_a_state(path: &str) -> Self {
        Self::invalid_params_with("notAState", Value::String(path.into()))
    }

    /// `notAMethod`: `call` of a state.
    pub fn not_a_method(path: &str) -> Self {
        Self::invalid_params_with("notAMethod", Value::String(path.into()))
    }

    /// `fetchIdInUse`: a fetch with this id exists on this connection.
    pub fn fetch_id_in_use(id: Value) -> Self {
        Self::invalid_params_with("fetchIdInUse", id)
    }

    /// `fetchNotFound`: `unfetch` of an unknown id.
    pub fn fetch_not_found(id: Value) -> Self {
        Self::invalid_params_with("fetchNotFound", id)
    }

    /// `invalidFetch`: the expression is refused; `what` says why.
    pub fn invalid_fetch(what: impl Into<String>) -> Self {
        Self::invalid_params_with("invalidFetch", Value::String(what.into()))
    }

    /// `invalidCredentials`: `authenticate` refused.
    pub fn invalid_credentials() -> Self {
        Self::invalid_params_with("invalidCredentials", Value::Bool(true))
    }

    /// `alreadyFetching`: `authenticate` after a fetch.
    pub fn already_fetching() -> Self {
        Self::invalid_params_with("alreadyFetching", Value::Bool(true))
    }

    /// `-32001 Response Timeout`; data = the original request's params.
    pub fn response_timeout(params: Value) -> Self {
        Self::new(codes::RESPONSE_TIMEOUT, Some(params))
    }

    /// `-32603 Internal error` with `{"ownerDisconnected":"<path>"}`.
    pub fn owner_disconnected(path: &str) -> Self {
        let mut data = serde_json::Map::with_capacity(1);
        data.insert("ownerDisconnected".into(), Value::String(path.into()));
        Self::new(codes::INTERNAL_ERROR, Some(Value::Object(data)))
    }

    /// `-32002 Limit exceeded` with `{"limitExceeded":"<which>","limit":N}`.
    pub fn limit_exceeded(which: &str, limit: usize) -> Self {
        let mut data = serde_json::Map::with_capacity(2);
        data.insert("limitExceeded".into(), Value::String(which.into()));
        data.insert("limit".into(), Value::from(limit));
        Self::new(codes::LIMIT_EXCEEDED, Some(Value::Object(data)))
    }

    /// `-32603 Internal error` with `data`.
    pub fn internal(data: Value) -> Self {
        Self::new(codes::INTERNAL_ERROR, Some(data))
    }

    /// The first key of an object-valued `data`, which is how Jet names the error kind
    /// (`pathNotExists`, `fetchOnly`, ...).
    pub fn data_kind(&self) -> Option<&str> {
        match &self.data {
            Some(Value::Object(map)) => map.keys().next().map(String::as_str),
            _ => None,
        }
    }
}

impl std::fmt::Display for ErrorObject {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.message, self.code)?;
        if let Some(data) = &self.data {
            write!(f, ": {data}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ErrorObject {}

/// The message text JSON-RPC and the Jet implementations use for each code.
pub(crate) fn standard_message(code: i64) -> &'static str {
    match code {
        codes::PARSE_ERROR => "Parse error",
        codes::INVALID_REQUEST => "Invalid Request",
        codes::METHOD_NOT_FOUND => "Method not found",
        codes::INVALID_PARAMS => "Invalid params",
        codes::INTERNAL_ERROR => "Internal error",
        codes::RESPONSE_TIMEOUT => "Response Timeout",
        codes::LIMIT_EXCEEDED => "Limit exceeded",
        _ => "Error",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn members_are_serialised_message_code_data() {
        let e = ErrorObject::path_not_exists("a/b");
        assert_eq!(
            serde_json::to_string(&e).unwrap(),
            r#"{"message":"Invalid params","code":-32602,"data":{"pathNotExists":"a/b"}}"#
        );
        assert_eq!(e.data_kind(), Some("pathNotExists"));
    }

    #[test]
    fn missing_param_names_key_and_params() {
        let e = ErrorObject::missing_param("path", serde_json::json!({"value":1}));
        assert_eq!(
            serde_json::to_string(&e).unwrap(),
            r#"{"message":"Invalid params","code":-32602,"data":{"missingParam":"path","got":{"value":1}}}"#
        );
    }
}
