package io.impipeline.dispatcher.presence;

import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

import com.fasterxml.jackson.annotation.JsonIgnore;
import io.impipeline.model.wire.PresenceEvent;

/**
 * What the presence store holds per user: the online devices, and for a while the devices that went offline (with
 * the time they did), so that an {@code online} event older than the {@code offline} that followed it is ignored.
 *
 * @param devices  device_id -> where and since when it is online
 * @param departed device_id -> timestamp of its last {@code offline} event
 */
public record UserPresence(Map<String, DevicePresence> devices, Map<String, Long> departed) {

    public UserPresence {
        // Sorted, so that device_ids and query answers come out in a stable order.
        devices = devices == null ? Map.of() : Collections.unmodifiableMap(new TreeMap<>(devices));
        departed = departed == null ? Map.of() : Collections.unmodifiableMap(new TreeMap<>(departed));
    }

    public static UserPresence empty() {
        return new UserPresence(Map.of(), Map.of());
    }

    /** The outcome of applying one event: the new state, or the old one when the event was stale. */
    public record Applied(UserPresence state, boolean stale) {
    }

    /**
     * Applies a presence event. An event older than what is known for its device (online since, or offline at) is
     * stale and changes nothing. Departures older than {@code reorderWindowMillis} before this event are forgotten.
     */
    public Applied apply(PresenceEvent event, long reorderWindowMillis) {
        String device = event.deviceId();
        long known = lastEventOf(device);
        if (event.timestamp() < known) {
            return new Applied(this, true);
        }
        Map<String, DevicePresence> nextDevices = new TreeMap<>(devices);
        Map<String, Long> nextDeparted = new TreeMap<>(departed);
        if (event.status() == PresenceEvent.Status.ONLINE) {
            nextDevices.put(device, new DevicePresence(event.gatewayId(), event.timestamp()));
            nextDeparted.remove(device);
        } else {
            nextDevices.remove(device);
            nextDeparted.put(device, event.timestamp());
        }
        long horizon = event.timestamp() - reorderWindowMillis;
        nextDeparted.values().removeIf(at -> at < horizon);
        return new Applied(new UserPresence(nextDevices, nextDeparted), false);
    }

    /** Drops departures older than {@code horizon}; the user can be deleted when {@link #isEmpty()} after that. */
    public UserPresence withoutDeparturesBefore(long horizon) {
        Map<String, Long> next = new TreeMap<>(departed);
        next.values().removeIf(at -> at < horizon);
        return new UserPresence(devices, next);
    }

    @JsonIgnore
    public boolean isEmpty() {
        return devices.isEmpty() && departed.isEmpty();
    }

    private long lastEventOf(String device) {
        DevicePresence online = devices.get(device);
        if (online != null) {
            return online.since();
        }
        Long offlineAt = departed.get(device);
        return offlineAt == null ? Long.MIN_VALUE : offlineAt;
    }
}
