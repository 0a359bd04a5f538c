package io.impipeline.launcher.hostile;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.impipeline.model.codec.Decoded;
import io.impipeline.model.codec.ReasonCode;
import io.impipeline.model.codec.ValidationLimits;
import io.impipeline.model.codec.WireValidator;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The corpus without a pipeline: its size per target, the reproductions of issue 12, and every topic record's
 * expectation against the one validator (what each app decodes with), so that a run's failure means the pipeline,
 * not a corpus built wrong.
 */
class HostileCorpusTest {

    static final long NOW = 1_800_000_000_000L;
    static final HostileCorpus CORPUS = HostileCorpus.build(HostileCorpus.Fixture.create("t3s", NOW, 10, 3));
    static final WireValidator VALIDATOR = new WireValidator(ValidationLimits.defaults(),
            Clock.fixed(Instant.ofEpochMilli(NOW), ZoneOffset.UTC));
    /** Reasons decided after validation (by admission, key or partition checks, or a derived record's size). */
    static final Set<String> BEYOND_THE_VALIDATOR = Set.of("u-group-unknown", "u-group-never-valid",
            "u-group-key-mismatch",
            "u-headers-over-limit", "p-key-null", "p-key-empty", "p-key-huge", "p-key-other", "p-key-nul",
            "p-wrong-partition", "p-key-badutf8-as-user");

    @Test
    void atLeastSixtyHostileRecordsPerTargetWithUniqueIds() {
        Map<Target, Integer> sizes = CORPUS.sizeByTarget();
        assertThat(sizes.values()).allSatisfy(n -> assertThat(n).isGreaterThanOrEqualTo(60));
        assertThat(sizes.values().stream().mapToInt(Integer::intValue).sum()).isGreaterThanOrEqualTo(300);
        Set<String> ids = new HashSet<>();
        CORPUS.records().forEach(r -> assertThat(ids.add(r.id())).as(r.id()).isTrue());
    }

    /** The gateway table keeps the latest record per key: one key per record, so that each can be checked. */
    @Test
    void everyGatewayRecordHasAKeyOfItsOwn() {
        Set<String> keys = new HashSet<>();
        for (HostileRecord r : CORPUS.records()) {
            if (r.target() == Target.GATEWAY && r.key() != null && !r.id().equals("g-tombstone")) {
                assertThat(keys.add(new String(r.key(), java.nio.charset.StandardCharsets.ISO_8859_1))).as(r.id())
                        .isTrue();
            }
        }
    }

    @Test
    void theFiveReproductionsAreThere() {
        List<String> ids = CORPUS.records().stream().map(HostileRecord::id).toList();
        assertThat(ids).contains("u-repro1-1048000", "u-repro2-hname-nul-notjson", "gr-repro3-nul-member",
                "u-nul-content", "u-repro5-alice", "u-repro5-carol");
        HostileRecord repro1 = record("u-repro1-1048000");
        assertThat(repro1.value()).hasSize(1_048_000);
        assertThat(VALIDATOR.decodeUpstream(repro1.value()).isValid()).isTrue();
    }

    @Test
    void everyTopicRecordGetsItsExpectedOutcomeFromTheValidator() {
        for (HostileRecord r : CORPUS.records()) {
            if (r.target() == Target.HTTP || BEYOND_THE_VALIDATOR.contains(r.id()) || r.value() == null) {
                continue;
            }
            Decoded<?> decoded = switch (r.target()) {
                case UPSTREAM -> VALIDATOR.decodeUpstream(r.value());
                case PRESENCE -> VALIDATOR.decodePresence(r.value());
                case GATEWAY -> VALIDATOR.decodeHeartbeat(r.value());
                case GROUP -> VALIDATOR.decodeGroup(r.value());
                case HTTP -> throw new IllegalStateException();
            };
            Expectation e = r.expected();
            String what = r.id() + ": " + (decoded.isValid() ? "valid" : decoded.rejection());
            if (e instanceof Expectation.Processed) {
                assertThat(decoded.isValid()).as(what).isTrue();
                if (r.target() == Target.PRESENCE) {
                    assertThat(new String(r.key(), java.nio.charset.StandardCharsets.UTF_8)).as(what + ": key")
                            .isEqualTo(((io.impipeline.model.wire.PresenceEvent) decoded.value()).userId());
                }
            } else if (e instanceof Expectation.DeadLettered d && r.target() == Target.GROUP && decoded.isValid()) {
                // Valid, but keyed with another id than its group_id: the task-worker refuses it (INVALID_FIELD).
                assertThat(r.key() == null ? null : new String(r.key(), java.nio.charset.StandardCharsets.UTF_8))
                        .as(what + ": key").isNotEqualTo(
                                ((io.impipeline.model.wire.GroupMembership) decoded.value()).groupId());
                assertThat(d.reason()).as(what).isEqualTo(io.impipeline.model.codec.ReasonCode.INVALID_FIELD);
            } else if (e instanceof Expectation.DeadLettered d) {
                assertThat(decoded.isValid()).as(what).isFalse();
                assertThat(decoded.rejection().reason()).as(what).isEqualTo(d.reason());
            } else if (e instanceof Expectation.Skipped s) {
                Effect.GatewayUnreadable unreadable = (Effect.GatewayUnreadable) s.effects().get(0);
                if (unreadable.problem().equals("KEY_MISMATCH")) {
                    assertThat(decoded.isValid()).as(what).isTrue();
                    assertThat(new String(r.key(), java.nio.charset.StandardCharsets.UTF_8)).as(what)
                            .isNotEqualTo(((io.impipeline.model.wire.GatewayHeartbeat) decoded.value()).gatewayId());
                } else {
                    assertThat(decoded.isValid()).as(what).isFalse();
                    assertThat(decoded.rejection().reason().name()).as(what).isEqualTo(unreadable.problem());
                }
            }
        }
    }

    /** Presence the pipeline must apply sits on the partition its user hashes to (else it is dead-lettered). */
    @Test
    void canariesShareThePartitionsOfTheRecordsSentLast() {
        int presence = HostileCorpus.partitionOf(record("p-giant-5mib").key(), 10);
        assertThat(HostileCorpus.partitionOf(record("canary-presence").key(), 10)).isEqualTo(presence);
        assertThat(HostileCorpus.partitionOf(record("canary-presence-valid").key(), 10)).isEqualTo(presence);
        int group = HostileCorpus.partitionOf(record("gr-giant-5mib").key(), 3);
        assertThat(HostileCorpus.partitionOf(record("gr-record-2097153").key(), 3)).isEqualTo(group);
        assertThat(HostileCorpus.partitionOf(record("canary-group").key(), 3)).isEqualTo(group);
        assertThat(HostileCorpus.partitionOf(record("canary-group-valid").key(), 3)).isEqualTo(group);
    }

    @Test
    void aSabotagedExpectationDiffersFromTheRealOne() {
        HostileRecord r = record("u-nul-content");
        Expectation wrong = HostileRun.sabotage(r).expected();
        assertThat(wrong).isInstanceOf(Expectation.DeadLettered.class);
        assertThat(((Expectation.DeadLettered) wrong).reason()).isNotEqualTo(ReasonCode.INVALID_FIELD);
    }

    static HostileRecord record(String id) {
        return CORPUS.records().stream().filter(r -> r.id().equals(id)).findFirst().orElseThrow();
    }
}
