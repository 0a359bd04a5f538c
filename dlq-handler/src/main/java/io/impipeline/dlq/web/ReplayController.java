package io.impipeline.dlq.web;

import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import io.impipeline.platform.web.Operator;
import io.impipeline.dlq.replay.ReplayRequest;
import io.impipeline.dlq.replay.TopicReplayService;
import io.impipeline.dlq.settings.DlqProperties;
import io.impipeline.dlq.store.ReplayJob;
import io.impipeline.platform.web.ApiException;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** Topic-range replays: start, follow, cancel. */
@RestController
@RequestMapping("/api/v1/replays")
public class ReplayController {

    private final TopicReplayService replays;
    private final DlqProperties.Api api;

    public ReplayController(TopicReplayService replays, DlqProperties dlq) {
        this.replays = replays;
        this.api = dlq.api();
    }

    @PostMapping
    public ResponseEntity<ReplayJob> start(@RequestBody Map<String, Object> json,
                                           @RequestHeader(name = Operator.HEADER, required = false) String operator) {
        Operator who = Operator.of(operator);
        ReplayJob job = replays.start(StrictBody.read(json, ReplayRequest.class), who);
        return ResponseEntity.accepted().location(URI.create("/api/v1/replays/" + job.id())).body(job);
    }

    @GetMapping
    public List<ReplayJob> recent(@RequestParam(required = false) Integer limit) {
        int size = limit == null ? api.defaultPageSize() : limit;
        if (size < 1 || size > api.maxPageSize()) {
            throw ApiException.invalidField("limit must be between 1 and " + api.maxPageSize());
        }
        return replays.recent(size);
    }

    @GetMapping("/{id}")
    public ReplayJob progress(@PathVariable UUID id) {
        return replays.find(id).orElseThrow(() -> ApiException.notFound("no topic replay " + id));
    }

    @PostMapping("/{id}/cancel")
    public ReplayJob cancel(@PathVariable UUID id,
                            @RequestHeader(name = Operator.HEADER, required = false) String operator) {
        return replays.cancel(id, Operator.of(operator));
    }
}
