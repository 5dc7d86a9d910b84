//! Unit tests of the parent module.

use super::*;

/// A space in memory: content types and entities by link.
#[derive(Default)]
struct TestSpace {
    content_types: HashMap<String, ContentType>,
    entities: HashMap<(LinkType, String), Entity>,
    default_locale: String,
}

impl Space for TestSpace {
    fn content_type(&self, id: &str) -> Option<&ContentType> {
        self.content_types.get(id)
    }

    fn target(&self, link_type: &LinkType, id: &str) -> Option<Target> {
        self.entities
            .get(&(link_type.clone(), id.to_owned()))
            .map(|e| Target::from_entity(e, &self.default_locale))
    }
}

impl TestSpace {
    fn add(&mut self, entity: Entity) {
        let link = entity.link();
        self.entities
            .insert((link.sys.link_type, link.sys.id), entity);
    }

    fn get(&self, link_type: LinkType, id: &str) -> &Entity {
        self.entities
            .get(&(link_type, id.to_owned()))
            .unwrap_or_else(|| panic!("no entity {id}"))
    }
}

/// An entity in `state` (`draft`, `published`, `changed`, `archived`).
fn entity(kind: &str, id: &str, content_type: Option<&str>, state: &str, fields: Value) -> Entity {
    let (version, published, archived) = match state {
        "published" => (2, Some(1), None),
        "changed" => (3, Some(1), None),
        "archived" => (2, None, Some(1)),
        _ => (1, None, None),
    };
    let mut sys = json!({"type": kind, "id": id, "version": version,
        "publishedVersion": published, "archivedVersion": archived});
    if let Some(ct) = content_type {
        sys["contentType"] = json!({"sys": {"type": "Link", "linkType": "ContentType", "id": ct}});
    }
    if published.is_none() {
        sys.as_object_mut().unwrap().remove("publishedVersion");
    }
    serde_json::from_value(json!({"sys": sys, "fields": fields})).unwrap()
}

fn entry(id: &str, ct: &str, state: &str, fields: Value) -> Entity {
    entity("Entry", id, Some(ct), state, fields)
}

fn asset(id: &str, state: &str, mime: &str) -> Entity {
    entity(
        "Asset",
        id,
        None,
        state,
        json!({"title": {"en-US": id}, "file": {"en-US": {"fileName": "f", "contentType": mime, "url": "//x.invalid/f"}}}),
    )
}

fn link(link_type: &str, id: &str) -> Value {
    json!({"sys": {"type": "Link", "linkType": link_type, "id": id}})
}

fn locales(v: Value) -> Vec<Locale> {
    serde_json::from_value(v).unwrap()
}

fn en_de() -> Vec<Locale> {
    locales(json!([
        {"code": "en-US", "name": "English", "default": true, "optional": false},
        {"code": "de-DE", "name": "German", "default": false, "optional": true},
        {"code": "fr-FR", "name": "French", "default": false, "optional": false},
    ]))
}

fn errors(result: Result<(), ErrorBody>) -> (ErrorId, Vec<FieldError>) {
    let body = result.expect_err("expected a validation error");
    assert_eq!(body.message.as_deref(), Some("Validation error"));
    let errs = body.field_errors();
    assert_eq!(
        errs.len(),
        body.detail_errors().len(),
        "every item is a field error"
    );
    (body.sys.id, errs)
}

fn path(p: Value) -> Vec<Value> {
    p.as_array().unwrap().clone()
}

// ---------------------------------------------------------------- seed data

struct Seed {
    space: TestSpace,
    locales: Vec<Locale>,
    releases: HashMap<String, Vec<(LinkType, String)>>,
    /// (id, state) of every entry and asset, in file order.
    states: Vec<(LinkType, String, String)>,
    /// Published versions of changed entries (the seed's `fields` alone).
    published_versions: Vec<Entity>,
}

fn merge(fields: &Value, changed: Option<&Value>) -> Value {
    let mut merged = fields.clone();
    if let Some(changed) = changed.and_then(Value::as_object) {
        for (field, per_locale) in changed {
            let slot = merged
                .as_object_mut()
                .unwrap()
                .entry(field.clone())
                .or_insert_with(|| json!({}));
            for (locale, value) in per_locale.as_object().unwrap() {
                slot.as_object_mut()
                    .unwrap()
                    .insert(locale.clone(), value.clone());
            }
        }
    }
    merged
}

fn seed() -> Seed {
    let raw: Value = serde_json::from_str(include_str!("../../assets/seed/demo.json")).unwrap();
    let locales: Vec<Locale> = serde_json::from_value(raw["locales"].clone()).unwrap();
    let mut space = TestSpace {
        default_locale: default_locale(&locales).to_owned(),
        ..TestSpace::default()
    };
    for ct in raw["contentTypes"].as_array().unwrap() {
        let ct: ContentType = serde_json::from_value(ct.clone()).unwrap();
        space.content_types.insert(ct.sys.id.clone(), ct);
    }
    let mut states = Vec::new();
    let mut published_versions = Vec::new();
    for a in raw["assets"].as_array().unwrap() {
        let id = a["id"].as_str().unwrap();
        let state = a["state"].as_str().unwrap();
        space.add(entity("Asset", id, None, state, a["fields"].clone()));
        states.push((LinkType::Asset, id.to_owned(), state.to_owned()));
    }
    for e in raw["entries"].as_array().unwrap() {
        let id = e["id"].as_str().unwrap();
        let state = e["state"].as_str().unwrap();
        let ct = e["contentType"].as_str().unwrap();
        let fields = merge(&e["fields"], e.get("changedFields"));
        if state == "changed" {
            published_versions.push(entry(id, ct, "published", e["fields"].clone()));
        }
        space.add(entry(id, ct, state, fields));
        states.push((LinkType::Entry, id.to_owned(), state.to_owned()));
    }
    let mut releases = HashMap::new();
    for r in raw["releases"].as_array().unwrap() {
        let items = r["entities"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| {
                (
                    LinkType::from(l["linkType"].as_str().unwrap()),
                    l["id"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        releases.insert(r["id"].as_str().unwrap().to_owned(), items);
    }
    Seed {
        space,
        locales,
        releases,
        states,
        published_versions,
    }
}

#[test]
fn seed_published_entities_are_valid_on_their_own() {
    let seed = seed();
    let none = HashSet::new();
    let options = Options::new(&seed.locales, &none);
    let mut checked = 0;
    for (link_type, id, state) in &seed.states {
        if state != "published" {
            continue;
        }
        let e = seed.space.get(link_type.clone(), id);
        assert_eq!(
            validate_for_publish(e, &seed.space, &options),
            Ok(()),
            "{id}"
        );
        checked += 1;
    }
    assert_eq!(checked, 7 + 5 + 23 + 2 + 7);
    // The published versions of changed entries are valid too.
    for e in &seed.published_versions {
        assert_eq!(
            validate_for_publish(e, &seed.space, &options),
            Ok(()),
            "{}",
            e.sys.id
        );
    }
    // Pending edits of changed entries are valid, except the broken coalition talks.
    for (link_type, id, state) in &seed.states {
        if state == "changed" && id != "article-coalition-talks" {
            let e = seed.space.get(link_type.clone(), id);
            assert_eq!(
                validate_for_publish(e, &seed.space, &options),
                Ok(()),
                "{id}"
            );
        }
    }
    // The scheduled cider draft links only to published entities.
    let cider = seed
        .space
        .get(LinkType::Entry, "article-hudson-valley-cider");
    assert_eq!(validate_for_publish(cider, &seed.space, &options), Ok(()));
}

#[test]
fn seed_spring_release_is_valid_with_its_own_entities() {
    let seed = seed();
    let items = &seed.releases["release-spring-travel"];
    assert_eq!(items.len(), 10);
    let publishing: HashSet<_> = items.iter().cloned().collect();
    let options = Options::new(&seed.locales, &publishing);
    for (link_type, id) in items {
        let e = seed.space.get(link_type.clone(), id);
        assert_eq!(
            validate_for_publish(e, &seed.space, &options),
            Ok(()),
            "{id}"
        );
    }
    // Without the release, its drafts do not resolve: the landing page links to them.
    let none = HashSet::new();
    let alone = Options::new(&seed.locales, &none);
    let landing = seed.space.get(LinkType::Entry, "landing-spring");
    let (id, errs) = errors(validate_for_publish(landing, &seed.space, &alone));
    assert_eq!(id, ErrorId::UnresolvedLinks);
    assert!(errs.iter().all(|e| e.name == "notResolvable"));
}

#[test]
fn seed_election_release_fails_exactly_as_documented() {
    let seed = seed();
    let items = &seed.releases["release-election-night"];
    let publishing: HashSet<_> = items.iter().cloned().collect();
    let options = Options::new(&seed.locales, &publishing);
    let mut failed = HashMap::new();
    for (link_type, id) in items {
        let e = seed.space.get(link_type.clone(), id);
        if let Err(body) = validate_for_publish(e, &seed.space, &options) {
            failed.insert(id.as_str(), body);
        }
    }
    let mut ids: Vec<_> = failed.keys().copied().collect();
    ids.sort_unstable();
    assert_eq!(
        ids,
        [
            "article-breaking-results",
            "article-coalition-talks",
            "article-election-live-blog",
            "article-exit-poll-explained",
            "article-turnout-record",
        ]
    );
    let one = |id: &str| {
        let body = &failed[id];
        let errs = body.field_errors();
        assert_eq!(errs.len(), 1, "{id}: {errs:?}");
        (body.sys.id.clone(), errs[0].clone())
    };

    let (wrapper, e) = one("article-election-live-blog");
    assert_eq!(wrapper, ErrorId::InvalidEntry);
    assert_eq!(
        (e.name.as_str(), e.path_string().as_str()),
        ("required", "fields.body.en-US")
    );
    assert_eq!(
        e.details.as_deref(),
        Some("The property \"body\" is required here")
    );

    let (wrapper, e) = one("article-turnout-record");
    assert_eq!(wrapper, ErrorId::InvalidEntry);
    assert_eq!(
        (e.name.as_str(), e.path_string().as_str()),
        ("size", "fields.summary.en-US")
    );
    assert_eq!(e.extra["min"], json!(20));
    assert_eq!(e.extra["max"], json!(280));
    assert_eq!(e.value, Some(json!("Turnout is up.")));
    assert_eq!(
        e.custom_message.as_deref(),
        Some("A summary is one or two sentences: 20 to 280 characters.")
    );

    let (wrapper, e) = one("article-coalition-talks");
    assert_eq!(wrapper, ErrorId::InvalidEntry);
    assert_eq!(
        (e.name.as_str(), e.path_string().as_str()),
        ("regexp", "fields.slug.en-US")
    );
    assert_eq!(e.value, Some(json!("Coalition Talks Deal Friday")));
    assert_eq!(
        e.custom_message.as_deref(),
        Some(
            "Use lower-case letters, digits and single hyphens only, for example spring-in-lisbon."
        )
    );

    let (wrapper, e) = one("article-breaking-results");
    assert_eq!(wrapper, ErrorId::InvalidEntry);
    assert_eq!(
        (e.name.as_str(), e.path_string().as_str()),
        ("in", "fields.kind.en-US")
    );
    assert_eq!(e.value, Some(json!("breaking")));
    assert_eq!(
        e.extra["expected"],
        json!(["news", "feature", "opinion", "interview"])
    );
    assert_eq!(
        e.custom_message.as_deref(),
        Some("Kind must be one of: news, feature, opinion, interview.")
    );

    let (wrapper, e) = one("article-exit-poll-explained");
    assert_eq!(wrapper, ErrorId::UnresolvedLinks);
    assert_eq!(e.name, "notResolvable");
    assert_eq!(e.path, path(json!(["fields", "author", "en-US"])));
    assert_eq!(
        e.link,
        Some(json!({"type": "Link", "linkType": "Entry", "id": "author-jonas-weber"}))
    );
    assert_eq!(e.link_target_id(), Some("author-jonas-weber"));
}

#[test]
fn seed_error_json_matches_the_spec_shape() {
    let seed = seed();
    let none = HashSet::new();
    let options = Options::new(&seed.locales, &none);
    let e = seed
        .space
        .get(LinkType::Entry, "article-exit-poll-explained");
    let body = validate_for_publish(e, &seed.space, &options).unwrap_err();
    let v = serde_json::to_value(&body).unwrap();
    assert_eq!(v["sys"], json!({"type": "Error", "id": "UnresolvedLinks"}));
    assert_eq!(v["message"], json!("Validation error"));
    let item = &v["details"]["errors"][0];
    assert_eq!(item["name"], json!("notResolvable"));
    assert_eq!(item["path"], json!(["fields", "author", "en-US"]));
    assert_eq!(
        item["link"],
        json!({"type": "Link", "linkType": "Entry", "id": "author-jonas-weber"})
    );
    // It wraps into the release error shape.
    let wrapped = ErrorBody::validation_failed(vec![crate::cma::EntityError::new(e.link(), body)]);
    assert_eq!(wrapped.entity_errors().len(), 1);
}

// ---------------------------------------------------------------- hand-made cases

/// A content type with one of everything.
fn kitchen_sink() -> ContentType {
    serde_json::from_value(json!({
        "sys": {"id": "sink"}, "name": "Sink",
        "fields": [
            {"id": "title", "name": "Title", "type": "Symbol", "localized": true, "required": true,
             "validations": [{"size": {"min": 3, "max": 10}}]},
            {"id": "code", "name": "Code", "type": "Symbol", "localized": false, "required": false,
             "validations": [{"regexp": {"pattern": "^abc\\d+$", "flags": "i"}, "message": "Code!"}]},
            {"id": "tone", "name": "Tone", "type": "Symbol", "localized": false, "required": false,
             "validations": [{"in": ["calm", "loud"]}, {"prohibitRegexp": {"pattern": "damn", "flags": null}}]},
            {"id": "rating", "name": "Rating", "type": "Integer", "localized": false, "required": false,
             "validations": [{"range": {"min": 1, "max": 5}}, {"in": [1, 2, 3, 4]}]},
            {"id": "score", "name": "Score", "type": "Number", "localized": false, "required": false,
             "validations": [{"range": {"min": 0.5}}]},
            {"id": "tags", "name": "Tags", "type": "Array", "localized": false, "required": false,
             "items": {"type": "Symbol", "validations": [{"in": ["a", "b", "c"]}, {"size": {"max": 1}}]},
             "validations": [{"size": {"min": 1, "max": 3}, "message": "1-3 tags"}]},
            {"id": "author", "name": "Author", "type": "Link", "linkType": "Entry", "localized": false,
             "required": false, "validations": [{"linkContentType": ["person", "team"]}]},
            {"id": "related", "name": "Related", "type": "Array", "localized": false, "required": false,
             "items": {"type": "Link", "linkType": "Entry", "validations": [{"linkContentType": ["sink"]}]},
             "validations": []},
            {"id": "image", "name": "Image", "type": "Link", "linkType": "Asset", "localized": false,
             "required": false, "validations": [{"linkMimetypeGroup": ["image"], "message": "Images only"}]},
            {"id": "hidden", "name": "Hidden", "type": "Boolean", "localized": false, "required": true,
             "disabled": true, "omitted": true, "validations": []},
            {"id": "where", "name": "Where", "type": "Location", "localized": false, "required": false},
            {"id": "when", "name": "When", "type": "Date", "localized": false, "required": false},
            {"id": "data", "name": "Data", "type": "Object", "localized": false, "required": false},
            {"id": "doc", "name": "Doc", "type": "RichText", "localized": false, "required": false}
        ]
    }))
    .unwrap()
}

fn sink_space() -> TestSpace {
    let mut space = TestSpace {
        default_locale: "en-US".to_owned(),
        ..TestSpace::default()
    };
    space
        .content_types
        .insert("sink".to_owned(), kitchen_sink());
    space.add(entry("p1", "person", "published", json!({})));
    space.add(entry("cat1", "category", "published", json!({})));
    space.add(entry("draft-person", "person", "draft", json!({})));
    space.add(entry("old-person", "person", "archived", json!({})));
    space.add(entry("s1", "sink", "published", json!({})));
    space.add(entry("s2", "sink", "changed", json!({})));
    space.add(asset("img", "published", "image/png"));
    space.add(asset("pdf", "published", "application/pdf"));
    space
}

/// A valid sink entry; tests change one thing in it.
fn valid_fields() -> Value {
    json!({
        "title": {"en-US": "Hello", "fr-FR": "Salut"},
        "code": {"en-US": "ABC12"},
        "tone": {"en-US": "calm"},
        "rating": {"en-US": 4},
        "score": {"en-US": 0.75},
        "tags": {"en-US": ["a", "b"]},
        "author": {"en-US": link("Entry", "p1")},
        "related": {"en-US": [link("Entry", "s1"), link("Entry", "s2")]},
        "image": {"en-US": link("Asset", "img")},
        "hidden": {"en-US": false},
        "where": {"en-US": {"lat": 60.39, "lon": 5.32}},
        "when": {"en-US": "2026-05-01T10:00:00Z"},
        "data": {"en-US": {"any": ["thing"]}},
        "doc": {"en-US": {"nodeType": "document", "content": []}}
    })
}

#[allow(clippy::result_large_err, reason = "mirrors validate_for_publish")]
fn check_with(fields: Value, publishing: &HashSet<(LinkType, String)>) -> Result<(), ErrorBody> {
    let space = sink_space();
    let locales = en_de();
    let options = Options::new(&locales, publishing);
    validate_for_publish(&entry("e1", "sink", "draft", fields), &space, &options)
}

#[allow(clippy::result_large_err, reason = "mirrors validate_for_publish")]
fn check(fields: Value) -> Result<(), ErrorBody> {
    check_with(fields, &HashSet::new())
}

fn with(field: &str, per_locale: Value) -> Value {
    let mut fields = valid_fields();
    fields[field] = per_locale;
    fields
}

fn single(result: Result<(), ErrorBody>) -> FieldError {
    let (id, errs) = errors(result);
    assert_eq!(errs.len(), 1, "{errs:#?}");
    if errs[0].name != "notResolvable" {
        assert_eq!(id, ErrorId::InvalidEntry);
    }
    errs[0].clone()
}

#[test]
fn valid_entry_passes() {
    assert_eq!(check(valid_fields()), Ok(()));
}

#[test]
fn required_per_locale_skips_optional_locales() {
    // Missing in fr-FR (required locale) but not in de-DE (optional).
    let e = single(check(with("title", json!({"en-US": "Hello"}))));
    assert_eq!(e.name, "required");
    assert_eq!(e.path, path(json!(["fields", "title", "fr-FR"])));
    assert_eq!(
        e.details.as_deref(),
        Some("The property \"title\" is required here")
    );

    // Missing everywhere: default locale then fr-FR, in locale order; nothing for de-DE.
    let mut fields = valid_fields();
    fields.as_object_mut().unwrap().remove("title");
    let (_, errs) = errors(check(fields));
    let paths: Vec<_> = errs.iter().map(FieldError::path_string).collect();
    assert_eq!(paths, ["fields.title.en-US", "fields.title.fr-FR"]);

    // null, "" and [] are all empty.
    for empty in [json!(null), json!("")] {
        let e = single(check(with(
            "title",
            json!({"en-US": empty, "fr-FR": "Salut"}),
        )));
        assert_eq!(
            (e.name.as_str(), e.path_string().as_str()),
            ("required", "fields.title.en-US")
        );
    }
    // A non-localized required field is needed in the default locale only.
    let e = single(check(with("hidden", json!({}))));
    assert_eq!(
        (e.name.as_str(), e.path_string().as_str()),
        ("required", "fields.hidden.en-US")
    );
}

#[test]
fn required_empty_array() {
    let space = sink_space();
    let ct: ContentType = serde_json::from_value(json!({
        "sys": {"id": "list"}, "name": "List",
        "fields": [{"id": "items", "name": "Items", "type": "Array", "required": true,
                    "items": {"type": "Symbol"}}]
    }))
    .unwrap();
    let mut space = space;
    space.content_types.insert("list".to_owned(), ct);
    let locales = en_de();
    let none = HashSet::new();
    let options = Options::new(&locales, &none);
    let e = entry("l", "list", "draft", json!({"items": {"en-US": []}}));
    let err = single(validate_for_publish(&e, &space, &options));
    assert_eq!(
        (err.name.as_str(), err.path_string().as_str()),
        ("required", "fields.items.en-US")
    );
    let e = entry("l", "list", "draft", json!({"items": {"en-US": ["x"]}}));
    assert_eq!(validate_for_publish(&e, &space, &options), Ok(()));
}

#[test]
fn size_min_and_max_on_text() {
    let e = single(check(with(
        "title",
        json!({"en-US": "Hi", "fr-FR": "Salut"}),
    )));
    assert_eq!(
        (e.name.as_str(), e.path_string().as_str()),
        ("size", "fields.title.en-US")
    );
    assert_eq!(e.extra["min"], json!(3));
    assert_eq!(e.extra["max"], json!(10));
    assert_eq!(e.value, Some(json!("Hi")));
    assert_eq!(e.custom_message, None);
    assert!(e.details.as_deref().unwrap().contains("between 3 and 10"));

    let e = single(check(with(
        "title",
        json!({"en-US": "Hello", "fr-FR": "Bonjour à tous"}),
    )));
    assert_eq!(
        (e.name.as_str(), e.path_string().as_str()),
        ("size", "fields.title.fr-FR")
    );
    // Characters are counted, not bytes: ten accented letters are fine.
    assert_eq!(
        check(with(
            "title",
            json!({"en-US": "éééééééééé", "fr-FR": "àààà"})
        )),
        Ok(())
    );
    // Optional locale values are validated when present.
    let e = single(check(with(
        "title",
        json!({"en-US": "Hello", "de-DE": "Hallo Welt und so", "fr-FR": "Salut"}),
    )));
    assert_eq!(e.path_string(), "fields.title.de-DE");
}

#[test]
fn regexp_with_flags_and_custom_message() {
    // Flag i: lower case matches too.
    assert_eq!(check(with("code", json!({"en-US": "abc7"}))), Ok(()));
    let e = single(check(with("code", json!({"en-US": "abx7"}))));
    assert_eq!(
        (e.name.as_str(), e.path_string().as_str()),
        ("regexp", "fields.code.en-US")
    );
    assert_eq!(e.value, Some(json!("abx7")));
    assert_eq!(e.custom_message.as_deref(), Some("Code!"));
    // JavaScript's \d is ASCII only.
    assert!(check(with("code", json!({"en-US": "abc٣"}))).is_err());
}

#[test]
fn js_regex_translation() {
    let re = |p: &str, f: Option<&str>| {
        js_regex(&Pattern {
            pattern: p.to_owned(),
            flags: f.map(str::to_owned),
        })
    };
    assert!(re("^a.b$", Some("s")).unwrap().is_match("a\nb"));
    assert!(!re("^a.b$", None).unwrap().is_match("a\nb"));
    assert!(re("^b$", Some("m")).unwrap().is_match("a\nb"));
    assert!(!re("^b$", None).unwrap().is_match("a\nb"));
    assert!(re("B", Some("gi")).unwrap().is_match("abc"));
    // Sticky anchors at the start, even with m.
    assert!(!re("b", Some("y")).unwrap().is_match("ab"));
    assert!(!re("b", Some("my")).unwrap().is_match("a\nb"));
    assert!(re("a", Some("uy")).unwrap().is_match("ab"));
    // ASCII word classes and boundaries.
    assert!(re(r"^\w+$", None).unwrap().is_match("abc_1"));
    assert!(!re(r"^\w+$", None).unwrap().is_match("äbc"));
    assert!(re(r"^[\w-]+$", None).unwrap().is_match("a-b"));
    assert!(re(r"^[^\d]+$", None).unwrap().is_match("abc"));
    assert!(re(r"\bcat\b", None).unwrap().is_match("a cat."));
    assert!(re(r"^https?:\/\/", None).unwrap().is_match("https://x"));
    assert!(re(r"^\\d$", None).unwrap().is_match(r"\d"));
    // Unknown or repeated flags, and patterns Rust cannot run, are unusable.
    assert!(re("a", Some("x")).is_none());
    assert!(re("a", Some("ii")).is_none());
    assert!(re("(?=a)a", None).is_none());
    assert!(re(r"(a)\1", None).is_none());
    assert!(re("(", None).is_none());
    assert!(re("\\", None).is_none());
}

#[test]
fn invalid_regexp_is_skipped_without_error() {
    let mut space = sink_space();
    let ct: ContentType = serde_json::from_value(json!({
        "sys": {"id": "bad"}, "name": "Bad",
        "fields": [{"id": "s", "name": "S", "type": "Symbol",
            "validations": [
                {"regexp": {"pattern": "([a-z", "flags": null}},
                {"regexp": {"pattern": "(?<=x)y", "flags": "g"}},
                {"regexp": {"pattern": "a", "flags": "q"}},
                {"prohibitRegexp": {"pattern": "[", "flags": null}}
            ]}]
    }))
    .unwrap();
    space.content_types.insert("bad".to_owned(), ct);
    let locales = en_de();
    let none = HashSet::new();
    let options = Options::new(&locales, &none);
    let e = entry("b", "bad", "draft", json!({"s": {"en-US": "anything"}}));
    assert_eq!(validate_for_publish(&e, &space, &options), Ok(()));
}

#[test]
fn prohibit_regexp() {
    // "damn" is also not in [calm, loud]: both rules report, in declaration order.
    let (_, errs) = errors(check(with("tone", json!({"en-US": "damn"}))));
    let names: Vec<_> = errs.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(names, ["in", "prohibitRegexp"]);
    // Without the `in` rule, only the prohibited pattern reports.
    let mut ct = kitchen_sink();
    ct.fields[2].validations.remove(0);
    let mut space = sink_space();
    space.content_types.insert("sink".to_owned(), ct);
    let locales = en_de();
    let none = HashSet::new();
    let options = Options::new(&locales, &none);
    let bad = entry(
        "e",
        "sink",
        "draft",
        with("tone", json!({"en-US": "oh damn"})),
    );
    let e = single(validate_for_publish(&bad, &space, &options));
    assert_eq!(
        (e.name.as_str(), e.path_string().as_str()),
        ("prohibitRegexp", "fields.tone.en-US")
    );
    assert_eq!(e.value, Some(json!("oh damn")));
}

#[test]
fn in_on_symbols_and_numbers() {
    let e = single(check(with("tone", json!({"en-US": "angry"}))));
    assert_eq!(
        (e.name.as_str(), e.path_string().as_str()),
        ("in", "fields.tone.en-US")
    );
    assert_eq!(e.extra["expected"], json!(["calm", "loud"]));
    assert_eq!(e.value, Some(json!("angry")));
    // Numbers compare by value: 3.0 is 3.
    assert_eq!(check(with("rating", json!({"en-US": 3.0}))), Ok(()));
    let e = single(check(with("rating", json!({"en-US": 5}))));
    assert_eq!(e.name, "in");
}

#[test]
fn range_on_numbers() {
    let (_, errs) = errors(check(with("rating", json!({"en-US": 9}))));
    let names: Vec<_> = errs.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(names, ["range", "in"]);
    assert_eq!(errs[0].extra["min"], json!(1));
    assert_eq!(errs[0].extra["max"], json!(5));
    assert_eq!(errs[0].value, Some(json!(9)));
    let e = single(check(with("score", json!({"en-US": 0.25}))));
    assert_eq!(
        (e.name.as_str(), e.path_string().as_str()),
        ("range", "fields.score.en-US")
    );
    assert_eq!(e.extra["min"], json!(0.5));
    assert!(!e.extra.contains_key("max"));
}

#[test]
fn array_size_and_item_errors_with_index() {
    let e = single(check(with("tags", json!({"en-US": ["a", "b", "c", "a"]}))));
    assert_eq!(
        (e.name.as_str(), e.path_string().as_str()),
        ("size", "fields.tags.en-US")
    );
    assert_eq!(e.extra["max"], json!(3));
    assert_eq!(e.custom_message.as_deref(), Some("1-3 tags"));
    assert!(e.details.as_deref().unwrap().contains("4"));

    let (id, errs) = errors(check(with("tags", json!({"en-US": ["a", "zz", "b"]}))));
    assert_eq!(id, ErrorId::InvalidEntry);
    let got: Vec<_> = errs
        .iter()
        .map(|e| (e.name.as_str(), e.path.clone()))
        .collect();
    assert_eq!(
        got,
        [
            ("in", path(json!(["fields", "tags", "en-US", 1]))),
            ("size", path(json!(["fields", "tags", "en-US", 1]))),
        ]
    );
    assert_eq!(errs[0].value, Some(json!("zz")));

    // Array-level size first, then items by index.
    let (_, errs) = errors(check(with("tags", json!({"en-US": ["x", "a", "b", "y"]}))));
    let got: Vec<_> = errs
        .iter()
        .map(|e| (e.name.clone(), e.path_string()))
        .collect();
    assert_eq!(
        got,
        [
            ("size".to_owned(), "fields.tags.en-US".to_owned()),
            ("in".to_owned(), "fields.tags.en-US.0".to_owned()),
            ("in".to_owned(), "fields.tags.en-US.3".to_owned()),
        ]
    );
    // A wrong item type is a type error at its index.
    let e = single(check(with("tags", json!({"en-US": ["a", 7]}))));
    assert_eq!(
        (e.name.as_str(), e.path_string().as_str()),
        ("type", "fields.tags.en-US.1")
    );
    assert_eq!(e.extra["type"], json!("Symbol"));
}

#[test]
fn link_content_type() {
    let e = single(check(with(
        "author",
        json!({"en-US": link("Entry", "cat1")}),
    )));
    assert_eq!(
        (e.name.as_str(), e.path_string().as_str()),
        ("linkContentType", "fields.author.en-US")
    );
    assert_eq!(e.extra["contentTypeId"], json!(["person", "team"]));
    assert_eq!(e.value, Some(link("Entry", "cat1")));
    // In arrays, with the index.
    let e = single(check(with(
        "related",
        json!({"en-US": [link("Entry", "s1"), link("Entry", "p1")]}),
    )));
    assert_eq!(
        (e.name.as_str(), e.path.clone()),
        (
            "linkContentType",
            path(json!(["fields", "related", "en-US", 1]))
        )
    );
    assert_eq!(e.extra["contentTypeId"], json!(["sink"]));
}

#[test]
fn link_mimetype_group() {
    let e = single(check(with("image", json!({"en-US": link("Asset", "pdf")}))));
    assert_eq!(
        (e.name.as_str(), e.path_string().as_str()),
        ("linkMimetypeGroup", "fields.image.en-US")
    );
    assert_eq!(e.extra["mimetypeGroupName"], json!(["image"]));
    assert_eq!(e.custom_message.as_deref(), Some("Images only"));
    assert!(e.details.as_deref().unwrap().contains("pdfdocument"));
}

#[test]
fn mimetype_groups() {
    assert_eq!(mimetype_group("image/jpeg"), "image");
    assert_eq!(mimetype_group("IMAGE/SVG+XML"), "image");
    assert_eq!(mimetype_group("application/pdf"), "pdfdocument");
    assert_eq!(mimetype_group("text/plain; charset=utf-8"), "plaintext");
    assert_eq!(mimetype_group("video/mp4"), "video");
    assert_eq!(mimetype_group("audio/mpeg"), "audio");
    assert_eq!(mimetype_group("application/zip"), "archive");
    assert_eq!(mimetype_group("text/csv"), "spreadsheet");
    assert_eq!(mimetype_group("application/msword"), "richtext");
    assert_eq!(
        mimetype_group("application/vnd.ms-powerpoint"),
        "presentation"
    );
    assert_eq!(mimetype_group("text/html"), "markup");
    assert_eq!(mimetype_group("application/json"), "code");
    assert_eq!(mimetype_group("application/octet-stream"), "attachment");
    assert_eq!(mimetype_group(""), "attachment");
}

#[test]
fn missing_and_archived_targets_do_not_resolve() {
    let e = single(check(with(
        "author",
        json!({"en-US": link("Entry", "ghost")}),
    )));
    assert_eq!(
        (e.name.as_str(), e.path_string().as_str()),
        ("notResolvable", "fields.author.en-US")
    );
    assert_eq!(
        e.link,
        Some(json!({"type": "Link", "linkType": "Entry", "id": "ghost"}))
    );
    assert!(e.details.as_deref().unwrap().contains("does not exist"));

    let e = single(check(with(
        "author",
        json!({"en-US": link("Entry", "old-person")}),
    )));
    assert_eq!(e.name, "notResolvable");
    assert!(e.details.as_deref().unwrap().contains("archived"));
    // Even when the same release lists it.
    let publishing = HashSet::from([(LinkType::Entry, "old-person".to_owned())]);
    let (id, _) = errors(check_with(
        with("author", json!({"en-US": link("Entry", "old-person")})),
        &publishing,
    ));
    assert_eq!(id, ErrorId::UnresolvedLinks);

    // A missing asset, in an array of links: with the index.
    let (id, errs) = errors(check(with(
        "related",
        json!({"en-US": [link("Entry", "s1"), link("Entry", "nope")]}),
    )));
    assert_eq!(id, ErrorId::UnresolvedLinks);
    assert_eq!(errs[0].path, path(json!(["fields", "related", "en-US", 1])));
    let e = single(check(with(
        "image",
        json!({"en-US": link("Asset", "gone")}),
    )));
    assert_eq!(
        e.link,
        Some(json!({"type": "Link", "linkType": "Asset", "id": "gone"}))
    );
}

#[test]
fn unpublished_target_is_rescued_by_publishing() {
    let fields = with("author", json!({"en-US": link("Entry", "draft-person")}));
    let e = single(check(fields.clone()));
    assert_eq!(e.name, "notResolvable");
    assert!(e.details.as_deref().unwrap().contains("not published"));
    let publishing = HashSet::from([(LinkType::Entry, "draft-person".to_owned())]);
    assert_eq!(check_with(fields, &publishing), Ok(()));
    // The key is (link type, id): an asset with that id does not count.
    let wrong = HashSet::from([(LinkType::Asset, "draft-person".to_owned())]);
    assert!(
        check_with(
            with("author", json!({"en-US": link("Entry", "draft-person")})),
            &wrong
        )
        .is_err()
    );
}

#[test]
fn link_to_itself_resolves() {
    let mut space = sink_space();
    let me = entry(
        "me",
        "sink",
        "draft",
        with("related", json!({"en-US": [link("Entry", "me")]})),
    );
    space.add(me.clone());
    let locales = en_de();
    let none = HashSet::new();
    assert_eq!(
        validate_for_publish(&me, &space, &Options::new(&locales, &none)),
        Ok(())
    );
}

#[test]
fn field_and_link_errors_together_are_invalid_entry() {
    let mut fields = with("author", json!({"en-US": link("Entry", "ghost")}));
    fields["tone"] = json!({"en-US": "angry"});
    let (id, errs) = errors(check(fields));
    assert_eq!(id, ErrorId::InvalidEntry);
    let names: Vec<_> = errs.iter().map(|e| e.name.as_str()).collect();
    // Content-type field order: tone before author.
    assert_eq!(names, ["in", "notResolvable"]);
    assert!(errs[1].link.is_some());
}

#[test]
fn wrong_json_types() {
    let cases = [
        ("title", json!({"en-US": 42, "fr-FR": "Salut"}), "Symbol"),
        ("rating", json!({"en-US": 2.5}), "Integer"),
        ("rating", json!({"en-US": "3"}), "Integer"),
        ("score", json!({"en-US": true}), "Number"),
        ("tags", json!({"en-US": "a"}), "Array"),
        ("author", json!({"en-US": "p1"}), "Link"),
        ("author", json!({"en-US": link("Asset", "img")}), "Link"),
        (
            "author",
            json!({"en-US": {"sys": {"type": "Entry", "id": "p1"}}}),
            "Link",
        ),
        ("hidden", json!({"en-US": "no"}), "Boolean"),
        ("where", json!({"en-US": {"lat": "60"}}), "Location"),
        ("when", json!({"en-US": 20260501}), "Date"),
        ("data", json!({"en-US": "text"}), "Object"),
        ("doc", json!({"en-US": ["p"]}), "RichText"),
    ];
    for (field, value, type_) in cases {
        let e = single(check(with(field, value.clone())));
        assert_eq!(e.name, "type", "{field}: {value}");
        assert_eq!(e.extra["type"], json!(type_), "{field}");
        assert!(e.value.is_some());
        assert!(e.details.as_deref().unwrap().contains(field));
    }
    // A wrong type is the only error on that value (no size/in checks on top).
    let e = single(check(with("tone", json!({"en-US": ["calm"]}))));
    assert_eq!(e.name, "type");
    // Built-in Symbol length limit.
    let long = "x".repeat(SYMBOL_MAX_CHARS + 1);
    let e = single(check(with("tone", json!({"en-US": long}))));
    assert_eq!(
        (e.name.as_str(), e.extra["type"].clone()),
        ("type", json!("Symbol"))
    );
    // Field values that are not keyed by locale.
    let e = single(check(with("tone", json!("calm"))));
    assert_eq!(
        (e.name.as_str(), e.path_string().as_str()),
        ("type", "fields.tone")
    );
}

#[test]
fn unknown_fields_and_locales() {
    let mut fields = valid_fields();
    fields["zeta"] = json!({"en-US": 1});
    fields["alpha"] = json!({"en-US": 2});
    fields["ghost"] = json!({"en-US": null});
    let (id, errs) = errors(check(fields));
    assert_eq!(id, ErrorId::InvalidEntry);
    let got: Vec<_> = errs
        .iter()
        .map(|e| (e.name.as_str(), e.path_string()))
        .collect();
    assert_eq!(
        got,
        [
            ("unknown", "fields.alpha".to_owned()),
            ("unknown", "fields.zeta".to_owned())
        ]
    );
    // A non-localized field with a value in another locale, and a locale the space lacks.
    let e = single(check(with(
        "tone",
        json!({"en-US": "calm", "de-DE": "ruhig"}),
    )));
    assert_eq!(
        (e.name.as_str(), e.path_string().as_str()),
        ("unknown", "fields.tone.de-DE")
    );
    let e = single(check(with(
        "title",
        json!({"en-US": "Hello", "fr-FR": "Salut", "xx-XX": "?"}),
    )));
    assert_eq!(
        (e.name.as_str(), e.path_string().as_str()),
        ("unknown", "fields.title.xx-XX")
    );
}

#[test]
fn disabled_and_omitted_fields_are_validated() {
    let e = single(check(with("hidden", json!({"en-US": "yes"}))));
    assert_eq!(
        (e.name.as_str(), e.path_string().as_str()),
        ("type", "fields.hidden.en-US")
    );
}

#[test]
fn unknown_or_missing_content_type() {
    let space = sink_space();
    let locales = en_de();
    let none = HashSet::new();
    let options = Options::new(&locales, &none);
    let e = entry("x", "nope", "draft", json!({"title": {"en-US": "Hi"}}));
    let (id, errs) = errors(validate_for_publish(&e, &space, &options));
    assert_eq!(id, ErrorId::InvalidEntry);
    assert_eq!(errs.len(), 1);
    assert_eq!(
        (errs[0].name.as_str(), errs[0].path_string().as_str()),
        ("unknown", "sys.contentType")
    );
    assert!(errs[0].details.as_deref().unwrap().contains("nope"));

    let e = entity("Entry", "y", None, "draft", json!({}));
    let (id, errs) = errors(validate_for_publish(&e, &space, &options));
    assert_eq!(id, ErrorId::InvalidEntry);
    assert_eq!(errs[0].name, "required");
}

#[test]
fn assets_need_a_file_in_the_default_locale() {
    let space = sink_space();
    let locales = en_de();
    let none = HashSet::new();
    let options = Options::new(&locales, &none);
    let ok = asset("a", "draft", "image/png");
    assert_eq!(validate_for_publish(&ok, &space, &options), Ok(()));
    // Title is not required.
    let bare = entity(
        "Asset",
        "b",
        None,
        "draft",
        json!({"file": {"en-US": {"fileName": "x"}}}),
    );
    assert_eq!(validate_for_publish(&bare, &space, &options), Ok(()));
    for fields in [
        json!({"title": {"en-US": "No file"}}),
        json!({"file": {"de-DE": {"fileName": "x"}}}),
        json!({"file": {"en-US": null}}),
    ] {
        let a = entity("Asset", "c", None, "draft", fields);
        let (id, errs) = errors(validate_for_publish(&a, &space, &options));
        assert_eq!(id, ErrorId::InvalidEntry);
        assert_eq!(errs.len(), 1);
        assert_eq!(
            (errs[0].name.as_str(), errs[0].path_string().as_str()),
            ("required", "fields.file.en-US")
        );
    }
    let a = entity(
        "Asset",
        "d",
        None,
        "draft",
        json!({"file": {"en-US": "x.png"}}),
    );
    let e = single(validate_for_publish(&a, &space, &options));
    assert_eq!(e.name, "type");
}

#[test]
fn default_locale_rules() {
    assert_eq!(default_locale(&[]), FALLBACK_LOCALE);
    assert_eq!(default_locale(&en_de()), "en-US");
    let no_default =
        locales(json!([{"code": "de-DE", "name": "German"}, {"code": "en-US", "name": "English"}]));
    assert_eq!(default_locale(&no_default), "de-DE");
    // With no locale list, the fallback locale is used and others are not flagged.
    let space = sink_space();
    let none = HashSet::new();
    let options = Options::new(&[], &none);
    let fields = with("title", json!({"en-US": "Hello", "fr-FR": "Salut"}));
    assert_eq!(
        validate_for_publish(&entry("e", "sink", "draft", fields), &space, &options),
        Ok(())
    );
}

#[test]
fn target_from_entity() {
    let space = sink_space();
    let t = space.target(&LinkType::Entry, "s2").unwrap();
    assert_eq!(
        t,
        Target {
            published: true,
            archived: false,
            content_type: Some("sink".to_owned()),
            mime_type: None
        }
    );
    let t = space.target(&LinkType::Asset, "pdf").unwrap();
    assert_eq!(t.mime_type.as_deref(), Some("application/pdf"));
    assert!(
        space
            .target(&LinkType::Entry, "draft-person")
            .is_some_and(|t| !t.published)
    );
    assert!(
        space
            .target(&LinkType::Entry, "old-person")
            .is_some_and(|t| t.archived && !t.published)
    );
}

#[test]
fn errors_are_deterministic_and_ordered() {
    let mut fields = valid_fields();
    fields["title"] = json!({"en-US": "Hi", "fr-FR": "x"});
    fields["related"] = json!({"en-US": [link("Entry", "nope"), link("Entry", "p1")]});
    fields["tone"] = json!({"en-US": "angry"});
    let first = check(fields.clone());
    assert_eq!(first, check(fields));
    let (_, errs) = errors(first);
    let got: Vec<_> = errs
        .iter()
        .map(|e| (e.name.clone(), e.path_string()))
        .collect();
    assert_eq!(
        got,
        [
            ("size".to_owned(), "fields.title.en-US".to_owned()),
            ("size".to_owned(), "fields.title.fr-FR".to_owned()),
            ("in".to_owned(), "fields.tone.en-US".to_owned()),
            (
                "notResolvable".to_owned(),
                "fields.related.en-US.0".to_owned()
            ),
            (
                "linkContentType".to_owned(),
                "fields.related.en-US.1".to_owned()
            ),
        ]
    );
}

#[test]
fn never_panics_on_odd_json() {
    let odd = [
        json!(null),
        json!(true),
        json!(-1),
        json!(1e300),
        json!(u64::MAX),
        json!(""),
        json!("x"),
        json!([]),
        json!([null, [], {}, {"sys": null}, {"sys": {"type": "Link"}}, {"sys": {"type": "Link", "linkType": 3, "id": []}}]),
        json!({}),
        json!({"sys": {"type": "Link", "linkType": "Entry", "id": ""}}),
        json!({"sys": {"type": "Link", "linkType": "Space", "id": "s"}}),
        json!({"lat": 1, "lon": null}),
    ];
    let names: Vec<String> = kitchen_sink().fields.iter().map(|f| f.id.clone()).collect();
    for name in &names {
        for value in &odd {
            for wrapped in [
                value.clone(),
                json!({"en-US": value}),
                json!({"fr-FR": value, "??": value}),
            ] {
                let _ = check(with(name, wrapped));
            }
        }
    }
    // Odd content types: bounds that are not finite, empty `in`, items without validations.
    let mut space = sink_space();
    let ct: ContentType = serde_json::from_value(json!({
        "sys": {"id": "odd"}, "name": "Odd",
        "fields": [
            {"id": "a", "name": "A", "type": "Array", "validations": [{"size": {"min": -1.5, "max": 1e308}}, {"in": []}]},
            {"id": "b", "name": "B", "type": "Symbol", "validations": [{"in": []}, {"size": {}}, {"range": {"min": 1}}]},
            {"id": "c", "name": "C", "type": "Future", "validations": [{"size": {"max": 0}}]},
            {"id": "d", "name": "D", "type": "Link", "validations": [{"linkContentType": []}, {"linkMimetypeGroup": []}]}
        ]
    }))
    .unwrap();
    space.content_types.insert("odd".to_owned(), ct);
    let locales = en_de();
    let none = HashSet::new();
    let options = Options::new(&locales, &none);
    for value in &odd {
        let fields = json!({"a": {"en-US": value}, "b": {"en-US": value}, "c": {"en-US": value}, "d": {"en-US": value}});
        let _ = validate_for_publish(&entry("o", "odd", "draft", fields), &space, &options);
    }
    let b = entry("o", "odd", "draft", json!({"b": {"en-US": "x"}}));
    let e = single(validate_for_publish(&b, &space, &options));
    assert_eq!(e.name, "in");
    let c = entry("o", "odd", "draft", json!({"c": {"en-US": "x"}}));
    let e = single(validate_for_publish(&c, &space, &options));
    assert_eq!(e.name, "size");
}

#[test]
fn a_shared_regex_cache_gives_the_same_verdicts() {
    let seed = seed();
    let items = &seed.releases["release-election-night"];
    let publishing: HashSet<_> = items.iter().cloned().collect();
    let alone = Options::new(&seed.locales, &publishing);
    let regexes = RegexCache::default();
    let shared = alone.with_regexes(&regexes);
    for (link_type, id) in items {
        let e = seed.space.get(link_type.clone(), id);
        assert_eq!(
            validate_for_publish(e, &seed.space, &shared),
            validate_for_publish(e, &seed.space, &alone),
            "{id}"
        );
    }
    assert!(
        !regexes.0.borrow().is_empty(),
        "the slug pattern was compiled once"
    );
}
