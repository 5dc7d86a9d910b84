//! Contentful webhook request signing and verification (spec §6.3).
//!
//! This module owns the signing secret type ([`SigningSecret`]), the canonical
//! request form, and the two operations built on it: [`sign_request`], which the
//! sandbox uses to add the `x-contentful-signature`, `x-contentful-signed-headers`
//! and `x-contentful-timestamp` headers to an outgoing webhook, and
//! [`verify_request`], which the receiver uses to check an incoming one. The
//! algorithm is byte-compatible with Contentful's `@contentful/node-apps-toolkit`
//! (`signRequest` / `verifyRequest`), including its JavaScript quirks: header
//! names are sorted by UTF-16 code unit, `trim` uses JavaScript's whitespace set,
//! and a query string is percent-encoded twice (`querystring.escape`, then
//! `encodeURI`). Verification takes its input from the network and never panics.

use std::collections::HashMap;
use std::fmt;

use hmac::{Hmac, Mac};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use sha2::Sha256;
use subtle::ConstantTimeEq;

/// Default time-to-live of a signature, in seconds (the toolkit's default).
pub const DEFAULT_TTL_SECS: u64 = 30;

/// Header carrying the request signature (64 lowercase hex characters).
pub const SIGNATURE_HEADER: &str = "x-contentful-signature";

/// Header carrying the comma-separated, sorted list of signed header names.
pub const SIGNED_HEADERS_HEADER: &str = "x-contentful-signed-headers";

/// Header carrying the signing time in milliseconds since the Unix epoch.
pub const TIMESTAMP_HEADER: &str = "x-contentful-timestamp";

/// Timestamps must be strictly greater than this (2020-01-01T00:00:00Z in ms).
pub const MIN_TIMESTAMP_MS: i64 = 1_577_836_800_000;

/// Length of a signing secret, in characters.
pub const SECRET_LEN: usize = 64;

/// Length of a signature, in characters.
const SIGNATURE_LEN: usize = 64;

/// Methods the toolkit's `CanonicalRequestValidator` accepts.
const ALLOWED_METHODS: [&str; 7] = ["GET", "PATCH", "HEAD", "POST", "DELETE", "OPTIONS", "PUT"];

/// Characters JavaScript's `encodeURI` leaves alone: `A-Za-z0-9;,/?:@&=+$-_.!~*'()#`.
const ENCODE_URI: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b';')
    .remove(b',')
    .remove(b'/')
    .remove(b'?')
    .remove(b':')
    .remove(b'@')
    .remove(b'&')
    .remove(b'=')
    .remove(b'+')
    .remove(b'$')
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'!')
    .remove(b'~')
    .remove(b'*')
    .remove(b'\'')
    .remove(b'(')
    .remove(b')')
    .remove(b'#');

/// Characters Node's `querystring.escape` leaves alone: `A-Za-z0-9-_.!~*'()`.
const QS_ESCAPE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'!')
    .remove(b'~')
    .remove(b'*')
    .remove(b'\'')
    .remove(b'(')
    .remove(b')');

type HmacSha256 = Hmac<Sha256>;

/// A validated webhook signing secret: exactly 64 characters from `[0-9a-zA-Z+/=_-]`.
///
/// Its `Debug` output shows only the last four characters; [`SigningSecret::expose`]
/// is the only way to read the full value.
#[derive(Clone)]
pub struct SigningSecret(String);

impl SigningSecret {
    /// Validates `value` as a signing secret (64 characters from `[0-9a-zA-Z+/=_-]`).
    pub fn new(value: impl Into<String>) -> Result<Self, SigningError> {
        let value = value.into();
        let len = value.chars().count();
        if len != SECRET_LEN {
            return Err(SigningError::WrongLength { len });
        }
        if let Some(position) = value.chars().position(|c| !is_secret_char(c)) {
            return Err(SigningError::InvalidCharacter { position });
        }
        Ok(Self(value))
    }

    /// Generates a new random secret of 64 characters from `[0-9a-zA-Z]`.
    pub fn generate() -> Self {
        Self(crate::cma::ids::random_alphanumeric(SECRET_LEN))
    }

    /// Returns the secret itself. This is the only way to read it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Returns the last four characters, as Contentful's `redactedValue` does.
    pub fn redacted(&self) -> String {
        // The secret is ASCII, so every byte offset is a char boundary.
        let start = self.0.len().saturating_sub(4);
        self.0.get(start..).unwrap_or_default().to_owned()
    }
}

impl fmt::Debug for SigningSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SigningSecret(…{})", self.redacted())
    }
}

impl PartialEq for SigningSecret {
    /// Compares two secrets in constant time.
    fn eq(&self, other: &Self) -> bool {
        self.0.as_bytes().ct_eq(other.0.as_bytes()).into()
    }
}

impl Eq for SigningSecret {}

fn is_secret_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '=' | '_' | '-')
}

/// Why a string is not a valid signing secret.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum SigningError {
    /// The secret does not have exactly 64 characters.
    #[error("signing secret must be exactly 64 characters long, got {len}")]
    WrongLength {
        /// Number of characters in the rejected value.
        len: usize,
    },
    /// The secret contains a character outside `[0-9a-zA-Z+/=_-]`.
    #[error(
        "signing secret may only contain letters, digits and + / = _ - \
         (invalid character at position {position})"
    )]
    InvalidCharacter {
        /// Zero-based character position of the first invalid character.
        position: usize,
    },
}

/// The three headers [`sign_request`] produces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedHeaders {
    /// Value of `x-contentful-signature`: 64 lowercase hex characters.
    pub signature: String,
    /// Value of `x-contentful-signed-headers`: sorted, comma-separated header names.
    pub signed_headers: String,
    /// Value of `x-contentful-timestamp`: milliseconds since the Unix epoch.
    pub timestamp: i64,
}

impl SignedHeaders {
    /// Returns the header name/value pairs to add to the request.
    pub fn into_pairs(self) -> [(&'static str, String); 3] {
        [
            (SIGNATURE_HEADER, self.signature),
            (SIGNED_HEADERS_HEADER, self.signed_headers),
            (TIMESTAMP_HEADER, self.timestamp.to_string()),
        ]
    }
}

/// Why an incoming request failed verification.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum VerifyError {
    /// The HTTP method is not one the toolkit signs (GET, PATCH, HEAD, POST, DELETE, OPTIONS, PUT).
    #[error(
        "unsupported HTTP method `{0}` (signed requests use GET, PATCH, HEAD, POST, DELETE, OPTIONS or PUT)"
    )]
    UnsupportedMethod(String),
    /// The request path does not start with `/`.
    #[error("request path must start with `/`")]
    InvalidPath,
    /// One of the three signature headers is absent.
    #[error(
        "missing header `{0}`: the request is not signed (is a signing secret set for this space?) or a proxy removed it"
    )]
    MissingHeader(&'static str),
    /// A header needed for verification appears more than once.
    #[error("header `{0}` appears more than once, so it is ambiguous which value was signed")]
    DuplicateHeader(String),
    /// The signature header is not 64 characters long.
    #[error("`x-contentful-signature` must be 64 hex characters, got {len}")]
    MalformedSignature {
        /// Length of the received signature in UTF-16 code units (as JavaScript counts).
        len: usize,
    },
    /// The timestamp header is not a decimal integer.
    #[error("`x-contentful-timestamp` is not an integer number of milliseconds since the epoch")]
    MalformedTimestamp,
    /// The timestamp is at or before 2020-01-01 (often: seconds sent instead of milliseconds).
    #[error(
        "`x-contentful-timestamp` is at or before 2020-01-01; it must be milliseconds since the epoch, not seconds"
    )]
    TimestampTooOld,
    /// The signed-headers list has fewer than two entries.
    #[error(
        "`x-contentful-signed-headers` must list at least the timestamp and signed-headers headers"
    )]
    MalformedSignedHeaders,
    /// The request is older than the time-to-live allows.
    #[error(
        "request expired: it was signed {age_ms} ms ago, beyond the allowed time-to-live (check both clocks, or raise the TTL)"
    )]
    Expired {
        /// Age of the signature in milliseconds at verification time.
        age_ms: i64,
    },
    /// A header listed in `x-contentful-signed-headers` is absent from the request.
    #[error(
        "header `{0}` is listed in `x-contentful-signed-headers` but missing from the request (a proxy may have stripped it)"
    )]
    MissingSignedHeader(String),
    /// The recomputed signature differs from the one sent.
    #[error("signature does not match (wrong secret, or the body or a signed header was changed)")]
    BadSignature,
}

impl VerifyError {
    /// A short, stable code for this error, suitable for storing in a journal.
    pub fn reason_code(&self) -> &'static str {
        match self {
            Self::UnsupportedMethod(_) => "unsupported_method",
            Self::InvalidPath => "invalid_path",
            Self::MissingHeader(name) => match *name {
                SIGNATURE_HEADER => "missing_signature",
                TIMESTAMP_HEADER => "missing_timestamp",
                SIGNED_HEADERS_HEADER => "missing_signed_headers",
                _ => "missing_header",
            },
            Self::DuplicateHeader(_) => "duplicate_header",
            Self::MalformedSignature { .. } => "malformed_signature",
            Self::MalformedTimestamp => "malformed_timestamp",
            Self::TimestampTooOld => "timestamp_too_old",
            Self::MalformedSignedHeaders => "malformed_signed_headers",
            Self::Expired { .. } => "expired",
            Self::MissingSignedHeader(_) => "missing_signed_header",
            Self::BadSignature => "bad_signature",
        }
    }
}

/// JavaScript's `String.prototype.trim` whitespace: WhiteSpace plus LineTerminator.
///
/// Differs from Rust's `char::is_whitespace`: includes U+FEFF, excludes U+0085.
fn is_js_whitespace(c: char) -> bool {
    const SINGLES: [char; 9] = [
        ' ', '\u{A0}', '\u{1680}', '\u{2028}', '\u{2029}', '\u{202F}', '\u{205F}', '\u{3000}',
        '\u{FEFF}',
    ];
    matches!(c, '\u{9}'..='\u{D}' | '\u{2000}'..='\u{200A}') || SINGLES.contains(&c)
}

fn js_trim(s: &str) -> &str {
    s.trim_matches(is_js_whitespace)
}

/// The toolkit's `normalizeHeaderKey`: `key.toLowerCase().trim()`.
fn normalize_key(key: &str) -> String {
    js_trim(&key.to_lowercase()).to_owned()
}

/// JavaScript string order: by UTF-16 code unit.
fn js_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    a.encode_utf16().cmp(b.encode_utf16())
}

/// The toolkit's `getNormalizedEncodedURI`.
///
/// Like JavaScript's `uri.split('?')` destructured into two parts, anything after
/// a second `?` is dropped, and an empty query drops the `?`.
fn canonical_path(path: &str) -> String {
    let mut parts = path.split('?');
    let pathname = parts.next().unwrap_or_default();
    let search = parts.next().unwrap_or_default();
    if search.is_empty() {
        utf8_percent_encode(pathname, ENCODE_URI).to_string()
    } else {
        let escaped = utf8_percent_encode(search, QS_ESCAPE).to_string();
        utf8_percent_encode(&format!("{pathname}?{escaped}"), ENCODE_URI).to_string()
    }
}

/// Builds the canonical request that is signed.
///
/// `path` is the raw request path (with its query string, if any); it is encoded
/// here exactly as the toolkit does. `headers` must already be normalized (keys
/// lower-cased and trimmed, values trimmed) and include `x-contentful-timestamp`
/// and `x-contentful-signed-headers`; they are sorted here by key. The body is
/// appended as raw bytes, exactly as Node hashes a string body's UTF-8 bytes.
pub fn canonical_request(
    method: &str,
    path: &str,
    headers: &[(String, String)],
    body: &[u8],
) -> Vec<u8> {
    let mut sorted: Vec<&(String, String)> = headers.iter().collect();
    sorted.sort_by(|a, b| js_cmp(&a.0, &b.0));
    let joined = sorted
        .iter()
        .map(|(k, v)| format!("{k}:{v}"))
        .collect::<Vec<_>>()
        .join(";");
    let path = canonical_path(path);
    let mut out = Vec::with_capacity(method.len() + path.len() + joined.len() + body.len() + 3);
    out.extend_from_slice(method.as_bytes());
    out.push(b'\n');
    out.extend_from_slice(path.as_bytes());
    out.push(b'\n');
    out.extend_from_slice(joined.as_bytes());
    out.push(b'\n');
    out.extend_from_slice(body);
    out
}

fn hmac_hex(secret: &SigningSecret, message: &[u8]) -> String {
    // HMAC accepts keys of any length, so this never fails; an empty signature
    // would simply never match.
    let Ok(mut mac) = HmacSha256::new_from_slice(secret.expose().as_bytes()) else {
        return String::new();
    };
    mac.update(message);
    hex::encode(mac.finalize().into_bytes())
}

/// Normalizes `headers` (last value wins for keys equal after normalization), adds
/// the timestamp and signed-headers entries, and signs. Mirrors the toolkit's
/// `signRequest` body.
fn sign_normalized(
    secret: &SigningSecret,
    method: &str,
    path: &str,
    headers: Vec<(String, String)>,
    body: &[u8],
    timestamp_ms: i64,
) -> SignedHeaders {
    // Stable sort, then keep the last of each run of equal keys: the same result as
    // building a JavaScript object (later keys overwrite earlier ones).
    let mut headers = headers;
    headers.sort_by(|a, b| js_cmp(&a.0, &b.0));
    let mut entries: Vec<(String, String)> = Vec::with_capacity(headers.len() + 2);
    for (key, value) in headers {
        if key == TIMESTAMP_HEADER || key == SIGNED_HEADERS_HEADER {
            continue; // overwritten below, as the toolkit does
        }
        match entries.last_mut() {
            Some(last) if last.0 == key => last.1 = value,
            _ => entries.push((key, value)),
        }
    }
    let mut keys: Vec<&str> = entries.iter().map(|(k, _)| k.as_str()).collect();
    keys.push(SIGNED_HEADERS_HEADER);
    keys.push(TIMESTAMP_HEADER);
    keys.sort_by(|a, b| js_cmp(a, b));
    let signed_headers = keys.join(",");
    entries.push((TIMESTAMP_HEADER.to_owned(), timestamp_ms.to_string()));
    entries.push((SIGNED_HEADERS_HEADER.to_owned(), signed_headers.clone()));
    let canonical = canonical_request(method, path, &entries, body);
    SignedHeaders {
        signature: hmac_hex(secret, &canonical),
        signed_headers,
        timestamp: timestamp_ms,
    }
}

/// Signs a request, returning the three headers to add to it.
///
/// `headers` are the headers to sign, in any case and with any surrounding
/// whitespace; names are lower-cased and trimmed and values trimmed (JavaScript
/// rules), and for names equal after that the last value wins. Any
/// `x-contentful-timestamp` or `x-contentful-signed-headers` among them is
/// replaced. `method` is used as given (Contentful uses upper case).
/// `timestamp_ms` is milliseconds since the epoch; receivers reject values at or
/// before [`MIN_TIMESTAMP_MS`] and, by default, older than 30 seconds.
pub fn sign_request(
    secret: &SigningSecret,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
    timestamp_ms: i64,
) -> SignedHeaders {
    let normalized = headers
        .iter()
        .map(|(k, v)| (normalize_key(k), js_trim(v).to_owned()))
        .collect();
    sign_normalized(secret, method, path, normalized, body, timestamp_ms)
}

/// Strict version of the toolkit's `Number.parseInt(value, 10)`: ASCII digits only.
fn parse_timestamp(value: &str) -> Option<i64> {
    if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    value.parse().ok()
}

/// Verifies a signed incoming request.
///
/// `headers` are all the request's headers, names in any case and with any
/// surrounding whitespace. The headers listed in `x-contentful-signed-headers`
/// are collected and the signature recomputed with the request's timestamp, then
/// compared in constant time. With `ttl_secs > 0` a request is rejected once
/// `now_ms - timestamp >= ttl_secs * 1000`; `ttl_secs == 0` turns the check off.
/// As in the toolkit, a timestamp in the future is not rejected.
pub fn verify_request(
    secret: &SigningSecret,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
    now_ms: i64,
    ttl_secs: u64,
) -> Result<(), VerifyError> {
    if !ALLOWED_METHODS.contains(&method) {
        return Err(VerifyError::UnsupportedMethod(method.to_owned()));
    }
    if !path.starts_with('/') {
        return Err(VerifyError::InvalidPath);
    }

    // Normalized name -> (value, occurrences).
    let mut incoming: HashMap<String, (&str, usize)> = HashMap::with_capacity(headers.len());
    for (name, value) in headers {
        let entry = incoming.entry(normalize_key(name)).or_insert(("", 0));
        entry.0 = js_trim(value);
        entry.1 += 1;
    }
    let lookup = |name: &str| -> Result<Option<&str>, VerifyError> {
        match incoming.get(name) {
            None => Ok(None),
            Some((_, count)) if *count > 1 => Err(VerifyError::DuplicateHeader(name.to_owned())),
            Some((value, _)) => Ok(Some(*value)),
        }
    };
    let required = |name: &'static str| -> Result<&str, VerifyError> {
        lookup(name)?.ok_or(VerifyError::MissingHeader(name))
    };

    let signature = required(SIGNATURE_HEADER)?;
    let timestamp = required(TIMESTAMP_HEADER)?;
    let signed_list = required(SIGNED_HEADERS_HEADER)?;

    let signature_len = signature.encode_utf16().count();
    if signature_len != SIGNATURE_LEN {
        return Err(VerifyError::MalformedSignature { len: signature_len });
    }
    let timestamp = parse_timestamp(timestamp).ok_or(VerifyError::MalformedTimestamp)?;
    if timestamp <= MIN_TIMESTAMP_MS {
        return Err(VerifyError::TimestampTooOld);
    }
    let listed: Vec<&str> = signed_list.split(',').collect();
    if listed.len() < 2 {
        return Err(VerifyError::MalformedSignedHeaders);
    }

    if ttl_secs != 0 {
        let age = i128::from(now_ms) - i128::from(timestamp);
        if age >= i128::from(ttl_secs) * 1000 {
            return Err(VerifyError::Expired {
                age_ms: now_ms.saturating_sub(timestamp),
            });
        }
    }

    // Like the toolkit's `pickHeaders`, list entries are matched exactly against
    // normalized names; the list itself is rebuilt from what was picked.
    let mut picked: Vec<(String, String)> = Vec::with_capacity(listed.len());
    for name in listed {
        if name == TIMESTAMP_HEADER || name == SIGNED_HEADERS_HEADER {
            continue; // recomputed by signing
        }
        match lookup(name)? {
            Some(value) => picked.push((name.to_owned(), value.to_owned())),
            None => return Err(VerifyError::MissingSignedHeader(name.to_owned())),
        }
    }

    let expected = sign_normalized(secret, method, path, picked, body, timestamp);
    if bool::from(signature.as_bytes().ct_eq(expected.signature.as_bytes())) {
        Ok(())
    } else {
        Err(VerifyError::BadSignature)
    }
}

#[cfg(test)]
mod tests;
