package io.impipeline.model.codec;

/**
 * Stable reason codes carried in the {@code im_dlt-reason} header and in HTTP 4xx bodies. Never rename a constant:
 * operators filter and alert on them.
 */
public enum ReasonCode {
    /** Null or zero-length value. */
    EMPTY_RECORD,
    /** Bytes that are not valid UTF-8. */
    INVALID_ENCODING,
    /** Not parseable JSON, or JSON that is not an object. */
    MALFORMED_JSON,
    /** A required field is absent or null. */
    MISSING_FIELD,
    /** A field has the wrong type, format, length or value. */
    INVALID_FIELD,
    /** The record or its content is over the configured size limit. */
    TOO_LARGE,
    /** A {@code version} this build cannot read or transform. */
    UNSUPPORTED_VERSION,
    /** {@code deliver_at} beyond the scheduling horizon. */
    SCHEDULE_TOO_FAR,
    /** A group message for a group the router does not know. */
    UNKNOWN_GROUP,
    /** The push provider refused the notification permanently (HTTP 4xx). */
    PUSH_REJECTED,
    /** An unexpected exception while processing a valid record. */
    PROCESSING_ERROR,
    /** A task failed on every attempt. */
    RETRIES_EXHAUSTED
}
