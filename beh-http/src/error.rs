//! The one place where beh-core's error classes become HTTP statuses and the error document.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use beh_core::{Code, Error, ErrorClass, Violation};

/// An error answered with the contract's error document.
#[derive(Debug)]
pub struct ApiError {
    /// The status.
    pub status: StatusCode,
    /// The error.
    pub error: Error,
}

/// The HTTP status of an error class.
pub fn status_of(class: ErrorClass) -> StatusCode {
    match class {
        ErrorClass::BadRequest => StatusCode::BAD_REQUEST,
        ErrorClass::Unauthenticated => StatusCode::UNAUTHORIZED,
        ErrorClass::Forbidden => StatusCode::FORBIDDEN,
        ErrorClass::NotFound => StatusCode::NOT_FOUND,
        ErrorClass::Conflict => StatusCode::CONFLICT,
        ErrorClass::Rule => StatusCode::UNPROCESSABLE_ENTITY,
        ErrorClass::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        ErrorClass::Internal => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

impl From<Error> for ApiError {
    fn from(error: Error) -> Self {
        ApiError { status: status_of(error.class), error }
    }
}

impl ApiError {
    /// 400 `bad_request` with a field and a Swedish message.
    pub fn bad_request(field: Option<&str>, message: impl Into<String>) -> ApiError {
        ApiError::with_status(StatusCode::BAD_REQUEST, Code::BadRequest, field, message)
    }

    /// Any status with one violation.
    pub fn with_status(
        status: StatusCode,
        code: Code,
        field: Option<&str>,
        message: impl Into<String>,
    ) -> ApiError {
        ApiError {
            status,
            error: Error::of(code.class(), Violation::new(code, field).with_message(message)),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if self.status.is_server_error() {
            tracing::error!(status = self.status.as_u16(), code = %self.error.primary(), "request failed");
        }
        (self.status, axum::Json(self.error.to_document())).into_response()
    }
}

/// The result of a handler.
pub type ApiResult<T> = Result<T, ApiError>;
