#!/usr/bin/env bash
# The house style (.clang-format at the root) holds for every C and C++
# source the repository tracks, except the ABI 1.0 header fixture, kept byte
# for byte. Fails naming each file that differs; `clang-format -i <file>`
# (or `git clang-format` before a commit) mends it.
set -euo pipefail
root=${1:?usage: check-format.sh <source root>}
cd "$root"
command -v clang-format >/dev/null || { echo "FAIL: clang-format is not installed (scripts/install-deps)"; exit 1; }
command -v git >/dev/null && git rev-parse --is-inside-work-tree >/dev/null 2>&1 ||
  { echo "FAIL: $root is not a git work tree: cannot list the tracked sources"; exit 1; }
mapfile -t files < <(git ls-files '*.c' '*.cpp' '*.h' '*.hpp' | grep -v '^tests/fixtures/agents/abi-1\.0/')
[ ${#files[@]} -gt 100 ] || { echo "FAIL: only ${#files[@]} sources found under $root"; exit 1; }
bad=()
for f in "${files[@]}"; do
  [ -f "$f" ] || continue # deleted in the work tree, not yet committed
  clang-format --dry-run -Werror "$f" >/dev/null 2>&1 || bad+=("$f")
done
if [ ${#bad[@]} -gt 0 ]; then
  echo "FAIL: ${#bad[@]} of ${#files[@]} sources are not formatted as .clang-format says:"
  printf '  %s\n' "${bad[@]}"
  exit 1
fi
echo "ok: ${#files[@]} sources formatted"
