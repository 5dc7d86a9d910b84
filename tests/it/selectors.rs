//! Selectors for the app tests: a control is found by its accessibility role and its *words* —
//! the label without the icon glyphs around it — so a test reads "the Publish… button", and
//! changing an icon never breaks one.

use egui::accesskit::Role;
use egui_kittest::kittest::{Queryable, by};
use egui_kittest::{Harness, Node};

/// A label's words: leading glyphs and spaces dropped, and trailing ones (an ellipsis stays,
/// it says a dialog follows).
pub fn words(label: &str) -> &str {
    label
        .trim_start_matches(|c: char| !c.is_alphanumeric())
        .trim_end_matches(|c: char| !(c.is_alphanumeric() || matches!(c, '…' | '.' | ')' | '?')))
}

/// Every control of `role` whose words are `text`'s.
pub fn controls<'h, S>(
    h: &'h Harness<'_, S>,
    role: Role,
    text: &'h str,
) -> impl Iterator<Item = Node<'h>> + 'h {
    let wanted = words(text);
    h.query_all(
        by().role(role)
            .predicate(move |node| node.label().is_some_and(|label| words(&label) == wanted)),
    )
}

/// The one control of `role` whose words are `text`'s; panics naming what it looked for.
#[track_caller]
pub fn control<'h, S>(h: &'h Harness<'_, S>, role: Role, text: &'h str) -> Node<'h> {
    let mut found = controls(h, role, text);
    let first = found
        .next()
        .unwrap_or_else(|| panic!("no {role:?} with the words {:?}", words(text)));
    assert!(
        found.next().is_none(),
        "several {role:?}s with the words {:?}",
        words(text)
    );
    first
}

/// The one button whose words are `text`'s (e.g. `button(h, "Publish…")` finds "⬆ Publish…").
#[track_caller]
pub fn button<'h, S>(h: &'h Harness<'_, S>, text: &'h str) -> Node<'h> {
    control(h, Role::Button, text)
}

/// Whether a button with `text`'s words is on screen.
pub fn has_button<S>(h: &Harness<'_, S>, text: &str) -> bool {
    let wanted = words(text);
    h.query_all(
        by().role(Role::Button)
            .predicate(move |node| node.label().is_some_and(|label| words(&label) == wanted)),
    )
    .next()
    .is_some()
}

#[test]
fn words_drop_icons_but_keep_an_ellipsis() {
    assert_eq!(words("⬆ Publish…"), "Publish…");
    assert_eq!(words("Tue 1 Dec 2026 📆"), "Tue 1 Dec 2026");
    assert_eq!(words("✖ 1 failed"), "1 failed");
    assert_eq!(words("Publish"), "Publish");
}
