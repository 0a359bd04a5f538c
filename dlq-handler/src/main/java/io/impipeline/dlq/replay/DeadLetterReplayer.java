package io.impipeline.dlq.replay;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.impipeline.platform.web.Operator;
import io.impipeline.dlq.letter.StoredHeader;
import io.impipeline.dlq.settings.DlqProperties;
import io.impipeline.dlq.store.DeadLetterFilter;
import io.impipeline.dlq.store.DeadLetterRepository;
import io.impipeline.dlq.store.DeadLetterRow;
import io.impipeline.dlq.store.DeadLetterStatus;
import io.impipeline.dlq.store.AuditAction;
import io.impipeline.dlq.store.AuditRepository;
import io.impipeline.dlq.store.TraceRepository;
import io.impipeline.model.trace.TraceStage;
import io.impipeline.model.ImHeaders;
import io.impipeline.platform.web.ApiException;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.support.SendResult;
import org.springframework.stereotype.Service;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Sends stored dead letters back to their original topic: the original key, value and headers, without the
 * dead-letter headers, plus {@code im_replay-count}. Rows are locked while they are sent, so two operators never
 * replay one dead letter at once; a row is marked REPLAYED only after the broker acknowledged it. A replay is safe
 * to repeat: the router de-duplicates by message id and the worker's writes are idempotent.
 *
 * <p>Every change is audited ({@code audit_log}) and, for a dead letter of a known message, traced
 * ({@code replayed}, {@code discarded} in {@code trace_events}) in the transaction that makes it; a replay by filter
 * runs in chunks of one transaction each, so its audit entry is written first and its count grows with each chunk.
 */
@Service
public class DeadLetterReplayer {

    private static final Logger log = LoggerFactory.getLogger(DeadLetterReplayer.class);

    private final DeadLetterRepository repository;
    private final AuditRepository audit;
    private final TraceRepository traces;
    private final KafkaTemplate<byte[], byte[]> template;
    private final TransactionTemplate tx;
    private final DlqProperties.Replay config;
    private final ReplayTargets targets;
    private final Clock clock;

    public DeadLetterReplayer(DeadLetterRepository repository, AuditRepository audit, TraceRepository traces,
                              KafkaTemplate<byte[], byte[]> replayTemplate, TransactionTemplate tx, DlqProperties dlq,
                              ReplayTargets targets, Clock clock) {
        this.repository = repository;
        this.audit = audit;
        this.traces = traces;
        this.template = replayTemplate;
        this.tx = tx;
        this.config = dlq.replay();
        this.targets = targets;
        this.clock = clock;
    }

    /** Replays one dead letter; returns it as stored afterwards. */
    public DeadLetterRow replayOne(long id, Operator operator) {
        tx.executeWithoutResult(status -> {
            DeadLetterRow row = repository.findForUpdate(id).orElseThrow(() -> notFound(id));
            if (row.status() == DeadLetterStatus.DISCARDED) {
                throw ApiException.conflict("DEAD_LETTER_DISCARDED", "dead letter " + id + " was discarded");
            }
            requireOriginalTopic(row);
            targets.require("original_topic", row.originalTopic());
            await(send(row), row);
            Instant now = clock.instant();
            repository.markReplayed(List.of(id), now);
            traces.operatorAction(TraceStage.REPLAYED, List.of(id), operator.name(), now);
            audit.record(now, operator.name(), AuditAction.REPLAY, String.valueOf(id), 1,
                    letterDetail(row));
            log.info("dead letter replayed id={} original_topic={} replay_count={}", id, row.originalTopic(),
                    row.replayCount() + 1);
        });
        return repository.find(id).orElseThrow(() -> notFound(id));
    }

    /**
     * Replays every dead letter matching the filter (NEW by default, never DISCARDED), oldest first, in chunks of
     * one transaction each, at most {@code maxPerRequest}. Letters without an original topic or whose send fails
     * are left as they are and counted as failed; letters whose original topic is not a replay target
     * ({@link ReplayTargets}) are left as they are and counted as refused. A filter naming such a topic is a 400.
     */
    public BulkResult replayAll(DeadLetterFilter filter, Integer limit, Operator operator) {
        DeadLetterFilter f = filter.status() == null ? filter.withStatus(DeadLetterStatus.NEW) : filter;
        if (f.status() == DeadLetterStatus.DISCARDED) {
            throw ApiException.invalidField("discarded dead letters are not replayed");
        }
        if (f.originalTopic() != null) {
            targets.require("original_topic", f.originalTopic());
        }
        int max = limit == null ? config.maxPerRequest() : limit;
        if (max < 1 || max > config.maxPerRequest()) {
            throw ApiException.invalidField("limit must be between 1 and " + config.maxPerRequest());
        }
        Map<String, Object> detail = filterDetail(f);
        detail.put("limit", max);
        long auditId = tx.execute(status -> audit.record(clock.instant(), operator.name(), AuditAction.BULK_REPLAY,
                f.describe(), 0, bulkDetail(detail, new BulkResult(0, 0, 0, 0L))));
        BulkResult total = new BulkResult(0, 0, 0, 0L);
        long afterId = 0;
        while (total.seen() < max) {
            int chunk = Math.min(config.chunkSize(), max - total.seen());
            long from = afterId;
            BulkResult sofar = total;
            BulkResult r = tx.execute(status -> {
                BulkResult c = replayChunk(f, from, chunk, operator);
                audit.progress(auditId, c.replayed(), bulkDetail(detail, sofar.plus(c)));
                return c;
            });
            if (r == null || r.seen() == 0) {
                break;
            }
            afterId = r.lastId();
            total = total.plus(r);
        }
        log.info("replay by filter done replayed={} failed={} refused={} original_topic={} stage={} reason={} "
                        + "status={}", total.replayed(), total.failed(), total.refused(), f.originalTopic(), f.stage(),
                f.reason(), f.status());
        return total;
    }

    /**
     * How many were replayed, failed (no original topic, send failed) and refused (original topic not a replay
     * target); {@code lastId} is where the next chunk starts.
     */
    public record BulkResult(int replayed, int failed, int refused, long lastId) {

        int seen() {
            return replayed + failed + refused;
        }

        BulkResult plus(BulkResult o) {
            return new BulkResult(replayed + o.replayed, failed + o.failed, refused + o.refused, o.lastId);
        }
    }

    private BulkResult replayChunk(DeadLetterFilter filter, long afterId, int chunk, Operator operator) {
        List<DeadLetterRow> rows = repository.lockChunk(filter, afterId, chunk);
        List<CompletableFuture<SendResult<byte[], byte[]>>> sends = new ArrayList<>();
        for (DeadLetterRow row : rows) {
            sends.add(row.originalTopic() == null || !targets.allowed(row.originalTopic()) ? null : send(row));
        }
        List<Long> done = new ArrayList<>();
        int failed = 0;
        int refused = 0;
        for (int i = 0; i < rows.size(); i++) {
            DeadLetterRow row = rows.get(i);
            if (row.originalTopic() == null) {
                failed++;
                continue;
            }
            if (sends.get(i) == null) {
                refused++;
                continue;
            }
            try {
                await(sends.get(i), row);
                done.add(row.id());
            } catch (ApiException e) {
                failed++;
            }
        }
        Instant now = clock.instant();
        repository.markReplayed(done, now);
        traces.operatorAction(TraceStage.REPLAYED, done, operator.name(), now);
        long last = rows.isEmpty() ? afterId : rows.get(rows.size() - 1).id();
        return new BulkResult(done.size(), failed, refused, last);
    }

    private CompletableFuture<SendResult<byte[], byte[]>> send(DeadLetterRow row) {
        try {
            return template.send(recordFor(row));
        } catch (RuntimeException e) {
            // e.g. no metadata for the topic within max.block.ms: a failed send like any other.
            return CompletableFuture.failedFuture(e);
        }
    }

    /**
     * The original record as it was before it failed, plus the replay count: one more than this dead letter's
     * replays, or than the count the record already carried when it failed after an earlier replay.
     */
    ProducerRecord<byte[], byte[]> recordFor(DeadLetterRow row) {
        RecordHeaders headers = new RecordHeaders();
        int replays = row.replayCount();
        for (StoredHeader h : row.headers()) {
            String name = h.originalName();
            if (ImHeaders.REPLAY_COUNT.equals(name)) {
                replays = Math.max(replays, parseCount(h.text()));
            }
            if (config.stripHeaderPrefixes().stream().noneMatch(name::startsWith)) {
                headers.add(name, h.bytes());
            }
        }
        headers.add(ImHeaders.REPLAY_COUNT, String.valueOf(replays + 1).getBytes(StandardCharsets.UTF_8));
        return new ProducerRecord<>(row.originalTopic(), null, row.key(), row.value(), headers);
    }

    static int parseCount(String text) {
        try {
            return text == null ? 0 : Integer.parseInt(text.trim());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private void await(CompletableFuture<SendResult<byte[], byte[]>> send, DeadLetterRow row) {
        try {
            send.get(config.sendTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw sendFailed(row, e);
        } catch (ExecutionException | TimeoutException e) {
            throw sendFailed(row, e);
        }
    }

    private static ApiException sendFailed(DeadLetterRow row, Exception e) {
        Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
        log.warn("dead letter replay failed id={} original_topic={} error={}", row.id(), row.originalTopic(),
                cause.toString());
        return new ApiException(org.springframework.http.HttpStatus.BAD_GATEWAY, "REPLAY_FAILED",
                "sending dead letter " + row.id() + " to " + row.originalTopic() + " failed: " + cause.getMessage());
    }

    private static void requireOriginalTopic(DeadLetterRow row) {
        if (row.originalTopic() == null) {
            throw ApiException.conflict("NO_ORIGINAL_TOPIC",
                    "dead letter " + row.id() + " has no kafka_dlt-original-topic header; replay it with /api/v1/replays");
        }
    }

    private static ApiException notFound(long id) {
        return ApiException.notFound("no dead letter " + id);
    }

    /**
     * Discards one dead letter (idempotent: discarding a discarded one changes nothing, and is audited with count 0);
     * returns it as stored afterwards.
     */
    public DeadLetterRow discard(long id, Operator operator) {
        tx.executeWithoutResult(status -> {
            DeadLetterRow row = repository.findForUpdate(id).orElseThrow(() -> notFound(id));
            Instant now = clock.instant();
            int changed = 0;
            if (row.status() != DeadLetterStatus.DISCARDED) {
                changed = repository.discard(id, now);
                traces.operatorAction(TraceStage.DISCARDED, List.of(id), operator.name(), now);
                log.info("dead letter discarded id={} original_topic={} reason={}", id, row.originalTopic(),
                        row.reason());
            }
            audit.record(now, operator.name(), AuditAction.DISCARD, String.valueOf(id), changed, letterDetail(row));
        });
        return repository.find(id).orElseThrow(() -> notFound(id));
    }

    /** Discards every match of the filter, traced and audited in one transaction; how many. */
    public int discardAll(DeadLetterFilter filter, Operator operator) {
        Integer changed = tx.execute(status -> {
            Instant now = clock.instant();
            int c = repository.discardAll(filter, now, operator.name(), traces.ownStages());
            audit.record(now, operator.name(), AuditAction.BULK_DISCARD, filter.describe(), c, filterDetail(filter));
            return c;
        });
        int n = changed == null ? 0 : changed;
        log.info("dead letters discarded by filter count={} original_topic={} stage={} reason={} status={}", n,
                filter.originalTopic(), filter.stage(), filter.reason(), filter.status());
        return n;
    }

    private static Map<String, Object> letterDetail(DeadLetterRow row) {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("original_topic", row.originalTopic());
        d.put("reason", row.reason());
        d.put("message_id", row.messageId());
        d.put("from_user_id", row.fromUserId());
        d.put("status_before", row.status().name());
        d.values().removeIf(java.util.Objects::isNull);
        return d;
    }

    private static Map<String, Object> filterDetail(DeadLetterFilter f) {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("filter", f.asMap());
        return d;
    }

    private static Map<String, Object> bulkDetail(Map<String, Object> base, BulkResult r) {
        Map<String, Object> d = new LinkedHashMap<>(base);
        d.put("replayed", r.replayed());
        d.put("failed", r.failed());
        d.put("refused", r.refused());
        return d;
    }
}
