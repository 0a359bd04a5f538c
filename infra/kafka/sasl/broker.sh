#!/usr/bin/env bash
# Starts one KRaft node (broker + controller) of the SASL_SSL example. The image's env-based configuration
# cannot bootstrap SCRAM credentials, and brokers must authenticate to each other before anyone can create a
# user, so the admin credential goes into the metadata at format time (kafka-storage format --add-scram).
# Listeners: INTERNAL (apps, inter-broker) and HOST (localhost) SASL_SSL with SCRAM-SHA-512; CONTROLLER mutual
# TLS (SCRAM is not available to controllers before the metadata is loaded). ACLs: StandardAuthorizer, deny
# by default; super users: admin and the brokers' certificate names.
set -euo pipefail
: "${NODE_ID:?}" "${HOST_PORT:?}" "${CLUSTER_ID:?}" "${KAFKA_ADMIN_PASSWORD:?}" "${KAFKA_SSL_PASSWORD:?}"
CONFIG="${CONFIG:-/tmp/server.properties}"
KAFKA_BIN="${KAFKA_BIN:-/opt/kafka/bin}"
cat > "$CONFIG" <<PROPS
node.id=$NODE_ID
process.roles=broker,controller
controller.quorum.voters=1@kafka-1:9093,2@kafka-2:9093,3@kafka-3:9093
controller.listener.names=CONTROLLER
inter.broker.listener.name=INTERNAL
listeners=INTERNAL://:9092,CONTROLLER://:9093,HOST://:$HOST_PORT
advertised.listeners=INTERNAL://kafka-$NODE_ID:9092,HOST://localhost:$HOST_PORT
listener.security.protocol.map=INTERNAL:SASL_SSL,HOST:SASL_SSL,CONTROLLER:SSL
log.dirs=/var/lib/kafka/data

sasl.enabled.mechanisms=SCRAM-SHA-512
sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512
listener.name.internal.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="$KAFKA_ADMIN_PASSWORD";
listener.name.host.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;

ssl.keystore.type=PKCS12
ssl.keystore.location=/certs/kafka-$NODE_ID.p12
ssl.keystore.password=$KAFKA_SSL_PASSWORD
ssl.key.password=$KAFKA_SSL_PASSWORD
ssl.truststore.type=PKCS12
ssl.truststore.location=/certs/truststore.p12
ssl.truststore.password=$KAFKA_SSL_PASSWORD
listener.name.controller.ssl.client.auth=required
ssl.principal.mapping.rules=RULE:^CN=(kafka-[0-9]+)$/\$1/,DEFAULT

authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
allow.everyone.if.no.acl.found=false
super.users=User:admin;User:kafka-1;User:kafka-2;User:kafka-3

auto.create.topics.enable=false
default.replication.factor=3
min.insync.replicas=2
offsets.topic.replication.factor=3
transaction.state.log.replication.factor=3
transaction.state.log.min.isr=2
group.initial.rebalance.delay.ms=0
PROPS
"$KAFKA_BIN/kafka-storage.sh" format --ignore-formatted --cluster-id "$CLUSTER_ID" --config "$CONFIG" \
  --add-scram "SCRAM-SHA-512=[name=admin,password=$KAFKA_ADMIN_PASSWORD]"
exec "$KAFKA_BIN/kafka-server-start.sh" "$CONFIG"
