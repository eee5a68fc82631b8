/**
 * Admission control in front of the API: the connection limit and the per-client rate limits
 * (separate read and write token buckets per client identity, in a bounded map).
 */
package io.ssot.limit;
