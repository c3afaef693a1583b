#!/usr/bin/env bash
# Every check and every test, on Deno, Bun and Node. Runs all steps, then
# exits non-zero if any failed, naming them. The runtimes come from
# node_modules/.bin (npm install).
set -uo pipefail
cd "$(dirname "$0")/.."
bin=node_modules/.bin
failed=()

step() {
  local name=$1
  shift
  echo "::: $name"
  if ! "$@"; then failed+=("$name"); fi
}

step "deno fmt --check" "$bin/deno" fmt --check
step "deno lint" "$bin/deno" lint
step "deno check" "$bin/deno" check mod.ts _cli/ tests/ bench/ scripts/ _web/page/main.ts
step "deno doc --lint" "$bin/deno" doc --lint mod.ts server.ts client.ts protocol.ts
step "deno publish --dry-run" "$bin/deno" publish --dry-run --allow-dirty
# Deno as the servers need it (_cli/child.ts's DENO_ENV; tests/child_test.ts checks this line).
step "tests on Deno, and doc tests" env DENO_TOKIO_MAX_IO_EVENTS_PER_TICK=64 "$bin/deno" test -A --doc
step "tests on Bun" "$bin/bun" test tests/ bench/
step "tests on Node" "$bin/node" --test tests/*_test.ts bench/*_test.ts

if [ ${#failed[@]} -gt 0 ]; then
  printf 'FAILED: %s\n' "${failed[@]}"
  exit 1
fi
echo "All checks and tests passed on Deno, Bun and Node."
