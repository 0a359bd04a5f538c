package io.impipeline.simulator;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Who exists in a run: gateways, users with their devices, groups. Stable users keep their presence for the whole
 * run, so every delivery to them can be predicted exactly; churn users come and go on their own gateway.
 */
public final class Population {

    /** A device of a user, connected to a gateway. */
    public record Device(String deviceId, String gatewayId) {
    }

    private static final int SMALL_GROUP_MIN = 3;
    private static final int SMALL_GROUP_MAX = 20;

    private final String runId;
    private final List<String> gateways = new ArrayList<>();
    private final String churnGateway;
    private final List<String> stableUsers = new ArrayList<>();
    private final List<String> churnUsers = new ArrayList<>();
    private final Map<String, List<Device>> devices = new LinkedHashMap<>();
    private final Map<String, List<String>> groups = new LinkedHashMap<>();
    private final String largeGroup;

    public Population(SimulationSettings s, String runId) {
        this.runId = runId;
        Random random = new Random(s.seed());
        for (int g = 1; g <= s.gateways(); g++) {
            gateways.add("gw-" + runId + "-" + g);
        }
        churnGateway = s.churnUsers() > 0 ? "gw-" + runId + "-churn" : null;
        for (int u = 1; u <= s.users(); u++) {
            String user = "u-" + runId + "-" + u;
            stableUsers.add(user);
            boolean offline = random.nextDouble() < s.offlineShare();
            List<Device> list = new ArrayList<>();
            if (!offline) {
                int count = 1 + random.nextInt(Math.max(1, s.maxDevices()));
                for (int d = 1; d <= count; d++) {
                    list.add(new Device(user + "-d" + d, gateways.get(random.nextInt(gateways.size()))));
                }
            }
            devices.put(user, List.copyOf(list));
        }
        for (int u = 1; u <= s.churnUsers(); u++) {
            String user = "c-" + runId + "-" + u;
            churnUsers.add(user);
            devices.put(user, List.of(new Device(user + "-d1", churnGateway)));
        }
        for (int g = 1; g <= s.smallGroups(); g++) {
            int size = SMALL_GROUP_MIN + random.nextInt(SMALL_GROUP_MAX - SMALL_GROUP_MIN + 1);
            groups.put("grp-" + runId + "-" + g, sample(stableUsers, Math.min(size, stableUsers.size()), random));
        }
        if (s.largeGroupSize() > 0) {
            largeGroup = "grp-" + runId + "-large";
            groups.put(largeGroup, sample(stableUsers, Math.min(s.largeGroupSize(), stableUsers.size()), random));
        } else {
            largeGroup = null;
        }
    }

    private static List<String> sample(List<String> from, int n, Random random) {
        List<String> copy = new ArrayList<>(from);
        java.util.Collections.shuffle(copy, random);
        return List.copyOf(copy.subList(0, n));
    }

    public String runId() {
        return runId;
    }

    public List<String> gateways() {
        return gateways;
    }

    /** Every gateway, the churn gateway included. */
    public List<String> allGateways() {
        List<String> all = new ArrayList<>(gateways);
        if (churnGateway != null) {
            all.add(churnGateway);
        }
        return all;
    }

    public String churnGateway() {
        return churnGateway;
    }

    public List<String> stableUsers() {
        return stableUsers;
    }

    public List<String> churnUsers() {
        return churnUsers;
    }

    public boolean isStable(String user) {
        return user.startsWith("u-");
    }

    public List<Device> devices(String user) {
        return devices.getOrDefault(user, List.of());
    }

    public boolean isOnline(String user) {
        return !devices(user).isEmpty();
    }

    public Map<String, List<String>> groups() {
        return groups;
    }

    public String largeGroup() {
        return largeGroup;
    }

    /** A user's devices grouped by gateway, device ids sorted: what one downstream record per gateway carries. */
    public Map<String, Set<String>> devicesByGateway(String user, String excludeDevice) {
        return devices(user).stream()
                .filter(d -> !d.deviceId().equals(excludeDevice))
                .collect(Collectors.groupingBy(Device::gatewayId, TreeMap::new,
                        Collectors.mapping(Device::deviceId, Collectors.toCollection(java.util.TreeSet::new))));
    }
}
