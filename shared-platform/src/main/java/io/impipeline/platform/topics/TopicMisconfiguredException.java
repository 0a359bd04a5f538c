package io.impipeline.platform.topics;

/** A topic exists with a layout the app cannot work with (e.g. co-partitioned topics with different counts). */
public class TopicMisconfiguredException extends RuntimeException {

    public TopicMisconfiguredException(String message) {
        super(message);
    }
}
