package io.impipeline.simulator;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;

import io.impipeline.simulator.DeliveryChecker.DeviceAt;

/**
 * Who exists in a run: gateways, users with their devices, groups.
 * <ul>
 *   <li>Stable users ({@code u-...}) keep their presence for the whole run, so what each of them gets is predicted
 *       exactly: online ones on every device, offline ones one push.</li>
 *   <li>Churning users ({@code c-...}) have a device on the churn gateway (always their first device), which goes
 *       online and offline during the run; the churn gateway drains at half time and dies at three quarters. Every
 *       other churning user also has a device on a stable gateway that stays online. What reaches them depends on
 *       timing, so each message must reach each of them exactly one way: delivered or pushed.</li>
 * </ul>
 * Groups are drawn from both kinds of users.
 */
public final class Population {

    /** A device of a user, connected to a gateway. */
    public record Device(String deviceId, String gatewayId) {

        public DeviceAt at() {
            return new DeviceAt(gatewayId, deviceId);
        }
    }

    private static final int SMALL_GROUP_MIN = 3;
    private static final int SMALL_GROUP_MAX = 20;

    private final String runId;
    private final List<String> gateways = new ArrayList<>();
    private final String churnGateway;
    private final List<String> stableUsers = new ArrayList<>();
    private final List<String> churnUsers = new ArrayList<>();
    private final Set<String> churnUserSet;
    private final Map<String, List<Device>> devices = new LinkedHashMap<>();
    private final Map<String, List<String>> groups = new LinkedHashMap<>();
    private final List<String> smallGroups = new ArrayList<>();
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
            List<Device> list = new ArrayList<>(List.of(new Device(user + "-d1", churnGateway)));
            if (u % 2 == 0) {
                list.add(new Device(user + "-d2", gateways.get(random.nextInt(gateways.size()))));
            }
            devices.put(user, List.copyOf(list));
        }
        churnUserSet = Set.copyOf(churnUsers);
        List<String> everybody = new ArrayList<>(stableUsers);
        everybody.addAll(churnUsers);
        for (int g = 1; g <= s.smallGroups(); g++) {
            int size = s.smallGroupSize() > 0 ? s.smallGroupSize()
                    : SMALL_GROUP_MIN + random.nextInt(SMALL_GROUP_MAX - SMALL_GROUP_MIN + 1);
            String id = "grp-" + runId + "-" + g;
            groups.put(id, sample(everybody, Math.min(size, everybody.size()), random));
            smallGroups.add(id);
        }
        if (s.largeGroupSize() > 0) {
            largeGroup = "grp-" + runId + "-large";
            groups.put(largeGroup, sample(everybody, Math.min(s.largeGroupSize(), everybody.size()), random));
        } else {
            largeGroup = null;
        }
    }

    private static List<String> sample(List<String> from, int n, Random random) {
        List<String> copy = new ArrayList<>(from);
        Collections.shuffle(copy, random);
        return List.copyOf(copy.subList(0, n));
    }

    public String runId() {
        return runId;
    }

    /** The gateways that stay up for the whole run. */
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

    /** The gateway that drains and dies; null without churning users. */
    public String churnGateway() {
        return churnGateway;
    }

    public List<String> stableUsers() {
        return stableUsers;
    }

    public List<String> churnUsers() {
        return churnUsers;
    }

    /** Presence fixed for the whole run. */
    public boolean isStable(String user) {
        return user.startsWith("u-");
    }

    /** Presence changes during the run (a device on the churn gateway). */
    public boolean isChurning(String user) {
        return churnUserSet.contains(user);
    }

    public List<Device> devices(String user) {
        return devices.getOrDefault(user, List.of());
    }

    /** Has at least one device (for churning users: at some time of the run). */
    public boolean isOnline(String user) {
        return !devices(user).isEmpty();
    }

    /** Stable users with devices: the senders, and the "online" recipients. */
    public List<String> onlineStableUsers() {
        return stableUsers.stream().filter(this::isOnline).toList();
    }

    /** Stable users without a device: every message to them is pushed. */
    public List<String> offlineStableUsers() {
        return stableUsers.stream().filter(u -> !isOnline(u)).toList();
    }

    /** Every device of a user, wherever it is. */
    public Set<DeviceAt> devicesAt(String user) {
        return devices(user).stream().map(Device::at).collect(Collectors.toCollection(LinkedHashSet::new));
    }

    /** The devices of a user that are online for the whole run: not on the churn gateway. */
    public Set<DeviceAt> permanentDevicesAt(String user) {
        return devices(user).stream().filter(d -> !d.gatewayId().equals(churnGateway)).map(Device::at)
                .collect(Collectors.toCollection(LinkedHashSet::new));
    }

    public Map<String, List<String>> groups() {
        return groups;
    }

    public List<String> smallGroups() {
        return smallGroups;
    }

    public String largeGroup() {
        return largeGroup;
    }

    /** A user's devices grouped by gateway, device ids sorted. */
    public Map<String, Set<String>> devicesByGateway(String user, String excludeDevice) {
        return devices(user).stream()
                .filter(d -> !d.deviceId().equals(excludeDevice))
                .collect(Collectors.groupingBy(Device::gatewayId, TreeMap::new,
                        Collectors.mapping(Device::deviceId, Collectors.toCollection(TreeSet::new))));
    }
}
