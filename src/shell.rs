//! Shell conventions: completion scripts (`centinela completions bash|zsh|fish`) and a roff man page
//! (`centinela man`), both generated from the clap definitions in [`crate::cli`], so they list exactly
//! the commands and flags the binary accepts.

use crate::cli::Cli;
use clap::CommandFactory;
use std::io::Write;

/// Write the completion script for `shell` to `out`.
pub fn completions(shell: clap_complete::Shell, out: &mut dyn Write) {
    let mut cmd = Cli::command();
    let name = cmd.get_name().to_string();
    clap_complete::generate(shell, &mut cmd, name, out);
}

/// Write the man page (section 1, roff) to `out`.
pub fn man(out: &mut dyn Write) -> std::io::Result<()> {
    clap_mangen::Man::new(Cli::command()).render(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_shell_gets_a_script_naming_the_subcommands() {
        for shell in [clap_complete::Shell::Bash, clap_complete::Shell::Zsh, clap_complete::Shell::Fish] {
            let mut out = Vec::new();
            completions(shell, &mut out);
            let s = String::from_utf8(out).unwrap();
            for sub in ["snapshot", "check-config", "postmortem", "completions", "man"] {
                assert!(s.contains(sub), "{shell:?} lacks {sub}");
            }
        }
    }
}
