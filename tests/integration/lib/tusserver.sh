# Starts and stops the tus test server (tests/servers/tus) for scripts and
# the benchmark. Sourced, not run:
#
#   source tests/integration/lib/tusserver.sh
#   tus_start DIR PORT [VAR=VALUE...]   # fault switches: see server.js
#   ... $tus_endpoint (http://127.0.0.1:PORT/files) ...
#   tus_stop
#
# Fails loudly (returns 1 with the reason) when node or the modules are
# missing: run scripts/install-deps.
tus_server_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../servers/tus" && pwd)"

tus_start() {
  local dir=$1 port=$2
  shift 2
  if ! command -v node >/dev/null; then
    echo "tusserver.sh: node (Node.js >= 20.19) not found: install it and run scripts/install-deps" >&2
    return 1
  fi
  if [ ! -f "$tus_server_dir/node_modules/@tus/server/package.json" ]; then
    echo "tusserver.sh: $tus_server_dir/node_modules is missing: run scripts/install-deps" >&2
    return 1
  fi
  mkdir -p "$dir"
  env "$@" node "$tus_server_dir/server.js" --port "$port" --dir "$dir" >"$dir.out" 2>"$dir.log" &
  tus_pid=$!
  local i
  for i in $(seq 1 100); do
    grep -q listening "$dir.out" 2>/dev/null && break
    kill -0 "$tus_pid" 2>/dev/null || break
    sleep 0.1
  done
  if ! grep -q listening "$dir.out" 2>/dev/null; then
    echo "tusserver.sh: the tus server did not start:" >&2
    cat "$dir.log" >&2
    return 1
  fi
  tus_endpoint="http://127.0.0.1:$port/files"
}

tus_stop() {
  if [ -n "${tus_pid:-}" ]; then
    kill "$tus_pid" 2>/dev/null || true
    wait "$tus_pid" 2>/dev/null || true
  fi
  tus_pid=
}
