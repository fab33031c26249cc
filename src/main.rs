//! The `centinela` binary: command line → logging → config → run. Errors become exit codes:
//! 0 ok, 1 problems found (check-config, audit verify), no such incident (postmortem) or runtime failure, 2 bad config or usage, or
//! nothing to check.
#![forbid(unsafe_code)]

use centinela::actions::audit::{self, HeadCheck, VerifyError};
use centinela::cli::{AuditCmd, Cli, Command, Format};
use centinela::engine::incident_writer::IncidentWriter;
use centinela::engine::snapshot_saver::SnapshotSaver;
use centinela::incidents::report;
use centinela::setup::{self, ConfigProblems};
use centinela::{app, config, paths::Paths, snapshot, terminal};
use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = Cli::parse();
    // Generated from the command line's definition: no paths, config or runtime needed.
    match &cli.command {
        Some(Command::Completions { shell }) => {
            centinela::shell::completions(*shell, &mut std::io::stdout());
            return ExitCode::SUCCESS;
        }
        Some(Command::Man) => {
            return match centinela::shell::man(&mut std::io::stdout()) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("centinela: cannot write the man page: {e}");
                    ExitCode::from(1)
                }
            };
        }
        _ => {}
    }
    let paths = match Paths::resolve() {
        Ok(p) => p,
        Err(e) => {
            eprintln!("centinela: {e}");
            return ExitCode::from(2);
        }
    };
    match cli.command {
        Some(Command::CheckConfig { file }) => return check_config(file.unwrap_or_else(|| paths.config_file())),
        Some(Command::Info) => return info(&paths, &cli.common),
        Some(Command::ImportGrafana { files }) => {
            let status = centinela::grafana::command::run(&files, &mut std::io::stdout(), &mut std::io::stderr());
            return ExitCode::from(status);
        }
        Some(Command::Audit { cmd: AuditCmd::Verify { file } }) => {
            let default = file.is_none();
            return audit_verify(&file.unwrap_or_else(|| paths.audit_file_for(cli.common.demo)), default);
        }
        _ => {}
    }
    centinela::logging::init(&paths.log_dir());
    terminal::install_panic_hook(paths.log_file_hint());
    let rt = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("centinela: cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    let result = rt.block_on(async {
        if let Some(Command::ServeDemo { frozen }) = cli.command {
            return serve_demo(frozen).await;
        }
        match &cli.command {
            Some(Command::Postmortem(args)) => return report::run_postmortem(&cli.common, &paths, args).await,
            Some(Command::Handoff(args)) => return report::run_handoff(&cli.common, &paths, args).await,
            _ => {}
        }
        if let Some(Command::Replay(args)) = &cli.command {
            return replay(&args.files, args.speed, &cli.common).await;
        }
        let loaded = setup::load(&cli.common).await?;
        match cli.command {
            Some(Command::Snapshot(args)) => {
                let mut engine = loaded.engine();
                snapshot::show_view(&mut engine, &args.view).map_err(anyhow::Error::msg)?;
                snapshot::settle(&mut engine, args.size.0, args.size.1, args.wait).await;
                let buf = snapshot::render(&engine.state, &loaded.theme, &loaded.keymap);
                let out = match args.format {
                    Format::Text => snapshot::to_text(&buf),
                    Format::Ansi => snapshot::to_ansi(&buf),
                    Format::Svg => snapshot::to_svg(&buf),
                    Format::Html => snapshot::to_html(&buf),
                };
                print!("{out}");
                Ok(())
            }
            _ => {
                tracing::info!(env = %loaded.env_name, demo = loaded.demo.is_some(), "starting");
                let mut engine = loaded.engine();
                engine.set_runner(loaded.runner());
                engine.incident_writer = Some(IncidentWriter::new(loaded.incidents_dir()));
                let snapshots = paths.data_dir.join("snapshots");
                engine.snapshots = Some(SnapshotSaver::new(snapshots, loaded.theme.clone()));
                engine.state.actions.terminal = true;
                engine.recorder = loaded.recorder(&engine.state, cli.common.record.as_deref())?;
                app::run(engine, loaded.theme.clone(), loaded.keymap.clone()).await
            }
        }
    });
    // Background tasks (demo servers, pending fetches) end with the runtime; do not wait for them.
    rt.shutdown_background();
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.is::<ConfigProblems>() => {
            eprintln!("{e}");
            ExitCode::from(2)
        }
        Err(e) => {
            eprintln!("centinela: {e:#}");
            ExitCode::from(1)
        }
    }
}

/// `centinela replay FILE…`: read the recording (a file that is not one is an error before the screen
/// is taken), play it, and say on stderr where it was damaged, if it was.
async fn replay(files: &[std::path::PathBuf], speed: f64, common: &centinela::cli::Common) -> anyhow::Result<()> {
    let recording = centinela::record::reader::read(files)?;
    let paths = Paths::resolve().map_err(anyhow::Error::msg)?;
    let theme_name = common.theme.clone().unwrap_or_else(|| recording.header.config.settings.theme.clone());
    // A theme of the recording machine's that is not here: the default one, rather than no replay.
    let (theme, keymap) = match setup::look(&paths, &theme_name) {
        Ok(look) => look,
        Err(_) => setup::look(&paths, "default")?,
    };
    let problem = recording.problem.clone();
    let replay = centinela::replay::Replay::new(recording, speed);
    centinela::replay::run::run(replay, theme, keymap).await?;
    match problem {
        Some(p) => Err(anyhow::anyhow!("{p}")),
        None => Ok(()),
    }
}

async fn serve_demo(frozen: bool) -> anyhow::Result<()> {
    let opts = centinela::demo::DemoOptions { start_unix_ms: centinela::poll::now_ms(), frozen };
    let demo = centinela::demo::start(opts).await?;
    let services: Vec<serde_json::Value> = demo
        .services
        .iter()
        .map(|s| {
            serde_json::json!({"job": s.job, "instance": s.instance, "addr": s.addr.to_string(),
                "metrics_url": s.metrics_url, "health_url": s.health_url})
        })
        .collect();
    println!(
        "{}",
        serde_json::json!({"prometheus_url": demo.prometheus_url, "alertmanager_urls": demo.alertmanager_urls, "services": services})
    );
    tokio::signal::ctrl_c().await?;
    Ok(())
}

fn check_config(file: std::path::PathBuf) -> ExitCode {
    match config::load_file(&file) {
        Ok(c) => {
            // The files the backends read (tokens, passwords, CA bundles, client certificates and keys).
            let text = std::fs::read_to_string(&file).unwrap_or_default();
            let problems = config::check_files(&file.display().to_string(), &text, &c);
            if !problems.is_empty() {
                eprintln!("{}", ConfigProblems(problems));
                return ExitCode::from(1);
            }
            // Warnings do not fail the check.
            for w in config::secrets::security_warnings(&c, Some(&file)) {
                eprintln!("warning: {w}");
            }
            let panels: usize = c.dashboards.iter().map(|d| d.panels.len()).sum();
            println!(
                "{}: ok ({} environment(s), {} dashboard(s), {} panel(s), {} action(s))",
                file.display(),
                c.environments.len(),
                c.dashboards.len(),
                panels,
                c.actions.len()
            );
            ExitCode::SUCCESS
        }
        Err(problems) => {
            eprintln!("{}", ConfigProblems(problems));
            ExitCode::from(1)
        }
    }
}

fn audit_verify(file: &std::path::Path, default: bool) -> ExitCode {
    let report = match audit::verify(file) {
        Ok(report) => report,
        Err(VerifyError::Missing { path }) => {
            let why = if default {
                "no runbook action has been run with this state dir yet (`centinela info` shows it), or the path is wrong"
            } else {
                "the path is wrong, or no runbook action has been run yet"
            };
            eprintln!("centinela: no audit log at {}: {why}", path.display());
            return ExitCode::from(2);
        }
        Err(e @ VerifyError::Io { .. }) => {
            eprintln!("centinela: {e}");
            return ExitCode::from(2);
        }
        Err(VerifyError::Broken { path, brk }) => {
            eprintln!("{}: {brk}", path.display());
            eprintln!("  the {} record(s) before it are intact; nothing after it was checked", brk.intact);
            return ExitCode::from(1);
        }
        Err(e @ VerifyError::Head { .. }) => {
            eprintln!("{e}");
            return ExitCode::from(1);
        }
    };
    match (&report.first_time, &report.last_time, &report.last_hash) {
        (Some(first), Some(last), Some(hash)) => {
            println!("ok: {} records, chain intact (first {first}, last {last})", report.records);
            println!("last hash {hash} (noted elsewhere, it pins every record up to here)");
        }
        _ => println!("ok: 0 records (the log is empty)"),
    }
    for u in &report.unfinished {
        println!(
            "note: line {}: attempt {} ({} on {}, started {}) has no end record: centinela stopped while it ran, or it \
             is running now",
            u.line, u.attempt, u.action, u.target, u.time
        );
    }
    for line in &report.recovered_at {
        println!("note: line {line}: a torn write was moved aside (the record says where)");
    }
    if report.head == HeadCheck::Absent && report.records > 0 {
        println!(
            "note: no head file beside it ({}), so records deleted from its end cannot be detected",
            audit::head_path(file).display()
        );
    }
    ExitCode::SUCCESS
}

fn info(paths: &Paths, common: &centinela::cli::Common) -> ExitCode {
    let config = common.config.clone().unwrap_or_else(|| paths.config_file());
    let exists = |p: &std::path::Path| if p.exists() { "" } else { "  (not present)" };
    println!("config file   {}{}", config.display(), exists(&config));
    println!("keymap file   {}{}", paths.keymap_file().display(), exists(&paths.keymap_file()));
    println!("themes dir    {}{}", paths.themes_dir().display(), exists(&paths.themes_dir()));
    println!("state dir     {}", paths.state_dir.display());
    println!("log dir       {}", paths.log_dir().display());
    let demo = common.demo;
    let audit = paths.audit_file_for(demo);
    println!("audit log     {}{}", audit.display(), exists(&audit));
    println!("data dir      {}", paths.data_dir.display());
    let incidents = paths.incidents_dir_for(demo);
    println!("incidents     {}{}", incidents.display(), exists(&incidents));
    let ring = centinela::record::ring_dir(&paths.state_dir);
    println!("recordings    {}{}", ring.display(), exists(&ring));
    ExitCode::SUCCESS
}
