//! Typed clients of the backends centinela reads. Each returns [`crate::action::FetchError`] on failure,
//! already classified and worded for the one-line error a panel shows.

pub mod alertmanager;
pub mod connect;
pub mod health;
pub mod http;
pub mod loki;
pub mod loki_tail;
pub mod prom_alerts;
pub mod prometheus;
pub mod scrape;
pub mod tls;
