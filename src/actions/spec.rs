//! An action made concrete for one run: the exact program and arguments, or the exact request, plus
//! the form the confirmation and the dry-run key show. The specs themselves are configuration:
//! [`crate::config::ActionSpec`].

use super::template::{expand_argv, expand_http, expand_text, Ctx, Field, Patterns, Refusal, Request, Rule, Text};
use crate::config::{ActionKind, ActionSpec};
use std::borrow::Cow;
use std::path::PathBuf;

/// What one run of an action will do.
#[derive(Debug, Clone, PartialEq)]
pub enum Rendered {
    Exec(Command),
    Http(Request),
}

/// A program to run directly (no shell).
#[derive(Debug, Clone, PartialEq)]
pub struct Command {
    /// Passed as it is: one string, one argument.
    pub argv: Vec<String>,
    /// Extra environment variables; values may hold secrets, shown redacted.
    pub env: Vec<(String, Text)>,
    pub cwd: Option<PathBuf>,
    pub interactive: bool,
}

impl Command {
    /// argv quoted the way a POSIX shell would need it, so what is shown is exactly what runs,
    /// unambiguous even with spaces or quotes (it is shown, never given to a shell).
    pub fn display_argv(&self) -> String {
        let words: Vec<Cow<str>> = self.argv.iter().enumerate().map(|(i, a)| shell_quote(a, i == 0)).collect();
        words.join(" ")
    }

    /// The command, then its environment and directory on their own lines. Secrets read `<secret:NAME>`.
    pub fn display(&self) -> String {
        let mut out = self.display_argv();
        for (k, v) in &self.env {
            out.push_str(&format!("\n  env {k}={}", shell_quote(v.shown(), false)));
        }
        if let Some(d) = &self.cwd {
            out.push_str(&format!("\n  in {}", shell_quote(&d.display().to_string(), false)));
        }
        if self.interactive {
            out.push_str("\n  interactive: the dashboard is suspended while it runs");
        }
        out
    }
}

impl Rendered {
    /// What the confirmation shows (and the dry-run key prints): the whole command or request,
    /// secrets redacted.
    pub fn display(&self) -> String {
        match self {
            Rendered::Exec(c) => c.display(),
            Rendered::Http(r) => r.display(),
        }
    }

    /// For a program: its argv shell-quoted.
    pub fn display_argv(&self) -> Option<String> {
        match self {
            Rendered::Exec(c) => Some(c.display_argv()),
            Rendered::Http(_) => None,
        }
    }
}

/// Expand `spec` for one run. `ctx.action` should be the spec's name (refusals quote it).
pub fn render(spec: &ActionSpec, ctx: &Ctx) -> Result<Rendered, Refusal> {
    let patterns = Patterns::compile(&spec.patterns).map_err(|(key, e)| Refusal {
        action: ctx.action.to_string(),
        placeholder: Some(format!("{{{key}}}")),
        value: None,
        rule: Rule::Config(e),
    })?;
    Ok(match &spec.kind {
        ActionKind::Exec(e) => {
            let argv = expand_argv(&e.argv, ctx, &patterns)?;
            let mut env = Vec::new();
            for (k, v) in &e.env {
                env.push((k.clone(), expand_text(v, ctx, &patterns, Field::ExecEnv)?));
            }
            Rendered::Exec(Command { argv, env, cwd: e.cwd.clone(), interactive: e.interactive })
        }
        ActionKind::Http(h) => Rendered::Http(expand_http(h, ctx, &patterns)?),
    })
}

/// One word as a POSIX shell would need it quoted: bare when only safe characters, in single quotes
/// otherwise, and as `$'…'` with escapes when it holds control or invisible characters.
pub fn shell_quote(s: &str, first: bool) -> Cow<'_, str> {
    let safe = |c: char| c.is_ascii_alphanumeric() || "_@%+:,./-".contains(c) || (c == '=' && !first);
    if !s.is_empty() && s.chars().all(safe) {
        return Cow::Borrowed(s);
    }
    let hidden = |c: char| c.is_control() || super::template::is_invisible(c);
    if !s.chars().any(hidden) {
        return Cow::Owned(format!("'{}'", s.replace('\'', r"'\''")));
    }
    let mut out = String::from("$'");
    for c in s.chars() {
        match c {
            '\\' => out.push_str(r"\\"),
            '\'' => out.push_str(r"\'"),
            '\n' => out.push_str(r"\n"),
            '\r' => out.push_str(r"\r"),
            '\t' => out.push_str(r"\t"),
            c if (c as u32) < 0x80 && hidden(c) => out.push_str(&format!("\\x{:02x}", c as u32)),
            c if hidden(c) => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('\'');
    Cow::Owned(out)
}

#[cfg(test)]
mod tests;
