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
