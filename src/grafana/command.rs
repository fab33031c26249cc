//! `centinela import-grafana FILE…`: each file's dashboard as a `[[dashboard]]` table on stdout, what
//! was approximated on stderr (one line per note, prefixed with the file name). Exit status 0 when
//! every file imported, 1 when one could not be read or imported (the others are still printed).

use std::io::Write;
use std::path::PathBuf;

/// Run the command, writing to `out` and `err`; returns the exit status.
pub fn run(files: &[PathBuf], out: &mut dyn Write, err: &mut dyn Write) -> u8 {
    let mut status = 0;
    for (i, file) in files.iter().enumerate() {
        let name = file.display();
        let text = match std::fs::read_to_string(file) {
            Ok(t) => t,
            Err(e) => {
                let _ = writeln!(err, "{name}: cannot read the file: {e}");
                status = 1;
                continue;
            }
        };
        let imported = match super::import(&text) {
            Ok(i) => i,
            Err(e) => {
                let _ = writeln!(err, "{name}: {e}");
                status = 1;
                continue;
            }
        };
        match super::to_toml(&imported.dashboard) {
            Ok(toml) => {
                let sep = if i > 0 { "\n" } else { "" };
                let _ = write!(out, "{sep}# Imported from {name} by `centinela import-grafana`.\n{toml}");
            }
            Err(e) => {
                let _ = writeln!(err, "{name}: {e}");
                status = 1;
                continue;
            }
        }
        for note in &imported.report {
            let _ = writeln!(err, "{name}: {note}");
        }
    }
    status
}
