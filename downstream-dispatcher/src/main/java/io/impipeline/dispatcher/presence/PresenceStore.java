package io.impipeline.dispatcher.presence;

import io.impipeline.model.codec.WireSerde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

/** The presence store: user_id -> {@link UserPresence}; persistent (RocksDB) with a changelog. */
public final class PresenceStore {

    public static final String NAME = "presence";

    private PresenceStore() {
    }

    public static StoreBuilder<KeyValueStore<String, UserPresence>> builder() {
        return Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(NAME), Serdes.String(),
                WireSerde.of(UserPresence.class));
    }
}
