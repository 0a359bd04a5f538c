#!/usr/bin/env bash
# Creates the pipeline's fixed topics with the spec's layout (ARCHITECTURE §2): partitions, 3 replicas,
# min.insync.replicas=2, retention, lz4, max.message.bytes 2 MiB: the configs the apps give a topic they create
# themselves (shared-platform TopicProvisioner). Idempotent (--if-not-exists): an existing topic keeps its configs.
# The per-gateway downstream topics (2 replicas, so min.insync.replicas=1) are created by the dispatcher on a
# gateway's first heartbeat. Keep in step with k8s/strimzi/topics.yaml. Runs in the apache/kafka image.
#   BOOTSTRAP          broker list (required)
#   TOPIC_PREFIX       im.topics.prefix of the apps (default empty)
#   REPLICAS           replication factor (default 3)
#   MIN_ISR            min.insync.replicas (default 2), capped at REPLICAS - 1 (at least 1) as the apps cap it
#                      (ImTopicsProperties.minInsyncReplicasFor): acks=all must keep working with one broker down
#   MAX_MESSAGE_BYTES  max.message.bytes (default 2097152, im.topics.max-message-bytes of the apps)
#   CLIENT_CONFIG      admin client properties file (SASL_SSL), optional
set -euo pipefail

: "${BOOTSTRAP:?BOOTSTRAP must name the brokers}"
PREFIX="${TOPIC_PREFIX:-}"
REPLICAS="${REPLICAS:-3}"
MIN_ISR="${MIN_ISR:-2}"
if ((MIN_ISR > REPLICAS - 1)); then MIN_ISR=$((REPLICAS - 1)); fi
if ((MIN_ISR < 1)); then MIN_ISR=1; fi
MAX_MESSAGE_BYTES="${MAX_MESSAGE_BYTES:-2097152}"
KAFKA_BIN="${KAFKA_BIN:-/opt/kafka/bin}"
DAY_MS=86400000

admin=("$KAFKA_BIN/kafka-topics.sh" --bootstrap-server "$BOOTSTRAP")
if [[ -n "${CLIENT_CONFIG:-}" ]]; then admin+=(--command-config "$CLIENT_CONFIG"); fi

# Healthy containers are not yet a cluster: wait until enough brokers have registered to place every replica.
api_versions=("$KAFKA_BIN/kafka-broker-api-versions.sh" --bootstrap-server "$BOOTSTRAP")
if [[ -n "${CLIENT_CONFIG:-}" ]]; then api_versions+=(--command-config "$CLIENT_CONFIG"); fi
for attempt in $(seq 1 60); do
  brokers=$("${api_versions[@]}" 2>/dev/null | grep -c '(id: ' || true)
  ((brokers >= REPLICAS)) && break
  echo "waiting for $REPLICAS brokers ($brokers registered, attempt $attempt)"
  sleep 2
done

# name partitions cleanup retention-days (0: compacted topic, no time retention)
create() {
  local name="$PREFIX$1" partitions="$2" cleanup="$3" days="$4"
  local configs=(--config "cleanup.policy=$cleanup" --config compression.type=lz4 --config "min.insync.replicas=$MIN_ISR"
    --config "max.message.bytes=$MAX_MESSAGE_BYTES")
  if [[ "$days" != 0 ]]; then configs+=(--config "retention.ms=$((days * DAY_MS))"); fi
  "${admin[@]}" --create --if-not-exists --topic "$name" --partitions "$partitions" \
    --replication-factor "$REPLICAS" "${configs[@]}"
  echo "topic $name: $partitions partitions, $REPLICAS replicas, min.insync.replicas=$MIN_ISR, $cleanup"
}

create im-upstream-topic      10 delete 7
create im-routed-topic        10 delete 1
create im-presence-topic      10 delete 7
create im-gateway-topic        1 compact 0
create im-group-topic          3 compact 0
create im-task-topic           5 delete 3
create im-task-topic-retry     5 delete 3   # task-worker's retry topic, laid out like the task topic
create im-trace-topic          3 delete 3   # trace events (issue 15): router, dispatcher, task-worker -> dlq-handler
create im-upstream-topic-dlq   3 delete 14
create im-routed-topic-dlq     3 delete 14
create im-presence-topic-dlq   3 delete 14
create im-task-topic-dlq       3 delete 14
create im-group-topic-dlq      3 delete 14  # task-worker: group records its projection cannot apply

echo "topics ready"
