//! The LogQL subset the demo's Loki answers, parsed into [`Query`]; evaluation is in
//! [`pipeline`].
//!
//! - stream selector `{name="v", name!="v", name=~"re", name!~"re"}` (regexes fully anchored), with at
//!   least one matcher that cannot match the empty string, as Loki requires;
//! - line filters `|= "s"`, `!= "s"`, `|~ "re"`, `!~ "re"`;
//! - parsers `| json` and `| logfmt`;
//! - label filters `| name="v"` (`!=`, `=~`, `!~`), numeric `| name > 1000` (`>=`, `<`, `<=`, `==`, `!=`),
//!   joined with `and`, `,`, `or` and parentheses;
//! - metric queries `count_over_time(<log query> [range])` and `rate(…)`, optionally inside
//!   `sum(…)`, `sum by (labels) (…)` or `sum without (labels) (…)` (the grouping may also follow).
//!
//! Anything else is a [`ParseError`] worded like Loki's (`parse error at line 1, col N: syntax error:
//! unexpected …`); LogQL the demo does not implement says so in the message.

mod json;
mod lex;
mod parser;
pub mod pipeline;
#[cfg(test)]
mod tests;

pub use lex::parse_duration;

use lex::{lex, Tok};
use parser::Parser;
use regex::Regex;
use std::fmt;

#[derive(Debug, Clone, PartialEq)]
pub struct ParseError {
    /// 1-based column of the offending token, if the error has a place.
    pub col: Option<usize>,
    /// Loki reports line 0 for its two-character operators (`|=`, `!=`, …) and line 1 otherwise.
    pub line: u8,
    pub msg: String,
}

impl ParseError {
    fn at(col: usize, msg: impl Into<String>) -> ParseError {
        ParseError { col: Some(col), line: 1, msg: msg.into() }
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.col {
            Some(c) => write!(f, "parse error at line {}, col {c}: {}", self.line, self.msg),
            None => write!(f, "parse error : {}", self.msg),
        }
    }
}

pub const EMPTY_SELECTOR: &str = "queries require at least one regexp or equality matcher that does not have an \
    empty-compatible value. For instance, app=~\".*\" does not meet this requirement, but app=~\".+\" will";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatchOp {
    Eq,
    Neq,
    Re,
    Nre,
}

/// A label matcher (in a selector or a label filter). Regexes are anchored at both ends.
#[derive(Debug, Clone)]
pub struct Matcher {
    pub name: String,
    pub op: MatchOp,
    pub value: String,
    re: Option<Regex>,
}

impl Matcher {
    pub fn new(name: &str, op: MatchOp, value: &str) -> Result<Matcher, String> {
        let re = match op {
            MatchOp::Re | MatchOp::Nre => Some(compile(&format!("^(?s:{value})$"), value)?),
            _ => None,
        };
        Ok(Matcher { name: name.to_string(), op, value: value.to_string(), re })
    }

    pub fn matches(&self, v: &str) -> bool {
        match (self.op, &self.re) {
            (MatchOp::Eq, _) => v == self.value,
            (MatchOp::Neq, _) => v != self.value,
            (MatchOp::Re, Some(re)) => re.is_match(v),
            (MatchOp::Nre, Some(re)) => !re.is_match(v),
            _ => false,
        }
    }

    /// Whether this matcher narrows a selection (Loki's "not empty-compatible" rule).
    fn selects(&self) -> bool {
        matches!(self.op, MatchOp::Eq | MatchOp::Re) && !self.matches("")
    }
}

fn compile(pattern: &str, shown: &str) -> Result<Regex, String> {
    Regex::new(pattern).map_err(|e| {
        let reason = e.to_string().lines().rfind(|l| !l.trim().is_empty()).unwrap_or_default().to_string();
        format!("error parsing regexp: {}: `{shown}`", reason.trim_start_matches("error: "))
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineOp {
    Contains,
    NotContains,
    Match,
    NotMatch,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cmp {
    Gt,
    Ge,
    Lt,
    Le,
    Eq,
    Ne,
}

/// A label filter after `|`.
#[derive(Debug, Clone)]
pub enum LabelPred {
    Str(Matcher),
    Num { name: String, cmp: Cmp, value: f64 },
    And(Box<LabelPred>, Box<LabelPred>),
    Or(Box<LabelPred>, Box<LabelPred>),
}

#[derive(Debug, Clone)]
pub enum Stage {
    Line { op: LineOp, value: String, re: Option<Regex> },
    Json,
    Logfmt,
    Filter(LabelPred),
}

/// A log query: a stream selector and its pipeline.
#[derive(Debug, Clone)]
pub struct LogQuery {
    pub matchers: Vec<Matcher>,
    pub stages: Vec<Stage>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RangeFn {
    CountOverTime,
    Rate,
}

/// The `sum` around a range aggregation: by these labels, or without them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sum {
    By(Vec<String>),
    Without(Vec<String>),
}

#[derive(Debug, Clone)]
pub struct MetricQuery {
    pub func: RangeFn,
    pub log: LogQuery,
    pub range_ns: i64,
    pub sum: Option<Sum>,
}

#[derive(Debug, Clone)]
pub enum Query {
    Log(LogQuery),
    Metric(MetricQuery),
}

/// Parse a LogQL query.
pub fn parse(input: &str) -> Result<Query, ParseError> {
    Parser { toks: lex(input)?, pos: 0 }.query()
}

/// Parse a log query only (what `/tail` accepts): anything else is an error at its first token.
pub fn parse_log(input: &str) -> Result<LogQuery, ParseError> {
    let mut p = Parser { toks: lex(input)?, pos: 0 };
    if !p.is("{") {
        return Err(p.unexpected(p.peek(), "{"));
    }
    match p.query()? {
        Query::Log(l) => Ok(l),
        Query::Metric(_) => Err(ParseError::at(1, "syntax error: unexpected metric query, expecting {")),
    }
}

/// Loki's rule: a query must have a matcher that narrows the selection.
fn selective(matchers: Vec<Matcher>) -> Result<Vec<Matcher>, ParseError> {
    if matchers.iter().any(Matcher::selects) {
        Ok(matchers)
    } else {
        Err(ParseError { col: None, line: 1, msg: EMPTY_SELECTOR.into() })
    }
}

/// Parse the stream selector of a log query (the `match[]` of `/series`, the `query` of `/labels`),
/// ignoring any pipeline and without the rule that it must narrow the selection.
pub fn parse_selector(input: &str) -> Result<Vec<Matcher>, ParseError> {
    let mut p = Parser { toks: lex(input)?, pos: 0 };
    let matchers = p.selector()?;
    p.stages()?;
    match p.peek().tok {
        Tok::End => Ok(matchers),
        _ => Err(p.unexpected(p.peek(), "")),
    }
}
