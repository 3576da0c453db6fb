# Sourced by the power-cut and disk-full tests: the 3-device campaign (gw-1
# in phase 0, ecu-1 and ecu-2 in phase 1, all on the example-ECU agent in
# real runners) in $work, and run_host/fs_host to start powercut_host on a
# state dir, without or with the file-system fault shim (tests/faultfs).
# Needs: build, work. Sets: host, runner, shim.
host=$build/tests/integration/campaign/powercut_host
runner=$build/libexec/conduit/conduit-agent-runner
shim=$build/tests/faultfs/faultfs.so

mkdir -p "$work/agents" "$work/agent-config" "$work/payloads"
sed "s|\"library\": \"|\"library\": \"$build/lib/conduit/agents/|" "$build/lib/conduit/agents/example-ecu.json" > "$work/agents/example-ecu.json"
echo '{"devices": "gw-1:gateway,ecu-1:brake,ecu-2:brake"}' > "$work/agent-config/io.conduit.example.ecu.json"
targets=""
for dev in gw-1:gateway:0 ecu-1:brake:1 ecu-2:brake:1; do
  IFS=: read -r id hw phase <<< "$dev"
  head -c $((200000 + RANDOM)) /dev/urandom > "$work/payloads/$id.img"
  len=$(stat -c %s "$work/payloads/$id.img")
  sha=$(openssl dgst -sha256 -r "$work/payloads/$id.img" | cut -d' ' -f1)
  [ -n "$targets" ] && targets+=","
  targets+="{\"device\":\"$id\",\"hardware_id\":\"$hw\",\"target\":\"$id.img\",\"version\":\"2.0.0\",\"sha256\":\"$sha\",\"length\":\"$len\",\"phase\":$phase}"
done
echo "{\"id\":\"powercut-1\",\"name\":\"power-cut harness\",\"targets\":[$targets]}" > "$work/campaign.json"

run_host() { # state-dir [extra args]; the host's log goes to state-dir.log
  local st=$1; shift
  timeout 60 "$host" --state "$st" --agents "$work/agents" --agent-config "$work/agent-config" --runner "$runner" \
    --campaign "$work/campaign.json" --payloads "$work/payloads" "$@" 2>>"$st.log"
}

# run_host under the shim: fs_host state-dir [FAULTFS_X=... ...] -- [extra args].
# It counts the calls on the state dir, host and runners in one sequence
# (state-dir.counter); FAULTFS_PATH may be narrowed by the caller.
fs_host() {
  local st=$1; shift
  local vars=()
  while [ "$1" != -- ]; do vars+=("$1"); shift; done; shift
  mkdir -p "$st"
  rm -f "$st.counter"
  # (the host must be the first process to load the shim: a runner's cut
  # kills it, so timeout goes outside)
  timeout 60 env LD_PRELOAD="$shim" ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" \
    FAULTFS_PATH="$st/*:$st" FAULTFS_COUNTER="$st.counter" "${vars[@]}" "$host" --state "$st" --agents "$work/agents" \
    --agent-config "$work/agent-config" --runner "$runner" --campaign "$work/campaign.json" --payloads "$work/payloads" \
    "$@" 2>>"$st.log"
}

# The report of a state dir: "devices …", "outcome …" (newest history
# entry), "history N", "flagged …", "step …".
report() { run_host "$1" --report 2>/dev/null; }
field() { sed -n "s/^$1 //p" <<< "$2"; }
