//! Identifiers as Contentful makes them: resource ids, request ids, and the random alphanumeric
//! strings behind secrets. One generator, so every id the sandbox, its webhooks and the signing
//! code mint has the same shape and comes from the same (OS-seeded) source.

use rand::Rng;

/// Length of an id Contentful generates (`sys.id` of a created resource, a webhook call id).
pub const ID_LEN: usize = 22;

/// `len` random characters of `[0-9A-Za-z]`.
pub fn random_alphanumeric(len: usize) -> String {
    rand::rng()
        .sample_iter(rand::distr::Alphanumeric)
        .take(len)
        .map(char::from)
        .collect()
}

/// A new resource id: 22 characters of `[0-9A-Za-z]`, like Contentful's.
pub fn new_id() -> String {
    random_alphanumeric(ID_LEN)
}

/// The most ids one `sys.id[in]` filter carries: a release at the 200-entity limit resolves in
/// one request per kind.
pub const IDS_PER_FILTER: usize = 200;

/// How many characters of ids (each with its comma, percent-encoded as `%2C`) one `sys.id[in]`
/// filter may hold: well inside Contentful's 7,600-character URI limit (spec §7) with the path
/// and the other parameters.
pub const ID_FILTER_CHARS: usize = 6000;

/// `ids` in batches for `sys.id[in]` filters, in order: each at most [`IDS_PER_FILTER`] ids and
/// [`ID_FILTER_CHARS`] characters (an id longer than that still gets a batch of its own).
pub fn id_batches<S: AsRef<str>>(ids: &[S]) -> Vec<&[S]> {
    let mut batches = Vec::new();
    let (mut start, mut chars) = (0, 0);
    for (i, id) in ids.iter().enumerate() {
        let cost = id.as_ref().len() + 3;
        if i > start && (i - start == IDS_PER_FILTER || chars + cost > ID_FILTER_CHARS) {
            batches.push(&ids[start..i]);
            (start, chars) = (i, 0);
        }
        chars += cost;
    }
    if start < ids.len() {
        batches.push(&ids[start..]);
    }
    batches
}

/// A new request id: 32 lowercase hex digits, as in `X-Contentful-Request-Id`.
pub fn new_request_id() -> String {
    format!("{:032x}", rand::random::<u128>())
}

/// Whether `id` is a valid CMA id (`/^[a-zA-Z0-9-_.]{1,64}$/`), other than `.` and `..`, which
/// would name a path segment rather than a resource.
pub fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id != "."
        && id != ".."
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_batches_keep_order_and_stay_within_count_and_length() {
        let short: Vec<String> = (0..450).map(|i| format!("e{i}")).collect();
        let sizes: Vec<usize> = id_batches(&short).iter().map(|b| b.len()).collect();
        assert_eq!(sizes, [200, 200, 50]);
        let long: Vec<String> = (0..200).map(|i| format!("{i:0>40}")).collect();
        let batches = id_batches(&long);
        assert!(batches.len() > 1, "200 ids of 40 characters are split");
        for batch in &batches {
            assert!(batch.iter().map(|id| id.len() + 3).sum::<usize>() <= ID_FILTER_CHARS);
        }
        assert_eq!(batches.concat(), long);
        assert!(id_batches::<String>(&[]).is_empty());
        let huge = ["x".repeat(ID_FILTER_CHARS + 1)];
        assert_eq!(id_batches(&huge).len(), 1);
    }

    #[test]
    fn ids_have_contentfuls_shapes() {
        let id = new_id();
        assert_eq!(id.len(), ID_LEN);
        assert!(valid_id(&id));
        assert_ne!(id, new_id());
        let request = new_request_id();
        assert_eq!(request.len(), 32);
        assert!(
            request
                .bytes()
                .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
        );
        assert!(!valid_id(".."));
        assert!(!valid_id(&"a".repeat(65)));
        assert!(!valid_id("a/b"));
    }
}
