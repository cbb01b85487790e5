// sequence_check - checks that leading sequence numbers arrive without gaps
// or repeats, and keeps the runs seen so that several receivers' reports can
// be merged into one exactly-once verdict.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dgram::sink {

class SequenceCheck {
 public:
  // Reads the decimal number at the start of data (leading digits, at most
  // 19). Data without a leading number counts as malformed.
  void observe(std::string_view data);

  std::uint64_t gaps() const { return gaps_; }        // numbers skipped between neighbours
  std::uint64_t repeats() const { return repeats_; }  // numbers not above the previous one
  std::uint64_t malformed() const { return malformed_; }
  std::optional<std::uint64_t> first() const { return first_; }
  std::optional<std::uint64_t> last() const { return last_; }
  // Consecutive runs as "a-b" words separated by spaces, in arrival order.
  std::string runs() const;

 private:
  std::uint64_t gaps_ = 0;
  std::uint64_t repeats_ = 0;
  std::uint64_t malformed_ = 0;
  std::optional<std::uint64_t> first_;
  std::optional<std::uint64_t> last_;
  std::vector<std::pair<std::uint64_t, std::uint64_t>> runs_;
};

}  // namespace dgram::sink
