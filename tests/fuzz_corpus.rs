//! Replays every committed fuzz corpus file (`fuzz/corpus/<target>/*`) through the same entry points
//! the fuzz targets call (`fuzz/harness.rs`, included here), so CI exercises them on stable, without
//! nightly or libFuzzer. A crash the fuzzer found and that was fixed stays here as a corpus file.

#[path = "../fuzz/harness.rs"]
mod harness;

use std::path::Path;

#[test]
fn every_committed_corpus_file_passes_its_target() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus");
    let mut total = 0;
    for (name, run) in harness::TARGETS {
        let dir = root.join(name);
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e} (every target keeps a corpus)", dir.display()))
            .map(|e| e.expect("a readable corpus entry").path())
            .collect();
        files.sort();
        assert!(!files.is_empty(), "{}: the corpus is empty", dir.display());
        for f in &files {
            let data = std::fs::read(f).expect("a readable corpus file");
            let outcome = std::panic::catch_unwind(|| run(&data));
            assert!(
                outcome.is_ok(),
                "{name}: {} fails; replay it with `cargo +nightly fuzz run {name} {}`",
                f.display(),
                f.display()
            );
        }
        total += files.len();
    }
    assert!(total >= harness::TARGETS.len());
}

#[test]
fn every_target_has_a_fuzz_binary() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let manifest = std::fs::read_to_string(root.join("Cargo.toml")).expect("fuzz/Cargo.toml");
    for (name, _) in harness::TARGETS {
        assert!(root.join(format!("fuzz_targets/{name}.rs")).is_file(), "fuzz_targets/{name}.rs");
        assert!(manifest.contains(&format!("name = \"{name}\"")), "fuzz/Cargo.toml has no [[bin]] {name}");
    }
}
