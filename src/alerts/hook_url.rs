//! [`HookUrl`]: the URL of a chat incoming webhook or a build hook, which is a secret.
//!
//! Whoever knows a Slack, Teams or Google Chat incoming-webhook URL, or a Netlify or Vercel
//! build hook, can post to that channel or start builds: the URL *is* the credential. So it is
//! kept in its own type whose `Debug` and `Display` show only the scheme and host
//! (`https://hooks.slack.com/…`), which is what logs, errors and the Settings list print. The
//! full URL leaves this type only through [`HookUrl::expose`], called where the request is sent
//! and where the rules file is written.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A secret http(s) URL to post to. `Debug`/`Display` are redacted.
#[derive(Clone, PartialEq, Eq)]
pub struct HookUrl(url::Url);

/// Why a text is not a usable hook URL. Never contains the text itself.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HookUrlError {
    /// Not a URL at all.
    #[error("the hook URL is not a valid URL")]
    Invalid,
    /// A URL of another scheme.
    #[error("the hook URL must start with https:// (or http:// for a local server)")]
    Scheme,
    /// No host to post to.
    #[error("the hook URL has no host")]
    NoHost,
}

impl HookUrl {
    /// Parses an `http` or `https` URL with a host.
    pub fn parse(text: &str) -> Result<Self, HookUrlError> {
        let url = url::Url::parse(text.trim()).map_err(|_| HookUrlError::Invalid)?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(HookUrlError::Scheme);
        }
        if url.host_str().is_none_or(str::is_empty) {
            return Err(HookUrlError::NoHost);
        }
        Ok(Self(url))
    }

    /// The full URL, secret parts included: only for sending the request and saving the rules.
    pub fn expose(&self) -> &str {
        self.0.as_str()
    }

    /// What may be shown: scheme, host and port, then `/…` (`https://hooks.slack.com/…`).
    pub fn redacted(&self) -> String {
        let host = self.0.host_str().unwrap_or_default();
        match self.0.port() {
            Some(port) => format!("{}://{host}:{port}/…", self.0.scheme()),
            None => format!("{}://{host}/…", self.0.scheme()),
        }
    }
}

impl std::fmt::Debug for HookUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "HookUrl({})", self.redacted())
    }
}

impl std::fmt::Display for HookUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.redacted())
    }
}

impl Serialize for HookUrl {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.expose())
    }
}

impl<'de> Deserialize<'de> for HookUrl {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        // The error names the problem, never the text (a file's parse error is shown and logged).
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_show_only_scheme_and_host() {
        let url = HookUrl::parse("https://hooks.slack.com/services/T000/B000/XXXXSECRET").unwrap();
        for shown in [
            format!("{url}"),
            format!("{url:?}"),
            format!("{:?}", Some(&url)),
        ] {
            assert!(!shown.contains("SECRET"), "{shown}");
            assert!(shown.contains("https://hooks.slack.com/…"), "{shown}");
        }
        assert!(url.expose().ends_with("XXXXSECRET"));
        let local = HookUrl::parse("http://127.0.0.1:8080/hook?token=abc").unwrap();
        assert_eq!(local.to_string(), "http://127.0.0.1:8080/…");
    }

    #[test]
    fn only_http_urls_with_a_host_are_accepted() {
        let cases = [
            ("ftp://example.com/x", Err(HookUrlError::Scheme)),
            ("not a url", Err(HookUrlError::Invalid)),
            ("https://api.netlify.com/build_hooks/abc", Ok(())),
        ];
        for (text, expected) in cases {
            assert_eq!(HookUrl::parse(text).map(|_| ()), expected, "{text}");
        }
        let error = HookUrl::parse("mailto:secret-person@example.com").unwrap_err();
        assert!(!error.to_string().contains("secret"));
    }
}
