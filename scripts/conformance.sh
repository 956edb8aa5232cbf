#!/usr/bin/env bash
# conformance.sh — run the official MCP conformance suite (server mode) against a running server.
#
#   MCP_URL=http://127.0.0.1:8787/mcp bash scripts/conformance.sh [scenario ...]
#
# MCP_URL must be the /mcp URL of scripts/auth-proxy.mjs placed in front of the app: the suite's
# client sends no Authorization header, the proxy adds `Authorization: Bearer <token>` and
# forwards Host/Origin unchanged. MCP_URL must use a loopback host (127.0.0.1, localhost, [::1]):
# dns-rebinding-protection fails by design on any other host.
#
# Suite: @modelcontextprotocol/conformance, pinned below (0.1.16 = latest stable at the time of
# writing; the 0.2.0 alphas target the unreleased 2026 spec). It needs Node >= 22 (it imports
# fs.globSync), so when the current node is older it is run through `npx -p node@22`.
#
# Scenarios run by default (they make sense against any server, with no test fixtures):
#   server-initialize        initialize + notifications/initialized with the SDK client
#   ping                     `ping` must return {}
#   tools-list               every tool has name, description, inputSchema
#   resources-list           every resource has uri and name
#   prompts-list             every prompt has name and description
#   dns-rebinding-protection POST initialize with Host: evil.example.com /
#                            Origin: http://evil.example.com must get a 4xx, and with
#                            Host: <MCP_URL host:port> / Origin: http://<MCP_URL host:port> a 2xx
# (0.1.16 has no resources-templates-list scenario.)
#
# Not run, because they need the suite's own test fixtures, which this server does not have
# (tools test_simple_text, test_image_content, test_audio_content, test_embedded_resource,
# test_multiple_content_types, test_tool_with_logging, test_error_handling,
# test_tool_with_progress, test_sampling, test_elicitation, test_elicitation_sep1034_defaults,
# test_elicitation_sep1330_enums, test_reconnection; resources test://static-text,
# test://static-binary, test://template/{id}/data; prompts test_simple_prompt,
# test_prompt_with_arguments, test_prompt_with_embedded_resource, test_prompt_with_image),
# or capabilities it does not declare:
#   logging-set-level, completion-complete (no logging/completions capability), tools-call-*,
#   elicitation-sep1034-defaults, elicitation-sep1330-enums, json-schema-2020-12 (pending),
#   resources-read-text, resources-read-binary, resources-templates-read, resources-subscribe,
#   resources-unsubscribe, prompts-get-*.
# Also not run: tools-call-simple-text and tools-call-error "pass" against an SDK McpServer only
# because the unknown-tool error result happens to have text content and isError (they test
# nothing real); server-sse-multiple-streams and server-sse-polling (pending) need sessions and
# stop at a WARNING on a stateless server.
#
# Environment:
#   MCP_URL                    required, e.g. http://127.0.0.1:8787/mcp
#   CONFORMANCE_SCENARIOS      space-separated override of the default list (args override both)
#   CONFORMANCE_TIMEOUT        seconds per scenario (default 120)
#   CONFORMANCE_SETUP_TIMEOUT  seconds for the one-off npx download (default 300)
#   CONFORMANCE_OUTPUT_DIR     where to keep logs and the suite's checks.json (default: a temp dir)
#   CONFORMANCE_FAIL_ON_WARNING=1  also fail a scenario that reports WARNING checks
#
# Exit status: 0 if every scenario passed, 1 if any failed or timed out, 2 on bad usage/setup.
# Last line of output: "conformance: N passed, N failed".
set -euo pipefail

readonly CONFORMANCE_VERSION="0.1.16"
readonly DEFAULT_SCENARIOS="server-initialize ping tools-list resources-list prompts-list dns-rebinding-protection"

die() { echo "conformance: $*" >&2; exit 2; }

[[ -n "${MCP_URL:-}" ]] || die "set MCP_URL to the /mcp URL of the auth proxy, e.g. http://127.0.0.1:8787/mcp"
case "$MCP_URL" in
  http://*|https://*) ;;
  *) die "MCP_URL must be an http(s) URL, got: $MCP_URL" ;;
esac
url_host="${MCP_URL#*://}"; url_host="${url_host%%/*}"; url_host="${url_host%:*}"
case "$url_host" in
  localhost|127.0.0.1|\[::1\]) ;;
  *) echo "conformance: warning: MCP_URL host '$url_host' is not loopback; dns-rebinding-protection will fail" >&2 ;;
esac

timeout_s="${CONFORMANCE_TIMEOUT:-120}"
setup_timeout_s="${CONFORMANCE_SETUP_TIMEOUT:-300}"
fail_on_warning="${CONFORMANCE_FAIL_ON_WARNING:-0}"
[[ "$timeout_s" =~ ^[0-9]+$ && "$setup_timeout_s" =~ ^[0-9]+$ ]] || die "timeouts must be whole seconds"
command -v timeout >/dev/null || die "coreutils 'timeout' not found"
command -v npx >/dev/null || die "npx not found"

if (($# > 0)); then
  scenarios=("$@")
else
  read -r -a scenarios <<<"${CONFORMANCE_SCENARIOS:-$DEFAULT_SCENARIOS}"
fi
((${#scenarios[@]} > 0)) || die "no scenarios to run"

if [[ -n "${CONFORMANCE_OUTPUT_DIR:-}" ]]; then
  out_dir="$CONFORMANCE_OUTPUT_DIR"
  mkdir -p "$out_dir"
else
  out_dir="$(mktemp -d "${TMPDIR:-/tmp}/mcp-conformance.XXXXXX")"
fi

# Node >= 22 is required by the suite; reuse the current node when it is new enough.
npx_args=(-y)
node_major="$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)"
if ((node_major < 22)); then
  npx_args+=(-p node@22)
fi
npx_args+=(-p "@modelcontextprotocol/conformance@${CONFORMANCE_VERSION}")

# npm prints noise such as EBADENGINE warnings while npx installs; keep it out of the results.
export npm_config_update_notifier=false npm_config_fund=false npm_config_audit=false
export NO_COLOR=1 FORCE_COLOR=0

echo "conformance: suite @modelcontextprotocol/conformance@${CONFORMANCE_VERSION} against ${MCP_URL}"
echo "conformance: scenarios: ${scenarios[*]}"
echo "conformance: logs and checks.json in ${out_dir}"

# One-off setup (download into the npx cache) with its own, longer bound; also checks the names.
if ! timeout --kill-after=10 "$setup_timeout_s" \
    npx "${npx_args[@]}" conformance list --server >"$out_dir/list.txt" 2>"$out_dir/setup.log"; then
  tail -n 20 "$out_dir/setup.log" >&2 || true
  die "could not set up the conformance suite (see $out_dir/setup.log)"
fi
grep -q 'Server scenarios' "$out_dir/list.txt" || die "unexpected 'conformance list' output (see $out_dir/list.txt)"
for s in "${scenarios[@]}"; do
  grep -qE "^  - ${s}( |\$)" "$out_dir/list.txt" || die "unknown scenario '$s' in conformance@${CONFORMANCE_VERSION}"
done

passed=0
failed=0
declare -a summary=()
for s in "${scenarios[@]}"; do
  log="$out_dir/$s.log"
  echo
  echo "=== $s ==="
  set +e
  timeout --kill-after=10 "$timeout_s" \
    npx "${npx_args[@]}" conformance server --url "$MCP_URL" --scenario "$s" --output-dir "$out_dir" \
    >"$log" 2>&1
  rc=$?
  set -e
  # Show the suite's own report for this scenario (without npm install noise).
  grep -vE '^npm (warn|notice)' "$log" | sed 's/\x1b\[[0-9;]*m//g' || true

  counts="$(grep -E '^Passed: [0-9]+/[0-9]+, [0-9]+ failed, [0-9]+ warnings' "$log" | tail -n 1 || true)"
  warnings=0
  if [[ "$counts" =~ ([0-9]+)\ warnings ]]; then warnings="${BASH_REMATCH[1]}"; fi

  verdict=PASS
  reason=""
  if ((rc == 124 || rc == 137)); then
    verdict=FAIL; reason="timed out after ${timeout_s}s"
  elif ((rc != 0)); then
    verdict=FAIL; reason="exit code $rc"
  elif [[ -z "$counts" ]]; then
    verdict=FAIL; reason="no result line in output"
  elif [[ "$fail_on_warning" == 1 ]] && ((warnings > 0)); then
    verdict=FAIL; reason="$warnings warning(s) and CONFORMANCE_FAIL_ON_WARNING=1"
  fi
  if [[ "$verdict" == PASS ]]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
  summary+=("$(printf '%-4s %-26s %s%s' "$verdict" "$s" "${counts:-}" "${reason:+ ($reason)}")")
done

echo
echo "=== conformance summary (suite ${CONFORMANCE_VERSION}, ${MCP_URL}) ==="
printf '%s\n' "${summary[@]}"
echo "details: ${out_dir}"
echo "conformance: ${passed} passed, ${failed} failed"
((failed == 0))
