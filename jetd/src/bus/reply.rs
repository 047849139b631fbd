//! What a daemon method answers ([`Reply`]), shared by the dispatcher (which sends it)
//! and the methods (which make it).

use jet_runtime::protocol::ErrorObject;

/// The result of a daemon method: a response to send, nothing (routed: the owner answers
/// later), or an `authenticate` to verify off the lock.
pub(in crate::bus) enum Reply {
    /// The result as JSON text (borrowed for the constant `true`, the common case).
    Result(std::borrow::Cow<'static, str>),
    Error(ErrorObject),
    Later,
    Authenticate(String, String),
}

impl Reply {
    /// A result the method wrote as JSON text.
    pub(in crate::bus) fn json(text: Vec<u8>) -> Reply {
        Reply::Result(String::from_utf8(text).expect("JSON text is UTF-8").into())
    }
}

/// What a daemon method returns: its reply, or the error to answer with.
pub(in crate::bus) type MethodResult = Result<Reply, ErrorObject>;

impl From<ErrorObject> for Reply {
    fn from(e: ErrorObject) -> Self {
        Reply::Error(e)
    }
}

/// The result of most methods, as JSON text.
pub(in crate::bus) const TRUE: &str = "true";
