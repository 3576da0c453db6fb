#!/usr/bin/env bash
# The HMI's texts: every one translated in German (also the ones added to
# the QML since the .ts files were last updated), plural forms for English,
# and no displayed text glued together with "+" (word order differs by
# language: use qsTr("… %1 …").arg(…)).
# Usage: i18n_check.sh HMI_SOURCE_DIR LUPDATE
set -euo pipefail
hmi=$1
lupdate=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
status=0

for lang in de en; do
  cp "$hmi/i18n/conduit-hmi_$lang.ts" "$work/$lang.ts"
  "$lupdate" -silent -no-obsolete -locations none "$hmi/qml" -ts "$work/$lang.ts" >/dev/null
  # lupdate marks new or changed texts unfinished; German needs every text,
  # English the plural forms (numerus) only.
  if [ "$lang" = de ]; then
    missing=$(grep -c 'type="unfinished"' "$work/$lang.ts" || true)
  else
    missing=$(grep -A3 'numerus="yes"' "$work/$lang.ts" | grep -c 'type="unfinished"' || true)
  fi
  if [ "$missing" != 0 ]; then
    echo "FAIL: $missing untranslated text(s) in conduit-hmi_$lang.ts (run ninja update_translations, then translate):"
    grep -B4 'type="unfinished"' "$work/$lang.ts" | grep '<source>' | sed 's/^/  /' | head -20
    status=1
  fi
  if diff -q <(grep -v '^\s*$' "$hmi/i18n/conduit-hmi_$lang.ts") <(grep -v '^\s*$' "$work/$lang.ts") >/dev/null; then :; else
    echo "FAIL: conduit-hmi_$lang.ts is not up to date with the QML (run ninja update_translations)"
    diff <(grep -v '^\s*$' "$hmi/i18n/conduit-hmi_$lang.ts") <(grep -v '^\s*$' "$work/$lang.ts") | head -20
    status=1
  fi
done

if grep -nE 'qsTr\([^()]*\)[[:space:]]*\+|\+[[:space:]]*qsTr\(|(text|title|label):.*("[[:space:]]+\+|\+[[:space:]]+")' "$hmi"/qml/*.qml "$hmi"/qml/*.js; then
  echo "FAIL: text built by concatenation (above); use qsTr(\"… %1 …\").arg(…)"
  status=1
fi
[ "$status" = 0 ] && echo "i18n: all texts translated, no concatenation"
exit "$status"
