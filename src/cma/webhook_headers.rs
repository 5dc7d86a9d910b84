//! The headers of a Contentful webhook delivery, named once: the sandbox sends them and the
//! receiver reads them (header names are case-insensitive; these are Contentful's spellings),
//! and [`REDACTED`], what secret values become wherever they are shown or stored.

/// `X-Contentful-Topic`: `ContentManagement.{Type}.{action}`.
pub const TOPIC_HEADER: &str = "X-Contentful-Topic";
/// `X-Contentful-Webhook-Name`: the definition's name, percent-encoded if it has characters above U+00FF.
pub const WEBHOOK_NAME_HEADER: &str = "X-Contentful-Webhook-Name";
/// `X-Contentful-Webhook-Request-Attempt`: 1 for the first attempt, then 2, 3, …
pub const ATTEMPT_HEADER: &str = "X-Contentful-Webhook-Request-Attempt";
/// `X-Contentful-Event-Datetime`: when the event happened (RFC 3339, milliseconds, `Z`).
pub const EVENT_DATETIME_HEADER: &str = "X-Contentful-Event-Datetime";
/// `X-Contentful-Idempotency-Key`: 64 hex characters, the same for every attempt of one delivery.
pub const IDEMPOTENCY_KEY_HEADER: &str = "X-Contentful-Idempotency-Key";
/// `X-Contentful-CRN`: the Contentful resource name of the entity.
pub const CRN_HEADER: &str = "X-Contentful-CRN";
/// The release that caused the event.
pub const RELEASE_ID_HEADER: &str = "x-contentful-release-id";
/// The version of the release that caused the event (the name spec §6.2 gives).
pub const RELEASE_VERSION_ID_HEADER: &str = "x-contentful-release-version-id";
/// The version of the release that caused the event (the name Contentful's headers page gives);
/// sent alongside [`RELEASE_VERSION_ID_HEADER`] with the same value.
pub const RELEASE_VERSION_HEADER: &str = "x-contentful-release-version";
/// The release action that caused the event.
pub const RELEASE_ACTION_ID_HEADER: &str = "x-contentful-release-action-id";
/// The bulk action that caused the event.
pub const BULK_ACTION_ID_HEADER: &str = "x-contentful-bulk-action-id";
/// The scheduled action that caused the event.
pub const SCHEDULED_ACTION_ID_HEADER: &str = "x-contentful-scheduled-action-id";

/// What secret values are replaced with in the call log, the journal and `Debug` output.
pub const REDACTED: &str = "***";
