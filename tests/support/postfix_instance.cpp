// postfix_instance - laying out, starting, reloading and stopping a private master.
#include "postfix_instance.h"

#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "master_side.h"

namespace dgram::testing {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

constexpr const char* kMaster = "/usr/lib/postfix/sbin/master";

void write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::trunc);
  out << text;
  if (!out.flush()) throw std::runtime_error("cannot write " + path);
  out.close();
  // Postfix distrusts a main.cf younger than 2 s; back-date our files.
  timespec times[2];
  ::clock_gettime(CLOCK_REALTIME, &times[0]);
  times[0].tv_sec -= 60;
  times[1] = times[0];
  if (::utimensat(AT_FDCWD, path.c_str(), times, 0) < 0) throw std::runtime_error("utimensat " + path);
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

void own(const std::string& path, const char* user, const char* group_name, mode_t mode) {
  passwd* pw = ::getpwnam(user);
  struct group* gr = group_name ? ::getgrnam(group_name) : nullptr;
  if (pw == nullptr || (group_name && gr == nullptr)) {
    throw std::runtime_error(std::string("Postfix's user/group is missing: ") + user +
                             " (install postfix: tools/test does)");
  }
  if (::chown(path.c_str(), pw->pw_uid, gr ? gr->gr_gid : pw->pw_gid) < 0 || ::chmod(path.c_str(), mode) < 0) {
    throw std::runtime_error("chown/chmod " + path);
  }
}

}  // namespace

std::string read_proc(pid_t pid, const std::string& name) {
  std::string path = "/proc/" + std::to_string(pid) + "/" + name;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return "";
  std::string text;
  char buffer[4096];
  ssize_t n;
  while ((n = ::read(fd, buffer, sizeof(buffer))) > 0) text.append(buffer, static_cast<std::size_t>(n));
  ::close(fd);
  return n < 0 ? "" : text;
}

bool process_ended(pid_t pid) {
  std::string text = read_proc(pid, "stat");
  if (text.empty()) return true;
  auto close_paren = text.rfind(')');
  return close_paren == std::string::npos || close_paren + 2 >= text.size() || text[close_paren + 2] == 'Z';
}

PostfixInstance::PostfixInstance(std::vector<MasterCfLine> services, const std::string& extra_main_cf) {
  if (::geteuid() != 0) throw std::runtime_error("the real Postfix master needs root");
  if (::access(kMaster, X_OK) != 0) {
    throw std::runtime_error(std::string(kMaster) + " is missing: install postfix (tools/test does)");
  }
  std::string templ = (fs::temp_directory_path() / "dgram-postfix.XXXXXX").string();
  if (::mkdtemp(templ.data()) == nullptr) throw std::runtime_error("mkdtemp");
  root_ = templ;
  ::chmod(root_.c_str(), 0755);
  for (const char* dir : {"etc", "spool", "spool/pid", "spool/public", "spool/private", "data", "libexec", "log"}) {
    fs::create_directories(root_ + "/" + dir);
  }
  ::chmod(queue_dir().c_str(), 0755);
  own(queue_dir() + "/public", "postfix", "postdrop", 02710);
  own(queue_dir() + "/private", "postfix", nullptr, 0700);
  own(root_ + "/data", "postfix", nullptr, 0700);
  ::chmod(log_dir().c_str(), 0755);
  write_main_cf(extra_main_cf);
  write_master_cf(services);
}

PostfixInstance::~PostfixInstance() {
  if (master_pid_ > 0 && !stop(10s)) {
    // Our own child and its session only.
    ::kill(-master_pid_, SIGKILL);
    ::waitpid(master_pid_, nullptr, 0);
  }
  std::error_code ignored;
  fs::remove_all(root_, ignored);
}

void PostfixInstance::write_main_cf(const std::string& extra) const {
  write_file(config_dir() + "/main.cf",
             "compatibility_level = 3.6\n"
             "queue_directory = " + queue_dir() + "\n"
             "data_directory = " + root_ + "/data\n"
             "daemon_directory = " + root_ + "/libexec\n"
             "mail_owner = postfix\n"
             "maillog_file = " + maillog_path() + "\n"
             "maillog_file_prefixes = " + root_ + "\n" + extra);
}

void PostfixInstance::write_master_cf(const std::vector<MasterCfLine>& services) const {
  std::string text;
  for (const auto& s : services) {
    text += s.name + " unix-dgram n " + s.unprivileged + " " + s.chroot + " - " + s.maxproc + " " + s.command;
    for (const auto& word : s.arguments) text += " " + word;
    text += "\n";
  }
  write_file(config_dir() + "/master.cf", text);
}

void PostfixInstance::install(const std::string& program_path) {
  std::string target = root_ + "/libexec/" + fs::path(program_path).filename().string();
  fs::copy_file(program_path, target, fs::copy_options::overwrite_existing);
  ::chmod(target.c_str(), 0755);
}

void PostfixInstance::start() {
  std::string out_path = log_dir() + "/master.out";
  std::vector<std::string> argv{kMaster, "-c", config_dir(), "-d"};
  std::vector<char*> args;
  for (auto& a : argv) args.push_back(a.data());
  args.push_back(nullptr);
  pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork");
  if (pid == 0) {
    ::setsid();
    int out = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    int in = ::open("/dev/null", O_RDONLY);
    if (out < 0 || in < 0 || ::dup2(in, 0) < 0 || ::dup2(out, 1) < 0 || ::dup2(out, 2) < 0) ::_exit(127);
    // Postfix programs want a sane environment; MAIL_CONFIG is not needed with -c.
    char* env[] = {const_cast<char*>("PATH=/usr/sbin:/usr/bin:/sbin:/bin"), nullptr};
    ::execve(kMaster, args.data(), env);
    ::_exit(127);
  }
  master_pid_ = pid;
  // The master makes every service's socket before it serves; wait for them.
  auto deadline = std::chrono::steady_clock::now() + 10s;
  std::ifstream master_cf(config_dir() + "/master.cf");
  std::vector<std::string> names;
  std::string line;
  while (std::getline(master_cf, line)) names.push_back(line.substr(0, line.find(' ')));
  for (const auto& name : names) {
    while (::access(socket_path(name).c_str(), F_OK) != 0) {
      if (std::chrono::steady_clock::now() > deadline || ::waitpid(pid, nullptr, WNOHANG) == pid) {
        throw std::runtime_error("the master did not create " + socket_path(name) + "; its output:\n" +
                                 master_output() + "\nmaillog:\n" + maillog());
      }
      std::this_thread::sleep_for(20ms);
    }
  }
}

void PostfixInstance::reload() {
  if (::kill(master_pid_, SIGHUP) < 0) throw std::runtime_error("kill -HUP master");
}

bool PostfixInstance::stop(std::chrono::milliseconds bound) {
  if (master_pid_ <= 0) return true;
  ::kill(master_pid_, SIGTERM);
  auto status = launch::wait_for_exit(master_pid_, bound);
  if (!status) return false;
  master_pid_ = -1;
  return true;
}

std::vector<pid_t> PostfixInstance::children() const {
  std::vector<pid_t> pids;
  if (master_pid_ <= 0) return pids;
  for (const auto& entry : fs::directory_iterator("/proc")) {
    std::string name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::string text = read_proc(static_cast<pid_t>(std::stol(name)), "stat");
    auto close_paren = text.rfind(')');
    if (close_paren == std::string::npos) continue;
    std::istringstream rest(text.substr(close_paren + 2));
    char state;
    pid_t ppid;
    rest >> state >> ppid;
    if (ppid == master_pid_ && state != 'Z') pids.push_back(static_cast<pid_t>(std::stol(name)));
  }
  return pids;
}

std::string PostfixInstance::maillog() const { return read_file(maillog_path()); }
std::string PostfixInstance::master_output() const { return read_file(log_dir() + "/master.out"); }

bool PostfixInstance::wait_for_log(const std::string& text, std::chrono::milliseconds timeout) const {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (maillog().find(text) != std::string::npos) return true;
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(20ms);
  }
}

std::vector<std::string> PostfixInstance::master_complaints() const {
  std::vector<std::string> lines;
  std::istringstream log(maillog());
  std::string line;
  while (std::getline(log, line)) {
    for (const char* bad : {"partial status update", "ignoring status update", "bad command startup", "throttling"}) {
      if (line.find(bad) != std::string::npos) {
        lines.push_back(line);
        break;
      }
    }
  }
  return lines;
}

}  // namespace dgram::testing
