//! Spaces and environments: only what "Test connection" needs.

use serde::{Deserialize, Serialize};

use super::common::Extra;

/// A space (`GET /spaces/{id}`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Space {
    /// Human name.
    pub name: String,
    /// `{"type":"Space","id":…}` and more.
    pub sys: SimpleSys,
    /// Fields not modelled here.
    #[serde(flatten)]
    pub extra: Extra,
}

/// An environment (`GET /spaces/{s}/environments/{e}`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Environment {
    /// Human name (`master`).
    pub name: String,
    /// `{"type":"Environment","id":…}` and more.
    pub sys: SimpleSys,
    /// Fields not modelled here.
    #[serde(flatten)]
    pub extra: Extra,
}

/// A `sys` with a type and id; everything else kept in `extra`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SimpleSys {
    /// Entity type.
    #[serde(rename = "type")]
    pub type_: String,
    /// Entity id.
    pub id: String,
    /// Fields not modelled here.
    #[serde(flatten)]
    pub extra: Extra,
}
