//! Logging to a file in the state dir (never to the terminal while the TUI runs).
//!
//! The daily-rolling file appender is written synchronously. centinela logs a few lines an hour, and
//! tracing-appender's `non_blocking` writer would cost a thread and a preallocated 128,000-line
//! channel (about 4 MiB resident), a third of the whole process.

use std::path::Path;

/// Start file logging. False when the log directory cannot be created or a subscriber is already set;
/// centinela then runs on without logs rather than refuse to start during an incident.
pub fn init(log_dir: &Path) -> bool {
    if std::fs::create_dir_all(log_dir).is_err() {
        return false;
    }
    let Ok(appender) = tracing_appender::rolling::Builder::new()
        .rotation(tracing_appender::rolling::Rotation::DAILY)
        .filename_prefix("centinela")
        .filename_suffix("log")
        .max_log_files(7)
        .build(log_dir)
    else {
        return false;
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("CENTINELA_LOG").unwrap_or_else(|_| "info".into());
    tracing_subscriber::fmt().with_writer(appender).with_ansi(false).with_env_filter(filter).try_init().is_ok()
}
