# syntax=docker/dockerfile:1
# Image of the downstream-dispatcher app. Build context: the repository root, after `./mvnw -DskipTests package`
# (or use infra/build-images.sh, which does both).
ARG JAVA_IMAGE=eclipse-temurin:17-jre

# Stage 1: split the Boot jar into its layers (dependencies change rarely, the application often), so that a
# rebuild after a code change ships only the small application layer.
FROM ${JAVA_IMAGE} AS layers
WORKDIR /build
COPY downstream-dispatcher/target/downstream-dispatcher-0.1.0-SNAPSHOT-exec.jar app.jar
RUN java -Djarmode=tools -jar app.jar extract --layers --launcher --destination extracted

FROM ${JAVA_IMAGE}
# curl only for the HEALTHCHECK (the JRE base image does not promise one).
RUN apt-get update \
 && apt-get install -y --no-install-recommends curl \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 im \
 && useradd --system --uid 10001 --gid im --home-dir /app --no-create-home --shell /usr/sbin/nologin im \
 && mkdir -p /app /var/lib/im/state \
 && chown -R im:im /var/lib/im
WORKDIR /app
COPY --from=layers /build/extracted/dependencies/ ./
COPY --from=layers /build/extracted/spring-boot-loader/ ./
COPY --from=layers /build/extracted/snapshot-dependencies/ ./
COPY --from=layers /build/extracted/application/ ./

# Kafka Streams state (RocksDB) lives here; mount a volume to keep it across restarts (StatefulSet / compose volume).
ENV IM_STREAMS_STATE_DIR=/var/lib/im/state
VOLUME /var/lib/im/state
# Sized for a 512 MB container limit. Kafka Streams keeps RocksDB state off-heap, so the heap gets a smaller
# share of the 512 MB than in the plain apps.
# Serial GC: one or two CPUs and a small heap, where it has the least overhead. Exit on OOM so that the
# orchestrator restarts a clean JVM instead of keeping a half-dead one.
ENV JAVA_OPTS="-XX:MaxRAMPercentage=45 -XX:InitialRAMPercentage=25 -XX:MaxMetaspaceSize=160m \
-XX:ReservedCodeCacheSize=64m -XX:MaxDirectMemorySize=64m -Xss512k -XX:+UseSerialGC \
-XX:+ExitOnOutOfMemoryError -Djava.io.tmpdir=/tmp" \
    SERVER_PORT=8082

USER 10001:10001
EXPOSE 8082
HEALTHCHECK --interval=15s --timeout=3s --start-period=90s --retries=3 \
  CMD curl -fsS "http://localhost:${SERVER_PORT}/actuator/health" > /dev/null || exit 1
# exec: the JVM is PID 1 and gets SIGTERM directly (graceful shutdown of the streams and listeners).
# Arguments given to the container (compose `command`, k8s `args`) are passed to Spring as --key=value.
ENTRYPOINT ["sh", "-c", "exec java $JAVA_OPTS org.springframework.boot.loader.launch.JarLauncher \"$@\"", "downstream-dispatcher"]
