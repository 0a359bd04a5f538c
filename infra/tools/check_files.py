#!/usr/bin/env python3
"""Structural checks of infra/ that no off-the-shelf validator covers (run by infra/check).

    python3 check_files.py <infra-dir> <out-dir>

Parses every YAML and JSON file; checks the dashboard (every panel has a datasource and queries) and writes
its PromQL as a rules file to <out-dir>/dashboard-queries.yml, which infra/check hands to promtool (that is
what parses PromQL); checks the Dockerfiles (non-root user, health check, layered jar, port) and the compose
file (services, memory limits, distinct application.server per replica); checks that the two copies of
application-sasl.yml agree. Prints one line per problem and exits 1 if there is any.
"""
import json
import pathlib
import re
import sys

import yaml

APPS = {"upstream-router": 8081, "downstream-dispatcher": 8082, "task-worker": 8083, "dlq-handler": 8084}
COMPOSE_SERVICES = {"kafka-1", "kafka-2", "kafka-3", "kafka-init", "postgres", "upstream-router-1", "upstream-router-2",
                    "downstream-dispatcher-1", "downstream-dispatcher-2", "task-worker", "dlq-handler",
                    "prometheus", "grafana", "jaeger"}
# Grafana variables and macros, replaced by something PromQL accepts before promtool parses the queries.
GRAFANA_SUBSTITUTIONS = [("$__rate_interval", "5m"), ("$__interval", "1m"), ("$__range", "1h"),
                         ("$application", ".*"), ("$instance", ".*")]

problems = []


def problem(where, text):
    problems.append(f"{where}: {text}")


def parse_all(infra):
    parsed = {}
    for path in sorted(infra.rglob("*")):
        if "node_modules" in path.parts or not path.is_file():
            continue
        try:
            if path.suffix in (".yml", ".yaml"):
                parsed[path] = list(yaml.safe_load_all(path.read_text()))
            elif path.suffix == ".json" and path.name != "package-lock.json":
                parsed[path] = json.loads(path.read_text())
        except (yaml.YAMLError, json.JSONDecodeError) as e:
            problem(path.relative_to(infra), f"does not parse: {e}")
    return parsed


def check_dashboard(path, dashboard, out_dir):
    rules = []
    panels = dashboard.get("panels", [])
    if not panels or not dashboard.get("uid") or not dashboard.get("title"):
        problem(path.name, "needs uid, title and panels")
    for panel in panels:
        if panel.get("type") == "row":
            continue
        title = panel.get("title", f"panel {panel.get('id')}")
        if not panel.get("datasource") or not panel.get("targets"):
            problem(path.name, f"panel '{title}' has no datasource or no queries")
        for target in panel.get("targets", []):
            expr = target.get("expr", "")
            if not expr.strip():
                problem(path.name, f"panel '{title}' has an empty query")
                continue
            for variable, value in GRAFANA_SUBSTITUTIONS:
                expr = expr.replace(variable, value)
            if "$" in expr.replace("$labels", ""):
                problem(path.name, f"panel '{title}': unknown variable in {expr}")
            rules.append({"record": f"dashboard:panel{panel.get('id')}:{target.get('refId', 'A')}", "expr": expr})
    wanted = ["throughput", "latency", "lag", "dead letters", "streams", "jvm"]
    titles = " ".join(p.get("title", "").lower() for p in panels)
    for topic in wanted:
        if topic not in titles:
            problem(path.name, f"no panel about {topic}")
    (out_dir / "dashboard-queries.yml").write_text(
        yaml.safe_dump({"groups": [{"name": "dashboard", "rules": rules}]}, sort_keys=False))
    return len(rules)


def check_dockerfiles(infra):
    for app, port in APPS.items():
        where = f"docker/{app}.Dockerfile"
        path = infra / where
        if not path.is_file():
            problem(where, "missing")
            continue
        text = path.read_text()
        users = re.findall(r"^USER\s+(\S+)", text, re.M)
        if not users or users[-1].split(":")[0] in ("root", "0"):
            problem(where, "must end with a non-root USER")
        if not re.search(rf"^HEALTHCHECK .*\n?.*actuator/health", text, re.M):
            problem(where, "needs a HEALTHCHECK on /actuator/health")
        if f"EXPOSE {port}" not in text or f"SERVER_PORT={port}" not in text:
            problem(where, f"must expose and serve port {port}")
        if f"COPY {app}/target/{app}-0.1.0-SNAPSHOT-exec.jar" not in text:
            problem(where, "must copy the app's exec jar")
        if "-Djarmode=tools -jar app.jar extract --layers --launcher" not in text:
            problem(where, "must extract the Boot jar's layers")
        if "MaxRAMPercentage" not in text:
            problem(where, "needs container-aware heap sizing")
        ignore = infra / f"docker/{app}.Dockerfile.dockerignore"
        if not ignore.is_file():
            problem(where, "needs its .dockerignore (the build context is the repository root)")


def check_compose(infra, parsed):
    compose = parsed.get(infra / "docker-compose.yml", [None])[0] or {}
    services = compose.get("services", {})
    missing = COMPOSE_SERVICES - services.keys()
    if missing:
        problem("docker-compose.yml", f"missing services {sorted(missing)}")
    servers = {}
    instances = {}
    for name, service in services.items():
        app = re.sub(r"-\d+$", "", name)
        if app not in APPS:
            continue
        if service.get("mem_limit") != "512m":
            problem("docker-compose.yml", f"{name}: mem_limit must be 512m")
        for arg in service.get("command", []) or []:
            if "im.streams.advertised-host=" in arg:
                servers[name] = arg.split("=", 1)[1]
            if "im.instance-id=" in arg:
                instances[name] = arg.split("=", 1)[1]
    for replica in ("upstream-router-1", "upstream-router-2", "downstream-dispatcher-1", "downstream-dispatcher-2"):
        # application.server (advertised host) and group.instance.id (instance id) must be the replica's own.
        if servers.get(replica) != replica:
            problem("docker-compose.yml", f"{replica}: im.streams.advertised-host must name the replica itself")
        if instances.get(replica) != replica:
            problem("docker-compose.yml", f"{replica}: im.instance-id must name the replica itself")
    kafka_env = services.get("kafka-1", {}).get("environment", {})
    if str(kafka_env.get("KAFKA_MIN_INSYNC_REPLICAS")) != "2" or str(kafka_env.get("KAFKA_DEFAULT_REPLICATION_FACTOR")) != "3":
        problem("docker-compose.yml", "brokers need min.insync.replicas=2 and replication factor 3")
    cluster_id = re.sub(r"^\$\{KAFKA_CLUSTER_ID:-(.*)\}$", r"\1", str(kafka_env.get("CLUSTER_ID", "")))
    if not re.fullmatch(r"[A-Za-z0-9_-]{22}", cluster_id):
        problem("docker-compose.yml", f"CLUSTER_ID {cluster_id!r} is not a base64 UUID (kafka-storage.sh random-uuid)")
    image = services.get("kafka-1", {}).get("image", "")
    if not re.search(r"apache/kafka:\$\{KAFKA_VERSION:-4\.1\.\d+\}", image):
        problem("docker-compose.yml", f"brokers must run the official apache/kafka 4.1 image, not {image}")


def check_sasl_copies(infra):
    original = (infra / "config/application-sasl.yml").read_text().splitlines()
    copy = (infra / "k8s/overlays/prod/application-sasl.yml").read_text().splitlines()[2:]
    if original != copy:
        problem("k8s/overlays/prod/application-sasl.yml", "differs from config/application-sasl.yml")


def main():
    infra = pathlib.Path(sys.argv[1]).resolve()
    out_dir = pathlib.Path(sys.argv[2])
    parsed = parse_all(infra)
    dashboards = [p for p in parsed if p.suffix == ".json" and "dashboards" in p.parts]
    queries = sum(check_dashboard(p, parsed[p], out_dir) for p in dashboards)
    if not dashboards:
        problem("grafana/dashboards", "no dashboard")
    check_dockerfiles(infra)
    check_compose(infra, parsed)
    check_sasl_copies(infra)
    for p in problems:
        print(f"INVALID {p}")
    print(f"{len(parsed)} YAML/JSON files parsed, {len(dashboards)} dashboard(s) with {queries} queries, "
          f"{len(APPS)} Dockerfiles, compose file: {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
