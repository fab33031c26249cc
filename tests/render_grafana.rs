//! Imported Grafana panels that hold no data draw as what they are: a text panel's Markdown as plain
//! wrapped text, a row as a one-line title, an unsupported panel as a box saying what it is and why.

use centinela::config::load_str;
use centinela::keymap::Keymap;
use centinela::snapshot::{render, to_text};
use centinela::theme::Theme;

#[test]
fn text_rows_and_unsupported_panels() {
    let json = std::fs::read_to_string("tests/fixtures/grafana/every-panel-type.json").unwrap();
    let toml = centinela::grafana::to_toml(&centinela::grafana::import(&json).unwrap().dashboard).unwrap();
    let env = "[[environment]]\nname = \"production\"\nprometheus = { url = \"http://localhost:9090\" }\n\n";
    let config = load_str("c.toml", &format!("{env}{toml}")).unwrap();
    let mut s = centinela::state::State::new(&config, "production", false, 1_700_000_000_000);
    centinela::update::update(&mut s, centinela::action::Action::Resize { width: 160, height: 60 });
    let text = to_text(&render(&s, &Theme::builtin_default(), &Keymap::load(None).unwrap()));
    assert!(text.contains("│unsupported: panel type `nodeGraph` (no terminal   │"), "{text}");
    assert!(text.contains("│unsupported: datasource `influxdb` is neither       │"), "{text}");
    assert!(text.contains("│On call   "), "the heading without its `#`:\n{text}");
    assert!(text.contains("Restart with care: see the wiki."), "{text}");
    assert!(text.contains("── Details ───"), "{text}");
    assert!(text.contains("── Open row ───"), "a one-line row is drawn too:\n{text}");
    let runbook = text.lines().find(|l| l.contains(" Runbook ")).unwrap();
    assert!(!runbook.contains("loading"), "a text panel has no age: {runbook}");
}
