//! The alerts filter: Alertmanager matcher syntax plus free text.
//!
//! `severity="critical", service=~"agente.*"` keeps alerts whose labels match every matcher (regexes
//! are anchored at both ends, as in Alertmanager); braces around the list are optional and values may
//! be bare words (`severity=critical`). Any other word is free text that must appear, ignoring case, in
//! a label value or in the summary. Both mix: `service=~"agente.*" timeout`.

use super::model::{Labels, MatchOp, Matcher};
use regex::Regex;

/// A matcher ready to test labels (its regex compiled once).
#[derive(Debug, Clone)]
pub struct Compiled {
    pub matcher: Matcher,
    regex: Option<Regex>,
}

impl Compiled {
    pub fn new(matcher: Matcher) -> Result<Compiled, String> {
        let regex = if matcher.op.is_regex() {
            let re = Regex::new(&format!("^(?:{})$", matcher.value))
                .map_err(|e| format!("`{}` is not a valid regex: {}", matcher.value, first_line(&e.to_string())))?;
            Some(re)
        } else {
            None
        };
        Ok(Compiled { matcher, regex })
    }

    /// Whether `labels` satisfy this matcher. A missing label counts as the empty string.
    pub fn matches(&self, labels: &Labels) -> bool {
        let v = labels.get(&self.matcher.name).map_or("", String::as_str);
        match (self.matcher.op, &self.regex) {
            (MatchOp::Eq, _) => v == self.matcher.value,
            (MatchOp::Ne, _) => v != self.matcher.value,
            (MatchOp::Re, Some(re)) => re.is_match(v),
            (MatchOp::NotRe, Some(re)) => !re.is_match(v),
            _ => false,
        }
    }
}

fn first_line(s: &str) -> &str {
    s.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or(s).trim()
}

/// A parsed filter. The empty filter keeps everything.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub matchers: Vec<Compiled>,
    /// Lower-cased free-text words.
    pub words: Vec<String>,
}

impl Filter {
    pub fn is_empty(&self) -> bool {
        self.matchers.is_empty() && self.words.is_empty()
    }

    /// Whether an alert with these labels and annotations passes.
    pub fn matches(&self, labels: &Labels, annotations: &Labels) -> bool {
        self.matchers.iter().all(|m| m.matches(labels))
            && self
                .words
                .iter()
                .all(|w| labels.values().chain(annotations.get("summary")).any(|v| contains_ignore_case(v, w)))
    }
}

fn contains_ignore_case(haystack: &str, lower_needle: &str) -> bool {
    if haystack.is_ascii() && lower_needle.is_ascii() {
        let (h, n) = (haystack.as_bytes(), lower_needle.as_bytes());
        return n.is_empty() || h.windows(n.len()).any(|w| w.eq_ignore_ascii_case(n));
    }
    haystack.to_lowercase().contains(lower_needle)
}

/// Parse matchers only (a silence's matcher list): every item must be a matcher.
pub fn parse_matchers(text: &str) -> Result<Vec<Matcher>, String> {
    let f = parse(text)?;
    if let Some(w) = f.words.first() {
        return Err(format!("`{w}` is not a matcher; write it like name=\"value\""));
    }
    Ok(f.matchers.into_iter().map(|c| c.matcher).collect())
}

/// Parse a filter line. Errors name the offending part and what to write instead.
pub fn parse(text: &str) -> Result<Filter, String> {
    let mut s = text.trim();
    if let Some(inner) = s.strip_prefix('{') {
        s = inner.strip_suffix('}').ok_or("a `{` without its closing `}`")?;
    }
    let mut out = Filter::default();
    let chars: Vec<char> = s.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() || c == ',' {
            i += 1;
            continue;
        }
        // A word: up to whitespace, a comma or an operator.
        let start = i;
        while i < chars.len() && !chars[i].is_whitespace() && !matches!(chars[i], ',' | '=' | '!' | '"') {
            i += 1;
        }
        let word: String = chars[start..i].iter().collect();
        let mut j = i;
        while j < chars.len() && chars[j].is_whitespace() {
            j += 1;
        }
        let op = match (chars.get(j), chars.get(j + 1)) {
            (Some('='), Some('~')) => Some((MatchOp::Re, 2)),
            (Some('!'), Some('=')) => Some((MatchOp::Ne, 2)),
            (Some('!'), Some('~')) => Some((MatchOp::NotRe, 2)),
            (Some('='), _) => Some((MatchOp::Eq, 1)),
            _ => None,
        };
        let Some((op, len)) = op else {
            if word.is_empty() {
                // A stray quote or `!`: take the quoted text (or the character) as free text.
                let (text, next) = if chars[i] == '"' { quoted(&chars, i)? } else { (chars[i].to_string(), i + 1) };
                i = next;
                if !text.is_empty() {
                    out.words.push(text.to_lowercase());
                }
            } else {
                out.words.push(word.to_lowercase());
            }
            continue;
        };
        if !is_label_name(&word) {
            return Err(if word.is_empty() {
                "a matcher without a label name before its operator".into()
            } else {
                format!("`{word}` is not a label name (letters, digits and _ , not starting with a digit)")
            });
        }
        i = j + len;
        while i < chars.len() && chars[i].is_whitespace() {
            i += 1;
        }
        let value = if chars.get(i) == Some(&'"') {
            let (v, next) = quoted(&chars, i)?;
            i = next;
            v
        } else {
            let start = i;
            while i < chars.len() && !chars[i].is_whitespace() && chars[i] != ',' {
                i += 1;
            }
            chars[start..i].iter().collect()
        };
        out.matchers.push(Compiled::new(Matcher { name: word, op, value })?);
    }
    Ok(out)
}

/// A double-quoted string starting at `chars[at]`, with `\"` and `\\` escapes. Returns it and the
/// index after the closing quote.
fn quoted(chars: &[char], at: usize) -> Result<(String, usize), String> {
    let mut v = String::new();
    let mut i = at + 1;
    while i < chars.len() {
        match chars[i] {
            '\\' if i + 1 < chars.len() => {
                v.push(chars[i + 1]);
                i += 2;
            }
            '"' => return Ok((v, i + 1)),
            c => {
                v.push(c);
                i += 1;
            }
        }
    }
    Err(format!("the quote opened at character {} is never closed", at + 1))
}

fn is_label_name(s: &str) -> bool {
    let mut it = s.chars();
    matches!(it.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && it.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Matchers as Alertmanager writes them: `{a="1", b=~"x.*"}`.
pub fn format_matchers(ms: &[Matcher]) -> String {
    let items: Vec<String> = ms.iter().map(Matcher::to_string).collect();
    format!("{{{}}}", items.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> Labels {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn alertmanager_syntax_with_and_without_braces() {
        let f = parse(r#"{severity="critical", service=~"agente.*"}"#).unwrap();
        assert_eq!(f.matchers.len(), 2);
        let l = labels(&[("severity", "critical"), ("service", "agente_negocio")]);
        assert!(f.matches(&l, &Labels::new()));
        assert!(!f.matches(&labels(&[("severity", "critical"), ("service", "xagente")]), &Labels::new()));
        let g = parse(r#"severity!="medium",service!~"ml.*" ,  job=api"#).unwrap();
        let ms: Vec<String> = g.matchers.iter().map(|m| m.matcher.to_string()).collect();
        assert_eq!(ms, [r#"severity!="medium""#, r#"service!~"ml.*""#, r#"job="api""#]);
        assert!(g.matches(&labels(&[("severity", "high"), ("job", "api")]), &Labels::new()));
    }

    #[test]
    fn free_text_mixes_with_matchers_and_ignores_case() {
        let f = parse(r#"severity="high" TIMEOUT"#).unwrap();
        assert_eq!(f.words, ["timeout"]);
        let ann = labels(&[("summary", "OCR timeouts spiking")]);
        assert!(f.matches(&labels(&[("severity", "high")]), &ann));
        assert!(!f.matches(&labels(&[("severity", "high")]), &Labels::new()));
        let q = parse(r#""down now""#).unwrap();
        assert_eq!(q.words, ["down now"]);
        assert!(parse("").unwrap().is_empty());
    }

    #[test]
    fn missing_labels_count_as_empty_and_escapes_work() {
        assert!(parse(r#"team="""#).unwrap().matches(&Labels::new(), &Labels::new()));
        assert!(parse(r#"team=~".*""#).unwrap().matches(&Labels::new(), &Labels::new()));
        let f = parse(r#"summary="say \"hi\"""#).unwrap();
        assert_eq!(f.matchers[0].matcher.value, r#"say "hi""#);
    }

    #[test]
    fn errors_name_what_is_wrong() {
        assert!(parse(r#"service=~"agente(""#).unwrap_err().contains("not a valid regex"));
        assert!(parse(r#"service="open"#).unwrap_err().contains("never closed"));
        assert!(parse(r#"1x="a""#).unwrap_err().contains("not a label name"));
        assert!(parse(r#"{a="b""#).unwrap_err().contains("closing"));
        assert!(parse_matchers("a=b oops").unwrap_err().contains("`oops` is not a matcher"));
        assert_eq!(format_matchers(&parse_matchers(r#"a=b, c=~"d.*""#).unwrap()), r#"{a="b", c=~"d.*"}"#);
    }
}
