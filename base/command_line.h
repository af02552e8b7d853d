// parse_options: the command-line handling every Cairn program shares (cairn-broker, cairn-perf,
// the sample services, cairn-demo, the benchmarks), so each main() holds only its own options.
//
// Outside base/include on purpose: it needs Boost.program_options, which the programs link and
// cairn_base (installed with the SDK) does not, so it is neither part of cairn_base nor
// installed. It is header-only, reached through the source root every in-tree target has on its
// include path, and adds nothing to link.
#pragma once

#include <boost/program_options.hpp>
#include <iostream>
#include <optional>
#include <string_view>

namespace cairn {

// Parses argv against `desc` (and `positional`, if given) into `vm` and runs its notifiers.
// Returns the code main() should exit with now, or nothing when the program should run:
// - `--help` (when `desc` has it) prints the options on stdout and answers 0, before any
//   required option is checked;
// - a bad command line prints "<program>: <why>" and the options on stderr and answers 2.
inline std::optional<int> parse_options(
    std::string_view program, int argc, char** argv,
    const boost::program_options::options_description& desc,
    boost::program_options::variables_map& vm,
    const boost::program_options::positional_options_description* positional = nullptr) {
  namespace po = boost::program_options;
  try {
    po::command_line_parser parser(argc, argv);
    parser.options(desc);
    if (positional != nullptr) parser.positional(*positional);
    po::store(parser.run(), vm);
    if (vm.count("help") != 0U) {
      std::cout << desc;
      return 0;
    }
    po::notify(vm);
  } catch (const po::error& e) {
    std::cerr << program << ": " << e.what() << "\n" << desc;
    return 2;
  }
  return std::nullopt;
}

}  // namespace cairn
