package io.impipeline.simulator;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SimulationSettingsTest {

    @Test
    void theBuilderStartsFromTheNamedDefaults() {
        SimulationSettings s = SimulationSettings.builder("broker:9092").build();
        assertThat(s.bootstrapServers()).isEqualTo("broker:9092");
        assertThat(s.profile()).isEqualTo(TrafficProfile.DEFAULT);
        assertThat(s.users()).isEqualTo(SimulationSettings.DEFAULT_USERS);
        assertThat(s.gateways()).isEqualTo(SimulationSettings.DEFAULT_GATEWAYS);
        assertThat(s.largeGroupSize()).isEqualTo(SimulationSettings.DEFAULT_LARGE_GROUP_SIZE);
        assertThat(s.smallGroupSize()).isZero();
        assertThat(s.duration()).isEqualTo(SimulationSettings.DEFAULT_DURATION);
        assertThat(s.senderSync()).isTrue();
        assertThat(s.workerUrl()).isNull();
        assertThat(s.checksHistory()).isFalse();
    }

    @Test
    void namedSettingsOverrideTheDefaultsAndToBuilderKeepsEverything() {
        SimulationSettings s = SimulationSettings.builder("b").gateways(5).users(1000).rate(0)
                .duration(Duration.ofMinutes(2)).senderSync(false).workerUrl("http://localhost:8083/")
                .serviceToken("t").build();
        assertThat(s.gateways()).isEqualTo(5);
        assertThat(s.users()).isEqualTo(1000);
        assertThat(s.workerUrl()).isEqualTo("http://localhost:8083");
        assertThat(s.checksHistory()).isTrue();
        assertThat(s.toBuilder().build()).isEqualTo(s);
        assertThat(s.toBuilder().rate(7).build().rate()).isEqualTo(7);
    }

    @Test
    void theMixedProfileBringsItsGroupSizesAndEnoughUsersUnlessTheyAreSet() {
        SimulationSettings mixed = SimulationSettings.builder("b").profile(TrafficProfile.MIXED).build();
        assertThat(mixed.smallGroupSize()).isEqualTo(10);
        assertThat(mixed.largeGroupSize()).isEqualTo(300);
        assertThat(mixed.users()).isGreaterThan(300);
        SimulationSettings set = SimulationSettings.builder("b").users(350).largeGroupSize(250)
                .profile(TrafficProfile.MIXED).build();
        assertThat(set.users()).isEqualTo(350);
        assertThat(set.largeGroupSize()).isEqualTo(250);
    }

    @Test
    void impossibleSettingsAreRefusedWithTheReason() {
        assertThatThrownBy(() -> SimulationSettings.builder("b").profile(TrafficProfile.MIXED).users(100).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("large group of 300");
        assertThatThrownBy(() -> SimulationSettings.builder("b").badShare(1.5).build())
                .hasMessageContaining("between 0 and 1");
        assertThatThrownBy(() -> SimulationSettings.builder("b").gateways(0).build())
                .hasMessageContaining("gateways");
    }

    @Test
    void theMixedProfilePicksItsSharesAndTheDefaultOneItsGroupShare() {
        TrafficProfile mixed = TrafficProfile.MIXED;
        assertThat(mixed.pick(0.0, 0)).isEqualTo(TrafficProfile.Kind.SINGLE_ONLINE);
        assertThat(mixed.pick(0.59, 0)).isEqualTo(TrafficProfile.Kind.SINGLE_ONLINE);
        assertThat(mixed.pick(0.61, 0)).isEqualTo(TrafficProfile.Kind.SINGLE_OFFLINE);
        assertThat(mixed.pick(0.76, 0)).isEqualTo(TrafficProfile.Kind.SMALL_GROUP);
        assertThat(mixed.pick(0.96, 0)).isEqualTo(TrafficProfile.Kind.LARGE_GROUP);
        assertThat(TrafficProfile.DEFAULT.pick(0.1, 0.2)).isEqualTo(TrafficProfile.Kind.ANY_GROUP);
        assertThat(TrafficProfile.DEFAULT.pick(0.3, 0.2)).isEqualTo(TrafficProfile.Kind.SINGLE_ANY);
    }
}
