#!/usr/bin/env bash
# Two ECUs, one image (docs/upstream.md, "DDI and Uptane"): the Director
# assigns the same bytes to ecu-1 and ecu-2, once under one target name and
# once under two. One artifact carries both targets, and both devices
# install it (before, the second name was refused as offered no artifact).
# Usage: ddi_shared_image.sh BUILD_DIR
set -euo pipefail
source "$(dirname "$0")/../lib/ddi.sh"
ddi_private_bus "$@"
ddi_setup "$1" conduit-ddi-shared-image
fail() { ddi_fail "$@"; }

mkdir -p agents agent-config images state
sed "s|\"library\": \"|\"library\": \"$agents/|" "$agents/example-ecu.json" > agents/example-ecu.json
echo '{"devices": "ecu-1:brake,ecu-2:brake"}' > agent-config/io.conduit.example.ecu.json
"$bin/conduit-repo" init --repo repo --seed 11 >/dev/null
head -c 300000 /dev/urandom > images/brake-2.img
head -c 300000 /dev/urandom > images/brake-3a.img
cp images/brake-3a.img images/brake-3b.img
for v in 2 3a 3b; do
  "$bin/conduit-repo" add-target --repo repo "images/brake-$v.img" --hardware-id brake --release-counter "${v%[ab]}" >/dev/null
done
"$bin/conduitctl" provision --state state/trust.json \
  --director-root repo/director/metadata/1.root.json --image-root repo/image/metadata/1.root.json >/dev/null
release() { # ECU=TARGET...
  local a
  for a in "$@"; do "$bin/conduit-repo" assign --repo repo --ecu "${a%%=*}" --target "${a#*=}" >/dev/null; done
  "$bin/conduit-repo" sign --repo repo >/dev/null
  rm -rf www.new && "$bin/conduit-repo" publish --repo repo --out www.new >/dev/null
  rm -rf www/director www/image && mkdir -p www && mv www.new/director www.new/image www/
}
release ecu-1=brake-2.img ecu-2=brake-2.img
ddi_start_server --repo www --poll-sleep 00:00:01
ddi_example_conf conduit.conf car-s 'plain_http = true'
ddi_start_host conduit.conf
ctl auto-consent on >/dev/null
noop() { :; }
versions() { ddi_example_versions; }
downloads() { ddi_feedback "$1" | sed 's/.*"server":\[//; s/\].*//; s/},{/}\n{/g' | grep -c '"event":"download"' || true; }

# install VERSION ARTIFACT EXPECTED_VERSIONS: one chunk with one artifact.
install() {
  local action outcome
  action=$(ddi_deploy "{\"controller\":\"car-s\",\"chunks\":[{\"part\":\"brakes\",\"version\":\"$1\",\"artifacts\":[\"$work/images/$2\"]}]}")
  outcome=$(ddi_follow noop)
  [ "$outcome" = success ] || fail "version $1: outcome '$outcome' ($(ctl history | head -1))"
  [ "$(versions)" = "$3" ] || fail "version $1: $(versions)"
  echo "  success: $(versions); $(downloads "$action") download request(s) at the server"
}

echo "== one target name for both ECUs: installed on both"
install 2 brake-2.img "ecu-1=brake-2.img ecu-2=brake-2.img "

echo "== two target names with the same bytes, one artifact: installed on both"
release ecu-1=brake-3a.img ecu-2=brake-3b.img
install 3 brake-3a.img "ecu-1=brake-3a.img ecu-2=brake-3b.img "
echo "PASS"
