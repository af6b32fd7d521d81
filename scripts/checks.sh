# Sourced by the bash test scripts (test-container, test-package, test-gosu-dropin).
# check DESCRIPTION COMMAND...: runs COMMAND, prints "ok" or "FAIL" with the description, and
# counts failures in $failures, so a script runs every check and reports them all at the end.
# equals GOT WANT and contains TEXT PART: string tests that say what they saw when they fail.
failures=0
check() {
  local what=$1
  shift
  if "$@"; then
    echo "ok   $what"
  else
    echo "FAIL $what"
    failures=$((failures + 1))
  fi
}
equals() { [[ $1 == "$2" ]] || { echo "     expected '$2', got '$1'"; false; }; }
contains() { [[ $1 == *"$2"* ]] || { echo "     '$2' not in: ${1:0:300}"; false; }; }
