//! The crate's layout rules, checked on the source tree: only the command layer sees clap and
//! the exit statuses; every module says what it owns.

use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("read {}: {e}", dir.display()))
        .map(|e| e.expect("dir entry").path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

fn sources() -> Vec<(String, String)> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files
        .into_iter()
        .map(|p| {
            let text =
                std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("read {}: {e}", p.display()));
            let rel = p.strip_prefix(&src).unwrap().to_string_lossy().into_owned();
            (rel, text)
        })
        .collect()
}

/// Lines of code, comments (`//`) left out.
fn code_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.split("//").next().unwrap_or("")))
}

#[test]
fn only_the_command_layer_sees_clap_and_exit() {
    let allowed =
        |f: &str| f.starts_with("cmd/") || f.starts_with("bin/") || f == "cli.rs" || f == "exit.rs";
    let mut bad = Vec::new();
    for (file, text) in sources() {
        if allowed(&file) {
            continue;
        }
        for (n, line) in code_lines(&text) {
            if ["clap::", "crate::cli", "crate::exit", "ExitError", "Exit::"]
                .iter()
                .any(|w| line.contains(w))
            {
                bad.push(format!("src/{file}:{n}: {}", line.trim()));
            }
        }
    }
    assert!(
        bad.is_empty(),
        "only src/cmd/, src/cli.rs, src/exit.rs and src/bin/ may use clap or the exit type:\n{}",
        bad.join("\n")
    );
}

#[test]
fn unsafe_only_in_sys() {
    let mut bad = Vec::new();
    for (file, text) in sources() {
        if file.starts_with("sys") {
            continue;
        }
        for (n, line) in code_lines(&text) {
            if line.contains("unsafe ") || line.contains("unsafe{") {
                bad.push(format!("src/{file}:{n}: {}", line.trim()));
            }
        }
    }
    assert!(
        bad.is_empty(),
        "unsafe outside src/sys:\n{}",
        bad.join("\n")
    );
}

#[test]
fn every_module_says_what_it_owns() {
    let bad: Vec<String> = sources()
        .into_iter()
        .filter(|(_, text)| !text.trim_start().starts_with("//!"))
        .map(|(file, _)| format!("src/{file}"))
        .collect();
    assert!(
        bad.is_empty(),
        "modules without a //! paragraph:\n{}",
        bad.join("\n")
    );
}
