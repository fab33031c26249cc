//! Runbook actions (restart, roll back, back up…): their specs from the config, argument templating
//! without a shell, the executor (own process group, timeout, output), the guard rails and audit
//! sequence around one attempt, and the tamper-evident audit trail every attempt is written to.

pub mod attempt;
pub mod audit;
pub mod invoke;
pub mod run;
pub mod setup;
pub mod spec;
pub mod template;
