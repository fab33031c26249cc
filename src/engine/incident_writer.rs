//! Saving incidents off the UI thread, in order: one writer thread takes them from a channel and
//! writes each file through [`crate::incidents::store::save`]. Dropping the writer waits for what is
//! queued, so an incident changed just before quitting (SIGTERM, SIGHUP) is on disk when the
//! process ends.

use crate::incidents::Incident;
use std::path::PathBuf;
use std::sync::mpsc::{channel, Sender};
use std::thread::JoinHandle;

pub struct IncidentWriter {
    tx: Option<Sender<Incident>>,
    thread: Option<JoinHandle<()>>,
}

impl IncidentWriter {
    /// A writer into `dir`; failures are logged (the incident stays in memory and is written again
    /// with its next change).
    pub fn new(dir: PathBuf) -> IncidentWriter {
        let (tx, rx) = channel::<Incident>();
        let thread = std::thread::Builder::new()
            .name("incident-writer".into())
            .spawn(move || {
                while let Ok(incident) = rx.recv() {
                    if let Err(e) = crate::incidents::store::save(&dir, &incident) {
                        tracing::error!(error = %e, id = %incident.id, "incident not saved");
                    }
                }
            })
            .ok();
        IncidentWriter { tx: Some(tx), thread }
    }

    pub fn save(&self, incident: Incident) {
        if let Some(tx) = &self.tx {
            let _ = tx.send(incident);
        }
    }
}

impl Drop for IncidentWriter {
    fn drop(&mut self) {
        self.tx.take();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
