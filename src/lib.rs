//! centinela: a terminal dashboard for on-call engineers.
//!
//! Data flow (see DESIGN.md §2): keyboard, ticks, signals and fetch results become [`action::Action`]s
//! on one channel; [`update::update`] applies each to the [`state::State`] without I/O and returns
//! [`effect::Effect`]s, which the [`engine::Engine`] runs (fetches via [`poll::Fetcher`]); the screen is
//! drawn by [`ui::render`], a pure function of the state, only when something visible changed.
//! The interactive loop ([`app`]), `snapshot` and the tests drive the same engine.
#![forbid(unsafe_code)]

pub mod action;
pub mod actions;
pub mod alerts;
pub mod app;
pub mod cli;
pub mod clipboard;
pub mod config;
pub mod effect;
pub mod engine;
pub mod grafana;
pub mod health;
pub mod incidents;
pub mod keymap;
pub mod logging;
pub mod logs;
pub mod paths;
pub mod poll;
pub mod record;
pub mod replay;
pub mod sanitize;
pub mod setup;
pub mod shell;
pub mod sim;
pub mod snapshot;
pub mod sources;
pub mod state;
pub mod terminal;
pub mod theme;
pub mod thresholds;
pub mod ui;
pub mod units;
pub mod update;
pub mod variables;

/// The embedded demo (implemented in [`sim`]).
pub use sim as demo;
