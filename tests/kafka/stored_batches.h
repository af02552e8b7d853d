// The batch headers a broker stored for one partition, read straight from its segment files:
// what the broker kept, whatever any client reports. For tests that check producer ids and the
// like on disk; the files are read whole, so keep the partitions small.
#pragma once

#include <algorithm>
#include <cstddef>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "eventstore/record/batch_header.h"

namespace cairn::testing {

struct stored_batches {
  std::vector<eventstore::batch_header> headers;  // in log order
  bool torn_tail = false;  // a segment ended in a non-positive batch length (preallocated, torn)
};

// Partition 0 of `topic` under the broker data directory `data_dir`.
inline stored_batches read_stored_batches(const std::filesystem::path& data_dir,
                                          const std::string& topic) {
  namespace fs = std::filesystem;
  std::vector<fs::path> segments;
  for (const auto& e : fs::directory_iterator(data_dir / "topics" / topic / "0")) {
    if (e.path().extension() == ".log") segments.push_back(e.path());
  }
  std::sort(segments.begin(), segments.end());
  stored_batches out;
  for (const auto& path : segments) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream bytes;
    bytes << in.rdbuf();
    const std::string s = bytes.str();
    std::size_t at = 0;
    while (at + eventstore::batch_layout::kHeaderSize <= s.size()) {
      auto h = eventstore::batch_header::read(s.data() + at);
      if (h.batch_length <= 0) {
        out.torn_tail = true;
        break;
      }
      out.headers.push_back(h);
      at += static_cast<std::size_t>(h.batch_length) + 12;  // baseOffset and batchLength
    }
  }
  return out;
}

}  // namespace cairn::testing
