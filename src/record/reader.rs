//! Reading recordings: gzip (any number of members) or plain JSON lines, told apart by their first
//! bytes. A file that is not a recording, or of a newer format, is an error; a damaged line (corrupt,
//! or cut short by a crash) ends the reading there, and everything before it is kept, with the problem
//! worded as `FILE:LINE: why`.

use super::{Entry, Header, FORMAT};
use flate2::read::MultiGzDecoder;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

/// What a recording holds, up to its first damaged line.
#[derive(Debug, Clone)]
pub struct Recording {
    /// The first file's header: the state replay begins with.
    pub header: Header,
    /// Every Action before the first damaged line, in order.
    pub entries: Vec<Entry>,
    /// `FILE:LINE: why` reading stopped early, if it did.
    pub problem: Option<String>,
}

/// Why a recording cannot be replayed at all.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("cannot read {path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error(
        "{path} is not a centinela recording: {why} (a recording begins with a line like \
         {{\"centinela_recording\": 1, …}}, as `centinela --record FILE` writes)"
    )]
    NotARecording { path: PathBuf, why: String },
    #[error(
        "{path} is in recording format {format} (written by centinela {version}); this centinela ({ours}) \
         reads format {FORMAT}: replay it with a newer centinela"
    )]
    Newer { path: PathBuf, format: u64, version: String, ours: &'static str },
    #[error(
        "{path} is from another session ({theirs}) than {first} ({ours}): give the files of one session, oldest first"
    )]
    OtherSession { path: PathBuf, theirs: String, first: PathBuf, ours: String },
    #[error("no recording given")]
    Nothing,
}

/// Read the files of one session, oldest first: the first file's header, then every Action of each
/// file in turn, up to the first damaged line.
pub fn read(paths: &[PathBuf]) -> Result<Recording, ReadError> {
    let (first, rest) = paths.split_first().ok_or(ReadError::Nothing)?;
    let (header, mut entries, mut problem) = read_one(first)?;
    for path in rest {
        if problem.is_some() {
            break;
        }
        let (h, more, p) = read_one(path)?;
        if h.session != header.session {
            return Err(ReadError::OtherSession {
                path: path.clone(),
                theirs: h.session,
                first: first.clone(),
                ours: header.session,
            });
        }
        entries.extend(more);
        problem = p;
    }
    Ok(Recording { header, entries, problem })
}

/// The lines of `path`, decompressed when it is gzip.
fn open(path: &Path) -> Result<Box<dyn BufRead>, ReadError> {
    let io = |source| ReadError::Io { path: path.to_path_buf(), source };
    let mut file = std::fs::File::open(path).map_err(io)?;
    let mut magic = [0u8; 2];
    let n = file.read(&mut magic).map_err(io)?;
    let file = std::fs::File::open(path).map_err(io)?;
    Ok(if n == 2 && magic == [0x1f, 0x8b] {
        Box::new(BufReader::new(MultiGzDecoder::new(file)))
    } else {
        Box::new(BufReader::new(file))
    })
}

/// One file: its header, its Actions up to the first damaged line, and the problem there.
pub fn read_one(path: &Path) -> Result<(Header, Vec<Entry>, Option<String>), ReadError> {
    let mut lines = open(path)?;
    let not = |why: String| ReadError::NotARecording { path: path.to_path_buf(), why };
    let mut buf = Vec::new();
    match lines.read_until(b'\n', &mut buf) {
        Ok(0) => return Err(not("it is empty".into())),
        Ok(_) => {}
        Err(e) => return Err(not(format!("it cannot be read ({e})"))),
    }
    let header = header(path, &buf)?;
    let mut entries = Vec::new();
    let mut line_no = 1;
    let problem = loop {
        buf.clear();
        line_no += 1;
        let at = format!("{}:{line_no}", path.display());
        let kept = |n: usize| format!("the {n} action(s) before it are replayed");
        match lines.read_until(b'\n', &mut buf) {
            Ok(0) => break None,
            Ok(_) if !buf.ends_with(b"\n") => {
                break Some(format!(
                    "{at}: the last line is incomplete (the recording was cut short); {}",
                    kept(entries.len())
                ))
            }
            Ok(_) => {}
            Err(e) => {
                break Some(format!("{at}: the recording is cut short here ({e}); {}", kept(entries.len())));
            }
        }
        if buf.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        match serde_json::from_slice::<Entry>(&buf) {
            Ok(e) => entries.push(e),
            Err(e) => break Some(format!("{at}: not a recorded action ({e}); {}", kept(entries.len()))),
        }
    };
    Ok((header, entries, problem))
}

fn header(path: &Path, line: &[u8]) -> Result<Header, ReadError> {
    let not = |why: String| ReadError::NotARecording { path: path.to_path_buf(), why };
    let value: serde_json::Value =
        serde_json::from_slice(line).map_err(|e| not(format!("its first line is not JSON ({e})")))?;
    let format = value
        .get("centinela_recording")
        .and_then(serde_json::Value::as_u64)
        .ok_or_else(|| not("its first line has no `centinela_recording` format number".into()))?;
    if format > u64::from(FORMAT) {
        let version = value.get("version").and_then(|v| v.as_str()).unwrap_or("?").to_string();
        return Err(ReadError::Newer { path: path.to_path_buf(), format, version, ours: env!("CARGO_PKG_VERSION") });
    }
    serde_json::from_value(value).map_err(|e| not(format!("its header does not read ({e})")))
}
