#!/usr/bin/env bash
# One-shot setup of the SASL_SSL example, as the admin super user: the fixed topics (../create-topics.sh), one
# SCRAM user per app and the least-privilege ACLs of docs/infra.md ("ACLs per app"). Idempotent.
# The ids below are the apps' defaults: Kafka Streams application.id of the router im-logic-group (spec) and
# of the dispatcher [prefix]im-dispatcher-group; consumer groups im-task-group, im-task-retry-group,
# im-task-projection-group (task-worker), im-dlq-handler and im-dlq-trace (dlq-handler); transactional ids
# task-worker-<instance>-. im-trace-topic (issue 15): written by the router, dispatcher and task-worker inside their
# exactly-once transactions, read read_committed by the dlq-handler.
set -euo pipefail
: "${BOOTSTRAP:?}" "${KAFKA_ADMIN_PASSWORD:?}" "${KAFKA_SSL_PASSWORD:?}"
P="${TOPIC_PREFIX:-}"
BIN=/opt/kafka/bin
CLIENT_CONFIG=/tmp/admin.properties
cat > "$CLIENT_CONFIG" <<PROPS
security.protocol=SASL_SSL
sasl.mechanism=SCRAM-SHA-512
sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="$KAFKA_ADMIN_PASSWORD";
ssl.truststore.type=PKCS12
ssl.truststore.location=/certs/truststore.p12
ssl.truststore.password=$KAFKA_SSL_PASSWORD
PROPS
export CLIENT_CONFIG
bash "$(dirname "$0")/../create-topics.sh"

user() {  # name password
  "$BIN/kafka-configs.sh" --bootstrap-server "$BOOTSTRAP" --command-config "$CLIENT_CONFIG" --alter \
    --entity-type users --entity-name "$1" --add-config "SCRAM-SHA-512=[iterations=8192,password=$2]"
}
allow() {  # principal operation resource-args...
  local who="$1" op="$2"; shift 2
  "$BIN/kafka-acls.sh" --bootstrap-server "$BOOTSTRAP" --command-config "$CLIENT_CONFIG" --add \
    --allow-principal "User:$who" --operation "$op" "$@" > /dev/null
}
streams_app() {  # principal application.id: internal topics, consumer group, exactly-once transactions
  local who="$1" id="$2"
  allow "$who" All --topic "$id" --resource-pattern-type prefixed
  allow "$who" Read --group "$id" --resource-pattern-type prefixed
  allow "$who" Write --transactional-id "$id" --resource-pattern-type prefixed
  allow "$who" Describe --transactional-id "$id" --resource-pattern-type prefixed
}

user upstream-router "${ROUTER_KAFKA_PASSWORD:?}"
user downstream-dispatcher "${DISPATCHER_KAFKA_PASSWORD:?}"
user task-worker "${WORKER_KAFKA_PASSWORD:?}"
user dlq-handler "${DLQ_KAFKA_PASSWORD:?}"

# upstream-router: reads upstream and the group table, writes routed, tasks, its DLQ and trace events (from two
# sub-topologies, both through the stream threads' transactional producers: one grant).
for t in im-upstream-topic im-group-topic; do allow upstream-router Read --topic "$P$t"; done
for t in im-routed-topic im-task-topic im-upstream-topic-dlq im-trace-topic; do
  allow upstream-router Write --topic "$P$t"
done
streams_app upstream-router "${ROUTER_APPLICATION_ID:-im-logic-group}"

# downstream-dispatcher: reads routed, presence, heartbeats; creates and writes one topic per gateway; trace events.
for t in im-routed-topic im-presence-topic im-gateway-topic; do allow downstream-dispatcher Read --topic "$P$t"; done
for t in im-task-topic im-routed-topic-dlq im-presence-topic-dlq im-trace-topic; do
  allow downstream-dispatcher Write --topic "$P$t"
done
for op in Create Write Describe; do
  allow downstream-dispatcher "$op" --topic "${P}im-downstream-topic-" --resource-pattern-type prefixed
done
streams_app downstream-dispatcher "${DISPATCHER_APPLICATION_ID:-${P}im-dispatcher-group}"

# task-worker: reads tasks and groups, writes fan-out records, its DLQs (tasks, group records its projection cannot
# apply) and trace events; its retry topic (created, written and read by itself); transactions for
# consume-process-produce; three consumer groups under the im-task- prefix.
for t in im-task-topic im-group-topic; do allow task-worker Read --topic "$P$t"; done
for t in im-routed-topic im-task-topic-dlq im-group-topic-dlq im-trace-topic; do allow task-worker Write --topic "$P$t"; done
for op in Create Read Write Describe; do allow task-worker "$op" --topic "${P}im-task-topic-retry"; done
allow task-worker Read --group im-task- --resource-pattern-type prefixed
allow task-worker Write --transactional-id task-worker --resource-pattern-type prefixed
allow task-worker Describe --transactional-id task-worker --resource-pattern-type prefixed

# dlq-handler: reads every DLQ, writes replays back to the original topics; reads the trace topic into its
# trace store (group im-dlq-trace, im.dlq.trace.group-id).
# It subscribes by pattern (every *-dlq): a DLQ topic it may not Describe is invisible to it, so each is listed.
for t in im-upstream-topic-dlq im-routed-topic-dlq im-presence-topic-dlq im-task-topic-dlq im-group-topic-dlq \
  im-trace-topic; do
  allow dlq-handler Read --topic "$P$t"
done
for t in im-upstream-topic im-routed-topic im-presence-topic im-task-topic; do allow dlq-handler Write --topic "$P$t"; done
allow dlq-handler Read --group im-dlq-handler
allow dlq-handler Read --group im-dlq-trace

"$BIN/kafka-acls.sh" --bootstrap-server "$BOOTSTRAP" --command-config "$CLIENT_CONFIG" --list | grep -c "User:" \
  | xargs echo "ACL entries:"
