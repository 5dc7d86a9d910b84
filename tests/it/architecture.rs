//! Architecture invariants, checked by reading the source (after rust-analyzer's tidy tests):
//! what a layer must not name fails here, with the file and line, before it can creep in.

use std::path::{Path, PathBuf};

/// Every `.rs` file under `dir` (relative to the crate root), with its code lines: comments
/// are left out, so docs may say what a layer does not know.
fn code_lines(dir: &str) -> Vec<(PathBuf, usize, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    let mut pending = vec![root.join(dir)];
    while let Some(path) = pending.pop() {
        if path.is_dir() {
            for entry in std::fs::read_dir(&path).unwrap() {
                pending.push(entry.unwrap().path());
            }
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    assert!(!files.is_empty(), "no Rust files under {dir}");
    files.sort();
    let mut lines = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        let relative = file.strip_prefix(root).unwrap().to_path_buf();
        for (n, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or_default().trim();
            if !code.is_empty() {
                lines.push((relative.clone(), n + 1, code.to_owned()));
            }
        }
    }
    lines
}

/// Panics listing every code line under `dirs` that names one of `forbidden`.
fn assert_never_named(dirs: &[&str], forbidden: &[&str], why: &str) {
    let mut found = Vec::new();
    for dir in dirs {
        for (file, n, code) in code_lines(dir) {
            for word in forbidden {
                if code.contains(word) {
                    found.push(format!("{}:{n}: names `{word}`: {code}", file.display()));
                }
            }
        }
    }
    assert!(found.is_empty(), "{why}\n{}", found.join("\n"));
}

#[test]
fn the_app_reaches_the_sandbox_only_over_http() {
    assert_never_named(
        &["src/app"],
        &["crate::sandbox", "release_desk::sandbox", "super::sandbox"],
        "Architecture Invariant: `app` knows the sandbox only as an HTTP server \
         (start it in `embedded`, outside the app)",
    );
}

#[test]
fn views_widgets_and_state_do_no_io() {
    assert_never_named(
        &["src/app/views", "src/app/widgets", "src/app/state"],
        &[
            "tokio",
            "reqwest",
            "rusqlite",
            "std::fs",
            "File::",
            "crate::timeline::Journal",
        ],
        "Architecture Invariant: views, widgets and state know nothing of tokio, reqwest, \
         rusqlite or the file system; only the worker does I/O",
    );
}

#[test]
fn views_widgets_and_state_read_time_from_the_app_clock() {
    assert_never_named(
        &[
            "src/app/views",
            "src/app/widgets",
            "src/app/state",
            "src/app/format.rs",
        ],
        &["::now()"],
        "Time is injected: views read `ViewCtx::now` (the app's clock), never the system clock",
    );
}

#[test]
fn validation_and_readiness_are_pure() {
    assert_never_named(
        &["src/validation", "src/readiness"],
        &[
            "crate::app",
            "crate::sandbox",
            "egui",
            "tokio",
            "reqwest",
            "rusqlite",
            "std::fs",
        ],
        "Architecture Invariant: the publish rules and readiness are pure, shared by the sandbox \
         and the app: no I/O, no GUI, neither side's code",
    );
}

#[test]
fn the_tidy_check_sees_what_it_forbids() {
    // A guard for the guard: the worker does name tokio, so a broken walk would be caught.
    let worker = code_lines("src/app/worker");
    assert!(worker.iter().any(|(_, _, code)| code.contains("tokio")));
}

/// Panics unless every code line under `src` that contains `definition` is in `home` (unit
/// tests may spell the wire out literally: they check it).
fn defined_only_in(definition: &str, home: &str, why: &str) {
    let found: Vec<String> = code_lines("src")
        .into_iter()
        .filter(|(file, _, code)| {
            code.contains(definition) && !file.ends_with(home) && !file.ends_with("tests.rs")
        })
        .map(|(file, n, code)| format!("{}:{n}: {code}", file.display()))
        .collect();
    assert!(
        found.is_empty(),
        "`{definition}` belongs in {home} only ({why}):\n{}",
        found.join("\n")
    );
}

#[test]
fn cross_cutting_pieces_are_defined_once() {
    defined_only_in(
        "struct Clock",
        "src/clock.rs",
        "one clock, so a test moves sandbox, timeline and app together",
    );
    defined_only_in("enum Clock", "src/clock.rs", "one clock");
    defined_only_in("Alphanumeric", "src/cma/ids.rs", "one id generator");
    defined_only_in("random::<u128>", "src/cma/ids.rs", "one id generator");
    defined_only_in(
        "const REDACTED",
        "src/cma/webhook_headers.rs",
        "secrets look the same everywhere",
    );
    defined_only_in(
        "\"X-Contentful-Topic\"",
        "src/cma/webhook_headers.rs",
        "webhook header names are defined once",
    );
    defined_only_in(
        "std::fs::rename",
        "src/private_fs.rs",
        "whole files are written by private_fs::write_atomic, so a crash never tears one",
    );
    defined_only_in(
        "std::fs::write(",
        "src/private_fs.rs",
        "whole files are written by private_fs::write_atomic",
    );
}
