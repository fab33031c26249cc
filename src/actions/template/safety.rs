//! The rules every value a placeholder brings in must pass, and the refusal when one does not.
//!
//! Every value (secrets aside): not empty; at most [`MAX_VALUE`] characters ([`MAX_BODY_VALUE`] in a
//! JSON body); outside a JSON body, no control characters (newline, carriage return, NUL, ESC…) and
//! no invisible formatting characters (bidi overrides, zero-width spaces, soft hyphen); and the
//! pattern configured for the placeholder in the action's `patterns`, compiled anchored
//! (`^(?:…)$`), when there is one. Such a pattern is a Rust regex and Unicode-aware: `\w` and `.`
//! also match lookalike letters, so write `[A-Za-z0-9_]` to stay ASCII. (Values are not normalised
//! to NFC: they are compared as they come.)
//!
//! In argv and exec `env` values, where a program reads them as they are, a value without its own
//! pattern must match [`DEFAULT_PATTERN`], which is ASCII, so lookalike letters (Cyrillic `ѕ`,
//! full-width `／`) fail. In argv a value may not start with `-` (a `-rf` must not become an option)
//! and, in argv and `env`, no `..` path segment may be made of a value's characters, whatever the
//! pattern says. In a URL values are percent-encoded (only `A-Z a-z 0-9 - . _ ~` stay as they are)
//! and may not form a `.` or `..` path segment; in a header the result must be visible ASCII; in a
//! JSON body a value becomes a JSON string, escaped by the serialiser.
//!
//! Secrets (`{secret.NAME}`) are allowed only in exec `env` values, headers and bodies; they must be
//! set and not empty, and hold no control characters outside a body. They are never shown: the
//! display form, and any refusal, says `<secret:NAME>`.

use super::{Ctx, Part, Placeholder, Template, TemplateError};
use crate::sanitize::sanitize_trunc;
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use regex::Regex;
use std::collections::BTreeMap;
use std::fmt;
use std::sync::LazyLock;

/// What a value in argv or an exec `env` value must match unless its placeholder has a pattern.
pub const DEFAULT_PATTERN: &str = "^[A-Za-z0-9_.:/-]+$";
/// The longest value accepted, in characters.
pub const MAX_VALUE: usize = 256;
/// The longest value accepted in a JSON body (annotations run longer than label values).
pub const MAX_BODY_VALUE: usize = 4096;

static DEFAULT: LazyLock<Regex> = LazyLock::new(|| Regex::new(DEFAULT_PATTERN).expect("the default pattern compiles"));

/// Everything but the unreserved characters of RFC 3986.
const URL_VALUE: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

/// Where a value goes: each place has its own rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Argv,
    ExecEnv,
    Url,
    Header,
    Body,
}

impl Field {
    fn allows_secrets(self) -> bool {
        matches!(self, Field::ExecEnv | Field::Header | Field::Body)
    }

    fn where_(self) -> &'static str {
        match self {
            Field::Argv => "argv",
            Field::ExecEnv => "an exec env value",
            Field::Url => "the URL",
            Field::Header => "a header",
            Field::Body => "the body",
        }
    }
}

/// The per-placeholder patterns of one action, compiled.
#[derive(Debug, Clone, Default)]
pub struct Patterns {
    custom: BTreeMap<String, (String, Regex)>,
}

impl Patterns {
    /// Compile an action's `patterns` (placeholder name → regex). The error names the bad entry.
    pub fn compile(map: &BTreeMap<String, String>) -> Result<Patterns, (String, String)> {
        let mut custom = BTreeMap::new();
        for (k, src) in map {
            let re = anchored(src).map_err(|e| (k.clone(), e))?;
            custom.insert(k.clone(), (src.clone(), re));
        }
        Ok(Patterns { custom })
    }
}

/// A pattern compiled to match the whole value.
pub fn anchored(src: &str) -> Result<Regex, String> {
    Regex::new(&format!("^(?:{src})$")).map_err(|e| {
        let e = e.to_string();
        let last = e.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or(&e).trim().to_string();
        format!("`{src}` is not a valid regex: {last}")
    })
}

/// The rule a value broke.
#[derive(Debug, Clone, PartialEq)]
pub enum Rule {
    /// The placeholder has no value here; says why.
    Missing(String),
    Empty,
    TooLong {
        chars: usize,
        max: usize,
    },
    Control(char),
    Invisible(char),
    /// Outside [`DEFAULT_PATTERN`]: the first such character.
    NotAllowed(char),
    /// The action's own pattern for this placeholder.
    Pattern(String),
    LeadingDash,
    DotSegment(&'static str),
    /// A secret where it would be shown or logged.
    SecretHere(&'static str),
    /// `argv[0]` is not literal.
    ProgramTemplated,
    Template(String),
    /// The action's configuration is wrong (a pattern that does not compile).
    Config(String),
    Url(String),
    Header(String),
}

fn describe(c: char) -> String {
    match c {
        ' ' => "a space".into(),
        c if c.is_ascii_graphic() => format!("`{c}`"),
        c if c.is_control() || is_invisible(c) => format!("U+{:04X}", c as u32),
        c => format!("`{c}` (U+{:04X}, not ASCII)", c as u32),
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Rule::Missing(why) => write!(f, "no value: {why}"),
            Rule::Empty => f.write_str("the value is empty"),
            Rule::TooLong { chars, max } => write!(f, "{chars} characters long, the limit is {max}"),
            Rule::Control(c) => write!(f, "holds a control character ({})", describe(*c)),
            Rule::Invisible(c) => write!(f, "holds an invisible formatting character ({})", describe(*c)),
            Rule::NotAllowed(c) => write!(
                f,
                "{} is not allowed: values in a command may only hold letters, digits and _ . : / - ({DEFAULT_PATTERN})",
                describe(*c)
            ),
            Rule::Pattern(p) => write!(f, "does not match ^(?:{p})$, the action's pattern for it"),
            Rule::LeadingDash => f.write_str("starts with `-`, so the program would take it for an option"),
            Rule::DotSegment(seg) => write!(f, "makes a `{seg}` path segment, which could reach outside the intended path"),
            Rule::SecretHere("argv") => {
                f.write_str("a secret may not go into argv (process lists and the audit trail show it); pass it in exec `env`")
            }
            Rule::SecretHere(place) => write!(f, "a secret may not go into {place} (it would be shown and logged); send it in a header"),
            Rule::ProgramTemplated => f.write_str("the program (argv[0]) must be written out, not filled from a placeholder"),
            Rule::Template(e) => write!(f, "the template does not parse: {e}"),
            Rule::Config(e) => write!(f, "the action's configuration is wrong: {e}"),
            Rule::Url(e) => write!(f, "the URL would be wrong: {e}"),
            Rule::Header(e) => write!(f, "the header would be wrong: {e}"),
        }
    }
}

/// Why an action will not run, in one line: the action, the placeholder, its value (sanitised and
/// cut short; never a secret's) and the rule it broke.
#[derive(Debug, Clone, PartialEq)]
pub struct Refusal {
    pub action: String,
    /// As written, braces included: `{labels.service}`.
    pub placeholder: Option<String>,
    pub value: Option<String>,
    pub rule: Rule,
}

impl Refusal {
    pub(super) fn new(ctx: &Ctx, ph: Option<&Placeholder>, value: Option<&str>, rule: Rule) -> Refusal {
        Refusal {
            action: ctx.action.to_string(),
            placeholder: ph.map(|p| p.to_string()),
            value: value.filter(|_| !ph.is_some_and(Placeholder::is_secret)).map(|v| sanitize_trunc(v, 48)),
            rule,
        }
    }

    pub(super) fn template(ctx: &Ctx, e: &TemplateError) -> Refusal {
        Refusal::new(ctx, None, None, Rule::Template(e.to_string()))
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "action `{}` refused: ", sanitize_trunc(&self.action, 40))?;
        match (&self.placeholder, &self.value) {
            (Some(p), Some(v)) => write!(f, "{p} = \"{v}\": ")?,
            (Some(p), None) => write!(f, "{p}: ")?,
            _ => {}
        }
        write!(f, "{}", self.rule)
    }
}

impl std::error::Error for Refusal {}

/// An expanded template: the value to use, and the form to show, where secrets read `<secret:NAME>`.
/// `Debug` and `Display` show the redacted form, so a stray log line cannot leak a secret.
#[derive(Clone, PartialEq)]
pub struct Text {
    value: String,
    shown: String,
}

impl Text {
    pub fn literal(s: &str) -> Text {
        Text { value: s.to_string(), shown: s.to_string() }
    }

    /// The real value, secrets included: for the request or the process, never for the screen.
    pub fn reveal(&self) -> &str {
        &self.value
    }

    pub fn into_revealed(self) -> String {
        self.value
    }

    /// The form to show.
    pub fn shown(&self) -> &str {
        &self.shown
    }

    pub fn has_secret(&self) -> bool {
        self.value != self.shown
    }
}

impl fmt::Debug for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.shown, f)
    }
}

impl fmt::Display for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.shown)
    }
}

/// Invisible formatting characters: bidi controls, zero-width spaces and joiners, soft hyphen, BOM.
pub fn is_invisible(c: char) -> bool {
    matches!(c, '\u{00AD}' | '\u{061C}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2064}'
        | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
}

/// The rules for one non-secret value (see the module documentation).
fn check(raw: &str, field: Field, own: Option<&(String, Regex)>) -> Result<(), Rule> {
    if raw.is_empty() {
        return Err(Rule::Empty);
    }
    let max = if field == Field::Body { MAX_BODY_VALUE } else { MAX_VALUE };
    let chars = raw.chars().count();
    if chars > max {
        return Err(Rule::TooLong { chars, max });
    }
    if field != Field::Body {
        if let Some(c) = raw.chars().find(|c| c.is_control()) {
            return Err(Rule::Control(c));
        }
        if let Some(c) = raw.chars().find(|c| is_invisible(*c)) {
            return Err(Rule::Invisible(c));
        }
    }
    match own {
        Some((src, re)) if !re.is_match(raw) => return Err(Rule::Pattern(src.clone())),
        None if matches!(field, Field::Argv | Field::ExecEnv) && !DEFAULT.is_match(raw) => {
            let bad = raw.chars().find(|c| !DEFAULT.is_match(c.encode_utf8(&mut [0; 4]))).unwrap_or(' ');
            return Err(Rule::NotAllowed(bad));
        }
        _ => {}
    }
    if field == Field::Argv && raw.starts_with('-') {
        return Err(Rule::LeadingDash);
    }
    Ok(())
}

fn check_secret(raw: &str, field: Field) -> Result<(), Rule> {
    if raw.is_empty() {
        return Err(Rule::Empty);
    }
    match raw.chars().find(|c| c.is_control()) {
        Some(c) if field != Field::Body => Err(Rule::Control(c)),
        _ => Ok(()),
    }
}

/// Expand `t` for `field`, checking every value (the rules are in the module documentation).
pub(super) fn expand_checked(t: &Template, ctx: &Ctx, patterns: &Patterns, field: Field) -> Result<Text, Refusal> {
    let (mut value, mut shown) = (String::new(), String::new());
    // Where each value landed in `value`, to tell which placeholder made a `..` segment.
    let mut spans: Vec<(std::ops::Range<usize>, &Placeholder, String)> = Vec::new();
    for part in &t.parts {
        let ph = match part {
            Part::Lit(l) => {
                value.push_str(l);
                shown.push_str(l);
                continue;
            }
            Part::Ph(ph) => ph,
        };
        if ph.is_secret() && !field.allows_secrets() {
            return Err(Refusal::new(ctx, Some(ph), None, Rule::SecretHere(field.where_())));
        }
        let raw = ctx.value(ph).map_err(|r| Refusal::new(ctx, Some(ph), None, r))?;
        if let Placeholder::Secret(name) = ph {
            check_secret(&raw, field).map_err(|r| Refusal::new(ctx, Some(ph), None, r))?;
            value.push_str(&raw);
            shown.push_str(&format!("<secret:{name}>"));
            continue;
        }
        check(&raw, field, patterns.custom.get(&ph.key())).map_err(|r| Refusal::new(ctx, Some(ph), Some(&raw), r))?;
        let put = if field == Field::Url { utf8_percent_encode(&raw, URL_VALUE).to_string() } else { raw.clone() };
        let start = value.len();
        value.push_str(&put);
        shown.push_str(&put);
        spans.push((start..value.len(), ph, raw));
    }
    let (dots, end, seps): (&[&str], usize, &[char]) = match field {
        Field::Argv | Field::ExecEnv => (&[".."], value.len(), &['/', '\\']),
        Field::Url => (&[".", ".."], value.find(['?', '#']).unwrap_or(value.len()), &['/']),
        Field::Header | Field::Body => (&[], 0, &[]),
    };
    let mut at = 0;
    for seg in value[..end].split(seps) {
        let range = at..at + seg.len();
        at = range.end + 1;
        let Some(d) = dots.iter().find(|d| **d == seg) else { continue };
        if let Some((_, ph, raw)) = spans.iter().find(|(r, _, _)| r.start < range.end && range.start < r.end) {
            return Err(Refusal::new(ctx, Some(ph), Some(raw), Rule::DotSegment(d)));
        }
    }
    Ok(Text { value, shown })
}
