// SPDX-License-Identifier: MIT
// noop: the command every benchmarked tool runs. Exits 0 at once; built static so that what is
// measured is the tool, not a dynamic loader.
int main(void) { return 0; }
