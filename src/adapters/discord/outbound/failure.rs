//! What a failed Discord call means for delivery: try again later (429, 5xx,
//! the network), never (other 4xx: an unknown channel, a missing permission,
//! an interaction already answered), or unclear (serenity could not read
//! Discord's answer, so the call may well have worked). With serenity's rate
//! limiter off, nothing is retried for us, and a 429's `retry_after` is lost
//! in serenity's error parsing; the outbox decides the wait. Which call to
//! retry and when is the outbox's business, not this module's.

use serenity::http::HttpError;

/// Discord's error code for an interaction that was already answered.
pub const ALREADY_ACKNOWLEDGED: isize = 40060;
/// Discord's error code for an action a DM channel does not have (archiving).
pub const DM_CHANNEL: isize = 50003;
/// Discord's error code for a second thread on one message.
pub const THREAD_ALREADY_CREATED: isize = 160004;

/// The meaning of a failed call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// Worth trying again after a wait: rate limited, a server error, or no
    /// answer at all (`status` is `None` then).
    Retry {
        /// The HTTP status, if there was an answer.
        status: Option<u16>,
    },
    /// Will not work however often it is tried.
    Permanent {
        /// The HTTP status.
        status: u16,
        /// Discord's error code (-1 when serenity could not read it).
        code: isize,
    },
    /// serenity refused to make the call (a message too long, a name too
    /// short): it never will.
    NotMade,
    /// The call may have worked, but its answer could not be read.
    Unclear,
}

impl Failure {
    /// Classifies a serenity error.
    pub fn of(error: &serenity::Error) -> Failure {
        match error {
            serenity::Error::Http(HttpError::UnsuccessfulRequest(response)) => {
                Failure::from_status(response.status_code.as_u16(), response.error.code)
            }
            serenity::Error::Http(HttpError::Request(_)) | serenity::Error::Io(_) => {
                Failure::Retry { status: None }
            }
            serenity::Error::Model(_) => Failure::NotMade,
            _ => Failure::Unclear,
        }
    }

    /// Classifies an HTTP status and Discord error code.
    pub fn from_status(status: u16, code: isize) -> Failure {
        match status {
            429 | 500..=599 => Failure::Retry {
                status: Some(status),
            },
            _ => Failure::Permanent { status, code },
        }
    }

    /// Whether trying again can help.
    pub fn is_retryable(self) -> bool {
        matches!(self, Failure::Retry { .. })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rate_limits_and_server_errors_are_retried() {
        for status in [429, 500, 502, 503, 504] {
            assert!(Failure::from_status(status, -1).is_retryable(), "{status}");
        }
    }

    #[test]
    fn other_client_errors_are_permanent() {
        assert_eq!(
            Failure::from_status(400, ALREADY_ACKNOWLEDGED),
            Failure::Permanent {
                status: 400,
                code: ALREADY_ACKNOWLEDGED
            }
        );
        for status in [400, 401, 403, 404] {
            assert!(!Failure::from_status(status, 0).is_retryable(), "{status}");
        }
    }

    #[test]
    fn errors_that_are_not_http_answers_are_unclear() {
        let json = serde_json::from_str::<u8>("x").unwrap_err();
        assert_eq!(Failure::of(&serenity::Error::Json(json)), Failure::Unclear);
    }
}
