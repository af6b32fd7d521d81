#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# check-flags.sh: every object of the product was compiled with the hardening flags.
#
#   scripts/check-flags.sh BUILD_DIR/compile_commands.json
#
# A static binary cannot show this itself: static glibc brings __stack_chk_fail whether or not
# our code uses the canary, so `nm` proves nothing (tested). The compile commands can. For each
# object of unroot_core, unroot and unroot-musl it checks:
#   -Werror -fno-exceptions -fno-rtti      the error model of src/ (README, Contributing)
#   -fstack-protector-strong               canaries on functions with arrays or address-taken locals
#   -fstack-clash-protection               stack probes, so a large frame cannot jump a guard page
#   -D_GLIBCXX_ASSERTIONS                  bounds checks in std::string, vector, span, ...
#   -fcf-protection (x86-64)               CET endbr/shadow-stack markings
#   an optimisation level other than -O0   _FORTIFY_SOURCE needs one
#   -D_FORTIFY_SOURCE=2 or 3 as the last   checked libc calls (glibc objects only: musl has no
#     _FORTIFY_SOURCE setting              fortified functions, so there it would prove nothing)
# Exit status: 0 all objects pass; 1 a flag is missing or no product object was found; 2 usage.
set -euo pipefail

if [[ $# -ne 1 || ! -f $1 ]]; then
  echo "usage: check-flags.sh BUILD_DIR/compile_commands.json" >&2
  exit 2
fi

# CMake writes one "command" line per entry; the object path inside it names the target.
awk -v arch="$(uname -m)" '
  /"command":/ {
    cmd = $0
    if (cmd !~ /CMakeFiles\/(unroot_core|unroot|unroot-musl)\.dir\//) next
    obj = cmd; sub(/.* -o /, "", obj); sub(/ .*/, "", obj)
    musl = (cmd ~ /CMakeFiles\/unroot-musl\.dir\//)
    n++
    split("-Werror -fno-exceptions -fno-rtti -fstack-protector-strong -fstack-clash-protection -D_GLIBCXX_ASSERTIONS", need, " ")
    if (arch == "x86_64") need[length(need) + 1] = "-fcf-protection"
    missing = ""
    for (i = 1; i <= length(need); i++) {
      if (index(" " cmd " ", " " need[i] " ") == 0) missing = missing " " need[i]
    }
    # The last -O and the last _FORTIFY_SOURCE setting are the ones that count.
    opt = ""; fortify = ""
    m = split(cmd, words, " ")
    for (i = 1; i <= m; i++) {
      if (words[i] ~ /^-O/) opt = words[i]
      if (words[i] ~ /^-[DU]_FORTIFY_SOURCE/) fortify = words[i]
    }
    if (opt == "" || opt == "-O0") missing = missing " -O1..3/s (have \"" opt "\")"
    if (!musl && fortify !~ /^-D_FORTIFY_SOURCE=[23]$/) missing = missing " -D_FORTIFY_SOURCE=2|3 (last is \"" fortify "\")"
    if (missing != "") { print "FAIL: " obj ":" missing; bad++ } else { ok++ }
  }
  END {
    if (n == 0) { print "FAIL: no object of unroot_core, unroot or unroot-musl in the file"; exit 1 }
    printf "%s: %d product objects checked, %d with missing hardening flags\n", (bad ? "FAIL" : "ok"), n, bad
    exit bad ? 1 : 0
  }' "$1"
