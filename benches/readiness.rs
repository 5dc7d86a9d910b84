//! Readiness of a 200-entity release with its data loaded (issue 16: ≤ 100 ms), not a timed
//! test: `cargo bench --bench readiness`. Builds a space in memory — content types with the
//! usual validations, a release of 150 articles, 40 authors and 10 assets whose articles link
//! to each other, to authors in and outside the release and to images — then runs
//! `readiness::assess` (preflight, closure, verdict) and `readiness::release_changes` over it
//! and prints `key=value` lines:
//! - `readiness_200_ms`: the median of `ROUNDS` assessments (`readiness_200_ms_max`: the worst);
//! - `changes_200_ms`: the median diff of the release's entries against published versions.
#![allow(missing_docs, clippy::unwrap_used)]

use std::time::Instant;

use release_desk::cma::{ContentType, Entity, Locale, Release};
use release_desk::readiness::{self, Facts, Snapshot};
use serde_json::{Value, json};

const ROUNDS: usize = 30;

fn link(link_type: &str, id: &str) -> Value {
    json!({"sys": {"type": "Link", "linkType": link_type, "id": id}})
}

fn content_types() -> Vec<ContentType> {
    serde_json::from_value(json!([
        {"sys": {"type": "ContentType", "id": "article"}, "name": "Article", "displayField": "title",
         "fields": [
            {"id": "title", "name": "Title", "type": "Symbol", "localized": true, "required": true,
             "validations": [{"size": {"min": 3, "max": 120}}]},
            {"id": "slug", "name": "Slug", "type": "Symbol", "localized": false, "required": true,
             "validations": [{"regexp": {"pattern": "^[a-z0-9]+(-[a-z0-9]+)*$"}}]},
            {"id": "kind", "name": "Kind", "type": "Symbol", "localized": false, "required": true,
             "validations": [{"in": ["news", "feature", "opinion", "interview"]}]},
            {"id": "summary", "name": "Summary", "type": "Text", "localized": true, "required": false,
             "validations": [{"size": {"min": 20, "max": 280}}]},
            {"id": "body", "name": "Body", "type": "Text", "localized": true, "required": true},
            {"id": "author", "name": "Author", "type": "Link", "linkType": "Entry", "localized": false,
             "required": true, "validations": [{"linkContentType": ["author"]}]},
            {"id": "hero", "name": "Hero", "type": "Link", "linkType": "Asset", "localized": false,
             "required": false, "validations": [{"linkMimetypeGroup": ["image"]}]},
            {"id": "related", "name": "Related", "type": "Array", "localized": false, "required": false,
             "validations": [{"size": {"max": 5}}],
             "items": {"type": "Link", "linkType": "Entry", "validations": [{"linkContentType": ["article"]}]}}
         ]},
        {"sys": {"type": "ContentType", "id": "author"}, "name": "Author", "displayField": "name",
         "fields": [
            {"id": "name", "name": "Name", "type": "Symbol", "localized": false, "required": true},
            {"id": "bio", "name": "Bio", "type": "Text", "localized": true, "required": false}
         ]}
    ]))
    .unwrap()
}

fn locales() -> Vec<Locale> {
    serde_json::from_value(json!([
        {"code": "en-US", "name": "English", "default": true},
        {"code": "de-DE", "name": "German", "optional": true},
        {"code": "fr-FR", "name": "French", "optional": true}
    ]))
    .unwrap()
}

fn entity(kind: &str, id: &str, ct: Option<&str>, published: bool, fields: Value) -> Entity {
    let mut sys =
        json!({"type": kind, "id": id, "version": 5, "updatedAt": "2026-12-01T10:00:00Z"});
    if published {
        sys["publishedVersion"] = json!(3);
    }
    if let Some(ct) = ct {
        sys["contentType"] = link("ContentType", ct);
    }
    serde_json::from_value(json!({"sys": sys, "fields": fields})).unwrap()
}

fn article(i: usize) -> Entity {
    let author = if i.is_multiple_of(2) {
        format!("author-{}", i % 40)
    } else {
        format!("outside-author-{}", i % 50)
    };
    let related: Vec<Value> = (1..=3)
        .map(|k| link("Entry", &format!("article-{}", (i + k * 7) % 150)))
        .collect();
    entity(
        "Entry",
        &format!("article-{i}"),
        Some("article"),
        i.is_multiple_of(3),
        json!({
            "title": {"en-US": format!("Article number {i}"), "de-DE": format!("Artikel Nummer {i}")},
            "slug": {"en-US": format!("article-number-{i}")},
            "kind": {"en-US": "news"},
            "summary": {"en-US": "A summary that is long enough to pass the size rule."},
            "body": {"en-US": "Body text ".repeat(50), "de-DE": "Text ".repeat(50)},
            "author": {"en-US": link("Entry", &author)},
            "hero": {"en-US": link("Asset", &format!("image-{}", i % 10))},
            "related": {"en-US": related},
        }),
    )
}

fn main() {
    let mut snapshot = Snapshot::new(content_types(), locales());
    let mut items = Vec::new();
    for i in 0..150 {
        snapshot.insert(article(i));
        items.push(link("Entry", &format!("article-{i}")));
    }
    for i in 0..40 {
        let id = format!("author-{i}");
        snapshot.insert(entity(
            "Entry",
            &id,
            Some("author"),
            false,
            json!({"name": {"en-US": format!("Author {i}")}}),
        ));
        items.push(link("Entry", &id));
    }
    for i in 0..50 {
        snapshot.insert(entity(
            "Entry",
            &format!("outside-author-{i}"),
            Some("author"),
            i % 10 != 5,
            json!({"name": {"en-US": format!("Outside {i}")}}),
        ));
    }
    for i in 0..10 {
        let id = format!("image-{i}");
        snapshot.insert(entity(
            "Asset",
            &id,
            None,
            false,
            json!({"title": {"en-US": id}, "file": {"en-US": {"fileName": "a.png", "contentType": "image/png", "url": "//x.invalid/a.png"}}}),
        ));
        items.push(link("Asset", &id));
    }
    let release: Release = serde_json::from_value(json!({
        "title": "Bench", "entities": {"sys": {"type": "Array"}, "items": items},
        "sys": {"type": "Release", "id": "bench", "version": 1, "status": "active"}
    }))
    .unwrap();
    assert_eq!(release.entities.len(), 200);

    let mut times = Vec::new();
    let mut last = None;
    for _ in 0..ROUNDS {
        let started = Instant::now();
        last = Some(readiness::assess(
            &release,
            &snapshot,
            &Facts::default(),
            &[],
        ));
        times.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    times.sort_by(f64::total_cmp);
    let assessment = last.unwrap();
    eprintln!(
        "readiness: {:?}, {} problems, {} missing references",
        assessment.readiness,
        assessment.report.problem_count(),
        assessment.report.missing.len()
    );
    println!("readiness_200_ms={:.2}", times[ROUNDS / 2]);
    println!("readiness_200_ms_max={:.2}", times[ROUNDS - 1]);

    let drafts: Vec<Entity> = snapshot.entities().cloned().collect();
    let mut published = drafts.clone();
    for (i, e) in published.iter_mut().enumerate() {
        if i.is_multiple_of(4) {
            e.fields.insert("kind".into(), json!({"en-US": "feature"}));
        }
    }
    let mut times = Vec::new();
    for _ in 0..ROUNDS {
        let started = Instant::now();
        let diffs = readiness::release_changes(
            &release,
            &drafts,
            &published,
            &snapshot.content_types,
            &snapshot.locales,
        );
        times.push(started.elapsed().as_secs_f64() * 1000.0);
        assert_eq!(diffs.len(), 190);
    }
    times.sort_by(f64::total_cmp);
    println!("changes_200_ms={:.2}", times[ROUNDS / 2]);
}
