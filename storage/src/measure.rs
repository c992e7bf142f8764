//! What storage tells the metrics (`metrics` facade; the server installs the Prometheus
//! recorder, and without one these calls do nothing).

use std::time::Instant;

/// A publish: counted by outcome, timed.
pub(crate) fn publish(started: Instant, stored: bool) {
    let outcome = if stored { "stored" } else { "refused" };
    metrics::counter!("console_publishes_total", "outcome" => outcome).increment(1);
    metrics::histogram!("console_publish_duration_seconds").record(started.elapsed().as_secs_f64());
}

/// A read of the post list: a search when it has terms.
pub(crate) fn list(started: Instant, search: bool) {
    if search {
        metrics::counter!("console_searches_total").increment(1);
        metrics::histogram!("console_search_duration_seconds").record(started.elapsed().as_secs_f64());
    }
}

/// A sign-in refused for a wrong name or password.
pub(crate) fn sign_in_failed() {
    metrics::counter!("console_sign_in_failures_total").increment(1);
}
