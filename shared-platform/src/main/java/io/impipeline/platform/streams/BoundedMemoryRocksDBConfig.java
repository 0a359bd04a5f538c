package io.impipeline.platform.streams;

import java.util.Map;

import org.apache.kafka.streams.state.RocksDBConfigSetter;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.Cache;
import org.rocksdb.LRUCache;
import org.rocksdb.Options;
import org.rocksdb.WriteBufferManager;

/**
 * Caps the off-heap memory of every RocksDB store of a Kafka Streams app with one shared block cache that also
 * accounts for memtables (the pattern of the Kafka Streams memory-management docs). Without it each store takes
 * its own cache and write buffers, and an app with several stores outgrows a 512 MB container.
 *
 * <p>Set {@code rocksdb.config.setter} to this class; size with {@code im.rocksdb.total-off-heap-bytes} (default
 * 64 MiB) and {@code im.rocksdb.memtable-share} (default 0.5) in the Streams configuration.
 */
public class BoundedMemoryRocksDBConfig implements RocksDBConfigSetter {

    public static final String TOTAL_OFF_HEAP_BYTES = "im.rocksdb.total-off-heap-bytes";
    public static final String MEMTABLE_SHARE = "im.rocksdb.memtable-share";
    private static final long DEFAULT_TOTAL = 64L * 1024 * 1024;
    private static final double DEFAULT_MEMTABLE_SHARE = 0.5;
    private static final double HIGH_PRIORITY_POOL_RATIO = 0.1;

    private static Cache cache;
    private static WriteBufferManager writeBufferManager;

    private static synchronized void init(Map<String, Object> configs) {
        if (cache != null) {
            return;
        }
        long total = configs.containsKey(TOTAL_OFF_HEAP_BYTES)
                ? Long.parseLong(String.valueOf(configs.get(TOTAL_OFF_HEAP_BYTES))) : DEFAULT_TOTAL;
        double memtableShare = configs.containsKey(MEMTABLE_SHARE)
                ? Double.parseDouble(String.valueOf(configs.get(MEMTABLE_SHARE))) : DEFAULT_MEMTABLE_SHARE;
        cache = new LRUCache(total, -1, false, HIGH_PRIORITY_POOL_RATIO);
        writeBufferManager = new WriteBufferManager((long) (total * memtableShare), cache);
    }

    @Override
    public void setConfig(String storeName, Options options, Map<String, Object> configs) {
        init(configs);
        BlockBasedTableConfig table = (BlockBasedTableConfig) options.tableFormatConfig();
        table.setBlockCache(cache);
        table.setCacheIndexAndFilterBlocks(true);
        table.setCacheIndexAndFilterBlocksWithHighPriority(true);
        table.setPinTopLevelIndexAndFilter(true);
        options.setWriteBufferManager(writeBufferManager);
        options.setTableFormatConfig(table);
    }

    @Override
    public void close(String storeName, Options options) {
        // The cache and the write buffer manager are shared by every store of the app: never closed per store.
    }
}
