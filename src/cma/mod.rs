//! The Contentful Management API: wire types (serde) and the HTTP [`Client`].
//!
//! This is the one place that knows CMA JSON, paths, headers, errors, paging, retries and rate
//! limits (contract: `shared/spec/cma-subset.md`). The sandbox serialises these very types, so
//! the wire format is defined once.
//!
//! Architecture Invariant: nothing here knows egui, SQLite or the file system.

mod action;
mod client;
mod common;
mod endpoints;
mod entry;
mod error;
pub mod ids;
mod release;
mod release_item;
pub mod sandbox_load;
mod scheduled;
mod space;
mod string_enum;
mod webhook;
pub mod webhook_headers;

pub use action::{
    ActionKind, ActionStatus, BulkAction, BulkActionPayload, BulkActionSys, BulkEntities,
    BulkItemV2, ReleaseAction, ReleaseActionSys,
};
pub use client::{
    AccessToken, AttemptOutcome, BoxStream, CMA_CONTENT_TYPE, Client, ClientConfig, PollOptions,
    Query, RATE_LIMIT_RESET_HEADER, REQUEST_ID_HEADER, Region, RetryDecision, RetryPolicy,
    VERSION_HEADER, collect_all, install_crypto_provider,
};
pub use common::{
    ArraySys, Collection, CursorCollection, Decoded, Extra, Link, LinkSys, LinkType,
    OffsetCollection, Pages, Timestamp, Unmodelled, cursor_from,
};
pub use endpoints::EntityKind;
pub use entry::{
    Asset, ContentType, ContentTypeField, ContentTypeSys, Entity, EntityState, EntitySys, Entry,
    FieldItems, FieldType, Fields, Locale, MinMax, Pattern, Validation,
};
pub use error::{ApiError, CmaError, EntityError, ErrorBody, ErrorId, ErrorSys, FieldError};
pub use release::{
    Release, ReleaseBody, ReleaseBodySys, ReleaseEntities, ReleaseSchema, ReleaseStatus, ReleaseSys,
};
pub use release_item::{ItemAction, ItemModel, LocaleSet, ReleaseItem};
pub use scheduled::{
    ScheduledAction, ScheduledActionBody, ScheduledActionKind, ScheduledActionStatus,
    ScheduledActionSys, ScheduledFor,
};
pub use space::{Environment, SimpleSys, Space};
pub use webhook::{
    SigningSecretBody, WebhookCallDetails, WebhookCallOverview, WebhookCallRequest,
    WebhookCallResponse, WebhookCallSys, WebhookDefinition, WebhookHeader, WebhookHealth,
    WebhookHealthCalls, WebhookSigningSecret, WebhookSys,
};
