// SPDX-License-Identifier: MIT
// dgram-batch-writer - an example service that appends every datagram to a
// file as one line, with one writev() per batch.
//
// What it shows:
// - on_batch: all datagrams of one wake-up at once (up to
//   dgram_receive_batch of them), so a whole batch costs one system call;
// - the pre_init hook: the file is opened there, while the process still
//   has the privileges it was started with (root under the Postfix master),
//   so the file can live where the unprivileged mail_owner cannot create
//   files;
// - owning a descriptor with dgram::UniqueFd, and a failed write ending the
//   process with one clear line (throwing dgram::Fatal).
//
// batch_writer_file names the file (it must be set). It is opened with
// O_APPEND (records from several processes never overwrite each other),
// O_CREAT with mode 0600 and O_CLOEXEC. Each datagram becomes one line:
// control bytes (0x00-0x1f, 0x7f, newlines included) are replaced by '?',
// so a client can never start a second line. A write that the kernel takes
// only partly (a full disk, a signal) is resumed where it stopped.
//
//   batch     unix-dgram n       -       n       -       1       dgram-batch-writer
//     -o batch_writer_file=/var/log/datagrams
#include <fcntl.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "dgram/error.h"
#include "dgram/server.h"
#include "dgram/unique_fd.h"

namespace {

// A datagram as one line of the file: control bytes become '?', then '\n'.
void make_line(std::string_view data, std::string& line) {
  line.assign(data);
  for (char& c : line) {
    auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7f) c = '?';
  }
  line += '\n';
}

// Writes every byte of the iovecs with as few writev() calls as the kernel
// allows: one, unless it takes only part. Throws Fatal on failure.
void write_all(int fd, std::vector<iovec>& pieces, const std::string& path) {
  std::size_t first = 0;  // the first piece not yet written whole
  while (first < pieces.size()) {
    ssize_t written = ::writev(fd, pieces.data() + first, static_cast<int>(pieces.size() - first));
    if (written < 0) {
      if (errno == EINTR) continue;
      dgram::throw_errno("write to batch_writer_file " + path);
    }
    auto left = static_cast<std::size_t>(written);
    while (first < pieces.size() && left >= pieces[first].iov_len) left -= pieces[first++].iov_len;
    if (left > 0) {  // the piece where the kernel stopped: resume inside it
      pieces[first].iov_base = static_cast<char*>(pieces[first].iov_base) + left;
      pieces[first].iov_len -= left;
    }
  }
}

// What the service keeps; owned by main(), reached through the lambdas.
struct Writer {
  std::string path;           // batch_writer_file
  dgram::UniqueFd file;       // opened in pre_init
  std::vector<std::string> lines;  // reused from batch to batch
  std::vector<iovec> pieces;

  void open() {
    if (path.empty()) throw dgram::Fatal("batch_writer_file is not set: name the file to append to");
    int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) dgram::throw_errno("open batch_writer_file " + path);
    file.reset(fd);
  }

  void append(std::span<const dgram::Datagram> batch) {
    if (lines.size() < batch.size()) lines.resize(batch.size());
    pieces.clear();
    for (std::size_t i = 0; i < batch.size(); ++i) {
      make_line(batch[i].data, lines[i]);
      pieces.push_back({lines[i].data(), lines[i].size()});
    }
    write_all(file.get(), pieces, path);
  }
};

}  // namespace

int main(int argc, char** argv) {
  Writer writer;
  dgram::Service service;
  service.params.strs.push_back({"batch_writer_file", "", &writer.path});
  service.hooks.pre_init = [&writer](dgram::Context&) { writer.open(); };
  service.on_batch = [&writer](std::span<const dgram::Datagram> batch, dgram::Context&) {
    writer.append(batch);
  };
  return dgram::run(service, argc, argv);
}
