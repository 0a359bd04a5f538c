package io.impipeline.launcher.hostile;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32C;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.requests.ProduceRequest;
import org.apache.kafka.common.requests.ProduceResponse;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.requests.ResponseHeader;
import org.apache.kafka.common.utils.ByteBufferOutputStream;
import org.apache.kafka.common.utils.ByteUtils;
import org.apache.kafka.common.utils.Utils;

/**
 * Writes one record whose header names are arbitrary bytes. Kafka's Java producer takes a header name as a String
 * and encodes it as UTF-8, so it cannot write a name that is not valid UTF-8; another client (librdkafka, a gateway
 * in any language) can. This builds the record batch (magic v2) by hand, compresses its records with lz4 (the
 * topics' {@code compression.type}: a batch in another codec would be re-built by the broker, and re-building
 * decodes and re-encodes the names) and sends it in a Produce request (v9, topic by name, {@code acks=-1}) over a
 * plain socket to the partition's leader. Plaintext listeners only.
 */
final class RawProducer implements AutoCloseable {

    private static final short PRODUCE_VERSION = 9;
    private static final int BATCH_HEADER_BYTES = 61;
    private static final int CRC_OFFSET = 17;
    private static final int ATTRIBUTES_OFFSET = 21;
    private static final short LZ4 = 3;

    private final Admin admin;
    private int correlationId;

    RawProducer(String bootstrapServers) {
        this.admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers));
    }

    /** Sends one record; {@code partition} null: murmur2 of the key (Kafka's default), or 0 without a key. */
    RecordMetadata send(String topic, Integer partition, byte[] key, byte[] value, List<HostileRecord.Header> headers)
            throws Exception {
        TopicDescription description = admin.describeTopics(List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS)
                .get(topic);
        int partitions = description.partitions().size();
        int p = partition != null ? partition : key == null ? 0 : Utils.toPositive(Utils.murmur2(key)) % partitions;
        Node leader = description.partitions().get(p).leader();
        long now = System.currentTimeMillis();
        MemoryRecords records = MemoryRecords.readableRecords(batch(now, key, value, headers));
        ProduceRequestData data = new ProduceRequestData().setAcks((short) -1).setTimeoutMs(30_000)
                .setTopicData(new ProduceRequestData.TopicProduceDataCollection(List.of(
                        new ProduceRequestData.TopicProduceData().setName(topic).setPartitionData(List.of(
                                new ProduceRequestData.PartitionProduceData().setIndex(p).setRecords(records))))
                        .iterator()));
        int correlation = ++correlationId;
        ByteBuffer request = new ProduceRequest(data, PRODUCE_VERSION).serializeWithHeader(
                new RequestHeader(ApiKeys.PRODUCE, PRODUCE_VERSION, "im-hostile-raw", correlation));
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(leader.host(), leader.port()), 10_000);
            socket.setSoTimeout(60_000);
            DataOutputStream out = new DataOutputStream(socket.getOutputStream());
            out.writeInt(request.remaining());
            out.write(request.array(), request.arrayOffset() + request.position(), request.remaining());
            out.flush();
            DataInputStream in = new DataInputStream(socket.getInputStream());
            byte[] response = new byte[in.readInt()];
            in.readFully(response);
            ByteBuffer buffer = ByteBuffer.wrap(response);
            ResponseHeader header = ResponseHeader.parse(buffer,
                    ApiKeys.PRODUCE.responseHeaderVersion(PRODUCE_VERSION));
            if (header.correlationId() != correlation) {
                throw new IllegalStateException("correlation id " + header.correlationId() + ", sent " + correlation);
            }
            ProduceResponseData answer = ProduceResponse.parse(new ByteBufferAccessor(buffer), PRODUCE_VERSION).data();
            for (ProduceResponseData.TopicProduceResponse t : answer.responses()) {
                for (ProduceResponseData.PartitionProduceResponse r : t.partitionResponses()) {
                    Errors error = Errors.forCode(r.errorCode());
                    if (error != Errors.NONE) {
                        throw error.exception(r.errorMessage());
                    }
                    return new RecordMetadata(new TopicPartition(topic, p), r.baseOffset(), 0, now,
                            key == null ? -1 : key.length, value == null ? -1 : value.length);
                }
            }
            throw new IllegalStateException("no partition in the produce response");
        }
    }

    /** One batch with one record, its records lz4-compressed, no producer id (not idempotent), CRC32C. */
    static ByteBuffer batch(long timestamp, byte[] key, byte[] value, List<HostileRecord.Header> headers)
            throws IOException {
        byte[] record = record(key, value, headers);
        ByteBufferOutputStream compressed = new ByteBufferOutputStream(record.length / 2 + 1024);
        try (OutputStream lz4 = Compression.lz4().build().wrapForOutput(compressed, RecordBatch.MAGIC_VALUE_V2)) {
            lz4.write(record);
        }
        ByteBuffer body = compressed.buffer();
        body.flip();
        ByteBuffer batch = ByteBuffer.allocate(BATCH_HEADER_BYTES + body.remaining());
        batch.putLong(0L);                                  // base offset (the broker assigns it)
        batch.putInt(BATCH_HEADER_BYTES - 12 + body.remaining()); // batch length: everything after this field
        batch.putInt(-1);                                   // partition leader epoch
        batch.put(RecordBatch.MAGIC_VALUE_V2);
        batch.putInt(0);                                    // CRC, below
        batch.putShort(LZ4);                                // attributes: lz4, create time, not transactional
        batch.putInt(0);                                    // last offset delta
        batch.putLong(timestamp);                           // base timestamp
        batch.putLong(timestamp);                           // max timestamp
        batch.putLong(RecordBatch.NO_PRODUCER_ID);
        batch.putShort(RecordBatch.NO_PRODUCER_EPOCH);
        batch.putInt(RecordBatch.NO_SEQUENCE);
        batch.putInt(1);                                    // records
        batch.put(body);
        CRC32C crc = new CRC32C();
        crc.update(batch.array(), ATTRIBUTES_OFFSET, batch.position() - ATTRIBUTES_OFFSET);
        batch.putInt(CRC_OFFSET, (int) crc.getValue());
        batch.flip();
        return batch;
    }

    /** A record (v2) at offset and timestamp delta 0: length, attributes, deltas, key, value, headers. */
    static byte[] record(byte[] key, byte[] value, List<HostileRecord.Header> headers) throws IOException {
        java.io.ByteArrayOutputStream bodyBytes = new java.io.ByteArrayOutputStream();
        DataOutputStream body = new DataOutputStream(bodyBytes);
        body.writeByte(0);                 // attributes
        ByteUtils.writeVarlong(0, body);   // timestamp delta
        ByteUtils.writeVarint(0, body);    // offset delta
        writeBytes(body, key);
        writeBytes(body, value);
        ByteUtils.writeVarint(headers.size(), body);
        for (HostileRecord.Header h : headers) {
            writeBytes(body, h.name());
            writeBytes(body, h.value());
        }
        body.flush();
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        DataOutputStream record = new DataOutputStream(out);
        ByteUtils.writeVarint(bodyBytes.size(), record);
        record.write(bodyBytes.toByteArray());
        record.flush();
        return out.toByteArray();
    }

    private static void writeBytes(DataOutputStream out, byte[] bytes) throws IOException {
        if (bytes == null) {
            ByteUtils.writeVarint(-1, out);
        } else {
            ByteUtils.writeVarint(bytes.length, out);
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        admin.close();
    }
}
