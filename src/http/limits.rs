//! Applying the limits of `crate::throttle`: an attempt is counted before the work it
//! pays for, and refused with 429 and `Retry-After` once over the limit.

use worker::{D1Database, D1PreparedStatement};

use crate::auth::now_ms;
use crate::error::AppError;
use crate::store;
use crate::throttle::Limit;

/// An attempt that was counted and may proceed.
pub struct Counted {
    bucket: String,
}

/// Counts one attempt by `subject` against `limit`; `TooManyRequests` past the limit.
pub async fn count(db: &D1Database, limit: &Limit, subject: &str) -> Result<Counted, AppError> {
    let bucket = limit.bucket(subject);
    let now = now_ms();
    let (window_started_at, count) =
        store::count_attempt(db, &bucket, limit.window_ms, now).await?;
    match limit.retry_after(window_started_at, count, now) {
        Some(retry_after_seconds) => Err(AppError::TooManyRequests {
            retry_after_seconds,
        }),
        None => Ok(Counted { bucket }),
    }
}

impl Counted {
    /// The attempt was not a failure: hand it back. Before answering, so that the very
    /// next attempt sees the counter as it should be.
    pub async fn refund(self, db: &D1Database) -> Result<(), AppError> {
        store::refund_attempt(db, &self.bucket)?.run().await?;
        Ok(())
    }

    /// The counter's statement that forgets it altogether (an account's failures after a
    /// successful sign-in).
    pub fn forget(&self, db: &D1Database) -> Result<D1PreparedStatement, AppError> {
        Ok(store::forget_attempts(db, &self.bucket)?)
    }

    /// The statement that hands the attempt back, to run with others.
    pub fn refund_statement(&self, db: &D1Database) -> Result<D1PreparedStatement, AppError> {
        Ok(store::refund_attempt(db, &self.bucket)?)
    }
}
