//! JSON for people: a collapsible tree ([`json_tree_ui`]) and a line diff of two pretty-printed
//! documents ([`line_diff`], drawn by [`diff_ui`]).
//!
//! The diff is a plain longest-common-subsequence over lines, written here rather than taken
//! from a crate: payloads are a few hundred lines, the quadratic table is bounded by
//! [`MAX_DIFF_LINES`], and it keeps the dependency tree (and build time) as it is.

use egui::{CollapsingHeader, RichText, Ui};
use serde_json::Value;

use crate::app::theme::{self, Tone};

/// Children shown per object or array before "… N more".
pub const MAX_CHILDREN: usize = 200;
/// Documents longer than this (in lines) are not diffed line by line.
pub const MAX_DIFF_LINES: usize = 2_000;

/// Draws `value` as a tree of collapsible objects and arrays; the first `open_depth` levels
/// start open. `id_salt` keeps the open state of different documents apart.
pub fn json_tree_ui(
    ui: &mut Ui,
    id_salt: impl std::hash::Hash + std::fmt::Debug,
    value: &Value,
    open_depth: usize,
) {
    let id = ui.scope_id().with(egui::IdSalt::new(id_salt));
    node_ui(ui, id, None, value, 0, open_depth);
}

fn scalar_text(value: &Value) -> RichText {
    match value {
        Value::String(s) => RichText::new(format!("\"{s}\"")).monospace(),
        other => RichText::new(other.to_string()).monospace().strong(),
    }
}

fn node_ui(
    ui: &mut Ui,
    id: egui::Id,
    key: Option<&str>,
    value: &Value,
    depth: usize,
    open_depth: usize,
) {
    let name = key.map_or_else(String::new, |k| format!("{k}: "));
    let children: Vec<(String, &Value)> = match value {
        Value::Object(map) => map.iter().map(|(k, v)| (k.clone(), v)).collect(),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, v)| (format!("[{i}]"), v))
            .collect(),
        scalar => {
            ui.horizontal_wrapped(|ui| {
                ui.spacing_mut().item_spacing.x = 0.0;
                ui.label(RichText::new(name).monospace().weak());
                ui.label(scalar_text(scalar));
            });
            return;
        }
    };
    let summary = match value {
        Value::Object(_) => format!("{name}{{{}}}", children.len()),
        _ => format!("{name}[{}]", children.len()),
    };
    CollapsingHeader::new(RichText::new(summary).monospace())
        .id_salt(id)
        .default_open(depth < open_depth)
        .show(ui, |ui| {
            for (child_key, child) in children.iter().take(MAX_CHILDREN) {
                node_ui(
                    ui,
                    id.with(child_key),
                    Some(child_key),
                    child,
                    depth + 1,
                    open_depth,
                );
            }
            if children.len() > MAX_CHILDREN {
                ui.label(RichText::new(format!("… {} more", children.len() - MAX_CHILDREN)).weak());
            }
        });
}

/// One line of a diff.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DiffLine {
    /// In both.
    Same(String),
    /// Only in the newer document.
    Added(String),
    /// Only in the older document.
    Removed(String),
}

/// The line diff from `old` to `new` (LCS). Documents over `MAX_DIFF_LINES` lines give a
/// whole-document replacement.
pub fn line_diff(old: &str, new: &str) -> Vec<DiffLine> {
    let a: Vec<&str> = old.lines().collect();
    let b: Vec<&str> = new.lines().collect();
    if a.len() > MAX_DIFF_LINES || b.len() > MAX_DIFF_LINES {
        return a
            .iter()
            .map(|l| DiffLine::Removed((*l).to_owned()))
            .chain(b.iter().map(|l| DiffLine::Added((*l).to_owned())))
            .collect();
    }
    // lcs[i][j]: the LCS length of a[i..] and b[j..].
    let mut lcs = vec![vec![0u32; b.len() + 1]; a.len() + 1];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            lcs[i][j] = if a[i] == b[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let (mut i, mut j) = (0, 0);
    let mut out = Vec::with_capacity(a.len().max(b.len()));
    while i < a.len() && j < b.len() {
        if a[i] == b[j] {
            out.push(DiffLine::Same(a[i].to_owned()));
            i += 1;
            j += 1;
        } else if lcs[i + 1][j] >= lcs[i][j + 1] {
            out.push(DiffLine::Removed(a[i].to_owned()));
            i += 1;
        } else {
            out.push(DiffLine::Added(b[j].to_owned()));
            j += 1;
        }
    }
    out.extend(a[i..].iter().map(|l| DiffLine::Removed((*l).to_owned())));
    out.extend(b[j..].iter().map(|l| DiffLine::Added((*l).to_owned())));
    out
}

/// Draws a diff: changed lines with `+`/`-` in the success/danger tones, unchanged lines
/// folded to three lines of context around each change.
pub fn diff_ui(ui: &mut Ui, lines: &[DiffLine]) {
    let visuals = ui.visuals().clone();
    let changed: Vec<bool> = lines
        .iter()
        .map(|l| !matches!(l, DiffLine::Same(_)))
        .collect();
    if !changed.iter().any(|c| *c) {
        ui.label(RichText::new("No change in the payload.").weak());
        return;
    }
    let near = |i: usize| {
        let lo = i.saturating_sub(3);
        let hi = (i + 4).min(lines.len());
        changed[lo..hi].iter().any(|c| *c)
    };
    let mut skipped = 0;
    for (i, line) in lines.iter().enumerate() {
        if !near(i) {
            skipped += 1;
            continue;
        }
        if skipped > 0 {
            ui.label(RichText::new(format!("  … {skipped} unchanged lines")).weak());
            skipped = 0;
        }
        let text = match line {
            DiffLine::Same(l) => RichText::new(format!("  {l}")),
            DiffLine::Added(l) => {
                RichText::new(format!("+ {l}")).color(theme::tone(&visuals, Tone::Success))
            }
            DiffLine::Removed(l) => {
                RichText::new(format!("- {l}")).color(theme::tone(&visuals, Tone::Danger))
            }
        };
        ui.label(text.monospace());
    }
    if skipped > 0 {
        ui.label(RichText::new(format!("  … {skipped} unchanged lines")).weak());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diff_keeps_common_lines_and_marks_changes() {
        let d = line_diff("a\nb\nc", "a\nx\nc\nd");
        assert_eq!(
            d,
            vec![
                DiffLine::Same("a".into()),
                DiffLine::Removed("b".into()),
                DiffLine::Added("x".into()),
                DiffLine::Same("c".into()),
                DiffLine::Added("d".into()),
            ]
        );
    }
}
