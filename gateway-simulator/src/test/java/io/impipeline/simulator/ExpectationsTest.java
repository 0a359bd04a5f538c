package io.impipeline.simulator;

import java.util.List;
import java.util.Map;
import java.util.Set;

import io.impipeline.model.wire.UpstreamMessage;
import io.impipeline.simulator.DeliveryChecker.Deliver;
import io.impipeline.simulator.DeliveryChecker.EitherWay;
import io.impipeline.simulator.DeliveryChecker.Push;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ExpectationsTest {

    private final SimulationSettings settings = SimulationSettings.builder("b").users(50).churnUsers(4)
            .offlineShare(0.3).build();
    private final Population population = new Population(settings, "r1");
    private final DeliveryChecker checker = new DeliveryChecker();
    private final Expectations expectations = new Expectations(population, checker, true);

    @Test
    void eachKindOfUserGetsItsOutcome() {
        String online = population.onlineStableUsers().get(0);
        String offline = population.offlineStableUsers().get(0);
        assertThat(expectations.forRecipient(online)).isEqualTo(new Deliver(population.devicesAt(online)));
        assertThat(expectations.forRecipient(offline)).isEqualTo(new Push());
        String churnOnly = population.churnUsers().get(0);
        String churnWithStableDevice = population.churnUsers().get(1);
        assertThat(expectations.forRecipient(churnOnly))
                .isEqualTo(new EitherWay(Set.of(), population.devicesAt(churnOnly)));
        EitherWay both = (EitherWay) expectations.forRecipient(churnWithStableDevice);
        assertThat(both.required()).hasSize(1).allSatisfy(d -> assertThat(d.gatewayId())
                .isNotEqualTo(population.churnGateway()));
        assertThat(both.allowed()).hasSize(2);
    }

    @Test
    void aGroupMessageIsForEveryMemberButTheSender() {
        String group = population.smallGroups().get(0);
        List<String> members = population.groups().get(group);
        String sender = members.get(0);
        expectations.register(new UpstreamMessage("m1", sender, null, "gc", "hi", "text", Map.of(), "gw", "d",
                1L, "1.0", group, null));
        DeliveryChecker.Summary summary = checker.summary();
        long judged = summary.expectedPushes() + summary.eitherWayChecked()
                + members.stream().filter(u -> population.isStable(u) && population.isOnline(u)
                        && !u.equals(sender)).count();
        assertThat(judged).isEqualTo(members.size() - 1);
        assertThat(summary.failures()).noneSatisfy(f -> assertThat(f).contains("->" + sender + " "));
    }

    @Test
    void theMixedPopulationHasTenMemberGroupsAndAThreeHundredMemberGroupWithChurningUsersInIt() {
        SimulationSettings mixed = SimulationSettings.builder("b").profile(TrafficProfile.MIXED).build();
        Population p = new Population(mixed, "r2");
        assertThat(p.smallGroups()).allSatisfy(g -> assertThat(p.groups().get(g)).hasSize(10).doesNotHaveDuplicates());
        assertThat(p.groups().get(p.largeGroup())).hasSize(300).doesNotHaveDuplicates()
                .anySatisfy(u -> assertThat(p.isChurning(u)).isTrue());
        assertThat(p.offlineStableUsers()).isNotEmpty();
    }
}
