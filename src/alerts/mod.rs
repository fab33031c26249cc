//! Alerting, independent of the UI: the decoded [`model`] of what Prometheus and Alertmanager say, the
//! [`filter`] language (Alertmanager matchers plus free text), the merged and grouped [`view`] the
//! alerts screen lists, and [`silence`] drafting (pre-filled matchers, what a silence would mute).

pub mod filter;
pub mod model;
pub mod silence;
pub mod view;
