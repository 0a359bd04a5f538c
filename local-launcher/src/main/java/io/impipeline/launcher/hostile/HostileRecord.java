package io.impipeline.launcher.hostile;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * One record of the hostile corpus: where it goes, exactly what bytes it carries, and what must come of it.
 *
 * @param id          short, unique in the corpus (the table's first column)
 * @param target      a topic, or the HTTP ingress
 * @param description what is hostile about it
 * @param key         the key bytes (null: no key); for HTTP unused
 * @param value       the value bytes (null: a tombstone); for HTTP the request body
 * @param headers     Kafka headers, names as bytes (a name that is not valid UTF-8 is sent through {@link RawProducer})
 * @param partition   an explicit partition, or null for the default partitioner (murmur2 of the key)
 * @param http        HTTP request details (null for topics)
 * @param phase       when it is sent
 * @param expected    the outcome it must get
 * @param gap         a known gap of the contract or the code this record shows (null: none); printed in the table
 */
public record HostileRecord(String id, Target target, String description, byte[] key, byte[] value,
                            List<Header> headers, Integer partition, HttpSpec http, Phase phase,
                            Expectation expected, String gap) {

    /** A header with its name as bytes, so that a name can hold what a Java String cannot say in UTF-8. */
    public record Header(byte[] name, byte[] value) {

        public static Header of(String name, String value) {
            return new Header(name.getBytes(StandardCharsets.UTF_8),
                    value == null ? null : value.getBytes(StandardCharsets.UTF_8));
        }

        public static Header of(String name, byte[] value) {
            return new Header(name.getBytes(StandardCharsets.UTF_8), value);
        }

        boolean nameIsUtf8() {
            return Bytes.isUtf8(name);
        }
    }

    /**
     * @param contentType  the Content-Type header
     * @param token        send the service token (false: none; a wrong one when {@code wrongToken})
     * @param wrongToken   send a token that is not the service token
     * @param streamed     send the body without a Content-Length (chunked)
     * @param declaredOnly send only the request head, declaring the body's length, and read the answer (a server
     *                     must refuse a declared length over its limit without waiting for the body)
     * @param expectContinue with {@code declaredOnly}: send {@code Expect: 100-continue}, which tells the server
     *                     the body will only come once it agrees
     */
    public record HttpSpec(String contentType, boolean token, boolean wrongToken, boolean streamed,
                           boolean declaredOnly, boolean expectContinue) {
        public static final HttpSpec JSON = new HttpSpec("application/json", true, false, false, false, false);
    }

    /**
     * SETUP: group records later messages need (sent first, awaited in the projection); MAIN: the corpus, sent while
     * the simulator runs; LAST: records that could take an app down (a derived record over a producer limit), sent
     * after the others so that they do not hide them; CANARY: plain bad records sent after everything, which must be
     * captured too (a capture blocked by a hostile record would miss them).
     */
    public enum Phase { SETUP, MAIN, LAST, CANARY }

    public HostileRecord {
        headers = headers == null ? List.of() : List.copyOf(headers);
    }

    /** Needs {@link RawProducer}: a header name the Java client would re-encode. */
    public boolean needsRawProduce() {
        return headers.stream().anyMatch(h -> !h.nameIsUtf8());
    }

    public HostileRecord withExpected(Expectation other) {
        return new HostileRecord(id, target, description, key, value, headers, partition, http, phase, other, gap);
    }

    public int valueSize() {
        return value == null ? 0 : value.length;
    }
}
