#!/usr/bin/env bash
# The offline part of the PR gate, callable from any CI: preview and check dev and prod on the head (this
# checkout) and on the base commit, then `ecomart diff` them. No cloud credentials are used or needed.
#
#   scripts/ci/pr-report.sh BASE_SHA [OUT_DIR]
#
# Writes OUT_DIR (default build/pr): head-<stack>.json, base-<stack>.json, <stack>.sarif (the head's findings),
# diff.md (job summary / PR comment) and diff.json. Exit status: ecomart diff's (0, 1 when the head adds a
# mandatory violation, 2 on bad input).
set -euo pipefail

base_sha="${1:?usage: scripts/ci/pr-report.sh BASE_SHA [OUT_DIR]}"
out="${2:-build/pr}"
stacks=(dev prod)
root="$(pwd)"
py="$root/.venv/bin/python"
mkdir -p "$out"
out="$(cd "$out" && pwd)"

tree="$out/base-tree"
rm -rf "$tree"
git worktree prune
git worktree add --detach --quiet "$tree" "$base_sha"
trap 'git -C "$root" worktree remove --force "$tree" >/dev/null 2>&1 || true' EXIT

diff_args=()
for stack in "${stacks[@]}"; do
  echo "== $stack: head"
  "$py" -m ecomart preview --stack "$stack" --no-check --out "$out/head-$stack.json" > "$out/head-$stack.log"
  "$py" -m ecomart check --export "$out/head-$stack.json" --stack "$stack" --format sarif \
    --output "$out/$stack.sarif" || true   # findings are reported by the diff and SARIF; the diff decides the exit
  echo "== $stack: base ($base_sha)"
  # The base commit's own code, with this checkout's pinned virtualenv (-m puts the base tree first on sys.path).
  (cd "$tree" && "$py" -m ecomart preview --stack "$stack" --no-check --out "$out/base-$stack.json") \
    > "$out/base-$stack.log"
  diff_args+=(--base "$out/base-$stack.json" --head "$out/head-$stack.json" --stack "$stack")
done

"$py" -m ecomart diff "${diff_args[@]}" --format json --output "$out/diff.json" || true
set +e
"$py" -m ecomart diff "${diff_args[@]}" --format markdown --output "$out/diff.md"
status=$?
set -e
echo "wrote $out/diff.md (ecomart diff exit $status)"
exit "$status"
