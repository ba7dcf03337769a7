//! The stable method ids and integer codes (docs/CORE_API.md, "Methods").

use crate::error::{Error, ErrorCode};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Method {
    Equal,
    BandwidthOnly,
    UniformPrune,
    UniformPruneBandwidth,
    PruneOnly,
    Bcd,
    Optimal,
}

impl Method {
    /// Every method, in code order (the index is the code).
    pub const ALL: [Method; 7] = [
        Method::Equal,
        Method::BandwidthOnly,
        Method::UniformPrune,
        Method::UniformPruneBandwidth,
        Method::PruneOnly,
        Method::Bcd,
        Method::Optimal,
    ];

    pub fn id(self) -> &'static str {
        match self {
            Method::Equal => "equal",
            Method::BandwidthOnly => "bandwidth-only",
            Method::UniformPrune => "uniform-prune",
            Method::UniformPruneBandwidth => "uniform-prune-bandwidth",
            Method::PruneOnly => "prune-only",
            Method::Bcd => "bcd",
            Method::Optimal => "optimal",
        }
    }

    pub fn code(self) -> u32 {
        match self {
            Method::Equal => 0,
            Method::BandwidthOnly => 1,
            Method::UniformPrune => 2,
            Method::UniformPruneBandwidth => 3,
            Method::PruneOnly => 4,
            Method::Bcd => 5,
            Method::Optimal => 6,
        }
    }

    /// Parses a method id exactly (no trimming, no case folding), as every backend must.
    pub fn from_id(id: &str) -> Result<Method, Error> {
        match Method::ALL.iter().find(|m| m.id() == id) {
            Some(&m) => Ok(m),
            None => {
                let ids: Vec<&str> = Method::ALL.iter().map(|m| m.id()).collect();
                Err(Error::new(
                    ErrorCode::UnknownMethod,
                    "method",
                    format!(
                        "unknown method {}; expected one of {}",
                        json_quote(id),
                        ids.join(", ")
                    ),
                ))
            }
        }
    }

    /// The inverse of [`Method::code`]; only the WASM boundary passes codes.
    pub fn from_code(code: u32) -> Result<Method, Error> {
        match Method::ALL.iter().find(|m| m.code() == code) {
            Some(&m) => Ok(m),
            None => Err(Error::new(
                ErrorCode::UnknownMethod,
                "method",
                format!(
                    "unknown method code {}; expected 0 to {}",
                    code,
                    Method::ALL.len() - 1
                ),
            )),
        }
    }
}

/// Quotes `s` exactly as JavaScript's `JSON.stringify` does, so that an id with quotes or
/// control characters yields the same message as the TypeScript reference.
pub(crate) fn json_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for ch in s.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
