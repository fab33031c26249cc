//! Setting up the runner for the app: the audit trail opened (or why it cannot be), the guards, and
//! the secret values the records must never contain.

use super::attempt::{Guards, Runner};
use super::audit::AuditLog;
use super::template::{Placeholder, Secrets, Template};
use crate::config::{ActionKind, ActionSpec};
use std::path::Path;

/// A runner writing to the audit log at `path`. The error is worded for the screen: while the
/// trail cannot be written, no action runs.
pub fn runner(path: &Path, specs: &[ActionSpec], read_only: bool, secrets: &Secrets) -> Result<Runner, String> {
    let log = AuditLog::open(path).map_err(|e| {
        format!(
            "the audit trail cannot be written ({e}); actions are disabled until it can \
             (`centinela audit verify {}` says more)",
            path.display()
        )
    })?;
    Ok(Runner::new(log, Guards::new(read_only), secret_values(specs, secrets)))
}

/// The values of every secret the actions use (`{secret.NAME}` and `bearer_token_env`), read from
/// `secrets` now, so they are redacted wherever they could appear.
pub fn secret_values(specs: &[ActionSpec], secrets: &Secrets) -> Vec<String> {
    let mut names = Vec::new();
    for spec in specs {
        for (_, text) in spec.templates() {
            if let Ok(t) = Template::parse(text) {
                names.extend(t.placeholders().filter_map(|p| match p {
                    Placeholder::Secret(n) => Some(n.clone()),
                    _ => None,
                }));
            }
        }
        if let ActionKind::Http(h) = &spec.kind {
            names.extend(h.bearer_token_env.clone());
        }
    }
    names.sort();
    names.dedup();
    names.into_iter().filter_map(|n| secrets.get(&n)).filter(|v| !v.trim().is_empty()).collect()
}
