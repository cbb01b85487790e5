// SPDX-License-Identifier: MIT
// postconf_crosscheck_test - dgram-config against Debian's postconf.
//
// For every main.cf of a corpus and every parameter name it queries, runs
//   postconf     -c DIR [-o ...] -x -h NAME
//   dgram-config -c DIR [-o ...] -x -h NAME
// on the same files and requires the same exit status and the same stdout.
// The corpus is the hand-written files of tests/data/postconf_corpus/ (each
// names its queries, -o options and expected differences in comment lines,
// which both programs ignore) plus main.cf files made by a seeded generator
// of random nested, conditional, relational, looping and broken references.
//
// postconf only answers for parameters it knows: its built-in ones, and the
// ones that some value references. Each case therefore gets a master.cf whose
// one service has "-o dgram_probe=$NAME1,$NAME2,...": that makes every
// queried name known to postconf and changes nothing that dgram-config reads.
// main.cf is back-dated because Postfix programs wait until main.cf is 2 s old.
//
// The one documented difference: a reference loop that passes through the
// operand of a comparison (${{$x} == {y}}) makes postconf recurse until it
// crashes (SIGSEGV, seen with 3.7.11); dgram-config reports the loop and
// exits 1. Hand-written cases say so with "# expect NAME: postconf-crash";
// generated cases accept exactly that outcome and nothing else.
//
// Environment: DGRAM_CONFIG (path of dgram-config) and POSTCONF_CORPUS (the
// corpus folder), set by tests/meson.build; POSTCONF may name another postconf. Without postconf the test fails,
// telling to install Debian's postfix package (tools/test does it).
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace {

constexpr int child_timeout_ms = 20'000;  // per child; postconf may take seconds to crash
constexpr int postconf_stack_kib = 1024;  // see with_small_stack()
constexpr int worker_count = 8;           // children run at once (often asleep)
constexpr unsigned generated_count = 60;  // generated main.cf files
constexpr unsigned seed_base = 20260000;

// --------------------------------------------------------- child processes

struct Outcome {
  bool timed_out = false;
  bool signaled = false;
  int code = -1;  // exit status, or the signal number when signaled
  std::string out;
  std::string err;
};

std::string describe(const Outcome& o) {
  if (o.timed_out) return "timed out";
  return o.signaled ? "killed by signal " + std::to_string(o.code)
                    : "exit " + std::to_string(o.code);
}

// run - run argv with stdin /dev/null, collect stdout and stderr; kill the
// child when it takes longer than child_timeout_ms. posix_spawn, not fork:
// forking a big (sanitizer) process with threads is slow.
Outcome run(const std::vector<std::string>& argv) {
  Outcome result;
  int out_pipe[2], err_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) != 0) {
    ADD_FAILURE() << "pipe: " << std::strerror(errno);
    return result;
  }
  if (::pipe2(err_pipe, O_CLOEXEC) != 0) {
    ADD_FAILURE() << "pipe: " << std::strerror(errno);
    ::close(out_pipe[0]);
    ::close(out_pipe[1]);
    return result;
  }
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out_pipe[1], 1);
  posix_spawn_file_actions_adddup2(&actions, err_pipe[1], 2);
  pid_t pid = -1;
  int spawn_error = ::posix_spawn(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  if (spawn_error != 0) {
    ADD_FAILURE() << "spawn " << argv[0] << ": " << std::strerror(spawn_error);
    ::close(out_pipe[0]);
    ::close(err_pipe[0]);
    return result;
  }

  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(child_timeout_ms);
  pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
  std::string* sinks[2] = {&result.out, &result.err};
  int open_count = 2;
  while (open_count > 0) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      result.timed_out = true;
      ::kill(pid, SIGKILL);
      break;
    }
    int n = ::poll(fds, 2, static_cast<int>(left.count()));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      char buf[4096];
      ssize_t got = ::read(fds[i].fd, buf, sizeof buf);
      if (got > 0) {
        sinks[i]->append(buf, static_cast<std::size_t>(got));
      } else if (got == 0 || errno != EINTR) {
        ::close(fds[i].fd);
        fds[i].fd = -1;
        --open_count;
      }
    }
  }
  for (auto& p : fds)
    if (p.fd >= 0) ::close(p.fd);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFSIGNALED(status)) {
    result.signaled = true;
    result.code = WTERMSIG(status);
  } else {
    result.code = WEXITSTATUS(status);
  }
  return result;
}

// ------------------------------------------------------------- the cases

struct Case {
  std::string title;                       // file name or generator seed
  std::string main_cf;
  std::vector<std::string> queries;
  std::vector<std::string> options;        // each passed as -o
  std::vector<std::string> postconf_crash; // names where postconf is known to crash
  bool generated = false;
};

std::vector<std::string> words(const std::string& text) {
  std::istringstream in(text);
  std::vector<std::string> out;
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

// load_case - a corpus file and the instructions in its comment lines:
//   # query: NAME...      # option: name=value      # expect NAME: postconf-crash
Case load_case(const std::string& path, const std::string& title) {
  Case c;
  c.title = title;
  std::ifstream in(path, std::ios::binary);
  std::stringstream buf;
  buf << in.rdbuf();
  c.main_cf = buf.str();
  std::istringstream lines(c.main_cf);
  for (std::string line; std::getline(lines, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.rfind("# query:", 0) == 0) {
      for (auto& w : words(line.substr(8))) c.queries.push_back(w);
    } else if (line.rfind("# option: ", 0) == 0) {
      c.options.push_back(line.substr(10));
    } else if (line.rfind("# expect ", 0) == 0) {
      auto w = words(line.substr(9));
      if (w.size() == 2 && w[1] == "postconf-crash" && w[0].back() == ':')
        c.postconf_crash.push_back(w[0].substr(0, w[0].size() - 1));
      else
        ADD_FAILURE() << path << ": cannot read \"" << line << "\"";
    }
  }
  return c;
}

const char* corpus_dir() { return std::getenv("POSTCONF_CORPUS"); }

std::vector<std::string> corpus_files() {
  std::vector<std::string> names;
  const char* dir = corpus_dir();
  if (dir == nullptr) return names;
  if (DIR* d = ::opendir(dir)) {
    while (dirent* e = ::readdir(d)) {
      std::string n = e->d_name;
      if (n.size() > 3 && n.compare(n.size() - 3, 3, ".cf") == 0) names.push_back(n);
    }
    ::closedir(d);
  }
  std::sort(names.begin(), names.end());
  return names;
}

// ------------------------------------------------------------ generator

// Makes random main.cf files from a seed: parameters g0..gN whose values mix
// literal words with references to later parameters (mostly) or to any
// parameter (so loops happen), to undefined names, conditionals in every
// form, comparisons, $$, continuation lines and, rarely, syntax errors.
class Generator {
 public:
  explicit Generator(unsigned seed) : rng_(seed) {}

  Case make(unsigned seed) {
    Case c;
    c.generated = true;
    c.title = "seed " + std::to_string(seed);
    count_ = pick(3, 7);
    c.main_cf = "# generated, seed " + std::to_string(seed) + "\n";
    for (int i = 0; i < count_; ++i) {
      std::string v = chance(6) ? "" : value(i, 0);
      c.main_cf += "g" + std::to_string(i) + " =" + (chance(10) ? "" : " ") + v + "\n";
      if (chance(12)) c.main_cf += "\t " + literal() + "\n";  // a continuation line
      if (chance(15)) c.main_cf += "# between\n";
      c.queries.push_back("g" + std::to_string(i));
    }
    c.queries.push_back("u0");
    return c;
  }

 private:
  int pick(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }
  bool chance(int percent) { return pick(1, 100) <= percent; }

  std::string literal() {
    static const char* const list[] = {"a", "bc", "x-y", "1", "2", "/", ".", ",", "  ", "\t",
                                       "z z", "=", "#", "?", ":", "+"};
    return list[pick(0, static_cast<int>(std::size(list)) - 1)];
  }

  // target - a name to reference from parameter self.
  std::string target(int self) {
    if (chance(10)) return "u" + std::to_string(pick(0, 1));  // never defined
    if (self + 1 < count_ && chance(85)) return "g" + std::to_string(pick(self + 1, count_ - 1));
    return "g" + std::to_string(pick(0, count_ - 1));
  }

  std::string value(int self, int depth) {
    std::string v;
    for (int n = pick(1, 4); n > 0; --n) v += token(self, depth);
    return v;
  }

  std::string token(int self, int depth) {
    int roll = pick(1, 100);
    if (roll <= 30 || depth > 2) return literal();
    if (roll <= 55) {
      std::string t = target(self);
      switch (pick(0, 3)) {
        case 0: return "$" + t;
        case 1: return "${" + t + "}";
        case 2: return "$(" + t + ")";
        default: return "${ " + t + " }";
      }
    }
    if (roll <= 82) {
      std::string t = target(self);
      std::string a = value(self, depth + 1), b = value(self, depth + 1);
      switch (pick(0, 5)) {
        case 0: return "${" + t + "?" + a + "}";
        case 1: return "${" + t + ":" + a + "}";
        case 2: return "${" + t + "?{" + a + "}}";
        case 3: return "${" + t + ":{" + a + "}}";
        case 4: return "${" + t + " ? {" + a + "} : {" + b + "}}";
        default: return "${" + t + "?{" + a + "}:" + b + "}";
      }
    }
    if (roll <= 87) return chance(50) ? "$$" : "$$" + target(self);
    if (roll <= 97) {
      static const char* const ops[] = {"==", "!=", "<", "<=", ">=", ">"};
      std::string l = chance(50) ? "$" + target(self) : literal();
      std::string r = chance(30) ? std::to_string(pick(0, 3)) : value(self, depth + 1);
      std::string e = "${{" + l + "} " + ops[pick(0, 5)] + " {" + r + "}";
      if (chance(70)) e += " ? {" + value(self, depth + 1) + "}";
      if (chance(50)) e += " : {" + value(self, depth + 1) + "}";
      return e + "}";
    }
    static const char* const broken[] = {"${g0", "x$", "${g-1}", "${g0?{x}y}", "$(g1"};
    return broken[pick(0, 4)];
  }

  std::mt19937 rng_;
  int count_ = 0;
};

// --------------------------------------------------------------- running

// find_postconf - Debian's postconf, or $POSTCONF when set; "" when missing.
std::string find_postconf() {
  if (const char* chosen = std::getenv("POSTCONF"))
    return ::access(chosen, X_OK) == 0 ? chosen : "";
  for (const char* p : {"/usr/sbin/postconf", "/usr/bin/postconf", "/sbin/postconf"})
    if (::access(p, X_OK) == 0) return p;
  return "";
}

const char* const install_hint =
    "postconf not found: install Debian's postfix package "
    "(`apt-get install --no-install-recommends postfix`; tools/test installs it)";

class TempDir {
 public:
  TempDir() {
    char pattern[] = "/tmp/postconf_crosscheck.XXXXXX";
    if (const char* made = ::mkdtemp(pattern)) path_ = made;
  }
  ~TempDir() {
    for (const char* f : {"/main.cf", "/master.cf"}) ::unlink((path_ + f).c_str());
    ::rmdir(path_.c_str());
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// write_backdated - write a file and set its times one minute into the past.
bool write_backdated(const std::string& path, const std::string& text) {
  {
    std::ofstream out(path, std::ios::binary);
    out << text;
    if (!out) return false;
  }
  timeval times[2];
  ::gettimeofday(&times[0], nullptr);
  times[0].tv_sec -= 60;
  times[1] = times[0];
  return ::utimes(path.c_str(), times) == 0;
}

// with_small_stack - argv run through sh with a small stack limit, so that
// postconf's runaway recursion on a loop through a comparison ends sooner.
std::vector<std::string> with_small_stack(std::vector<std::string> argv) {
  std::vector<std::string> wrapped = {
      "/bin/sh", "-c", "ulimit -s " + std::to_string(postconf_stack_kib) + " && exec \"$@\"", "sh"};
  wrapped.insert(wrapped.end(), argv.begin(), argv.end());
  return wrapped;
}

// What both programs did for one parameter of one case.
struct Query {
  std::string name;
  Outcome theirs;
  Outcome mine;
  Outcome theirs_raw;  // without -x; hand-written cases only
  Outcome mine_raw;
};

struct CaseResult {
  Case c;
  std::string dir;  // the folder the programs were given (removed since)
  std::string setup_error;
  std::vector<Query> queries;
};

std::vector<Case> all_cases() {
  std::vector<Case> cases;
  for (const auto& file : corpus_files())
    cases.push_back(load_case(std::string(corpus_dir()) + "/" + file, file));
  for (unsigned i = 0; i < generated_count; ++i) cases.push_back(Generator(seed_base + i).make(seed_base + i));
  return cases;
}

// results - every case run through both programs, keyed by case title.
// postconf sleeps a second before it exits on an error, so the runs are
// spread over a pool of threads (each runs one child at a time) and done once.
const std::map<std::string, CaseResult>& results() {
  static std::map<std::string, CaseResult> done;
  static std::once_flag once;
  std::call_once(once, [] {
    const std::string postconf = find_postconf();
    const std::string ours = std::getenv("DGRAM_CONFIG") ? std::getenv("DGRAM_CONFIG") : "";
    std::vector<std::unique_ptr<TempDir>> dirs;
    struct Job {
      CaseResult* result;
      std::size_t query;
    };
    std::vector<Job> jobs;
    for (auto& c : all_cases()) {
      CaseResult& r = done[c.title];
      r.c = std::move(c);
      dirs.push_back(std::make_unique<TempDir>());
      r.dir = dirs.back()->path();
      std::string probe;
      for (const auto& q : r.c.queries) probe += (probe.empty() ? "$" : ",$") + q;
      if (r.dir.empty() || !write_backdated(r.dir + "/main.cf", r.c.main_cf) ||
          !write_backdated(r.dir + "/master.cf",
                           "probe unix - n n - - smtpd -o dgram_probe=" + probe + "\n")) {
        r.setup_error = std::string("cannot make the case folder: ") + std::strerror(errno);
        continue;
      }
      for (const auto& q : r.c.queries) {
        r.queries.push_back(Query{q, {}, {}, {}, {}});
        jobs.push_back({&r, r.queries.size() - 1});
      }
    }

    auto argv_for = [](const std::string& program, const CaseResult& r, const std::string& name,
                       bool expand = true) {
      std::vector<std::string> argv = {program, "-c", r.dir};
      for (const auto& o : r.c.options) {
        argv.push_back("-o");
        argv.push_back(o);
      }
      if (expand) argv.push_back("-x");
      argv.push_back("-h");
      argv.push_back(name);
      return argv;
    };
    std::atomic<std::size_t> next{0};
    auto worker = [&] {
      for (std::size_t i; (i = next++) < jobs.size();) {
        CaseResult& r = *jobs[i].result;
        Query& q = r.queries[jobs[i].query];
        q.theirs = run(with_small_stack(argv_for(postconf, r, q.name)));
        q.mine = run(argv_for(ours, r, q.name));
        if (!r.c.generated) {
          q.theirs_raw = run(with_small_stack(argv_for(postconf, r, q.name, false)));
          q.mine_raw = run(argv_for(ours, r, q.name, false));
        }
      }
    };
    std::vector<std::thread> pool;
    for (int i = 0; i < worker_count; ++i) pool.emplace_back(worker);
    for (auto& t : pool) t.join();
  });
  return done;
}

// --------------------------------------------------------------- checking

bool mentions(const std::string& text, const std::string& what) {
  return text.find(what) != std::string::npos;
}

// The "fatal:" line of a program's stderr, without the program name.
std::string fatal_line(const std::string& err) {
  auto at = err.find(": fatal: ");
  if (at == std::string::npos) return "";
  auto end = err.find('\n', at);
  return err.substr(at + 9, end == std::string::npos ? std::string::npos : end - at - 9);
}

void cross_check(const std::string& title) {
  ASSERT_FALSE(find_postconf().empty()) << install_hint;
  ASSERT_NE(std::getenv("DGRAM_CONFIG"), nullptr)
      << "DGRAM_CONFIG is not set (tests/meson.build sets it)";
  auto found = results().find(title);
  ASSERT_NE(found, results().end()) << title;
  const CaseResult& r = found->second;
  ASSERT_TRUE(r.setup_error.empty()) << r.setup_error;
  ASSERT_FALSE(r.c.queries.empty()) << title << ": no '# query:' line";

  for (const Query& q : r.queries) {
    const Outcome& theirs = q.theirs;
    const Outcome& mine = q.mine;
    std::string context = title + ", parameter " + q.name + "\n--- main.cf:\n" + r.c.main_cf +
                          "--- postconf: " + describe(theirs) + ", stdout [" + theirs.out +
                          "] stderr (start):\n" + theirs.err.substr(0, 2000) +
                          "--- dgram-config: " + describe(mine) + ", stdout [" + mine.out +
                          "] stderr:\n" + mine.err;
    ASSERT_FALSE(mine.timed_out) << context;
    ASSERT_FALSE(mine.signaled) << context;
    ASSERT_FALSE(theirs.timed_out) << context;

    const bool crash_expected = std::find(r.c.postconf_crash.begin(), r.c.postconf_crash.end(),
                                          q.name) != r.c.postconf_crash.end();
    if (theirs.signaled) {
      // The documented difference: postconf recurses until its stack
      // overflows on a loop through a comparison operand; we refuse. In a
      // hand-written case we must name the loop; in a generated one a syntax
      // error met on the way may be reported first.
      EXPECT_TRUE(crash_expected || r.c.generated) << "unexpected postconf crash\n" << context;
      EXPECT_TRUE(mentions(r.c.main_cf, "${{")) << "crash without a comparison\n" << context;
      EXPECT_EQ(theirs.code, SIGSEGV) << context;
      EXPECT_EQ(mine.code, 1) << context;
      EXPECT_TRUE(r.c.generated || mentions(mine.err, "reference loop")) << context;
      EXPECT_FALSE(fatal_line(mine.err).empty()) << context;
      continue;
    }
    EXPECT_FALSE(crash_expected) << "postconf was expected to crash\n" << context;
    if (!r.c.generated) {
      // Without -x both print the raw value (white space normalized).
      EXPECT_EQ(q.mine_raw.code, q.theirs_raw.code) << "without -x\n" << context;
      EXPECT_EQ(q.mine_raw.out, q.theirs_raw.out)
          << "without -x; postconf stderr:\n" << q.theirs_raw.err << context;
    }
    EXPECT_EQ(mine.code, theirs.code) << context;
    EXPECT_EQ(mine.out, theirs.out) << context;
    // Unknown names are reported by both, and a failure is one fatal line.
    const std::string unknown = q.name + ": unknown parameter";
    EXPECT_EQ(mentions(mine.err, unknown), mentions(theirs.err, unknown)) << context;
    if (mine.code != 0) {
      EXPECT_FALSE(fatal_line(mine.err).empty()) << context;
      // main.cf syntax errors use Postfix's words, so the lines are equal.
      if (fatal_line(theirs.err).rfind(r.dir, 0) == 0) {
        EXPECT_EQ(fatal_line(mine.err), fatal_line(theirs.err)) << context;
      }
    }
  }
}

// ----------------------------------------------------------------- tests

TEST(PostconfCrosscheck, PostconfIsInstalled) { EXPECT_FALSE(find_postconf().empty()) << install_hint; }

TEST(PostconfCrosscheck, CorpusIsThere) {
  ASSERT_NE(corpus_dir(), nullptr) << "POSTCONF_CORPUS is not set (tests/meson.build sets it)";
  EXPECT_GE(corpus_files().size(), 40u) << "in " << corpus_dir();
}

TEST(PostconfCrosscheck, MissingMainCf) {
  const std::string postconf = find_postconf();
  ASSERT_FALSE(postconf.empty()) << install_hint;
  const char* ours = std::getenv("DGRAM_CONFIG");
  ASSERT_NE(ours, nullptr);
  TempDir dir;
  Outcome theirs = run({postconf, "-c", dir.path(), "-x", "-h", "t_a"});
  Outcome mine = run({ours, "-c", dir.path(), "-x", "-h", "t_a"});
  EXPECT_EQ(mine.code, theirs.code);
  EXPECT_EQ(mine.out, theirs.out);
  EXPECT_EQ(fatal_line(mine.err), fatal_line(theirs.err));
  EXPECT_EQ(fatal_line(mine.err), "open " + dir.path() + "/main.cf: No such file or directory");
}

// Runs postconf and dgram-config with the same arguments after "-c DIR".
struct Both {
  Outcome theirs, mine;
};
Both run_both(const std::string& main_cf, const std::string& master_cf,
              const std::vector<std::string>& args) {
  TempDir dir;
  Both b;
  if (!write_backdated(dir.path() + "/main.cf", main_cf) ||
      !write_backdated(dir.path() + "/master.cf", master_cf)) {
    ADD_FAILURE() << "cannot write the case files in " << dir.path();
    return b;
  }
  std::vector<std::string> theirs = {find_postconf(), "-c", dir.path()};
  std::vector<std::string> mine = {std::getenv("DGRAM_CONFIG"), "-c", dir.path()};
  theirs.insert(theirs.end(), args.begin(), args.end());
  mine.insert(mine.end(), args.begin(), args.end());
  b.theirs = run(theirs);
  b.mine = run(mine);
  return b;
}

TEST(PostconfCrosscheck, NameEqualsValueLines) {
  ASSERT_FALSE(find_postconf().empty()) << install_hint;
  ASSERT_NE(std::getenv("DGRAM_CONFIG"), nullptr);
  const std::string main_cf = "t_a = one\n   two\nt_e =\nt_b = [$t_a]\n";
  const std::string master_cf = "probe unix - n n - - smtpd -o dgram_probe=$t_a,$t_e,$t_b\n";
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"t_a", "t_e", "t_b"}, {"-x", "t_b", "t_e"}, {"-h", "t_b", "t_a"}}) {
    Both b = run_both(main_cf, master_cf, args);
    EXPECT_EQ(b.mine.code, b.theirs.code) << args[0];
    EXPECT_EQ(b.mine.out, b.theirs.out) << args[0];
  }
}

TEST(PostconfCrosscheck, DgramConfigListsEveryParameterSorted) {
  // postconf lists its hundreds of built-in parameters here; we list what
  // main.cf and -o define, which postconf -n would show (minus its additions).
  const char* ours = std::getenv("DGRAM_CONFIG");
  ASSERT_NE(ours, nullptr);
  TempDir dir;
  ASSERT_TRUE(write_backdated(dir.path() + "/main.cf", "zz = 1\nt_b = [$t_a]\nt_a = A  B\n"));
  Outcome all = run({ours, "-c", dir.path(), "-o", "mm=$zz"});
  EXPECT_EQ(all.code, 0);
  EXPECT_EQ(all.out, "mm = $zz\nt_a = A B\nt_b = [$t_a]\nzz = 1\n");
  Outcome expanded = run({ours, "-c", dir.path(), "-x", "-h"});
  EXPECT_EQ(expanded.out, "A B\n[A B]\n1\n");
  Outcome bad = run({ours, "-c", dir.path(), "-o", "novalue"});
  EXPECT_EQ(bad.code, 1);
  EXPECT_EQ(bad.out, "");
  EXPECT_FALSE(fatal_line(bad.err).empty()) << bad.err;
}

class CorpusFile : public testing::TestWithParam<std::string> {};

TEST_P(CorpusFile, SameAsPostconf) { cross_check(GetParam()); }

INSTANTIATE_TEST_SUITE_P(PostconfCrosscheck, CorpusFile, testing::ValuesIn(corpus_files()),
                         [](const testing::TestParamInfo<std::string>& info) {
                           std::string n = info.param.substr(0, info.param.size() - 3);
                           for (char& ch : n)
                             if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
                           return n;
                         });
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(CorpusFile);

class Generated : public testing::TestWithParam<unsigned> {};

TEST_P(Generated, SameAsPostconf) { cross_check("seed " + std::to_string(seed_base + GetParam())); }

INSTANTIATE_TEST_SUITE_P(PostconfCrosscheck, Generated, testing::Range(0u, generated_count));

}  // namespace
