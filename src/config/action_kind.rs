//! What an action does: run a program (`exec`) or send a request (`http`).

use serde::{Deserialize, Deserializer, Serialize};
use std::collections::BTreeMap;
use std::path::PathBuf;

#[derive(Debug, Clone, PartialEq)]
pub enum ActionKind {
    Exec(Exec),
    Http(Http),
}

/// A program run directly (no shell), each argument a template expanded on its own.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Exec {
    /// The program (written out, never a placeholder) and its arguments.
    pub argv: Vec<String>,
    /// Suspend the dashboard and give the program the terminal.
    #[serde(default)]
    pub interactive: bool,
    pub cwd: Option<PathBuf>,
    /// Extra environment variables; values are templates and may use `{secret.NAME}`.
    #[serde(default)]
    pub env: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Method {
    Get,
    Post,
    Put,
    Patch,
    Delete,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
        }
    }
}

/// A request: the URL and header values are templates; the body is a TOML value sent as JSON, its
/// strings templates.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Http {
    pub method: Method,
    pub url: String,
    pub headers: BTreeMap<String, String>,
    /// An environment variable holding a bearer token (sent as `Authorization: Bearer …`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bearer_token_env: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<toml::Value>,
    /// Statuses that mean success; any 2xx when empty.
    pub expect_status: Vec<u16>,
}

impl Http {
    pub fn status_ok(&self, status: u16) -> bool {
        if self.expect_status.is_empty() {
            (200..300).contains(&status)
        } else {
            self.expect_status.contains(&status)
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHttp {
    #[serde(default = "default_method")]
    method: Method,
    url: String,
    #[serde(default)]
    headers: BTreeMap<String, String>,
    bearer_token_env: Option<String>,
    body: Option<toml::Value>,
    #[serde(default)]
    expect_status: Vec<u16>,
    interactive: Option<bool>,
}

fn default_method() -> Method {
    Method::Post
}

impl<'de> Deserialize<'de> for Http {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let r = RawHttp::deserialize(d)?;
        if r.interactive.is_some() {
            return Err(serde::de::Error::custom(
                "`interactive` is for exec actions: a request has no program to hand the terminal to\n\
                 hint: remove it, or run a program with exec = { argv = […], interactive = true }",
            ));
        }
        let RawHttp { method, url, headers, bearer_token_env, body, expect_status, .. } = r;
        Ok(Http { method, url, headers, bearer_token_env, body, expect_status })
    }
}
