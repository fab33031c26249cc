//! Environments on screen: production's header bar (colour, and reverse video without colour), the
//! environment picker, and another environment after a switch, at 80×24 and 160×48.

mod common;

use centinela::action::{Action, EnvSwitch, Intent};
use centinela::keymap::Keymap;
use centinela::snapshot::{render, to_text};
use centinela::state::State;
use centinela::theme::{Theme, ThemeSet};
use centinela::update::update;
use common::{filled, find, NOW_MS};
use ratatui::buffer::Buffer;
use ratatui::style::{Color, Modifier};

fn draw(state: &State) -> Buffer {
    render(state, &Theme::builtin_default(), &Keymap::load(None).unwrap())
}

fn switch(s: &mut State, to: &str) {
    let sw = EnvSwitch { from: s.env_name.clone(), to: to.into(), at_ms: NOW_MS, loki_error: None };
    update(s, Action::EnvironmentSwitched(sw));
}

#[test]
fn production_header_is_a_red_bar_at_both_sizes_and_the_picker_lists_the_environments() {
    for (w, h) in [(80u16, 24u16), (160, 48)] {
        let mut s = filled(0, w, h);
        update(&mut s, Intent::SwitchEnvironment.into());
        update(&mut s, Intent::SelectNext.into());
        let buf = draw(&s);
        let text = to_text(&buf);
        insta::assert_snapshot!(format!("picker_production_{w}x{h}"), text);
        // Every header cell is on the bar; the name is red on white; the clock is still there.
        for x in 0..w {
            let c = &buf[(x, 0)];
            assert!(c.bg == Color::Red || c.bg == Color::White || c.bg == Color::Reset || c.bg == Color::Cyan, "{x}");
        }
        assert_eq!(buf[(0, 0)].bg, Color::Red);
        assert_eq!(buf[(w - 1, 0)].bg, Color::Red);
        let name = find(&buf, "PRODUCTION").unwrap();
        assert_eq!((name.1, buf[name].fg, buf[name].bg), (0, Color::Red, Color::White));
        assert!(text.lines().next().unwrap().ends_with("22:13 UTC"), "{text}");
        // The picker: both environments, production marked, the Prometheus each reads; staging selected.
        let row = |needle: &str| text.lines().find(|l| l.contains(needle) && l.contains(':')).unwrap().to_string();
        assert!(row("● production").contains("PRODUCTION") && row("● production").contains("localhost:9090"));
        assert!(row("staging").contains("localhost:9091"));
        let staging = find(&buf, "staging ").unwrap();
        assert!(buf[staging].modifier.contains(Modifier::REVERSED), "the selected row");
        assert!(text.lines().last().unwrap().contains("enter switch"), "{text}");
    }
}

#[test]
fn after_a_switch_staging_looks_ordinary_and_says_so() {
    for (w, h) in [(80u16, 24u16), (160, 48)] {
        let mut s = filled(0, w, h);
        switch(&mut s, "staging");
        let buf = draw(&s);
        let text = to_text(&buf);
        insta::assert_snapshot!(format!("staging_after_switch_{w}x{h}"), text);
        assert!(text.starts_with(" centinela  staging "), "{text}");
        assert!(!text.contains("PRODUCTION"));
        assert_ne!(buf[(0, 0)].bg, Color::Red, "no bar");
        assert!(text.lines().last().unwrap().starts_with(" switched to staging"));
    }
}

#[test]
fn without_colour_production_is_reverse_video_with_the_word_production() {
    let s = filled(0, 80, 24);
    let theme = ThemeSet::load(None).resolve("default", true).unwrap();
    let buf = render(&s, &theme, &Keymap::load(None).unwrap());
    assert!(buf[(0, 0)].modifier.contains(Modifier::REVERSED | Modifier::BOLD));
    assert!(buf[(79, 0)].modifier.contains(Modifier::REVERSED));
    let name = find(&buf, "PRODUCTION").unwrap();
    assert_eq!(name.1, 0);
    assert!(buf.content().iter().all(|c| c.fg == Color::Reset && c.bg == Color::Reset));
}

#[test]
fn a_production_environment_with_another_name_still_says_production_in_its_colour() {
    let profile = include_str!("../examples/minimarket.toml")
        .replace("name = \"staging\"\n", "name = \"eu-1\"\nproduction = true\nread_only = true\ncolor = \"magenta\"\n");
    let c = centinela::config::load_str("p.toml", &profile).unwrap();
    let mut s = State::new(&c, "production", true, NOW_MS);
    s.utc = true;
    update(&mut s, Action::Resize { width: 80, height: 24 });
    switch(&mut s, "eu-1");
    let buf = draw(&s);
    let text = to_text(&buf);
    assert!(text.starts_with(" centinela  EU-1 · PRODUCTION  READ-ONLY "), "{text}");
    assert_eq!(buf[(0, 0)].bg, Color::Magenta);
    assert_eq!(buf[(0, 0)].fg, Color::White);
}
