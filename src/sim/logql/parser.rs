//! A recursive-descent parser for the demo's LogQL subset, with Loki's error wording.

use super::lex::{Tok, Token, UNSUPPORTED};
use super::*;

pub(super) struct Parser {
    pub toks: Vec<Token>,
    pub pos: usize,
}

impl Parser {
    pub(super) fn peek(&self) -> &Token {
        &self.toks[self.pos.min(self.toks.len() - 1)]
    }

    fn next(&mut self) -> Token {
        let t = self.peek().clone();
        self.pos += 1;
        t
    }

    pub(super) fn is(&self, sym: &str) -> bool {
        matches!(self.peek().tok, Tok::Sym(s) if s == sym)
    }

    fn is_ident(&self, word: &str) -> bool {
        matches!(&self.peek().tok, Tok::Ident(i) if i == word)
    }

    pub(super) fn unexpected(&self, t: &Token, expecting: &str) -> ParseError {
        let what = t.describe();
        let mut msg = format!("syntax error: unexpected {what}");
        if let Tok::Ident(i) = &t.tok {
            if UNSUPPORTED.contains(&i.as_str()) {
                msg.push_str(" (not in the demo's LogQL subset)");
            }
        }
        if !expecting.is_empty() {
            msg.push_str(", expecting ");
            msg.push_str(expecting);
        }
        let line = match t.tok {
            Tok::Sym(s) if s.len() == 2 => 0,
            _ => 1,
        };
        ParseError { col: Some(t.col), line, msg }
    }

    fn expect(&mut self, sym: &str, expecting: &str) -> Result<(), ParseError> {
        if self.is(sym) {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.unexpected(self.peek(), expecting))
        }
    }

    fn ident(&mut self, expecting: &str) -> Result<String, ParseError> {
        match self.next() {
            Token { tok: Tok::Ident(i), .. } => Ok(i),
            t => Err(self.unexpected(&t, expecting)),
        }
    }

    fn string(&mut self) -> Result<(String, usize), ParseError> {
        match self.next() {
            Token { tok: Tok::Str(s), col } => Ok((s, col)),
            t => Err(self.unexpected(&t, "STRING")),
        }
    }

    pub(super) fn query(&mut self) -> Result<Query, ParseError> {
        let q = match &self.peek().tok {
            Tok::Sym("{") => Query::Log(self.log_query()?),
            Tok::Ident(i) if i == "sum" || i == "count_over_time" || i == "rate" => Query::Metric(self.metric()?),
            _ => return Err(self.unexpected(self.peek(), "")),
        };
        if self.peek().tok != Tok::End {
            return Err(self.unexpected(self.peek(), ""));
        }
        Ok(q)
    }

    fn metric(&mut self) -> Result<MetricQuery, ParseError> {
        if !self.is_ident("sum") {
            return self.range_agg();
        }
        self.pos += 1;
        let before = self.grouping()?;
        self.expect("(", "(")?;
        let mut m = self.range_agg()?;
        self.expect(")", ")")?;
        let after = if before.is_none() { self.grouping()? } else { None };
        m.sum = Some(before.or(after).unwrap_or(Sum::By(Vec::new())));
        Ok(m)
    }

    fn grouping(&mut self) -> Result<Option<Sum>, ParseError> {
        let by = self.is_ident("by");
        if !by && !self.is_ident("without") {
            return Ok(None);
        }
        self.pos += 1;
        self.expect("(", "(")?;
        let mut labels = Vec::new();
        while !self.is(")") {
            if !labels.is_empty() {
                self.expect(",", ") or ,")?;
            }
            labels.push(self.ident("IDENTIFIER")?);
        }
        self.pos += 1;
        Ok(Some(if by { Sum::By(labels) } else { Sum::Without(labels) }))
    }

    fn range_agg(&mut self) -> Result<MetricQuery, ParseError> {
        let t = self.next();
        let func = match &t.tok {
            Tok::Ident(i) if i == "count_over_time" => RangeFn::CountOverTime,
            Tok::Ident(i) if i == "rate" => RangeFn::Rate,
            _ => return Err(self.unexpected(&t, "")),
        };
        self.expect("(", "(")?;
        let matchers = selective(self.selector()?)?;
        let mut range = self.range()?;
        let stages = self.stages()?;
        if range.is_none() {
            range = self.range()?;
        }
        let Some(range_ns) = range else { return Err(self.unexpected(self.peek(), "")) };
        self.expect(")", ")")?;
        Ok(MetricQuery { func, log: LogQuery { matchers, stages }, range_ns, sum: None })
    }

    fn range(&mut self) -> Result<Option<i64>, ParseError> {
        if !self.is("[") {
            return Ok(None);
        }
        self.pos += 1;
        let t = self.next();
        let Tok::Num(d) = &t.tok else { return Err(self.unexpected(&t, "DURATION")) };
        let ns = parse_duration(d)
            .filter(|ns| *ns > 0)
            .ok_or_else(|| ParseError::at(t.col, format!("not a valid duration string: \"{d}\"")))?;
        self.expect("]", "]")?;
        Ok(Some(ns))
    }

    fn log_query(&mut self) -> Result<LogQuery, ParseError> {
        let matchers = selective(self.selector()?)?;
        Ok(LogQuery { matchers, stages: self.stages()? })
    }

    pub(super) fn selector(&mut self) -> Result<Vec<Matcher>, ParseError> {
        self.expect("{", "{")?;
        let mut matchers = Vec::new();
        loop {
            let name = self.ident("IDENTIFIER")?;
            let op_tok = self.next();
            let op = match op_tok.tok {
                Tok::Sym("=") => MatchOp::Eq,
                Tok::Sym("!=") => MatchOp::Neq,
                Tok::Sym("=~") => MatchOp::Re,
                Tok::Sym("!~") => MatchOp::Nre,
                _ => return Err(self.unexpected(&op_tok, "= or != or =~ or !~")),
            };
            let (value, col) = self.string()?;
            matchers.push(Matcher::new(&name, op, &value).map_err(|msg| ParseError::at(col, msg))?);
            let t = self.next();
            match t.tok {
                Tok::Sym(",") => continue,
                Tok::Sym("}") => break,
                _ => return Err(self.unexpected(&t, "} or ,")),
            }
        }
        Ok(matchers)
    }

    pub(super) fn stages(&mut self) -> Result<Vec<Stage>, ParseError> {
        let mut stages = Vec::new();
        loop {
            let op = match self.peek().tok {
                Tok::Sym("|=") => LineOp::Contains,
                Tok::Sym("!=") => LineOp::NotContains,
                Tok::Sym("|~") => LineOp::Match,
                Tok::Sym("!~") => LineOp::NotMatch,
                Tok::Sym("|") => {
                    self.pos += 1;
                    stages.push(self.pipe_stage()?);
                    continue;
                }
                _ => return Ok(stages),
            };
            self.pos += 1;
            let (value, col) = self.string()?;
            let re = match op {
                LineOp::Match | LineOp::NotMatch => {
                    Some(compile(&value, &value).map_err(|msg| ParseError::at(col, msg))?)
                }
                _ => None,
            };
            stages.push(Stage::Line { op, value, re });
        }
    }

    fn pipe_stage(&mut self) -> Result<Stage, ParseError> {
        let t = self.peek().clone();
        match &t.tok {
            Tok::Ident(i) if i == "json" => {
                self.pos += 1;
                Ok(Stage::Json)
            }
            Tok::Ident(i) if i == "logfmt" => {
                self.pos += 1;
                Ok(Stage::Logfmt)
            }
            Tok::Ident(i) if !UNSUPPORTED.contains(&i.as_str()) => Ok(Stage::Filter(self.pred_or()?)),
            Tok::Sym("(") => Ok(Stage::Filter(self.pred_or()?)),
            _ => Err(self.unexpected(&t, "")),
        }
    }

    fn pred_or(&mut self) -> Result<LabelPred, ParseError> {
        let mut left = self.pred_and()?;
        while self.is_ident("or") {
            self.pos += 1;
            left = LabelPred::Or(Box::new(left), Box::new(self.pred_and()?));
        }
        Ok(left)
    }

    fn pred_and(&mut self) -> Result<LabelPred, ParseError> {
        let mut left = self.pred()?;
        while self.is_ident("and") || self.is(",") {
            self.pos += 1;
            left = LabelPred::And(Box::new(left), Box::new(self.pred()?));
        }
        Ok(left)
    }

    fn pred(&mut self) -> Result<LabelPred, ParseError> {
        if self.is("(") {
            self.pos += 1;
            let p = self.pred_or()?;
            self.expect(")", ")")?;
            return Ok(p);
        }
        let name = self.ident("IDENTIFIER")?;
        let op_tok = self.next();
        let value = self.next();
        let cmp = match op_tok.tok {
            Tok::Sym(s @ ("=" | "!=" | "=~" | "!~")) if matches!(value.tok, Tok::Str(_)) => {
                let Tok::Str(v) = &value.tok else { unreachable!() };
                let op = match s {
                    "=" => MatchOp::Eq,
                    "!=" => MatchOp::Neq,
                    "=~" => MatchOp::Re,
                    _ => MatchOp::Nre,
                };
                let m = Matcher::new(&name, op, v).map_err(|msg| ParseError::at(value.col, msg))?;
                return Ok(LabelPred::Str(m));
            }
            Tok::Sym(">") => Cmp::Gt,
            Tok::Sym(">=") => Cmp::Ge,
            Tok::Sym("<") => Cmp::Lt,
            Tok::Sym("<=") => Cmp::Le,
            Tok::Sym("==" | "=") => Cmp::Eq,
            Tok::Sym("!=") => Cmp::Ne,
            _ => return Err(self.unexpected(&op_tok, "")),
        };
        match &value.tok {
            Tok::Num(n) => match n.parse::<f64>() {
                Ok(v) => Ok(LabelPred::Num { name, cmp, value: v }),
                Err(_) => Err(ParseError::at(
                    value.col,
                    format!(
                        "syntax error: unexpected {n} (duration and bytes filters are not in the demo's LogQL subset)"
                    ),
                )),
            },
            _ => Err(self.unexpected(&value, "NUMBER")),
        }
    }
}
