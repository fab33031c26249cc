//! `centinela completions SHELL` and `centinela man`: generated from the command line's definition,
//! printed without a config, a home directory or a terminal.

use assert_cmd::Command;

fn run(args: &[&str]) -> String {
    let out = Command::cargo_bin("centinela").unwrap().args(args).env_remove("HOME").output().unwrap();
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn bash_completion_defines_a_function_and_knows_the_subcommands() {
    let s = run(&["completions", "bash"]);
    assert!(s.contains("_centinela()"), "no completion function:\n{s}");
    assert!(s.contains("complete -F _centinela"), "not registered for the command");
    for sub in ["snapshot", "check-config", "info", "replay", "audit", "postmortem", "handoff", "completions", "man"] {
        assert!(s.contains(sub), "missing {sub}");
    }
    assert!(s.contains("--demo") && s.contains("--format"), "flags are completed too");
}

#[test]
fn zsh_and_fish_completions_are_printed() {
    assert!(run(&["completions", "zsh"]).starts_with("#compdef centinela"));
    assert!(run(&["completions", "fish"]).contains("complete -c centinela"));
}

#[test]
fn the_man_page_is_roff_and_documents_the_flags() {
    let s = run(&["man"]);
    // The roff crate opens with its apostrophe-string preamble (`.ie`/`.el`); the page itself starts
    // with its title line.
    let first = s.lines().find(|l| !l.starts_with(".ie") && !l.starts_with(".el")).unwrap_or_default();
    assert!(first.starts_with(".TH centinela 1"), "{}", &s[..s.len().min(200)]);
    // roff escapes hyphens: `--demo` is written `\-\-demo`.
    assert!(s.contains(r"\-\-demo"), "--demo is documented");
    assert!(s.contains("snapshot") && s.contains("completions"));
}

#[test]
fn an_unknown_shell_is_a_usage_error() {
    let out = Command::cargo_bin("centinela").unwrap().args(["completions", "tcsh"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("possible values"));
}
