package io.impipeline.dispatcher.presence;

import io.impipeline.model.codec.WireJson;
import io.impipeline.model.codec.WireSerde;
import io.impipeline.model.wire.PresenceEvent;
import io.impipeline.model.wire.PresenceEvent.Status;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class UserPresenceTest {

    private static final long WINDOW = 10_000;

    private static PresenceEvent event(String device, String gateway, Status status, long at) {
        return new PresenceEvent("bob", device, gateway, status, at);
    }

    @Test
    void onlineAddsAndRefreshesADeviceOfflineRemovesIt() {
        UserPresence p = UserPresence.empty().apply(event("phone", "gw-a", Status.ONLINE, 100), WINDOW).state();
        p = p.apply(event("phone", "gw-b", Status.ONLINE, 200), WINDOW).state();
        assertThat(p.devices()).containsEntry("phone", new DevicePresence("gw-b", 200));

        p = p.apply(event("phone", "gw-b", Status.OFFLINE, 300), WINDOW).state();
        assertThat(p.devices()).isEmpty();
        assertThat(p.departed()).containsEntry("phone", 300L);
    }

    @Test
    void eventOlderThanTheLastOneOfItsDeviceIsStale() {
        UserPresence p = UserPresence.empty().apply(event("phone", "gw-a", Status.OFFLINE, 500), WINDOW).state();
        UserPresence.Applied late = p.apply(event("phone", "gw-a", Status.ONLINE, 400), WINDOW);
        assertThat(late.stale()).isTrue();
        assertThat(late.state().devices()).isEmpty();
        assertThat(p.apply(event("tablet", "gw-a", Status.ONLINE, 400), WINDOW).stale()).isFalse();
    }

    @Test
    void departuresOutsideTheReorderWindowAreForgotten() {
        UserPresence p = UserPresence.empty().apply(event("phone", "gw-a", Status.OFFLINE, 1_000), WINDOW).state();
        p = p.apply(event("tablet", "gw-a", Status.ONLINE, 1_000 + WINDOW + 1), WINDOW).state();
        assertThat(p.departed()).isEmpty();
        assertThat(p.withoutDeparturesBefore(Long.MAX_VALUE).isEmpty()).isFalse();
        assertThat(UserPresence.empty().apply(event("phone", "gw-a", Status.OFFLINE, 1), WINDOW).state()
                .withoutDeparturesBefore(2).isEmpty()).isTrue();
    }

    @Test
    void storeSerdeRoundTripsWithoutDerivedFields() {
        UserPresence p = UserPresence.empty().apply(event("phone", "gw-a", Status.ONLINE, 100), WINDOW).state();
        byte[] bytes = WireSerde.of(UserPresence.class).serializer().serialize("t", p);
        assertThat(new String(bytes)).doesNotContain("empty");
        assertThat(WireJson.fromBytes(bytes, UserPresence.class)).isEqualTo(p);
    }
}
