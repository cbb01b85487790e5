// SPDX-License-Identifier: MIT
// counter_file - the file that every child of one service adds its counts
// into, mapped shared, so that the totals outlive each child (max_use,
// SIGTERM, reloads) and dgram-stat can read them without asking anyone.
//
// LAYOUT (version 1, host byte order, 8-byte words)
//   a 256-byte header: magic "DGRAMCNT", version, header size, how many
//   counters and queue-time buckets follow, the file's size, when it was
//   created, the service's name; then kCounterCount counters; then
//   kQueueBuckets queue-time buckets (queue_time.h). Only the header's
//   writer (the first child, under an exclusive flock() of its own open
//   file description) writes the header; everything after it is changed
//   only by atomic adds (and one atomic max and one compare-and-swap), so
//   readers and writers need no lock.
//
//   A file whose magic, version or layout differ is refused with one line
//   naming the path and what differs (check_counter_header): it is never
//   misread and never rewritten.
//
// OWNERSHIP
//   A child creates the file (mode 0644) while still privileged and gives
//   it to the user the service will run as, so that only that user (and
//   root) may write it; it refuses a file that is not a regular file, has
//   more than one link, is a symbolic link, or is owned by anyone else.
//   dgram-stat maps it read-only.
//
// THREADS
//   Any; the adds are lock-free atomics on the shared mapping.
#pragma once

#include <sys/types.h>

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace dgram {

// What each counter of the file counts, by its index.
enum class Counter : std::size_t {
  datagrams,         // datagrams handed to the service
  bytes,             // their bytes as received (at most the receive buffer each)
  wake_ups,          // wake-ups that served datagrams (one or more receives each)
  truncated,         // datagrams cut to the receive buffer
  failed,            // datagrams whose callback threw (on_batch: the whole batch)
  receive_errors,    // failed receives
  busy_turns,        // wake-ups handed on as busy (the gate given to a sibling, TAKEN)
  gate_wait_ns,      // time spent waiting for the gate (the lock file)
  children_started,  // children that mapped the file
  dropped,           // datagrams the service dropped on purpose (Context::count_dropped)
  queue_samples,     // datagrams whose time in the queue was measured (receive.timestamp)
  queue_ns_sum,      // their times in the queue, added up
  queue_ns_max,      // the longest of them
  stats_logged_ns,   // when the last statistics line was logged (realtime ns; who logs it)
  stats_logged_datagrams,  // datagrams then (the line's rate)
};
inline constexpr std::size_t kCounterCount = 15;
// Log-scale buckets of time in the queue (queue_time.h).
inline constexpr std::size_t kQueueBuckets = 128;
inline constexpr std::uint32_t kCounterFileVersion = 1;
inline constexpr std::size_t kCounterHeaderSize = 256;
inline constexpr std::size_t kCounterFileSize = kCounterHeaderSize + 8 * (kCounterCount + kQueueBuckets);
inline constexpr std::size_t kServiceNameSpace = 128;

// The realtime clock in nanoseconds since the epoch: how the file keeps
// times (created_unix_ns, stats_logged_ns).
std::uint64_t unix_now_ns() noexcept;

// The names dgram-stat prints, by Counter.
std::string_view counter_name(Counter counter) noexcept;

struct CounterHeader {
  char magic[8];
  std::uint32_t version;
  std::uint32_t header_size;
  std::uint32_t counter_count;
  std::uint32_t bucket_count;
  std::uint64_t file_size;
  std::uint64_t created_unix_ns;
  char service[kServiceNameSpace];  // NUL-terminated, cut to fit
  char reserved[kCounterHeaderSize - 8 - 16 - 16 - kServiceNameSpace];
};
static_assert(sizeof(CounterHeader) == kCounterHeaderSize);

// What is wrong with a file's first bytes (of `size` bytes in all), or
// nothing when it is a counter file this build reads.
std::optional<std::string> check_counter_header(const void* bytes, std::size_t size);

// A point-in-time copy of a file's numbers.
struct CounterSnapshot {
  std::string service;
  std::uint64_t created_unix_ns = 0;
  std::array<std::uint64_t, kCounterCount> counters{};
  std::array<std::uint64_t, kQueueBuckets> buckets{};
  std::uint64_t operator[](Counter counter) const { return counters[static_cast<std::size_t>(counter)]; }
};

class CounterFile {
 public:
  // Opens the file at path, creating it when it is not there, and maps it
  // for adding; a new file is given to owner (when set) and named after
  // service. Throws Fatal naming the path and what is wrong.
  static CounterFile open_for_adding(const std::string& path, std::string_view service,
                                     std::optional<std::pair<uid_t, gid_t>> owner);
  // Maps an existing file read-only. Throws Fatal as above.
  static CounterFile open_for_reading(const std::string& path);

  CounterFile(CounterFile&& other) noexcept;
  CounterFile& operator=(CounterFile&& other) noexcept;
  CounterFile(const CounterFile&) = delete;
  CounterFile& operator=(const CounterFile&) = delete;
  ~CounterFile();

  const std::string& path() const noexcept { return path_; }
  // Adding (open_for_adding only): lock-free, relaxed.
  void add(Counter counter, std::uint64_t amount) noexcept;
  void add_bucket(std::size_t bucket, std::uint64_t amount) noexcept;
  void raise_to(Counter counter, std::uint64_t value) noexcept;  // an atomic max
  // Sets counter to desired when it still holds expected; says whether it did.
  bool replace(Counter counter, std::uint64_t expected, std::uint64_t desired) noexcept;
  std::uint64_t load(Counter counter) const noexcept;
  CounterSnapshot snapshot() const;

 private:
  CounterFile(std::string path, void* map, bool writable) noexcept;
  std::uint64_t* word(std::size_t index) const noexcept;

  std::string path_;
  void* map_ = nullptr;
  bool writable_ = false;
};

}  // namespace dgram
