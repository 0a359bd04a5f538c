#!/usr/bin/env bash
# Example TLS material for the SASL_SSL compose profile, made with keytool only (runs in the apache/kafka image):
# a throw-away CA, one PKCS12 keystore per broker (SAN: kafka-N, localhost) signed by it, and a truststore
# with the CA for brokers and clients. Idempotent: does nothing when the truststore exists. Not for production:
# the brokers' keystores sit in the same volume as the clients' truststore.
set -euo pipefail
OUT="${CERT_DIR:-/certs}"
PASS="${KAFKA_SSL_PASSWORD:?KAFKA_SSL_PASSWORD must be set}"
DAYS=825
[[ -f "$OUT/truststore.p12" ]] && { echo "certificates exist in $OUT"; exit 0; }
mkdir -p "$OUT" && cd "$OUT"

keytool -genkeypair -alias ca -dname "CN=im-pipeline-example-ca" -keyalg RSA -keysize 3072 -validity "$DAYS" \
  -ext bc:c -keystore ca.p12 -storetype PKCS12 -storepass "$PASS" -keypass "$PASS"
keytool -exportcert -rfc -alias ca -keystore ca.p12 -storepass "$PASS" -file ca.pem
keytool -importcert -noprompt -alias ca -file ca.pem -keystore truststore.p12 -storetype PKCS12 -storepass "$PASS"

for n in 1 2 3; do
  ks="kafka-$n.p12"
  keytool -genkeypair -alias broker -dname "CN=kafka-$n" -keyalg RSA -keysize 2048 -validity "$DAYS" \
    -keystore "$ks" -storetype PKCS12 -storepass "$PASS" -keypass "$PASS"
  keytool -certreq -alias broker -keystore "$ks" -storepass "$PASS" -file "kafka-$n.csr"
  keytool -gencert -alias ca -keystore ca.p12 -storepass "$PASS" -infile "kafka-$n.csr" -outfile "kafka-$n.pem" \
    -rfc -validity "$DAYS" -ext "SAN=dns:kafka-$n,dns:localhost" -ext "EKU=serverAuth,clientAuth"
  keytool -importcert -noprompt -alias ca -file ca.pem -keystore "$ks" -storepass "$PASS"
  keytool -importcert -noprompt -alias broker -file "kafka-$n.pem" -keystore "$ks" -storepass "$PASS"
  rm "kafka-$n.csr"
done
# The CA's private key is not kept: every container that mounts the volume would see it.
rm ca.p12
chmod 644 ./*.p12 ./*.pem
echo "certificates written to $OUT"
