# Sourced by bench/trace-store-sql and bench/trace-store-json: a throw-away PostgreSQL cluster for pgbench runs of the
# dlq-handler's trace store. Needs $bin (Debian's postgresql binaries: initdb, pg_ctl, psql, pgbench).
# start_cluster NAME PORT: a cluster in a new /tmp/NAME.* directory ($work), stopped and removed at exit.
# migrated_db DB N: database DB with the dlq-handler's migrations V1..VN.
# pgbench_tps DB SCRIPT SECONDS: transactions per second of one client running SCRIPT; exits when pgbench fails.
migrations=dlq-handler/src/main/resources/db/migration

as_pg() { if [[ $(id -u) == 0 ]]; then su postgres -s /bin/bash -c "$*"; else bash -c "$*"; fi; }

start_cluster() {
  [[ -x "$bin/pgbench" && -x "$bin/initdb" ]] \
    || { echo "needs pgbench and initdb in $bin (apt-get install postgresql)" >&2; exit 2; }
  work=$(mktemp -d "/tmp/$1.XXXXXX")
  port=$2
  [[ $(id -u) == 0 ]] && chown postgres: "$work"
  trap stop_cluster EXIT
  as_pg "$bin/initdb -D $work/data -A trust -U postgres" >/dev/null
  as_pg "$bin/pg_ctl -D $work/data -o '-p $port -k $work' -l $work/log -w start" >/dev/null
}

stop_cluster() {
  as_pg "$bin/pg_ctl -D $work/data -m immediate stop" >/dev/null 2>&1 || true
  rm -rf "$work"
}

psql() { "$bin/psql" -q -h "$work" -p "$port" -U postgres -v ON_ERROR_STOP=1 "$@"; }

migrated_db() {
  psql -c "CREATE DATABASE $1"
  local f
  for f in $(printf '%s\n' "$migrations"/V*__*.sql | sort -V); do
    local v=${f##*/V}
    (( ${v%%__*} <= $2 )) && psql -d "$1" -f "$f"
  done
  return 0
}

pgbench_tps() {
  local out tps
  out=$("$bin/pgbench" -n -h "$work" -p "$port" -U postgres -c1 -T "$3" -f "$2" "$1" 2>&1) || true
  tps=$(awk '/^tps/ {print $3}' <<<"$out")
  [[ -n "$tps" ]] || { echo "pgbench failed on $1:" >&2; grep -iE "error|abort" <<<"$out" >&2; exit 1; }
  echo "$tps"
}
