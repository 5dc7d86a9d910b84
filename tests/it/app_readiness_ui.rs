//! Release readiness in the app (issue 16), the whole app on a demo sandbox: the releases list
//! says which release would fail before anything runs, and a release missing a linked draft
//! gets it added with one click, after which it reads Ready; its "Changes" tab lists the entry.

use egui_kittest::kittest::Queryable;
use release_desk::cma::{Link, ReleaseBody};
use release_desk::sandbox::SandboxConfig;

use crate::app_support::{AppFixture, has_label, has_label_containing, step_until};
use crate::selectors::button;

#[test]
fn the_list_shows_readiness_and_add_them_fixes_a_missing_reference() {
    let mut f = AppFixture::start(SandboxConfig::default());
    f.runtime
        .block_on(f.client.create_release(&ReleaseBody::new(
            "Exit poll only",
            vec![Link::entry("article-exit-poll-explained")],
        )))
        .unwrap();
    button(&f.harness, "Reload the list").click();
    // The demo's failing release reads Blocked in the list, worked out locally.
    step_until(&mut f.harness, "readiness in the list", |h| {
        has_label(h, "Exit poll only") && has_label_containing(h, "Blocked (5 problems)")
    });
    step_until(&mut f.harness, "the missing author", |h| {
        has_label_containing(h, "Missing references (1)")
    });
    f.harness.get_by_label("Exit poll only").click();
    step_until(&mut f.harness, "the Add button", |h| has_label(h, "Add it"));
    assert!(
        has_label_containing(&f.harness, "Jonas Weber"),
        "the missing author is named by title"
    );
    f.harness.get_by_label("Add it").click();
    step_until(&mut f.harness, "the release to be Ready", |h| {
        has_label(h, "Ready") && !has_label(h, "Add it")
    });
    let releases = f
        .runtime
        .block_on(
            f.client
                .query_releases(&release_desk::cma::Query::new().set("title[match]", "Exit poll")),
        )
        .unwrap()
        .into_known();
    let release = releases
        .items
        .iter()
        .find(|r| r.title == "Exit poll only")
        .expect("the release");
    assert_eq!(release.entities.len(), 2, "the author was added");
    // The review: the article is new (never published), the author too.
    f.harness.get_by_label("Changes").click();
    step_until(&mut f.harness, "the review", |h| {
        has_label_containing(h, "entries change when this release publishes")
    });
}
