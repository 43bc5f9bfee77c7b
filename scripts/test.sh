#!/usr/bin/env bash
# The whole suite: lint, type check, then every test file against a real PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== lint"
npx eslint .
echo "== type check"
npx tsc -p tsconfig.json --noEmit
echo "== PostgreSQL"
node --import tsx scripts/check-postgres.ts

mapfile -t files < <(find packages services cli bench test -name '*.test.ts' -not -path '*/node_modules/*' 2>/dev/null | sort)
echo "== tests (${#files[@]} files)"
node --import tsx --test --test-concurrency=2 --test-timeout=180000 --test-reporter=spec "${files[@]}"
