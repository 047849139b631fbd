//! A daemon method's params as its handler sees them: the parsed members together with
//! the raw text, so that every parameter error can quote what the peer sent (`got`).
//!
//! Handlers ask for what they need (`p.path()`, `p.timeout()`, ...) and get either the
//! value or the error to answer with; the checks live here once instead of in each
//! handler.

use crate::bus::wire::Dialect;
use std::borrow::Cow;
use std::time::Duration;

use jet_runtime::fetch::engine::FetchExpr;
use jet_runtime::protocol::ErrorObject;
use serde_json::value::RawValue;

use super::message::{self, Members};

/// One request's params: members plus raw text. Cheap to copy (borrowed).
#[derive(Debug, Clone, Copy)]
pub(in crate::bus) struct Params<'a> {
    /// The members, each as raw JSON text (`None`: absent).
    pub m: Members<'a>,
    raw: Option<&'a RawValue>,
}

impl<'a> Params<'a> {
    pub(super) fn new(m: Members<'a>, raw: Option<&'a RawValue>) -> Params<'a> {
        Params { m, raw }
    }

    /// The params exactly as sent (`None`: absent).
    pub(super) fn raw(&self) -> Option<&'a RawValue> {
        self.raw
    }

    /// The params as a `Value`, for the `got` member of parameter errors.
    pub(super) fn got(&self) -> serde_json::Value {
        message::got(self.raw)
    }

    /// `Invalid params` naming a member whose type is wrong.
    pub(super) fn wrong_type(&self, key: &str) -> ErrorObject {
        ErrorObject::wrong_type(key, self.got())
    }

    /// `Invalid params` naming a member that is missing.
    pub(super) fn missing(&self, key: &str) -> ErrorObject {
        ErrorObject::missing_param(key, self.got())
    }

    /// A member that must be a string.
    pub(super) fn required_str(
        &self,
        member: Option<&'a RawValue>,
        key: &str,
    ) -> Result<Cow<'a, str>, ErrorObject> {
        let member = member.ok_or_else(|| self.missing(key))?;
        message::as_str(member).ok_or_else(|| self.wrong_type(key))
    }

    /// `path`, which every element method needs.
    pub(super) fn path(&self) -> Result<Cow<'a, str>, ErrorObject> {
        self.required_str(self.m.path, "path")
    }

    /// `value`, any JSON value.
    pub(super) fn value(&self) -> Result<&'a RawValue, ErrorObject> {
        self.m.value.ok_or_else(|| self.missing("value"))
    }

    /// A member that, when present, must be `true` or `false` (absent: `false`).
    pub(super) fn flag(&self, member: Option<&RawValue>, key: &str) -> Result<bool, ErrorObject> {
        match member.map(RawValue::get) {
            None | Some("false") => Ok(false),
            Some("true") => Ok(true),
            Some(_) => Err(self.wrong_type(key)),
        }
    }

    /// `timeout` in seconds: a positive, finite number (A.5), checked as `--timeout` is.
    pub(super) fn timeout(&self) -> Result<Option<Duration>, ErrorObject> {
        let Some(member) = self.m.timeout else {
            return Ok(None);
        };
        serde_json::from_str(member.get())
            .ok()
            .and_then(crate::config::timeout_from_secs)
            .map(Some)
            .ok_or_else(|| self.wrong_type("timeout"))
    }

    /// A fetch id: a string or a number.
    pub(super) fn fetch_id(&self) -> Result<&'a RawValue, ErrorObject> {
        let id = self.m.id.ok_or_else(|| self.missing("id"))?;
        let first = id.get().as_bytes().first().copied().unwrap_or(b' ');
        if first == b'"' || first == b'-' || first.is_ascii_digit() {
            Ok(id)
        } else {
            Err(self.wrong_type("id"))
        }
    }

    /// The params as a fetch expression (`fetch`, `get`, `schema`), read in the
    /// requester's dialect (node-jet 3's value rules and `sort.by`, A.10).
    pub(super) fn expr(&self, dialect: Dialect) -> Result<FetchExpr, ErrorObject> {
        let params = match dialect {
            Dialect::Classic => self.got(),
            Dialect::N3 => crate::bus::n3::fetch_params(self.got()),
        };
        FetchExpr::parse(&params).map_err(|e| ErrorObject::invalid_fetch(e.0))
    }
}
