//! The injection corpus: values an alert label could carry (labels come from whoever can push to
//! Alertmanager) that must never reach a program as anything but one plain argument.

use super::tests::{strings, NOW};
use super::*;

const ARGV: &[&str] = &["docker", "compose", "restart", "{labels.service}"];

fn restart(service: &str, patterns: &Patterns) -> Result<Vec<String>, Refusal> {
    let a = test_alert(&[("alertname", "ServiceDown"), ("service", service)]);
    let ctx = Ctx::new("restart", "production", "ana", NOW).with_alert(&a);
    expand_argv(&strings(ARGV), &ctx, patterns)
}

fn corpus() -> Vec<(String, Rule)> {
    let v = |s: &str, r: Rule| (s.to_string(), r);
    vec![
        v("; rm -rf /", Rule::NotAllowed(';')),
        v("agente_negocio; rm -rf /", Rule::NotAllowed(';')),
        v("$(id)", Rule::NotAllowed('$')),
        v("`id`", Rule::NotAllowed('`')),
        v("a|b", Rule::NotAllowed('|')),
        v("a&&b", Rule::NotAllowed('&')),
        v("a>b", Rule::NotAllowed('>')),
        v("*", Rule::NotAllowed('*')),
        v("'quoted'", Rule::NotAllowed('\'')),
        v("a\nb", Rule::Control('\n')),
        v("a\rb", Rule::Control('\r')),
        v("a\0b", Rule::Control('\0')),
        v("\x1b[2J", Rule::Control('\x1b')),
        v("a\tb", Rule::Control('\t')),
        v("../etc/passwd", Rule::DotSegment("..")),
        v("a/../../b", Rule::DotSegment("..")),
        v("..", Rule::DotSegment("..")),
        v("-rf", Rule::LeadingDash),
        v("--help", Rule::LeadingDash),
        v("x y", Rule::NotAllowed(' ')),
        v("\u{0455}ervice", Rule::NotAllowed('\u{0455}')), // Cyrillic dze, looks like `s`
        v("agente\u{FF0F}negocio", Rule::NotAllowed('\u{FF0F}')), // full-width solidus
        v("agente_neg\u{043E}cio", Rule::NotAllowed('\u{043E}')), // Cyrillic o
        v("agente\u{200B}negocio", Rule::Invisible('\u{200B}')), // zero-width space
        v("ok\u{202E}gnp", Rule::Invisible('\u{202E}')),   // right-to-left override
        v(&"a".repeat(10 * 1024), Rule::TooLong { chars: 10 * 1024, max: MAX_VALUE }),
        v(&"a".repeat(MAX_VALUE + 1), Rule::TooLong { chars: MAX_VALUE + 1, max: MAX_VALUE }),
        v("", Rule::Empty),
    ]
}

#[test]
fn the_corpus_is_refused_for_the_right_reason_in_one_readable_line() {
    for (value, rule) in corpus() {
        let r = restart(&value, &Patterns::default()).expect_err(&format!("{value:?} must be refused"));
        assert_eq!(r.rule, rule, "{value:?}: {r}");
        let line = r.to_string();
        assert!(line.starts_with("action `restart` refused: {labels.service} = \""), "{line}");
        assert!(!line.chars().any(|c| c.is_control() || is_invisible(c)), "{line:?}");
        assert!(line.chars().count() < 200, "{line}");
    }
    let r = restart("; rm -rf /", &Patterns::default()).unwrap_err();
    assert_eq!(
        r.to_string(),
        "action `restart` refused: {labels.service} = \"; rm -rf /\": `;` is not allowed: values in a command \
         may only hold letters, digits and _ . : / - (^[A-Za-z0-9_.:/-]+$)"
    );
    let r = restart("\u{0455}ervice", &Patterns::default()).unwrap_err();
    assert!(r.to_string().contains("`\u{0455}` (U+0455, not ASCII) is not allowed"), "{r}");
    assert!(restart("a\nb", &Patterns::default())
        .unwrap_err()
        .to_string()
        .contains("\"a␊b\": holds a control character (U+000A)"));
    let long = restart(&"a".repeat(10 * 1024), &Patterns::default()).unwrap_err();
    assert!(long.to_string().ends_with("…\": 10240 characters long, the limit is 256"), "{long}");
}

#[test]
fn plain_values_pass() {
    for ok in ["agente_negocio", "ml-service", "host:8080", "a/b/c", "v1.2.3", "...", "..x", "x..", "./x", "/abs/path"]
    {
        assert_eq!(restart(ok, &Patterns::default()).unwrap()[3], ok);
    }
}

#[test]
fn hard_rules_hold_under_a_permissive_pattern_and_argv_stays_argv() {
    let anything: Patterns = Patterns::compile(&[("labels.service".to_string(), ".*".to_string())].into()).unwrap();
    let got = restart("agente negocio; rm -rf / $(id) `id`", &anything).unwrap();
    assert_eq!(got.len(), 4, "still four arguments: {got:?}");
    assert_eq!(got[3], "agente negocio; rm -rf / $(id) `id`");
    for (value, rule) in [
        ("-rf", Rule::LeadingDash),
        ("../x", Rule::DotSegment("..")),
        ("a\nb", Rule::Control('\n')),
        ("a\0b", Rule::Control('\0')),
        ("", Rule::Empty),
        ("a\u{2066}b", Rule::Invisible('\u{2066}')),
    ] {
        assert_eq!(restart(value, &anything).unwrap_err().rule, rule, "{value:?}");
    }
    assert!(matches!(restart(&"a".repeat(300), &anything).unwrap_err().rule, Rule::TooLong { .. }));
}

#[test]
fn dot_segments_made_across_values_and_literals_are_caught() {
    let a = test_alert(&[("a", "."), ("b", "."), ("c", "x")]);
    let ctx = Ctx::new("a", "production", "ana", NOW).with_alert(&a);
    let p = Patterns::default();
    for arg in ["{labels.a}{labels.b}", "{labels.a}.", "/srv/{labels.a}./x", "x/.{labels.b}"] {
        let r = expand_argv(&strings(&["ls", arg]), &ctx, &p).unwrap_err();
        assert_eq!(r.rule, Rule::DotSegment(".."), "{arg}");
    }
    // A `..` written in the config is the author's choice; a lone `.` is harmless.
    assert_eq!(
        expand_argv(&strings(&["ls", "../{labels.c}", "{labels.a}/x"]), &ctx, &p).unwrap()[1..],
        ["../x", "./x"]
    );
}
