#!/usr/bin/env bash
# DDI authentication with a real conduitd against conduit-devserver on
# loopback: the right TargetToken and GatewayToken work, a wrong token is
# refused with a reason in the host's log and the host backs off (then
# recovers once the server accepts its token); mutual TLS with the right
# client certificate works, one from another CA fails the server's
# handshake, and a server certificate from another CA fails the host's CA
# pinning. Each case checks what the server saw and what the host reported.
# The foreign CA and its certificates are made here with openssl.
# Usage: ddi_auth.sh BUILD_DIR
set -euo pipefail
source "$(dirname "$0")/../lib/ddi.sh"
ddi_private_bus "$@"
ddi_setup "$1" conduit-ddi-auth
# Log lines carry the seconds since the process started: the host's backoff
# is measured on its own clock.
export QT_MESSAGE_PATTERN='[%{time process}] %{if-category}%{category}: %{endif}%{message}'

ddi_example_vehicle
ddi_example_repo 23 2 3 4 5
fail() { ddi_fail "$@"; }
conf() { # DDI_LINE...: conduit.conf for car-9 at $server, consent by policy
  ddi_example_conf conduit.conf car-9 "$@"
  printf '[campaign]\nauto_consent_download = true\nauto_consent_install = true\n' >> conduit.conf
}
stats() { curl -sf "$admin/admin/stats"; }
# Requests the server answered on the vehicle's DDI resources (not /repo, not /admin).
vehicle_requests() { stats | grep -o '"/DEFAULT/controller/v1/car-9[^"]*":{[^}]*}' | sed -n 's/.*"requests":\([0-9]*\).*/\1/p' | awk '{n += $1} END {print n + 0}'; }
answered() { stats | sed -n "s/.*\"byStatus\":{[^}]*\"$1\":\([0-9]*\).*/\1/p" | grep . || echo 0; }
noop() { :; }
# campaign VERSION ACTION: the host installs it; the server saw closed/success.
campaign() {
  local outcome
  outcome=$(ddi_follow noop 90)
  [ "$outcome" = success ] || fail "version $1: campaign outcome '$outcome'"
  [ "$(ddi_example_versions)" = "ecu-1=ecu-1-$1.img gw-1=gw-1-$1.img " ] || fail "version $1: devices $(ddi_example_versions)"
  ddi_feedback_records "$2" | grep '"channel":"deployment"' | grep -q '"execution":"closed","result":{"finished":"success"}' \
    || fail "version $1: the server saw no closed/success: $(ddi_feedback "$2")"
}
host_log_has() { ddi_host_log | grep -q "$1"; }
count_in_host_log() { ddi_host_log | grep -c "$1" || true; }
# When (ms since start) the host logged the Nth line matching $2.
logged_at_ms() { ddi_host_log | grep "$2" | sed -n "$1"'s/^\[ *\([0-9]*\)\.\([0-9]*\)\].*/\1\2/p'; }

# token_campaign VERSION CONF-LINE: the host with that token installs VERSION, and no request was refused.
token_campaign() {
  conf 'plain_http = true' "$2"
  ddi_example_release "$1"
  ddi_start_host conduit.conf
  action=$(ddi_example_deploy car-9 "$1")
  campaign "$1" "$action"
  [ "$(answered 401)" = 0 ] || fail "the server answered 401 $(answered 401) times"
  echo "  version $1 installed; the server answered no 401"
}

echo "== TargetToken: the right token works"
ddi_example_release 2
ddi_start_server --repo www --poll-sleep 00:00:01 --target-token car-9=tok-car-9
token_campaign 2 'target_token = tok-car-9'

echo "== GatewayToken: the tenant-wide token works"
ddi_stop_host
curl -sf -X POST "$admin/admin/settings" -d '{"gatewayToken":"gw-tenant","targetTokens":{}}' >/dev/null
curl -sf -X DELETE "$admin/admin/stats" >/dev/null
token_campaign 3 'gateway_token = gw-tenant'

echo "== a wrong token: refused, the reason in the host's log, polls back off; recovers once the server accepts it"
ddi_stop_host
curl -sf -X POST "$admin/admin/settings" -d '{"gatewayToken":"","targetTokens":{"car-9":"tok-car-9"}}' >/dev/null
curl -sf -X DELETE "$admin/admin/stats" >/dev/null
conf 'plain_http = true' 'target_token = tok-stale'
ddi_example_release 4
action=$(ddi_example_deploy car-9 4)
refused='server refused our credentials (HTTP 401)'
ddi_start_host conduit.conf
ddi_wait_for 20 "refusal in the host's log" host_log_has "$refused"
echo "  host: $(ddi_host_log | grep -o "$refused.*" | head -1)"
two_refusals() { [ "$(count_in_host_log "$refused")" -ge 2 ]; }
ddi_wait_for 30 "second poll after the refusal" two_refusals
gap=$(( 10#$(logged_at_ms 2 "$refused") - 10#$(logged_at_ms 1 "$refused") ))
# The first retry comes 5..10 s later (docs/upstream.md: capped backoff with jitter).
[ "$gap" -ge 4000 ] || fail "the host polled again $gap ms after a 401: no backoff"
[ "$(answered 401)" = "$(count_in_host_log "$refused")" ] \
  || fail "the server answered 401 $(answered 401) times, the host logged $(count_in_host_log "$refused") refusals"
[ "$(vehicle_requests)" = "$(answered 401)" ] || fail "$(vehicle_requests) DDI requests for $(answered 401) refusals: requests past a 401"
ddi_feedback "$action" | grep -q '"feedback":\[\]' || fail "feedback reached the action without a valid token: $(ddi_feedback "$action")"
echo "  two polls, both refused ($((gap / 1000)) s apart); nothing reached action $action"
# The driver's and the workshop's tools see it too, not only the log.
status=$(ctl status | grep '^server: ' || true)
grep -qF "server: error: $refused" <<< "$status" || fail "conduitctl status does not show the refusal: ${status:-(no server line)}"
echo "  conduitctl status: $status"
curl -sf -X POST "$admin/admin/settings" -d '{"targetTokens":{"car-9":"tok-stale"}}' >/dev/null
campaign 4 "$action"
[ "$(ctl status | grep '^server: ')" = "server: ok" ] || fail "conduitctl status after the token was accepted: $(ctl status | grep '^server: ')"
echo "  once the server accepted the token, version 4 installed at the next poll; conduitctl status: server: ok"

echo "== mutual TLS: the vehicle's certificate from the fleet CA works"
ddi_stop_host
ddi_stop_server
"$bin/conduit-devserver" --make-test-pki pki --client-cn car-9 >/dev/null
tls_server() { # CERT KEY
  ddi_start_server --repo www --poll-sleep 00:00:01 --tls-cert "$1" --tls-key "$2" --client-ca pki/ca.pem --admin-port 0
  case "$server" in https://127.0.0.1:*) ;; *) fail "not an HTTPS server: $server" ;; esac
}
tls_server pki/server.pem pki/server.key
conf 'ca_file = pki/ca.pem' 'cert_file = pki/client.pem' 'key_file = pki/client.key'
ddi_example_release 5
ddi_start_host conduit.conf
action=$(ddi_example_deploy car-9 5)
campaign 5 "$action"
! ddi_server_log | grep -q 'client certificate refused' || fail "the server refused a client certificate: $(ddi_server_log | grep refused)"
stats | grep -q '"filename":"gw-1-5.img"[^}]*"requests":[1-9]' || fail "gw-1-5.img was not downloaded from the TLS server: $(stats)"
echo "  version 5 installed over HTTPS (DDI, both Uptane repositories, artifacts)"

# A certificate authority the fleet does not know, with a client and a
# server certificate of its own.
mkdir -p other
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=other-ca \
  -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign -keyout other/ca.key -out other/ca.pem 2>/dev/null
issue() { # NAME CN EXTENSIONS
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$2" -keyout "other/$1.key" -out "other/$1.csr" 2>/dev/null
  printf '%b' "$3" > "other/$1.ext"
  openssl x509 -req -in "other/$1.csr" -CA other/ca.pem -CAkey other/ca.key -set_serial "0x$(openssl rand -hex 8)" \
    -days 2 -extfile "other/$1.ext" -out "other/$1.pem" 2>/dev/null
}
issue client car-9 'extendedKeyUsage=clientAuth\n'
issue server 127.0.0.1 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n'

# tls_refused WHAT: the host reports a failed poll and the server answered
# nothing on DDI; sets reason (what the host logged).
tls_refused() {
  ddi_wait_for 20 "failed poll in the host's log" host_log_has 'poll failed'
  reason=$(ddi_host_log | grep -o 'poll failed.*' | head -1)
  echo "  host: $reason"
  [ "$(vehicle_requests)" = 0 ] || fail "$1: the server answered $(vehicle_requests) DDI requests"
  ddi_feedback "$action" | grep -q '"feedback":\[\]' || fail "$1: feedback reached the action: $(ddi_feedback "$action")"
}

echo "== mutual TLS: a client certificate from another CA fails the server's handshake"
ddi_stop_host
curl -sf -X DELETE "$admin/admin/stats" >/dev/null
conf 'ca_file = pki/ca.pem' 'cert_file = other/client.pem' 'key_file = other/client.key'
action=$(ddi_example_deploy car-9 5)
ddi_start_host conduit.conf
tls_refused "foreign client certificate"
grep -q 'the server refused our client certificate' <<< "$reason" || fail "the host does not say its certificate was refused: $reason"
ddi_server_log | grep -q 'client certificate refused' || fail "the server did not refuse the certificate: $(ddi_server_log | tail -5)"
echo "  server: $(ddi_server_log | grep -o 'client certificate refused.*' | head -1)"

echo "== CA pinning: a server certificate from another CA fails the host's handshake"
ddi_stop_host
ddi_stop_server
tls_server other/server.pem other/server.key
conf 'ca_file = pki/ca.pem' 'cert_file = pki/client.pem' 'key_file = pki/client.key'
action=$(ddi_example_deploy car-9 5)
ddi_start_host conduit.conf
tls_refused "server certificate from another CA"
grep -q 'SSL handshake failed: The issuer certificate .* could not be found: .*check \[ddi\] ca_file' <<< "$reason" \
  || fail "the host does not say the server's certificate is not from its CA (with the setting to check): $reason"
echo
echo "ddi auth: 6 passed, 0 failed"
ok=1
