//! LogQL's tokens: Loki's lexer, as far as the demo's subset needs it.

use super::ParseError;

/// Keywords of LogQL the demo does not implement: named in the error rather than called identifiers.
pub(super) const UNSUPPORTED: &[&str] = &[
    "line_format",
    "label_format",
    "unwrap",
    "regexp",
    "pattern",
    "unpack",
    "drop",
    "keep",
    "decolorize",
    "distinct",
    "bytes_over_time",
    "bytes_rate",
    "avg_over_time",
    "sum_over_time",
    "min_over_time",
    "max_over_time",
    "stdvar_over_time",
    "stddev_over_time",
    "quantile_over_time",
    "first_over_time",
    "last_over_time",
    "absent_over_time",
    "rate_counter",
    "avg",
    "min",
    "max",
    "count",
    "stddev",
    "stdvar",
    "topk",
    "bottomk",
    "sort",
    "sort_desc",
    "label_replace",
    "vector",
    "offset",
    "ip",
];
pub(super) const KEYWORDS: &[&str] =
    &["json", "logfmt", "by", "without", "sum", "count_over_time", "rate", "and", "or"];

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Tok {
    Sym(&'static str),
    Str(String),
    Ident(String),
    Num(String),
    End,
}

#[derive(Debug, Clone)]
pub(super) struct Token {
    pub tok: Tok,
    pub col: usize,
}

impl Token {
    pub fn describe(&self) -> String {
        match &self.tok {
            Tok::Sym(s) => s.to_string(),
            Tok::Str(_) => "STRING".into(),
            Tok::Ident(i) if KEYWORDS.contains(&i.as_str()) || UNSUPPORTED.contains(&i.as_str()) => i.clone(),
            Tok::Ident(_) => "IDENTIFIER".into(),
            Tok::Num(_) => "NUMBER".into(),
            Tok::End => "$end".into(),
        }
    }
}

pub(super) const SYMBOLS: &[&str] =
    &["|=", "|~", "!=", "!~", "=~", "==", ">=", "<=", "{", "}", "(", ")", "[", "]", ",", "|", "=", ">", "<"];

pub(super) fn lex(input: &str) -> Result<Vec<Token>, ParseError> {
    let chars: Vec<char> = input.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let col = i + 1;
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        let rest: String = chars[i..chars.len().min(i + 2)].iter().collect();
        if let Some(sym) = SYMBOLS.iter().find(|s| rest.starts_with(**s)) {
            out.push(Token { tok: Tok::Sym(sym), col });
            i += sym.chars().count();
        } else if c == '"' || c == '`' {
            let (s, next) = string(&chars, i).ok_or_else(|| ParseError::at(col, "literal not terminated"))?;
            out.push(Token { tok: Tok::Str(s), col });
            i = next;
        } else if c.is_ascii_digit() || (c == '-' && chars.get(i + 1).is_some_and(|d| d.is_ascii_digit())) {
            let start = i;
            i += 1;
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '.' || chars[i] == '_') {
                i += 1;
            }
            out.push(Token { tok: Tok::Num(chars[start..i].iter().collect()), col });
        } else if c.is_ascii_alphabetic() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            out.push(Token { tok: Tok::Ident(chars[start..i].iter().collect()), col });
        } else {
            return Err(ParseError::at(col, format!("syntax error: unexpected {c}")));
        }
    }
    out.push(Token { tok: Tok::End, col: chars.len() + 1 });
    Ok(out)
}

/// A Go string literal at `chars[i]` (`"…"` with escapes, or a raw `` `…` ``): its value and the index after it.
fn string(chars: &[char], i: usize) -> Option<(String, usize)> {
    let quote = chars[i];
    let mut s = String::new();
    let mut j = i + 1;
    while j < chars.len() {
        let c = chars[j];
        if c == quote {
            return Some((s, j + 1));
        }
        if c == '\\' && quote == '"' {
            let e = *chars.get(j + 1)?;
            j += 2;
            let hex = |n: usize, j: &mut usize| -> Option<char> {
                let h: String = chars.get(*j..*j + n)?.iter().collect();
                *j += n;
                char::from_u32(u32::from_str_radix(&h, 16).ok()?)
            };
            s.push(match e {
                'n' => '\n',
                't' => '\t',
                'r' => '\r',
                'a' => '\u{7}',
                'b' => '\u{8}',
                'f' => '\u{c}',
                'v' => '\u{b}',
                'x' => hex(2, &mut j)?,
                'u' => hex(4, &mut j)?,
                'U' => hex(8, &mut j)?,
                '\\' | '"' | '\'' => e,
                _ => return None,
            });
            continue;
        }
        s.push(c);
        j += 1;
    }
    None
}

/// A Prometheus/Go duration (`5m`, `1h30m`, `1.5h`, `250ms`, `1d`), in nanoseconds.
pub fn parse_duration(s: &str) -> Option<i64> {
    let mut total = 0f64;
    let mut rest = s;
    if rest.is_empty() {
        return None;
    }
    while !rest.is_empty() {
        let n = rest.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(rest.len());
        let value: f64 = rest[..n].parse().ok()?;
        rest = &rest[n..];
        let u = rest.find(|c: char| c.is_ascii_digit() || c == '.').unwrap_or(rest.len());
        let unit = match &rest[..u] {
            "ns" => 1.0,
            "us" | "µs" => 1e3,
            "ms" => 1e6,
            "s" => 1e9,
            "m" => 60e9,
            "h" => 3600e9,
            "d" => 86_400e9,
            "w" => 604_800e9,
            "y" => 31_536_000e9,
            _ => return None,
        };
        total += value * unit;
        rest = &rest[u..];
    }
    (total.is_finite() && total < i64::MAX as f64).then_some(total as i64)
}
