//! Incidents: opened when an alert at or above a configured severity starts firing (or by hand),
//! closed when all of its alerts have resolved (or by hand), with a timeline of what happened
//! (alerts, silences and acknowledgements, actions and their outcomes, health changes, environment
//! switches, notes) at the sources' own times, their numbers (time to acknowledge, to mitigate, to
//! resolve; MTTA and MTTR across incidents) and their files in the data dir. From them come the
//! documents people paste elsewhere: the postmortem draft ([`postmortem`]) and the shift hand-off
//! ([`handoff`]), as Markdown ([`report`] gathers what they show).

pub mod handoff;
pub mod key_panels;
pub mod md;
pub mod model;
pub mod postmortem;
pub mod report;
pub mod sparkline;
pub mod store;
pub mod track;

pub use model::{means, AlertSeen, Event, EventKind, Incident, Numbers};

#[cfg(test)]
mod tests;
