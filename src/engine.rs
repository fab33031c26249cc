//! The engine: state + fetcher + the action channel. The terminal loop (`app.rs`), `snapshot` and the
//! tests all drive this same engine, so what they show is what the app shows.

use crate::action::Action;
use crate::effect::Effect;
use crate::poll::Fetcher;
use crate::state::State;
use crate::update::update;
use tokio::sync::mpsc::{unbounded_channel, UnboundedReceiver, UnboundedSender};

pub struct Engine {
    pub state: State,
    pub fetcher: Fetcher,
    pub tx: UnboundedSender<Action>,
    pub rx: UnboundedReceiver<Action>,
}

impl Engine {
    pub fn new(
        state: State,
        client: Result<crate::sources::prometheus::PromClient, String>,
        max_in_flight: usize,
    ) -> Engine {
        let (tx, rx) = unbounded_channel();
        let fetcher = Fetcher::new(client, max_in_flight, tx.clone());
        Engine { state, fetcher, tx, rx }
    }

    /// Apply one action and run its effects. Returns false when the app should stop.
    pub fn handle(&mut self, action: Action) -> bool {
        if let Action::Query(r) = &action {
            self.fetcher.completed(r.key);
        }
        let mut go_on = true;
        for effect in update(&mut self.state, action) {
            match effect {
                Effect::Fetch(req) => self.fetcher.submit(req),
                Effect::Quit => go_on = false,
            }
        }
        go_on
    }

    /// Handle everything already queued without waiting. Returns false when the app should stop.
    pub fn drain(&mut self) -> bool {
        while let Ok(a) = self.rx.try_recv() {
            if !self.handle(a) {
                return false;
            }
        }
        true
    }
}
