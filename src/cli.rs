//! Command line (clap derive).

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(name = "centinela", version, about = "A terminal dashboard for on-call engineers", long_about = None)]
pub struct Cli {
    #[command(flatten)]
    pub common: Common,
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Options shared by running and snapshotting.
#[derive(Debug, Clone, Args, Default)]
pub struct Common {
    /// Run against the embedded demo (simulated Mini Market stack; no network or config needed).
    #[arg(long, global = true, conflicts_with = "config")]
    pub demo: bool,
    /// Config file (default: config.toml in the config dir; `centinela info` shows it).
    #[arg(long, short = 'c', global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Theme name: default, dark, light, high-contrast, or one in the themes dir.
    #[arg(long, global = true, value_name = "NAME")]
    pub theme: Option<String>,
    /// Environment to show (default: settings.default_environment, else the first).
    #[arg(long = "env", global = true, value_name = "NAME")]
    pub environment: Option<String>,
    /// Refuse every write: silences, acknowledgements, actions.
    #[arg(long, global = true)]
    pub read_only: bool,
    /// For slow links: no braille, 16 colours, nothing redrawn on its own, refreshes twice as long
    /// (at least 30 s), bytes/s in the status line. Same as `settings.low_bandwidth = true`.
    #[arg(long, global = true)]
    pub low_bandwidth: bool,
    /// Record the session into FILE for `centinela replay` (gzip-compressed JSON lines; plain when
    /// FILE ends in .jsonl). Secrets are never recorded.
    #[arg(long, global = true, value_name = "FILE")]
    pub record: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Render one frame through the normal render path once data has arrived, and print it.
    Snapshot(SnapshotArgs),
    /// Check a config file; print every problem as file:line:col: message.
    CheckConfig {
        /// The file to check (default: the config file in the config dir).
        file: Option<PathBuf>,
    },
    /// Print the resolved config, state, data and log paths.
    Info,
    /// Print Grafana dashboards (JSON exports) as centinela `[[dashboard]]` config on stdout; what
    /// was approximated goes to stderr, one line per note. Or name the file in the config:
    /// `[[dashboard]]` with `grafana = "file.json"`.
    ImportGrafana {
        /// Grafana dashboard JSON files.
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
    },
    /// Show a recorded session again (`--record FILE`, or the ring's hourly files), read-only.
    Replay(ReplayArgs),
    /// The audit trail of runbook actions.
    Audit {
        #[command(subcommand)]
        cmd: AuditCmd,
    },
    /// Draft a postmortem of an incident as Markdown: summary, impact, timeline, actions, numbers,
    /// the key panels during it as sparklines, and empty sections for the humans.
    Postmortem(PostmortemArgs),
    /// The shift hand-off as Markdown: alerts firing now, silences expiring within 24 h, open incidents
    /// with their last notes.
    Handoff(HandoffArgs),
    /// Print a completion script for SHELL: bash, zsh, fish, elvish or powershell (the README says
    /// where to put it).
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff), e.g. `centinela man > ~/.local/share/man/man1/centinela.1`.
    Man,
    /// Run only the demo's simulated services and Prometheus API, printing their addresses as JSON,
    /// until stopped (for scripts that point a real Prometheus at them).
    #[command(hide = true)]
    ServeDemo {
        /// Constant values and no incident (an idle screen).
        #[arg(long)]
        frozen: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum AuditCmd {
    /// Check the audit log's hash chain; print the first broken record (exit 1) or `ok` (exit 0).
    Verify {
        /// The log to check (default: audit.jsonl in the state dir, demo-audit.jsonl with --demo;
        /// `centinela info` shows it).
        file: Option<PathBuf>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Ansi,
    Svg,
    /// A self-contained HTML page (inline styles, no scripts).
    Html,
}

/// The format of a document (`postmortem`, `handoff`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DocFormat {
    /// Markdown (GitHub-flavoured: tables, task lists).
    Md,
}

/// `centinela postmortem`.
#[derive(Debug, Args)]
pub struct PostmortemArgs {
    /// The incident's id (default: the most recent one, open or closed); a prefix only one id has will do.
    pub id: Option<String>,
    #[arg(long, value_enum, default_value_t = DocFormat::Md)]
    pub format: DocFormat,
    /// Write the draft to FILE instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// The MTTR target the numbers are compared with (default: the config's incidents.mttr_target, 30m).
    #[arg(long, value_parser = parse_dur, value_name = "DURATION")]
    pub mttr_target: Option<std::time::Duration>,
    /// An MTTA target to compare with (default: the config's incidents.mtta_target, none).
    #[arg(long, value_parser = parse_dur, value_name = "DURATION")]
    pub mtta_target: Option<std::time::Duration>,
}

/// `centinela handoff`.
#[derive(Debug, Args)]
pub struct HandoffArgs {
    #[arg(long, value_enum, default_value_t = DocFormat::Md)]
    pub format: DocFormat,
    /// Write the hand-off to FILE instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ReplayArgs {
    /// The recording; several files of one session (the ring's hourly files) play one after another,
    /// oldest first.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Playback speed: 1 as recorded, 4 four times faster, 0.5 half as fast.
    #[arg(long, default_value_t = 1.0, value_parser = parse_speed)]
    pub speed: f64,
}

fn parse_speed(s: &str) -> Result<f64, String> {
    match s.trim().trim_start_matches(['x', '×']).parse::<f64>() {
        Ok(v) if (0.1..=1000.0).contains(&v) => Ok(v),
        _ => Err(format!("`{s}` is not a speed; write a number from 0.1 to 1000, like 4 or 0.5")),
    }
}

#[derive(Debug, Args)]
pub struct SnapshotArgs {
    /// `alerts`, `silences`, `health`, `logs`, or a dashboard name (case-insensitive) or number.
    #[arg(long, default_value = "1")]
    pub view: String,
    /// Size as WIDTHxHEIGHT.
    #[arg(long, default_value = "160x48", value_parser = parse_size)]
    pub size: (u16, u16),
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Longest wait for the first data, e.g. 10s.
    #[arg(long, default_value = "15s", value_parser = parse_dur)]
    pub wait: std::time::Duration,
}

pub fn parse_size(s: &str) -> Result<(u16, u16), String> {
    let (w, h) = s.split_once(['x', 'X']).ok_or_else(|| format!("`{s}` is not a size; write it like 160x48"))?;
    let w: u16 = w.trim().parse().map_err(|_| format!("`{w}` is not a width"))?;
    let h: u16 = h.trim().parse().map_err(|_| format!("`{h}` is not a height"))?;
    if !(20..=1000).contains(&w) || !(5..=500).contains(&h) {
        return Err(format!("{w}x{h} is out of range; width 20–1000, height 5–500"));
    }
    Ok((w, h))
}

fn parse_dur(s: &str) -> Result<std::time::Duration, String> {
    crate::config::parse_duration(s)
}
