// SPDX-License-Identifier: MIT
// The one Catch2 main for every test executable (compiled once: the header is heavy).
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
