//! Unit tests of the parent module.

use super::*;

/// The toolkit tests' `VALID_SECRET`: 64 × `a`.
fn valid_secret() -> SigningSecret {
    SigningSecret::new("a".repeat(64)).unwrap()
}

/// The toolkit tests' `newSecret`: `q` followed by 63 × `a`.
fn other_secret() -> SigningSecret {
    SigningSecret::new(format!("q{}", "a".repeat(63))).unwrap()
}

/// The toolkit tests' `VALID_TIMESTAMP`.
const T: i64 = 1_603_379_941_037;

fn sign(
    secret: &SigningSecret,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> SignedHeaders {
    sign_request(secret, method, path, headers, body.as_bytes(), T)
}

fn sig(method: &str, path: &str, headers: &[(&str, &str)]) -> String {
    sign(&valid_secret(), method, path, headers, "").signature
}

/// Signs `headers` and returns them with the three signature headers added.
fn signed_request(
    secret: &SigningSecret,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
    ts: i64,
) -> Vec<(String, String)> {
    let signed = sign_request(secret, method, path, headers, body, ts);
    let mut all: Vec<(String, String)> = headers
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    all.extend(
        signed
            .into_pairs()
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v)),
    );
    all
}

fn as_refs(headers: &[(String, String)]) -> Vec<(&str, &str)> {
    headers
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect()
}

fn verify(
    headers: &[(String, String)],
    method: &str,
    path: &str,
    body: &[u8],
    now: i64,
    ttl: u64,
) -> Result<(), VerifyError> {
    verify_request(
        &valid_secret(),
        method,
        path,
        &as_refs(headers),
        body,
        now,
        ttl,
    )
}

const WEBHOOK_HEADERS: [(&str, &str); 3] = [
    (
        "Content-Type",
        "application/vnd.contentful.management.v1+json",
    ),
    ("X-Contentful-Topic", "ContentManagement.Entry.publish"),
    ("X-Contentful-Webhook-Request-Attempt", "1"),
];
const BODY: &[u8] = br#"{"sys":{"id":"e1"}}"#;

fn webhook() -> Vec<(String, String)> {
    signed_request(
        &valid_secret(),
        "POST",
        "/hook?x=1",
        &WEBHOOK_HEADERS,
        BODY,
        T,
    )
}

fn without(headers: &[(String, String)], name: &str) -> Vec<(String, String)> {
    headers
        .iter()
        .filter(|(k, _)| !k.eq_ignore_ascii_case(name))
        .cloned()
        .collect()
}

fn replace(headers: &[(String, String)], name: &str, value: &str) -> Vec<(String, String)> {
    let mut out = without(headers, name);
    out.push((name.to_owned(), value.to_owned()));
    out
}

// ---- Test vectors -------------------------------------------------------
//
// The toolkit's own specs (src/requests/sign-request.spec.ts,
// verify-request.spec.ts) compare signatures with each other and contain no
// literal expected signatures. The expected values below were produced by
// running the published @contentful/node-apps-toolkit (3.16.1, same signing
// code as the repository's HEAD) `signRequest` on the inputs of those specs
// (secret 64 × "a", timestamp 1603379941037), plus extra edge cases.

/// sign-request.spec.ts, VALID_REQUEST: GET /api/resources/1, no headers, no body.
#[test]
fn vector_plain_get() {
    let s = sign(&valid_secret(), "GET", "/api/resources/1", &[], "");
    assert_eq!(
        s.signature,
        "3b21d63c31a2a92d38945394da0b1a2a0dc2d9bf13ef4dfd91b9f3fa1440b404"
    );
    assert_eq!(
        s.signed_headers,
        "x-contentful-signed-headers,x-contentful-timestamp"
    );
    assert_eq!(s.timestamp, T);
}

/// sign-request.spec.ts "generates different signatures with different url search (order)".
#[test]
fn vector_query_strings() {
    let h = [("headerOne", "one")];
    let q1 = sign(&valid_secret(), "GET", "/api/resources?q=1&w=2", &h, "");
    assert_eq!(
        q1.signature,
        "249f8d0e77083b5e0cc4d2927a8379e9fdccf62fb7192df56d3279a83bd45582"
    );
    assert_eq!(
        q1.signed_headers,
        "headerone,x-contentful-signed-headers,x-contentful-timestamp"
    );
    assert_eq!(
        sig("GET", "/api/resources?w=2&q=1", &h),
        "a914863317446edb2a8d3452df12fa2119e633a72566abebc3d49c103f5bccac"
    );
    assert_eq!(
        sig("GET", "/api/resources?q=12", &h),
        "81f70bd1994a9dab71913b97fb562a07bdb9b7e703bd8e146edd35afc99ddf53"
    );
}

/// sign-request.spec.ts "does not break with headers with linebreaks".
#[test]
fn vector_header_with_linebreak() {
    assert_eq!(
        sig("GET", "/api/resources/1", &[("headerTwo", "two\nthree")]),
        "7f990ee7e1c850b7f7e3a2a1bef8d2db6edc2a8c78e573b9a46a9607e6716662"
    );
}

/// sign-request.spec.ts "generates same signature if headers key are provided with
/// different casing" and "... different ending/starting spacing (trimming)".
#[test]
fn vector_header_case_and_spacing() {
    let expected = "385eb6047af72e97e6b8a621ffa3261c411d362822bf5c41861844464810aa99";
    let plain = sign(
        &valid_secret(),
        "GET",
        "/api/resources/1",
        &[("headerOne", "one"), ("headerTwo", "two")],
        "",
    );
    assert_eq!(plain.signature, expected);
    assert_eq!(
        plain.signed_headers,
        "headerone,headertwo,x-contentful-signed-headers,x-contentful-timestamp"
    );
    assert_eq!(
        sig(
            "GET",
            "/api/resources/1",
            &[("headerone", "one"), ("headerTWO", "two")]
        ),
        expected
    );
    assert_eq!(
        sig(
            "GET",
            "/api/resources/1",
            &[("      headerOne", "one"), ("headerTwo        ", "two")]
        ),
        expected
    );
}

/// sign-request.spec.ts "generates different signatures with different secrets".
#[test]
fn vector_other_secret() {
    let s = sign(&other_secret(), "GET", "/api/resources/1", &[], "");
    assert_eq!(
        s.signature,
        "8d79811ef95111311b0a72be16ed9b39ea12d3d5abcb9256670c493027b6de3e"
    );
}

/// sign-request.spec.ts "generates different signatures with retried requests".
#[test]
fn vector_retried_request() {
    let a1 = sign(
        &valid_secret(),
        "GET",
        "/api/resources/1",
        &[("x-contentful-webhook-request-attempt", "1")],
        "",
    );
    let a2 = sign(
        &valid_secret(),
        "GET",
        "/api/resources/1",
        &[("x-contentful-webhook-request-attempt", "2")],
        "",
    );
    assert_eq!(
        a1.signature,
        "fb80198bec2bc1a274f617861dbce7c08aa413a25c207572e6d1ca32b899d034"
    );
    assert_eq!(
        a2.signature,
        "5c2e404158eb70d23b67017b83e9a50492fd341d2e7728b4df9925ff0919ae4d"
    );
    assert_eq!(
        a1.signed_headers,
        "x-contentful-signed-headers,x-contentful-timestamp,x-contentful-webhook-request-attempt"
    );
    assert_ne!(a1.signature, a2.signature);
}

/// verify-request.spec.ts request shapes (path /api/v1/resources/1, Authorization,
/// Cache-Control, "headers sorted lower than contentful's", query a=1&b=2).
#[test]
fn vector_verify_spec_shapes() {
    let p = "/api/v1/resources/1";
    assert_eq!(
        sig("GET", p, &[("Authorization", "Bearer TOKEN")]),
        "ed9215627127a459859ece4ea858a83bf1f4328414b3b31204a94acff7881b20"
    );
    let cc = sign(
        &valid_secret(),
        "GET",
        p,
        &[
            ("Authorization", "Bearer TOKEN"),
            ("Cache-Control", "no-cache"),
        ],
        "",
    );
    assert_eq!(
        cc.signature,
        "8f56a1fff2070e348dee10cd686eb364c4bd0c24e0839c49da738051698e7819"
    );
    assert_eq!(
        cc.signed_headers,
        "authorization,cache-control,x-contentful-signed-headers,x-contentful-timestamp"
    );
    let z = sign(
        &valid_secret(),
        "GET",
        p,
        &[("Authorization", "Bearer Token"), ("z-zzzzz", "ronf ronf")],
        "",
    );
    assert_eq!(
        z.signature,
        "c918a5286e2b879e3497a3b2a56862cf32646bdcbdd3753be2a293e2be954026"
    );
    assert_eq!(
        z.signed_headers,
        "authorization,x-contentful-signed-headers,x-contentful-timestamp,z-zzzzz"
    );
    assert_eq!(
        sig("GET", "/api/v1?a=1&b=2", &[]),
        "9c204f37990f723945d76c19e901685b31bece37a850178b2bd1ea51e3376a17"
    );
}

/// A webhook-like POST with a JSON body (extra vector).
#[test]
fn vector_post_with_body() {
    let s = sign(
        &valid_secret(),
        "POST",
        "/hook",
        &[
            (
                "Content-Type",
                "application/vnd.contentful.management.v1+json",
            ),
            ("X-Contentful-Topic", "ContentManagement.Release.create"),
        ],
        r#"{"title":"Spring launch"}"#,
    );
    assert_eq!(
        s.signature,
        "978ef1d8e17bd94808b7afb54fe665424493287043f28dc6eae7aa07ae04ab24"
    );
    assert_eq!(
        s.signed_headers,
        "content-type,x-contentful-signed-headers,x-contentful-timestamp,x-contentful-topic"
    );
}

/// The worked canonical example of spec §6.3, with its timestamp (extra vector).
#[test]
fn vector_spec_worked_example() {
    let headers = [
        (
            "content-type",
            "application/vnd.contentful.management.v1+json",
        ),
        ("x-contentful-topic", "ContentManagement.Release.create"),
    ];
    let body = br#"{"title":"Spring launch"}"#;
    let s = sign_request(
        &valid_secret(),
        "POST",
        "/hook",
        &headers,
        body,
        1_767_261_600_000,
    );
    assert_eq!(
        s.signature,
        "dd4d1cadf725e24b6b23190ad2751de315b612c48a784e45fd1ed24b78cb1145"
    );
    let normalized: Vec<(String, String)> = headers
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .chain([
            (TIMESTAMP_HEADER.to_owned(), "1767261600000".to_owned()),
            (SIGNED_HEADERS_HEADER.to_owned(), s.signed_headers.clone()),
        ])
        .collect();
    let canonical = canonical_request("POST", "/hook", &normalized, body);
    assert_eq!(
        String::from_utf8(canonical).unwrap(),
        "POST\n/hook\ncontent-type:application/vnd.contentful.management.v1+json;\
         x-contentful-signed-headers:content-type,x-contentful-signed-headers,x-contentful-timestamp,x-contentful-topic;\
         x-contentful-timestamp:1767261600000;\
         x-contentful-topic:ContentManagement.Release.create\n\
         {\"title\":\"Spring launch\"}"
    );
}

/// The emulator's full webhook header set with a secret using every allowed
/// symbol; a retry changes the signature (extra vectors).
#[test]
fn vector_emulator_headers_and_retry() {
    let secret =
        SigningSecret::new("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVW+/=_-")
            .unwrap();
    let headers = |attempt| {
        [
            (
                "Content-Type",
                "application/vnd.contentful.management.v1+json",
            ),
            ("X-Contentful-Topic", "ContentManagement.Entry.publish"),
            ("X-Contentful-Webhook-Name", "Release hook"),
            (
                "X-Contentful-CRN",
                "crn:contentful:::content:spaces/s1/environments/master/entries/e1",
            ),
            ("X-Contentful-Idempotency-Key", "k-123"),
            ("X-Contentful-Webhook-Request-Attempt", attempt),
        ]
    };
    let path = "/webhooks/receive?source=contentful";
    let a1 = sign_request(
        &secret,
        "POST",
        path,
        &headers("1"),
        BODY,
        1_767_261_600_000,
    );
    let a2 = sign_request(
        &secret,
        "POST",
        path,
        &headers("2"),
        BODY,
        1_767_261_600_000,
    );
    assert_eq!(
        a1.signature,
        "4715cf9487a769ed22071e31e85684cf6efa1e8127dcb745fb9747100ac59f11"
    );
    assert_eq!(
        a2.signature,
        "2131bd0c374ab5cacc16885ffdd21f18068b5c03065312a26d68026e0b1909d6"
    );
    assert_eq!(
        a1.signed_headers,
        "content-type,x-contentful-crn,x-contentful-idempotency-key,x-contentful-signed-headers,\
         x-contentful-timestamp,x-contentful-topic,x-contentful-webhook-name,x-contentful-webhook-request-attempt"
    );
}

/// Non-ASCII path, every encodeURI-reserved character, `#` and a literal `%` (extra vector).
#[test]
fn vector_non_ascii_path_and_body() {
    let path = "/api/ünï cödé/日本/😀;,:@&=+$-_.!~*'()#%41";
    assert_eq!(
        canonical_path(path),
        "/api/%C3%BCn%C3%AF%20c%C3%B6d%C3%A9/%E6%97%A5%E6%9C%AC/%F0%9F%98%80;,:@&=+$-_.!~*'()#%2541"
    );
    let s = sign(&valid_secret(), "PUT", path, &[], "héllo 😀");
    assert_eq!(
        s.signature,
        "d0b7c4ec1ddb12f7b31faaa29775d6b76a354aed6ca6a469eeb029061d898c73"
    );
}

/// Query string encoded twice (querystring.escape, then encodeURI) (extra vector).
#[test]
fn vector_double_encoded_query() {
    let path = "/p/é?q=ä ö&x=a+b/c&y=%41&z=😀&k=-_.!~*'()#f";
    assert_eq!(
        canonical_path(path),
        "/p/%C3%A9?q%253D%25C3%25A4%2520%25C3%25B6%2526x%253Da%252Bb%252Fc%2526y%253D%252541\
         %2526z%253D%25F0%259F%2598%2580%2526k%253D-_.!~*'()%2523f"
    );
    assert_eq!(
        canonical_path("/api/v1?a=1&b=2"),
        "/api/v1?a%253D1%2526b%253D2"
    );
    assert_eq!(
        sig("GET", path, &[]),
        "906a805b4b74b659b5d3faf6255011204b2ef26897d9574c8f5624e94b1800ff"
    );
}

/// `uri.split('?')` keeps only two parts; an empty query drops the `?` (extra vectors).
#[test]
fn vector_question_mark_quirks() {
    assert_eq!(canonical_path("/p?a=1?b=2"), "/p?a%253D1");
    assert_eq!(
        sig("GET", "/p?a=1?b=2", &[]),
        "82de5cefcb5f531bb1775d2b6f39b1118b34190fcb84f7a9bd64ebae2c74ebbe"
    );
    assert_eq!(canonical_path("/p?"), "/p");
    assert_eq!(
        sig("GET", "/p?", &[]),
        "516a75ef40847fbf8c944d34e282d2c4287d6648e0d8f849a7f22ac9eb00aa85"
    );
}

/// JavaScript `trim` whitespace (U+FEFF, U+00A0, U+2028, U+3000 trimmed; U+0085 kept) (extra vector).
#[test]
fn vector_js_whitespace() {
    let s = sign(
        &valid_secret(),
        "DELETE",
        "/p",
        &[
            ("\u{FEFF}X-A\u{A0}", "\u{2028}v1\u{3000}"),
            ("x-b", "\u{85}v2\u{85}"),
        ],
        "",
    );
    assert_eq!(
        s.signature,
        "caa4a6ebd7ffca174a2bc4e71e415f72099a7fcafb744622ba38cbabef0df516"
    );
    assert_eq!(
        s.signed_headers,
        "x-a,x-b,x-contentful-signed-headers,x-contentful-timestamp"
    );
}

/// Header names sorted by UTF-16 code unit, Unicode lower-casing (extra vector).
#[test]
fn vector_utf16_order_and_lowercase() {
    let s = sign(
        &valid_secret(),
        "HEAD",
        "/",
        &[
            ("x-\u{FF61}", "a"),
            ("x-😀", "b"),
            ("X-ΣΑΣ", "c"),
            ("X-İ", "d"),
        ],
        "",
    );
    assert_eq!(
        s.signature,
        "e8fb6e8041bb9d9071d56bb6865eceda7e6fdb4a72a6db43937bf25a815d768b"
    );
    assert_eq!(
        s.signed_headers,
        "x-contentful-signed-headers,x-contentful-timestamp,x-i\u{307},x-σας,x-😀,x-\u{FF61}"
    );
}

/// Caller-supplied timestamp / signed-headers headers are overwritten (extra vector).
#[test]
fn vector_contentful_headers_overwritten() {
    let s = sign(
        &valid_secret(),
        "PATCH",
        "/p",
        &[
            ("X-Contentful-Timestamp", "5"),
            ("x-contentful-signed-headers", "zzz"),
        ],
        "",
    );
    assert_eq!(
        s.signature,
        "79ad490ebd762f790c27c3a67f0811cba8735a101b756e385a7eba1f4e2fdb63"
    );
    assert_eq!(
        s.signed_headers,
        "x-contentful-signed-headers,x-contentful-timestamp"
    );
}

/// Non-UTF-8 body bytes are appended raw (HMAC computed with Node's crypto over the same bytes).
#[test]
fn vector_raw_body_bytes() {
    let s = sign_request(
        &valid_secret(),
        "POST",
        "/p",
        &[],
        &[0xff, 0xfe, 0x00, 0x80],
        T,
    );
    assert_eq!(
        s.signature,
        "782d8f2e95b5ea059110f1718a788cc9fc936c7b8621fad5122d4ffd354d1a2c"
    );
    let utf8 = sign_request(&valid_secret(), "POST", "/p", &[], "ü".as_bytes(), T);
    assert_eq!(
        utf8.signature,
        "fbb444c38df054c833a5b2a00950c8d9aa0ca6960c48dfa18911e197a22f76f3"
    );
}

// ---- Verification -------------------------------------------------------

#[test]
fn round_trip_verifies() {
    let req = webhook();
    assert_eq!(
        verify(&req, "POST", "/hook?x=1", BODY, T, DEFAULT_TTL_SECS),
        Ok(())
    );
    assert_eq!(
        verify(
            &req,
            "POST",
            "/hook?x=1",
            BODY,
            T + 29_999,
            DEFAULT_TTL_SECS
        ),
        Ok(())
    );
}

#[test]
fn round_trip_with_generated_secret() {
    let secret = SigningSecret::generate();
    let req = signed_request(&secret, "POST", "/hook", &WEBHOOK_HEADERS, BODY, T);
    assert_eq!(
        verify_request(&secret, "POST", "/hook", &as_refs(&req), BODY, T, 30),
        Ok(())
    );
    assert_eq!(
        verify_request(
            &valid_secret(),
            "POST",
            "/hook",
            &as_refs(&req),
            BODY,
            T,
            30
        ),
        Err(VerifyError::BadSignature)
    );
}

#[test]
fn tampered_body_fails() {
    let err = verify(
        &webhook(),
        "POST",
        "/hook?x=1",
        br#"{"sys":{"id":"e2"}}"#,
        T,
        30,
    )
    .unwrap_err();
    assert_eq!(err, VerifyError::BadSignature);
    assert_eq!(err.reason_code(), "bad_signature");
}

#[test]
fn tampered_signed_header_fails() {
    let req = replace(
        &webhook(),
        "X-Contentful-Topic",
        "ContentManagement.Entry.delete",
    );
    assert_eq!(
        verify(&req, "POST", "/hook?x=1", BODY, T, 30),
        Err(VerifyError::BadSignature)
    );
}

#[test]
fn unsigned_extra_header_is_ignored() {
    let mut req = webhook();
    req.push(("X-Forwarded-For".to_owned(), "10.0.0.1".to_owned()));
    assert_eq!(verify(&req, "POST", "/hook?x=1", BODY, T, 30), Ok(()));
}

#[test]
fn tampered_method_or_query_fails() {
    let req = webhook();
    assert_eq!(
        verify(&req, "PUT", "/hook?x=1", BODY, T, 30),
        Err(VerifyError::BadSignature)
    );
    assert_eq!(
        verify(&req, "POST", "/hook?x=2", BODY, T, 30),
        Err(VerifyError::BadSignature)
    );
    // verify-request.spec.ts "does not verify with different query params"
    let req = signed_request(&valid_secret(), "GET", "/api/v1?a=1&b=2", &[], b"", T);
    assert_eq!(
        verify(&req, "GET", "/api/v1?b=2&a=1", b"", T, 30),
        Err(VerifyError::BadSignature)
    );
}

#[test]
fn wrong_secret_fails() {
    let req = webhook();
    assert_eq!(
        verify_request(
            &other_secret(),
            "POST",
            "/hook?x=1",
            &as_refs(&req),
            BODY,
            T,
            30
        ),
        Err(VerifyError::BadSignature)
    );
}

#[test]
fn expired_request_fails() {
    let req = webhook();
    let err = verify(
        &req,
        "POST",
        "/hook?x=1",
        BODY,
        T + 30_000,
        DEFAULT_TTL_SECS,
    )
    .unwrap_err();
    assert_eq!(err, VerifyError::Expired { age_ms: 30_000 });
    assert_eq!(err.reason_code(), "expired");
    // verify-request.spec.ts "throws if request is too old" (one minute, ttl 1 s).
    assert_eq!(
        verify(&req, "POST", "/hook?x=1", BODY, T + 60_000, 1),
        Err(VerifyError::Expired { age_ms: 60_000 })
    );
    // Extreme values do not overflow.
    assert!(matches!(
        verify(&req, "POST", "/hook?x=1", BODY, i64::MAX, u64::MAX),
        Ok(())
    ));
    assert!(matches!(
        verify(&req, "POST", "/hook?x=1", BODY, i64::MAX, 1),
        Err(VerifyError::Expired { .. })
    ));
}

#[test]
fn ttl_zero_disables_expiry() {
    // verify-request.spec.ts "does not check if ttl is 0".
    let req = webhook();
    assert_eq!(
        verify(&req, "POST", "/hook?x=1", BODY, T + 365 * 86_400_000, 0),
        Ok(())
    );
}

#[test]
fn future_timestamp_is_accepted_like_the_toolkit() {
    // The toolkit only checks `now - T >= ttl * 1000`, so a future T passes.
    let req = webhook();
    assert_eq!(
        verify(&req, "POST", "/hook?x=1", BODY, T - 3_600_000, 30),
        Ok(())
    );
}

#[test]
fn missing_each_signature_header() {
    let req = webhook();
    for (name, code) in [
        (SIGNATURE_HEADER, "missing_signature"),
        (TIMESTAMP_HEADER, "missing_timestamp"),
        (SIGNED_HEADERS_HEADER, "missing_signed_headers"),
    ] {
        let err = verify(&without(&req, name), "POST", "/hook?x=1", BODY, T, 30).unwrap_err();
        assert_eq!(err, VerifyError::MissingHeader(name));
        assert_eq!(err.reason_code(), code);
    }
}

#[test]
fn missing_listed_header() {
    let req = without(&webhook(), "x-contentful-topic");
    let err = verify(&req, "POST", "/hook?x=1", BODY, T, 30).unwrap_err();
    assert_eq!(
        err,
        VerifyError::MissingSignedHeader("x-contentful-topic".to_owned())
    );
    assert_eq!(err.reason_code(), "missing_signed_header");
}

#[test]
fn mixed_case_and_whitespace_header_names() {
    // verify-request.spec.ts "verifies correctly with keys with different casing / whitespace".
    let req: Vec<(String, String)> = webhook()
        .into_iter()
        .enumerate()
        .map(|(i, (k, v))| match i % 3 {
            0 => (k.to_uppercase(), v),
            1 => (format!("   {k}   "), format!(" {v}\t")),
            _ => (k.to_lowercase(), v),
        })
        .collect();
    assert_eq!(verify(&req, "POST", "/hook?x=1", BODY, T, 30), Ok(()));
}

#[test]
fn signed_header_order_in_list_is_not_significant() {
    // The toolkit rebuilds the list from the picked headers.
    let req = replace(
        &webhook(),
        SIGNED_HEADERS_HEADER,
        "x-contentful-webhook-request-attempt,x-contentful-topic,x-contentful-timestamp,content-type,x-contentful-signed-headers",
    );
    assert_eq!(verify(&req, "POST", "/hook?x=1", BODY, T, 30), Ok(()));
}

#[test]
fn non_ascii_path_round_trip() {
    let path = "/hooks/ünïcödé/日本?q=ä ö&r=😀";
    let req = signed_request(&valid_secret(), "POST", path, &WEBHOOK_HEADERS, BODY, T);
    assert_eq!(verify(&req, "POST", path, BODY, T, 30), Ok(()));
    assert_eq!(
        verify(&req, "POST", "/hooks/unicode/日本?q=ä ö&r=😀", BODY, T, 30),
        Err(VerifyError::BadSignature)
    );
}

#[test]
fn retried_request_gets_a_different_signature() {
    let mut retry_headers = WEBHOOK_HEADERS;
    retry_headers[2].1 = "2";
    let first = sign_request(&valid_secret(), "POST", "/hook", &WEBHOOK_HEADERS, BODY, T);
    let retry = sign_request(&valid_secret(), "POST", "/hook", &retry_headers, BODY, T);
    assert_ne!(first.signature, retry.signature);
    assert_eq!(first.signed_headers, retry.signed_headers);
    // A retry's attempt header cannot be swapped onto the first signature.
    let req = replace(&webhook(), "X-Contentful-Webhook-Request-Attempt", "2");
    assert_eq!(
        verify(&req, "POST", "/hook?x=1", BODY, T, 30),
        Err(VerifyError::BadSignature)
    );
}

#[test]
fn malformed_metadata_is_rejected() {
    let req = webhook();
    let v = |r: &[(String, String)]| verify(r, "POST", "/hook?x=1", BODY, T, 30);
    // verify-request.spec.ts "throws when signature length is not 64".
    let sig = req
        .iter()
        .find(|(k, _)| k == SIGNATURE_HEADER)
        .unwrap()
        .1
        .clone();
    assert_eq!(
        v(&replace(&req, SIGNATURE_HEADER, &sig[..63])),
        Err(VerifyError::MalformedSignature { len: 63 })
    );
    assert_eq!(
        v(&replace(&req, SIGNATURE_HEADER, &sig.to_uppercase())),
        Err(VerifyError::BadSignature)
    );
    assert_eq!(
        v(&replace(&req, SIGNATURE_HEADER, &"é".repeat(64))),
        Err(VerifyError::BadSignature)
    );
    assert_eq!(
        v(&replace(&req, TIMESTAMP_HEADER, "soon")),
        Err(VerifyError::MalformedTimestamp)
    );
    assert_eq!(
        v(&replace(&req, TIMESTAMP_HEADER, "-1603379941037")),
        Err(VerifyError::MalformedTimestamp)
    );
    assert_eq!(
        v(&replace(&req, TIMESTAMP_HEADER, "99999999999999999999")),
        Err(VerifyError::MalformedTimestamp)
    );
    assert_eq!(
        v(&replace(&req, TIMESTAMP_HEADER, "1603379941")),
        Err(VerifyError::TimestampTooOld)
    );
    assert_eq!(
        v(&replace(&req, TIMESTAMP_HEADER, "1577836800000")),
        Err(VerifyError::TimestampTooOld)
    );
    // Leading zeros parse to the same number, as Number.parseInt does.
    assert_eq!(
        v(&replace(&req, TIMESTAMP_HEADER, "01603379941037")),
        Ok(())
    );
    assert_eq!(
        v(&replace(&req, SIGNED_HEADERS_HEADER, "")),
        Err(VerifyError::MalformedSignedHeaders)
    );
    assert_eq!(
        v(&replace(&req, SIGNED_HEADERS_HEADER, "content-type")),
        Err(VerifyError::MalformedSignedHeaders)
    );
    let mut dup = req.clone();
    dup.push(("X-CONTENTFUL-SIGNATURE".to_owned(), sig.clone()));
    assert_eq!(
        v(&dup),
        Err(VerifyError::DuplicateHeader(SIGNATURE_HEADER.to_owned()))
    );
    let mut dup = req.clone();
    dup.push(("content-type".to_owned(), "text/plain".to_owned()));
    assert_eq!(
        v(&dup),
        Err(VerifyError::DuplicateHeader("content-type".to_owned()))
    );
    assert_eq!(
        verify(&req, "TRACE", "/hook?x=1", BODY, T, 30),
        Err(VerifyError::UnsupportedMethod("TRACE".to_owned()))
    );
    assert_eq!(
        verify(&req, "POST", "hook", BODY, T, 30),
        Err(VerifyError::InvalidPath)
    );
}

#[test]
fn garbage_input_never_panics() {
    let inputs: [&[(&str, &str)]; 4] = [
        &[],
        &[
            ("x-contentful-signature", ""),
            ("x-contentful-timestamp", ""),
            ("x-contentful-signed-headers", ""),
        ],
        &[
            (
                " X-Contentful-Signature ",
                "ééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééé😀",
            ),
            ("x-contentful-timestamp", "9223372036854775807"),
            ("x-contentful-signed-headers", ",,,,\u{0},😀"),
        ],
        &[
            ("x-contentful-signature", &"0".repeat(64)),
            ("x-contentful-timestamp", "1603379941037"),
            (
                "x-contentful-signed-headers",
                "x-contentful-signature,x-contentful-timestamp",
            ),
        ],
    ];
    for headers in inputs {
        for ttl in [0, 30, u64::MAX] {
            for now in [i64::MIN, 0, T, i64::MAX] {
                let result = verify_request(
                    &valid_secret(),
                    "GET",
                    "/?\u{0}?",
                    headers,
                    &[0xff],
                    now,
                    ttl,
                );
                assert!(result.is_err());
                assert!(!result.unwrap_err().reason_code().is_empty());
            }
        }
    }
    let _ = sign_request(
        &valid_secret(),
        "",
        "",
        &[("", ""), ("\u{0}", "\u{FEFF}")],
        &[],
        i64::MIN,
    );
}

#[test]
fn every_error_has_a_reason_code_and_message() {
    let errors = [
        VerifyError::UnsupportedMethod("TRACE".into()),
        VerifyError::InvalidPath,
        VerifyError::MissingHeader(SIGNATURE_HEADER),
        VerifyError::DuplicateHeader("a".into()),
        VerifyError::MalformedSignature { len: 1 },
        VerifyError::MalformedTimestamp,
        VerifyError::TimestampTooOld,
        VerifyError::MalformedSignedHeaders,
        VerifyError::Expired { age_ms: 1 },
        VerifyError::MissingSignedHeader("a".into()),
        VerifyError::BadSignature,
    ];
    let mut codes: Vec<&str> = errors.iter().map(VerifyError::reason_code).collect();
    codes.sort_unstable();
    codes.dedup();
    assert_eq!(codes.len(), errors.len());
    assert!(errors.iter().all(|e| !e.to_string().is_empty()));
    assert_eq!(
        VerifyError::BadSignature.to_string(),
        "signature does not match (wrong secret, or the body or a signed header was changed)"
    );
}

// ---- Secrets ------------------------------------------------------------

#[test]
fn secret_validation() {
    assert_eq!(
        SigningSecret::new("a".repeat(63)),
        Err(SigningError::WrongLength { len: 63 })
    );
    assert_eq!(
        SigningSecret::new("a".repeat(65)),
        Err(SigningError::WrongLength { len: 65 })
    );
    assert_eq!(
        SigningSecret::new(""),
        Err(SigningError::WrongLength { len: 0 })
    );
    // sign-request.spec.ts "throws if not a string of correct length": 'too-short'.
    assert_eq!(
        SigningSecret::new("too-short"),
        Err(SigningError::WrongLength { len: 9 })
    );
    let bad = format!("{}!{}", "a".repeat(10), "a".repeat(53));
    assert_eq!(
        SigningSecret::new(bad),
        Err(SigningError::InvalidCharacter { position: 10 })
    );
    let non_ascii = format!("é{}", "a".repeat(63));
    assert_eq!(
        SigningSecret::new(non_ascii),
        Err(SigningError::InvalidCharacter { position: 0 })
    );
    assert!(SigningSecret::new(format!("{}Az0+/=_-", "Az09".repeat(14))).is_ok());
    let err = SigningSecret::new("abc").unwrap_err().to_string();
    assert!(err.contains("64"), "{err}");
}

#[test]
fn secret_debug_and_redaction() {
    let value = format!("{}az19", "S".repeat(60));
    let secret = SigningSecret::new(value.clone()).unwrap();
    assert_eq!(secret.redacted(), "az19");
    assert_eq!(format!("{secret:?}"), "SigningSecret(…az19)");
    assert!(!format!("{secret:?}").contains("SSSS"));
    assert_eq!(secret.expose(), value);
}

#[test]
fn generated_secrets_are_valid_and_distinct() {
    let a = SigningSecret::generate();
    let b = SigningSecret::generate();
    assert_eq!(a.expose().len(), SECRET_LEN);
    assert!(a.expose().chars().all(|c| c.is_ascii_alphanumeric()));
    assert!(SigningSecret::new(a.expose()).is_ok());
    assert_ne!(a, b);
}

#[test]
fn into_pairs_names_the_three_headers() {
    let pairs = sign(&valid_secret(), "GET", "/api/resources/1", &[], "").into_pairs();
    assert_eq!(
        pairs[0],
        (
            SIGNATURE_HEADER,
            "3b21d63c31a2a92d38945394da0b1a2a0dc2d9bf13ef4dfd91b9f3fa1440b404".to_owned()
        )
    );
    assert_eq!(
        pairs[1],
        (
            SIGNED_HEADERS_HEADER,
            "x-contentful-signed-headers,x-contentful-timestamp".to_owned()
        )
    );
    assert_eq!(pairs[2], (TIMESTAMP_HEADER, "1603379941037".to_owned()));
}
