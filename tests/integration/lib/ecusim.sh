# The ECU simulator for shell tests and the demo (source after ddi.sh):
#   ecusim_start CONFIG STATE_DIR [conduit-ecusim options...]
# starts conduit-ecusim on 127.0.0.1 (ports picked by the kernel), its log
# in ecusim.log, and sets ecusim_pid and ecusim_port (the DoIP TCP port).
ecusim_start() {
  local config=$1 state=$2
  shift 2
  : > ecusim.out
  "$bin/conduit-ecusim" --config "$config" --state-dir "$state" --bind 127.0.0.1 --port 0 --udp-port 0 "$@" \
    > ecusim.out 2>> ecusim.log &
  ecusim_pid=$!
  ddi_wait_for 10 "conduit-ecusim listening" _ecusim_listening
  ecusim_port=$(sed -n 's/^listening tcp=\([0-9]*\).*/\1/p' ecusim.out)
}
_ecusim_listening() {
  kill -0 "$ecusim_pid" 2>/dev/null || ddi_fail "conduit-ecusim exited: $(tail -3 ecusim.log)"
  grep -q '^listening tcp=' ecusim.out
}

# ecusim_image VERSION SEED FORMAT OUT: an application image as an ECU's
# would be (its version inside, "CNDT-SWV:<version>"), 48 KiB at 0x10000,
# as Intel HEX (ihex) or Motorola S-record (srec).
ecusim_image() {
  local bin_file=$4.bin
  { printf 'CNDT-SWV:%s\0' "$1"; head -c $((48 << 10)) /dev/urandom; } > "$bin_file"
  objcopy -I binary -O "$3" --change-addresses 0x10000 "$bin_file" "$4"
  rm -f "$bin_file"
}
