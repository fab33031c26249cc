//! Runbook actions (restart, roll back, back up…): their specs from the config, argument templating
//! without a shell, and the tamper-evident audit trail every attempt is written to.
pub mod attempt;
pub mod audit;
pub mod run;
