//! The one error type of the core. Its `message` is the boundary contract
//! (docs/CORE_API.md): every backend reports exactly the same text.

use std::fmt;

/// Machine-readable error class; `as_str` is the `code` seen by JavaScript.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    InvalidInput,
    UnknownMethod,
    InvalidOption,
    UnknownPreset,
    ParseError,
    UnknownBackend,
    BackendUnavailable,
    Internal,
}

impl ErrorCode {
    pub const ALL: [ErrorCode; 8] = [
        ErrorCode::InvalidInput,
        ErrorCode::UnknownMethod,
        ErrorCode::InvalidOption,
        ErrorCode::UnknownPreset,
        ErrorCode::ParseError,
        ErrorCode::UnknownBackend,
        ErrorCode::BackendUnavailable,
        ErrorCode::Internal,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidInput => "invalid-input",
            ErrorCode::UnknownMethod => "unknown-method",
            ErrorCode::InvalidOption => "invalid-option",
            ErrorCode::UnknownPreset => "unknown-preset",
            ErrorCode::ParseError => "parse-error",
            ErrorCode::UnknownBackend => "unknown-backend",
            ErrorCode::BackendUnavailable => "backend-unavailable",
            ErrorCode::Internal => "internal",
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `field` names the offending input the way the JavaScript caller spells it
/// (`bandwidthHz`, `clients[3].txPowerW`); `client` is the client index when one is at fault.
#[derive(Clone, Debug, PartialEq)]
pub struct Error {
    pub code: ErrorCode,
    pub field: String,
    pub client: Option<usize>,
    pub message: String,
}

impl Error {
    pub fn new(code: ErrorCode, field: impl Into<String>, message: impl Into<String>) -> Error {
        Error {
            code,
            field: field.into(),
            client: None,
            message: message.into(),
        }
    }

    pub fn invalid_input(field: impl Into<String>, message: impl Into<String>) -> Error {
        Error::new(ErrorCode::InvalidInput, field, message)
    }

    pub fn invalid_option(field: impl Into<String>, message: impl Into<String>) -> Error {
        Error::new(ErrorCode::InvalidOption, field, message)
    }

    pub fn internal(message: impl Into<String>) -> Error {
        Error::new(ErrorCode::Internal, "", message)
    }

    pub fn for_client(mut self, k: usize) -> Error {
        self.client = Some(k);
        self
    }

    /// Locates an error inside a batch. Only the message changes (the contract says
    /// batch errors are prefixed); `field` and `client` stay relative to that problem.
    pub fn in_problem(mut self, i: usize) -> Error {
        self.message = format!("problems[{}]: {}", i, self.message);
        self
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}
