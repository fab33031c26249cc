//! An HTTP action's request: the URL with every value percent-encoded, headers (secrets allowed,
//! never shown), and a JSON body built as a JSON value — a placeholder's value becomes a JSON string,
//! never text pasted into JSON.

use super::safety::{expand_checked, Field, Patterns, Refusal, Rule, Text};
use super::{origin_problem, Ctx, Placeholder, Template};
use crate::config::{Http, Method};
use std::fmt;

/// A request ready to send, and to show before it is sent.
#[derive(Clone, PartialEq)]
pub struct Request {
    pub method: Method,
    /// Holds no secret (they are refused in URLs), so it is shown as it is.
    pub url: String,
    /// In order; values may hold secrets, shown redacted.
    pub headers: Vec<(String, Text)>,
    pub body: Option<Body>,
}

/// A JSON body: the one to send and the one to show (secrets as `<secret:NAME>`).
#[derive(Clone, PartialEq)]
pub struct Body {
    value: serde_json::Value,
    shown: serde_json::Value,
}

impl Body {
    /// The body to send, secrets included.
    pub fn reveal(&self) -> &serde_json::Value {
        &self.value
    }

    pub fn shown(&self) -> &serde_json::Value {
        &self.shown
    }
}

impl Request {
    /// The request as the confirmation shows it: method and URL, headers, a blank line, the body.
    /// Secrets read `<secret:NAME>`.
    pub fn display(&self) -> String {
        let mut out = format!("{} {}", self.method.as_str(), self.url);
        for (name, value) in &self.headers {
            out.push_str(&format!("\n{name}: {}", value.shown()));
        }
        if let Some(b) = &self.body {
            out.push_str(&format!("\n\n{}", b.shown));
        }
        out
    }
}

impl fmt::Debug for Request {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.display())
    }
}

/// Expand an HTTP action for `ctx`.
pub fn expand_http(http: &Http, ctx: &Ctx, patterns: &Patterns) -> Result<Request, Refusal> {
    let url_t = Template::parse(&http.url).map_err(|e| Refusal::template(ctx, &e))?;
    let url_err = |m: String| Refusal::new(ctx, None, None, Rule::Url(m));
    if let Some(p) = origin_problem(&url_t) {
        return Err(url_err(p));
    }
    let url = expand_checked(&url_t, ctx, patterns, Field::Url)?.into_revealed();
    let parsed = reqwest::Url::parse(&url).map_err(|e| url_err(format!("`{url}` does not parse: {e}")))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(url_err(format!("`{url}` is not http or https")));
    }
    let fixed = reqwest::Url::parse(url_t.prefix()).ok().filter(|_| url_t.placeholders().next().is_some());
    if fixed.is_some_and(|f| f.origin() != parsed.origin()) {
        return Err(url_err(format!("`{url}` no longer goes to the host the template names")));
    }

    let mut headers = Vec::new();
    for (name, template) in &http.headers {
        let t = Template::parse(template).map_err(|e| Refusal::template(ctx, &e))?;
        headers.push((name.clone(), expand_checked(&t, ctx, patterns, Field::Header)?));
    }
    if let Some(var) = &http.bearer_token_env {
        let ph = Placeholder::Secret(var.clone());
        let t = Template { parts: vec![super::Part::Lit("Bearer ".into()), super::Part::Ph(ph)] };
        headers.push(("Authorization".into(), expand_checked(&t, ctx, patterns, Field::Header)?));
    }
    let body = http.body.as_ref().map(|b| json(b, ctx, patterns)).transpose()?;
    if body.is_some() && !headers.iter().any(|(n, _)| n.eq_ignore_ascii_case("content-type")) {
        headers.push(("Content-Type".into(), Text::literal("application/json")));
    }
    for (name, value) in &headers {
        if reqwest::header::HeaderName::from_bytes(name.as_bytes()).is_err() {
            return Err(Refusal::new(ctx, None, None, Rule::Header(format!("`{name}` is not a header name"))));
        }
        // Visible ASCII and spaces only (the HTTP crate would also pass bytes above 0x7F through).
        if !value.reveal().chars().all(|c| (' '..='~').contains(&c)) {
            let shown = crate::sanitize::sanitize_trunc(value.shown(), 48);
            let m = format!("the value of `{name}` (\"{shown}\") must be visible ASCII");
            return Err(Refusal::new(ctx, None, None, Rule::Header(m)));
        }
    }
    Ok(Request { method: http.method, url: parsed.to_string(), headers, body })
}

/// A TOML value as JSON, its strings expanded as templates into JSON strings.
fn json(v: &toml::Value, ctx: &Ctx, patterns: &Patterns) -> Result<Body, Refusal> {
    use serde_json::Value as J;
    let same = |j: J| Body { value: j.clone(), shown: j };
    Ok(match v {
        toml::Value::String(s) => {
            let t = Template::parse(s).map_err(|e| Refusal::template(ctx, &e))?;
            let text = expand_checked(&t, ctx, patterns, Field::Body)?;
            Body { shown: J::String(text.shown().to_string()), value: J::String(text.into_revealed()) }
        }
        toml::Value::Integer(i) => same(J::from(*i)),
        toml::Value::Float(f) => same(serde_json::Number::from_f64(*f).map_or(J::Null, J::Number)),
        toml::Value::Boolean(b) => same(J::Bool(*b)),
        toml::Value::Datetime(d) => same(J::String(d.to_string())),
        toml::Value::Array(items) => {
            let (mut value, mut shown) = (Vec::new(), Vec::new());
            for item in items {
                let b = json(item, ctx, patterns)?;
                value.push(b.value);
                shown.push(b.shown);
            }
            Body { value: J::Array(value), shown: J::Array(shown) }
        }
        toml::Value::Table(t) => {
            let (mut value, mut shown) = (serde_json::Map::new(), serde_json::Map::new());
            for (k, item) in t {
                let b = json(item, ctx, patterns)?;
                value.insert(k.clone(), b.value);
                shown.insert(k.clone(), b.shown);
            }
            Body { value: J::Object(value), shown: J::Object(shown) }
        }
    })
}
