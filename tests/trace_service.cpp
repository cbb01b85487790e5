// trace_service - a service for integration tests that writes down what the
// skeleton does to it, one line per event, appended with one write() each to
// the file named by main.cf parameter trace_file:
//
//   PID pre_init | post_init | loop | pre_accept | service DATA | exit
//   PID gate+ (lock acquired) | PID gate- (about to release the lock)
//
// "gate+" is written after the lock is taken and "gate-" before it is given
// up, so between a process's gate+ and gate- no other process can write gate+:
// the trace shows whether two processes ever waited at once.
//
// A datagram "block" makes the service wait (in its callback) until it can
// read a line from the FIFO trace_file.fifo, so a test can keep one process
// busy while it checks that another one serves.
#include <fcntl.h>
#include <unistd.h>

#include <memory>
#include <string>

#include "dgram/error.h"
#include "dgram/lock_file_gate.h"
#include "dgram/server.h"

namespace {

void trace(const std::string& path, const std::string& event) {
  std::string line = std::to_string(::getpid()) + " " + event + "\n";
  int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) dgram::throw_errno("open " + path);
  ssize_t n = ::write(fd, line.data(), line.size());
  ::close(fd);
  if (n != static_cast<ssize_t>(line.size())) throw dgram::Fatal("write " + path + " failed");
}

class TracingGate final : public dgram::Gate {
 public:
  TracingGate(const std::string& lock_path, const std::string* trace_file)
      : lock_(lock_path), trace_file_(trace_file) {}
  void acquire() override {
    lock_.acquire();
    trace(*trace_file_, "gate+");
  }
  void release() override {
    trace(*trace_file_, "gate-");
    lock_.release();
  }

 private:
  dgram::LockFileGate lock_;
  const std::string* trace_file_;
};

void wait_for_fifo(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);  // blocks until the test opens it
  if (fd < 0) dgram::throw_errno("open " + path);
  char byte;
  ssize_t n = ::read(fd, &byte, 1);
  ::close(fd);
  if (n < 0) dgram::throw_errno("read " + path);
}

}  // namespace

int main(int argc, char** argv) {
  std::string trace_file;
  dgram::Service service;
  service.params.strs.push_back({"trace_file", "/dev/null", &trace_file, 1});
  auto hook = [&trace_file](const char* name) {
    return [&trace_file, name](dgram::Context&) { trace(trace_file, name); };
  };
  service.hooks.pre_init = hook("pre_init");
  service.hooks.post_init = hook("post_init");
  service.hooks.pre_accept = hook("pre_accept");
  service.hooks.on_exit = hook("exit");
  service.hooks.loop = [&trace_file](dgram::Context&) {
    trace(trace_file, "loop");
    return -1;
  };
  service.on_datagram = [&trace_file](const dgram::Datagram& datagram, dgram::Context&) {
    std::string data(datagram.data);
    trace(trace_file, "service " + data);
    if (data == "block") wait_for_fifo(trace_file + ".fifo");
  };
  service.gate = [&trace_file](const std::string& lock_path) {
    return std::make_unique<TracingGate>(lock_path, &trace_file);
  };
  return dgram::run(service, argc, argv);
}
