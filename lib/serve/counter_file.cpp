// SPDX-License-Identifier: MIT
// counter_file - create or check, then map; adds are atomic on the mapping.
#include "serve/counter_file.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include "dgram/error.h"
#include "dgram/unique_fd.h"

namespace dgram {

namespace {

constexpr char kMagic[8] = {'D', 'G', 'R', 'A', 'M', 'C', 'N', 'T'};

constexpr std::string_view kNames[kCounterCount] = {
    "datagrams",    "bytes",   "wake_ups",      "truncated",    "failed",
    "receive_errors", "busy_turns", "gate_wait_ns", "children_started", "dropped",
    "queue_samples", "queue_ns_sum", "queue_ns_max", "stats_logged_ns", "stats_logged_datagrams",
};

[[noreturn]] void refuse(const std::string& path, const std::string& why) {
  throw Fatal("counter file " + path + ": " + why);
}

[[noreturn]] void refuse_errno(const std::string& path, const std::string& call) {
  int error = errno;
  throw Fatal("counter file " + path + ": " + call + ": " + std::strerror(error), error);
}

// the_header - what a new file begins with.
CounterHeader new_header(std::string_view service) {
  CounterHeader header{};
  std::memcpy(header.magic, kMagic, sizeof(kMagic));
  header.version = kCounterFileVersion;
  header.header_size = kCounterHeaderSize;
  header.counter_count = kCounterCount;
  header.bucket_count = kQueueBuckets;
  header.file_size = kCounterFileSize;
  header.created_unix_ns = unix_now_ns();
  std::size_t kept = std::min(service.size(), sizeof(header.service) - 1);
  std::memcpy(header.service, service.data(), kept);
  return header;
}

void* map_file(const std::string& path, int fd, bool writable) {
  int protection = PROT_READ | (writable ? PROT_WRITE : 0);
  void* map = ::mmap(nullptr, kCounterFileSize, protection, MAP_SHARED, fd, 0);
  if (map == MAP_FAILED) refuse_errno(path, "mmap");
  return map;
}

// check_file - a regular file with one link, owned by one of the allowed users.
struct stat check_file(const std::string& path, int fd, uid_t owner_a, uid_t owner_b) {
  struct stat st {};
  if (::fstat(fd, &st) < 0) refuse_errno(path, "fstat");
  if (!S_ISREG(st.st_mode)) refuse(path, "not a regular file");
  if (st.st_nlink != 1) refuse(path, "has " + std::to_string(st.st_nlink) + " hard links");
  if (st.st_uid != owner_a && st.st_uid != owner_b && st.st_uid != 0) {
    refuse(path, "is owned by uid " + std::to_string(st.st_uid) + ", not by uid " + std::to_string(owner_a) +
                     " (the service's user) or root (remove it to start counting afresh)");
  }
  return st;
}

void check_contents(const std::string& path, int fd, const struct stat& st) {
  CounterHeader header{};
  ssize_t got;
  do {
    got = ::pread(fd, &header, sizeof(header), 0);
  } while (got < 0 && errno == EINTR);
  if (got < 0) refuse_errno(path, "read");
  std::size_t size = static_cast<std::size_t>(st.st_size);
  if (static_cast<std::size_t>(got) < sizeof(header)) {
    refuse(path, "is " + std::to_string(size) + " bytes long, too short for a counter file (" +
                     std::to_string(kCounterFileSize) + " bytes)");
  }
  if (auto why = check_counter_header(&header, size)) refuse(path, *why);
}

}  // namespace

std::uint64_t unix_now_ns() noexcept {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count());
}

std::string_view counter_name(Counter counter) noexcept {
  auto index = static_cast<std::size_t>(counter);
  return index < kCounterCount ? kNames[index] : std::string_view("unknown");
}

std::optional<std::string> check_counter_header(const void* bytes, std::size_t size) {
  if (size < sizeof(CounterHeader)) {
    return "is " + std::to_string(size) + " bytes long, too short for a counter file (" +
           std::to_string(kCounterFileSize) + " bytes)";
  }
  CounterHeader header;
  std::memcpy(&header, bytes, sizeof(header));
  if (std::memcmp(header.magic, kMagic, sizeof(kMagic)) != 0) return "is not a dgram-server counter file";
  if (header.version != kCounterFileVersion) {
    return "is a counter file of version " + std::to_string(header.version) + "; this build reads version " +
           std::to_string(kCounterFileVersion) + " (remove it to start counting afresh)";
  }
  if (header.header_size != kCounterHeaderSize || header.counter_count != kCounterCount ||
      header.bucket_count != kQueueBuckets || header.file_size != kCounterFileSize || size != kCounterFileSize) {
    return "has another layout (" + std::to_string(header.counter_count) + " counters, " +
           std::to_string(header.bucket_count) + " buckets, " + std::to_string(size) +
           " bytes); this build's has " + std::to_string(kCounterCount) + " counters, " +
           std::to_string(kQueueBuckets) + " buckets, " + std::to_string(kCounterFileSize) + " bytes";
  }
  return std::nullopt;
}

CounterFile CounterFile::open_for_adding(const std::string& path, std::string_view service,
                                         std::optional<std::pair<uid_t, gid_t>> owner) {
  int raw = ::open(path.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0644);
  if (raw < 0) {
    if (errno == ELOOP) refuse(path, "is a symbolic link");
    refuse_errno(path, "open");
  }
  UniqueFd fd(raw);
  // Our own open file description: the first child writes the header while
  // its siblings wait here, then each checks it.
  int locked;
  do {
    locked = ::flock(fd.get(), LOCK_EX);
  } while (locked < 0 && errno == EINTR);
  if (locked < 0) refuse_errno(path, "flock");
  uid_t user = owner ? owner->first : ::geteuid();
  struct stat st = check_file(path, fd.get(), user, ::geteuid());
  if (st.st_size == 0) {
    if (owner && ::geteuid() == 0 && ::fchown(fd.get(), owner->first, owner->second) < 0) {
      refuse_errno(path, "fchown");
    }
    if (::fchmod(fd.get(), 0644) < 0) refuse_errno(path, "fchmod");
    if (::ftruncate(fd.get(), static_cast<off_t>(kCounterFileSize)) < 0) refuse_errno(path, "ftruncate");
    CounterHeader header = new_header(service);
    ssize_t written;
    do {
      written = ::pwrite(fd.get(), &header, sizeof(header), 0);
    } while (written < 0 && errno == EINTR);
    if (written < 0) refuse_errno(path, "write");
    if (static_cast<std::size_t>(written) != sizeof(header)) refuse(path, "short write of the header");
  } else {
    check_contents(path, fd.get(), st);
  }
  CounterFile file(path, map_file(path, fd.get(), true), true);
  // The mapping keeps the open file description, and so its lock, alive:
  // unlocked here, not by the close.
  if (::flock(fd.get(), LOCK_UN) < 0) refuse_errno(path, "flock");
  file.add(Counter::children_started, 1);
  return file;
}

CounterFile CounterFile::open_for_reading(const std::string& path) {
  int raw = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (raw < 0) refuse_errno(path, "open");
  UniqueFd fd(raw);
  struct stat st {};
  if (::fstat(fd.get(), &st) < 0) refuse_errno(path, "fstat");
  if (!S_ISREG(st.st_mode)) refuse(path, "not a regular file");
  check_contents(path, fd.get(), st);
  return CounterFile(path, map_file(path, fd.get(), false), false);
}

CounterFile::CounterFile(std::string path, void* map, bool writable) noexcept
    : path_(std::move(path)), map_(map), writable_(writable) {}

CounterFile::CounterFile(CounterFile&& other) noexcept
    : path_(std::move(other.path_)), map_(other.map_), writable_(other.writable_) {
  other.map_ = nullptr;
}

CounterFile& CounterFile::operator=(CounterFile&& other) noexcept {
  if (this != &other) {
    if (map_) ::munmap(map_, kCounterFileSize);
    path_ = std::move(other.path_);
    map_ = other.map_;
    writable_ = other.writable_;
    other.map_ = nullptr;
  }
  return *this;
}

CounterFile::~CounterFile() {
  if (map_) ::munmap(map_, kCounterFileSize);
}

std::uint64_t* CounterFile::word(std::size_t index) const noexcept {
  return reinterpret_cast<std::uint64_t*>(static_cast<char*>(map_) + kCounterHeaderSize) + index;
}

void CounterFile::add(Counter counter, std::uint64_t amount) noexcept {
  if (!writable_ || amount == 0) return;
  std::atomic_ref<std::uint64_t>(*word(static_cast<std::size_t>(counter)))
      .fetch_add(amount, std::memory_order_relaxed);
}

void CounterFile::add_bucket(std::size_t bucket, std::uint64_t amount) noexcept {
  if (!writable_ || amount == 0 || bucket >= kQueueBuckets) return;
  std::atomic_ref<std::uint64_t>(*word(kCounterCount + bucket)).fetch_add(amount, std::memory_order_relaxed);
}

void CounterFile::raise_to(Counter counter, std::uint64_t value) noexcept {
  if (!writable_) return;
  std::atomic_ref<std::uint64_t> target(*word(static_cast<std::size_t>(counter)));
  std::uint64_t seen = target.load(std::memory_order_relaxed);
  while (seen < value && !target.compare_exchange_weak(seen, value, std::memory_order_relaxed)) {
  }
}

bool CounterFile::replace(Counter counter, std::uint64_t expected, std::uint64_t desired) noexcept {
  if (!writable_) return false;
  return std::atomic_ref<std::uint64_t>(*word(static_cast<std::size_t>(counter)))
      .compare_exchange_strong(expected, desired, std::memory_order_relaxed);
}

std::uint64_t CounterFile::load(Counter counter) const noexcept {
  return std::atomic_ref<std::uint64_t>(*word(static_cast<std::size_t>(counter))).load(std::memory_order_relaxed);
}

CounterSnapshot CounterFile::snapshot() const {
  CounterSnapshot snapshot;
  CounterHeader header;
  std::memcpy(&header, map_, sizeof(header));
  snapshot.service.assign(header.service, ::strnlen(header.service, sizeof(header.service)));
  snapshot.created_unix_ns = header.created_unix_ns;
  for (std::size_t i = 0; i < kCounterCount; ++i) {
    snapshot.counters[i] = std::atomic_ref<std::uint64_t>(*word(i)).load(std::memory_order_relaxed);
  }
  for (std::size_t i = 0; i < kQueueBuckets; ++i) {
    snapshot.buckets[i] = std::atomic_ref<std::uint64_t>(*word(kCounterCount + i)).load(std::memory_order_relaxed);
  }
  return snapshot;
}

}  // namespace dgram
