package io.impipeline.launcher;

import java.util.List;

/** One app of the pipeline as the launcher starts it. */
public record AppSpec(String module, String mainClass, int port, boolean usesDatabase, boolean streams) {

    public static final List<AppSpec> ALL = List.of(
            new AppSpec("upstream-router", "io.impipeline.router.UpstreamRouterApplication", 8081, false, true),
            new AppSpec("downstream-dispatcher", "io.impipeline.dispatcher.DownstreamDispatcherApplication", 8082,
                    false, true),
            new AppSpec("task-worker", "io.impipeline.worker.TaskWorkerApplication", 8083, true, false),
            new AppSpec("dlq-handler", "io.impipeline.dlq.DlqHandlerApplication", 8084, true, false));

    public AppSpec withPortOffset(int offset) {
        return new AppSpec(module, mainClass, port + offset, usesDatabase, streams);
    }
}
