// SPDX-License-Identifier: MIT
// libFuzzer target: uid_map/gid_map text. An accepted map holds only ranges the kernel would
// accept (count >= 1, no range reaching 4294967295, no overlap inside or outside); printing it
// back and parsing again gives the same map; every id of a range maps to its outside id, and
// the ids just past it do not map through it.
#include <string>

#include "idmap.hpp"
#include "oracle.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto map = unroot::parse_id_map(text);
  if (!map) {
    PROPERTY(map.error().what.rfind("line ", 0) == 0);
    PROPERTY(map.error().what.find('\n') == std::string::npos);
    return 0;
  }
  PROPERTY(map->size() <= unroot::kMaxIdMapLines);
  std::string printed;
  for (std::size_t i = 0; i < map->size(); ++i) {
    const unroot::IdRange& r = (*map)[i];
    PROPERTY(r.count >= 1);
    PROPERTY(std::uint64_t{r.inside} + r.count <= 4294967295u);
    PROPERTY(std::uint64_t{r.outside} + r.count <= 4294967295u);
    for (std::size_t j = 0; j < i; ++j) {
      const unroot::IdRange& o = (*map)[j];
      PROPERTY(std::uint64_t{r.inside} + r.count <= o.inside ||
               std::uint64_t{o.inside} + o.count <= r.inside);
      PROPERTY(std::uint64_t{r.outside} + r.count <= o.outside ||
               std::uint64_t{o.outside} + o.count <= r.outside);
    }
    std::uint32_t last = r.inside + (r.count - 1);
    PROPERTY(unroot::find_range(*map, r.inside) == &r);
    PROPERTY(unroot::find_range(*map, last) == &r);
    PROPERTY(unroot::outside_id(r, r.inside) == r.outside);
    PROPERTY(unroot::outside_id(r, last) == r.outside + (r.count - 1));
    const unroot::IdRange* after = unroot::find_range(*map, last + 1);
    PROPERTY(after != &r);
    printed += unroot::describe_range(r) + "\n";
  }
  auto again = unroot::parse_id_map(printed);
  PROPERTY(again && again->size() == map->size());
  for (std::size_t i = 0; again && i < again->size() && i < map->size(); ++i) {
    PROPERTY(unroot::describe_range((*again)[i]) == unroot::describe_range((*map)[i]));
  }
  PROPERTY(unroot::is_identity(*map) == (map->size() == 1 && printed == "0 0 4294967295\n"));
  return 0;
}
