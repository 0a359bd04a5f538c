package io.impipeline.worker.push;

import java.net.http.HttpClient;

import io.impipeline.model.codec.WireJson;
import io.impipeline.worker.settings.WorkerProperties;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.client.JdkClientHttpRequestFactory;
import org.springframework.web.client.ResourceAccessException;
import org.springframework.web.client.RestClient;

/**
 * POSTs each batch as one JSON request to {@code im.worker.push.webhook.url} (Spring {@link RestClient} on the JDK
 * HTTP client, with connect and read timeouts): {@code {"user_ids":[...],"from_user_id","message_id",
 * "conversation_id","title","content","push_type"}}. The answer holds for every user of the batch: 2xx sent; 408
 * and 429 failed (retried, the receiver asks for it); other 4xx rejected for good; 5xx, timeouts and connection
 * errors failed (retried). Each call carries an {@code Idempotency-Key} header, stable per batch
 * ({@link PushBatch#idempotencyKey()}).
 */
public class WebhookPushProvider implements PushProvider {

    static final String IDEMPOTENCY_KEY = "Idempotency-Key";
    private static final int REQUEST_TIMEOUT = 408;
    private static final int TOO_MANY_REQUESTS = 429;

    private final RestClient http;
    private final WorkerProperties.Webhook webhook;

    public WebhookPushProvider(WorkerProperties.Webhook webhook) {
        if (webhook.url() == null) {
            throw new IllegalStateException("im.worker.push.webhook.url is required when im.worker.push.provider=webhook");
        }
        this.webhook = webhook;
        JdkClientHttpRequestFactory factory = new JdkClientHttpRequestFactory(HttpClient.newBuilder()
                .connectTimeout(webhook.connectTimeout()).build());
        factory.setReadTimeout(webhook.readTimeout());
        this.http = RestClient.builder().requestFactory(factory).build();
    }

    @Override
    public String name() {
        return "webhook";
    }

    @Override
    public PushOutcome send(PushBatch batch) {
        return PushOutcome.all(batch, post(batch));
    }

    private PushResult post(PushBatch batch) {
        try {
            HttpStatusCode status = http.post().uri(webhook.url())
                    .contentType(MediaType.APPLICATION_JSON)
                    .headers(h -> {
                        h.set(IDEMPOTENCY_KEY, batch.idempotencyKey());
                        if (webhook.authorization() != null && !webhook.authorization().isBlank()) {
                            h.set("Authorization", webhook.authorization());
                        }
                    })
                    .body(WireJson.toBytes(batch))
                    .exchange((request, response) -> response.getStatusCode());
            return classify(status);
        } catch (ResourceAccessException e) {
            return PushResult.failed("webhook unreachable or timed out: " + e.getMostSpecificCause().getClass()
                    .getSimpleName());
        }
    }

    static PushResult classify(HttpStatusCode status) {
        int code = status.value();
        if (status.is2xxSuccessful()) {
            return PushResult.sent();
        }
        if (status.is4xxClientError() && code != REQUEST_TIMEOUT && code != TOO_MANY_REQUESTS) {
            return PushResult.rejected("webhook answered " + code);
        }
        return PushResult.failed("webhook answered " + code);
    }
}
