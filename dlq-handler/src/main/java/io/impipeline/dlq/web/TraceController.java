package io.impipeline.dlq.web;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.impipeline.dlq.letter.Bytes;
import io.impipeline.dlq.store.TraceRepository;
import io.impipeline.dlq.store.TraceRow;
import io.impipeline.platform.web.ApiException;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * Message trace (issue 15): what each stage of the pipeline did with a message, from {@code trace_events}. A message
 * is identified by its sender and id; by id alone every sender's message with that id is listed. Ids go in the path,
 * or, for any id, in the query ({@code ?message_id=...&from_user_id=...}).
 */
@RestController
@RequestMapping("/api/v1/trace")
public class TraceController {

    /**
     * The first stage stored is the router's {@code routed} (or {@code held}, {@code filtered}, {@code duplicate}),
     * which carries its admission: a message the router admitted but has not sequenced yet has none. A single chat's
     * {@code routed} rides on the dispatcher's event of the recipient's copy: until the dispatcher has handled it, the
     * message shows at most {@code persisted} (the task-worker's history row).
     */
    private static final String NOT_YET = " (a message the router has admitted but not routed yet, or a single-chat"
            + " message the dispatcher has not handled yet, has no stage before it is persisted: see the router's and"
            + " the dispatcher's consumer lag)";

    private final TraceRepository traces;

    public TraceController(TraceRepository traces) {
        this.traces = traces;
    }

    /** The stages of one message, by time then arrival; 404 when nothing is known of it. */
    @GetMapping("/{fromUserId}/{messageId}")
    public MessageTrace one(@PathVariable String fromUserId, @PathVariable String messageId) {
        List<TraceRow> rows = traces.of(id("from_user_id", fromUserId), id("message_id", messageId));
        if (rows.isEmpty()) {
            throw ApiException.notFound("no trace of message " + messageId + " from " + fromUserId + NOT_YET);
        }
        return new MessageTrace(fromUserId, messageId, rows.stream().map(Stage::of).toList());
    }

    /** Every sender's message with this id, each with its stages; 404 when nothing is known of it. */
    @GetMapping("/{messageId}")
    public MessageTraces bySenders(@PathVariable String messageId) {
        List<TraceRow> rows = traces.of(id("message_id", messageId));
        if (rows.isEmpty()) {
            throw ApiException.notFound("no trace of message " + messageId + NOT_YET);
        }
        Map<String, List<Stage>> bySender = new LinkedHashMap<>();
        rows.forEach(r -> bySender.computeIfAbsent(r.fromUserId(), k -> new ArrayList<>()).add(Stage.of(r)));
        return new MessageTraces(messageId, bySender.entrySet().stream()
                .map(e -> new SenderTrace(e.getKey(), e.getValue())).toList());
    }

    /**
     * {@link #one} by query parameters, for ids a path cannot carry: an id with a {@code /} (its {@code %2F} is
     * refused in a path by the server), or one that is {@code .} or {@code ..}.
     */
    @GetMapping(params = {"message_id", "from_user_id"})
    public MessageTrace oneByQuery(@RequestParam("from_user_id") String fromUserId,
                                   @RequestParam("message_id") String messageId) {
        return one(fromUserId, messageId);
    }

    /** {@link #bySenders} by query parameter, for ids a path cannot carry; without {@code message_id}: 400. */
    @GetMapping
    public MessageTraces bySendersByQuery(@RequestParam("message_id") String messageId) {
        return bySenders(messageId);
    }

    private static String id(String name, String value) {
        if (!Bytes.storable(value)) {
            throw ApiException.invalidField(name + " must not contain NUL or unpaired surrogates");
        }
        return value;
    }

    /** One message's trace. */
    public record MessageTrace(String fromUserId, String messageId, List<Stage> stages) {
    }

    /** Every sender's trace of a message id. */
    public record MessageTraces(String messageId, List<SenderTrace> senders) {
    }

    public record SenderTrace(String fromUserId, List<Stage> stages) {
    }

    /** One stage: its wire name, the app, when, and its few facts. */
    public record Stage(String stage, String app, Instant at, Map<String, Object> detail) {

        static Stage of(TraceRow r) {
            return new Stage(r.stage(), r.app(), r.at(), r.detail());
        }
    }
}
