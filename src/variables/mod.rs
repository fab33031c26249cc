//! Dashboard variables at run time (Grafana's templating, see [`crate::config::Variable`]).
//!
//! - [`expand`] substitutes the selected values and the time macros into a query: pure, used by
//!   `update::schedule` right before a fetch is issued, so the same panel spec serves every choice.
//! - [`source`] parses what a `query` variable asks Prometheus (`label_values(…)`, `query_result(…)`…)
//!   and turns the answer into choices (its `regex` applied).
//! - The per-dashboard state (choices, selection, the picker) is in `state::vars`; `update::vars`
//!   changes it.

pub mod expand;
pub mod source;

pub use expand::{expand, referenced, Binding, Macros};
pub use source::{choices_from, VarQuery};
