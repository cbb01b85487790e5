// SPDX-License-Identifier: MIT
// config_test - main.cf syntax, $name expansion and typed lookups.
//
// Table-driven: each table row is one main.cf text and what the library must
// make of it. The expected values were checked against Debian's postconf 3.7
// where postconf can express them (see postconf_crosscheck_test.cpp).
#include "dgram/config.h"

#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <climits>
#include <cstring>
#include <fstream>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace dgram {
namespace {

Config from_text(std::string_view text) {
  Config c;
  c.read_text(text, "main.cf");
  return c;
}

// The message of the ConfigError that f throws, or "(no error)".
template <typename F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "(no error)";
}

// ---------------------------------------------------------------- syntax

struct SyntaxCase {
  const char* what;
  const char* text;
  const char* name;
  std::optional<std::string> raw;  // nullopt: not defined
};

const SyntaxCase syntax_cases[] = {
    {"simple", "t_a = one\n", "t_a", "one"},
    {"no spaces", "t_a=one\n", "t_a", "one"},
    {"white space trimmed", "  \t\nt_a \t =  \t one two \t \n", "t_a", "one two"},
    {"empty value", "t_a =\n", "t_a", ""},
    {"empty value with blanks", "t_a =   \n", "t_a", ""},
    {"value keeps '='", "t_a = b = c\n", "t_a", "b = c"},
    {"value keeps '#'", "t_a = one # two\n", "t_a", "one # two"},
    {"inner blanks kept", "t_a = a   b\n", "t_a", "a   b"},
    {"no final newline", "t_a = one", "t_a", "one"},
    {"CRLF line end", "t_a = one\r\n", "t_a", "one"},
    {"continuation joined as written", "t_a = one\n  two\n\tthree\n", "t_a", "one  two\tthree"},
    {"trailing blanks before continuation", "t_a = one  \n two\n", "t_a", "one   two"},
    {"comment inside continuation", "t_a = one\n# c\n  two\n", "t_a", "one  two"},
    {"indented comment inside continuation", "t_a = one\n   # c\n  two\n", "t_a", "one  two"},
    {"blank line inside continuation", "t_a = one\n\n  two\n", "t_a", "one  two"},
    {"blank-only line inside continuation", "t_a = one\n   \n  two\n", "t_a", "one  two"},
    {"next definition ends the line", "t_a = one\nt_b = two\n", "t_a", "one"},
    {"comment line", "# t_a = one\n", "t_a", std::nullopt},
    {"indented comment line", "   # t_a = one\n", "t_a", std::nullopt},
    {"later definition wins", "t_a = one\nt_a = two\n", "t_a", "two"},
    {"leading continuation skipped", "  t_a = one\nt_b = two\n", "t_a", std::nullopt},
    {"leading continuation: next line kept", "  t_a = one\nt_b = two\n", "t_b", "two"},
    {"name with odd characters", "t-x.y = 1\n", "t-x.y", "1"},
    {"raw value kept unexpanded", "t_a = $t_b ${t_c?x}\n", "t_a", "$t_b ${t_c?x}"},
};

class SyntaxTest : public testing::TestWithParam<SyntaxCase> {};

TEST_P(SyntaxTest, RawValue) {
  const SyntaxCase& c = GetParam();
  Config config = from_text(c.text);
  EXPECT_EQ(config.raw_value(c.name), c.raw) << c.what;
  EXPECT_EQ(config.has(c.name), c.raw.has_value()) << c.what;
}

INSTANTIATE_TEST_SUITE_P(Config, SyntaxTest, testing::ValuesIn(syntax_cases));

struct SyntaxErrorCase {
  const char* text;
  const char* message;
};

const SyntaxErrorCase syntax_errors[] = {
    {"t_a = 1\njunk line\n", "main.cf, line 2: missing '=' after attribute name: \"junk line\""},
    {"# c\n\njunk\n  more\nt_b = 2\n",
     "main.cf, line 3: missing '=' after attribute name: \"junk  more\""},
    {"foo bar = x\n", "main.cf, line 1: missing '=' after attribute name: \"foo bar = x\""},
    {"= x\n", "main.cf, line 1: missing attribute name: \"= x\""},
    {"t_a\n", "main.cf, line 1: missing '=' after attribute name: \"t_a\""},
};

class SyntaxErrorTest : public testing::TestWithParam<SyntaxErrorCase> {};

TEST_P(SyntaxErrorTest, NamesFileAndLine) {
  EXPECT_EQ(error_of([&] { from_text(GetParam().text); }), GetParam().message);
}

INSTANTIATE_TEST_SUITE_P(Config, SyntaxErrorTest, testing::ValuesIn(syntax_errors));

TEST(ConfigSyntax, WarnsAboutSkippedText) {
  Config c = from_text("  lead = x\n  more\nt_a = 1\n");
  ASSERT_EQ(c.warnings().size(), 1u);
  EXPECT_EQ(c.warnings()[0],
            "main.cf: logical line must not start with white space: \"  lead = x  more\" (ignored)");
  EXPECT_FALSE(c.has("lead"));
  EXPECT_EQ(c.raw_value("t_a"), "1");

  Config n;
  n.read_text(std::string_view("t_a = ab\0cd\n", 12), "f");
  ASSERT_EQ(n.warnings().size(), 1u);
  EXPECT_EQ(n.warnings()[0], "f, line 1: text after a null byte is ignored");
}

// A null byte anywhere in main.cf: what postconf 3.7 makes of the same
// bytes (tests/data/postconf_corpus/57-69 check it against postconf).
struct NullByteCase {
  const char* what;
  std::string text;
  const char* name;
  std::optional<std::string> raw;  // nullopt: not defined
  const char* error;               // the ConfigError, or nullptr
  std::size_t warnings;
};

using namespace std::string_literals;

const NullByteCase null_byte_cases[] = {
    {"first on a line", "t_a = 1\n\0t_b = 2\n"s, "t_a", std::nullopt,
     "main.cf, line 2: missing attribute name: \"\"", 0},
    {"the whole file", "\0"s, "t_a", std::nullopt, "main.cf, line 1: missing attribute name: \"\"",
     0},
    {"last byte, no newline", "t_a = 1\n\0"s, "t_a", std::nullopt,
     "main.cf, line 2: missing attribute name: \"\"", 0},
    {"alone, then a continuation", "t_a = 1\n\0\n  more\nt_b = 2\n"s, "t_a", std::nullopt,
     "main.cf, line 2: missing attribute name: \"\"", 0},
    {"after a backslash line", "t_a = 1 \\\n\0x\nt_b = 2\n"s, "t_a", std::nullopt,
     "main.cf, line 2: missing attribute name: \"\"", 0},
    {"after an indented backslash continuation", "t_a = 1 \\\n \0x\nt_b = 2\n"s, "t_a",
     "1 \\", nullptr, 1},
    {"mid-value", "t_a = one\0two\nt_b = 2\n"s, "t_a", "one", nullptr, 1},
    {"right after '='", "t_a =\0 1\n"s, "t_a", "", nullptr, 1},
    {"inside a name", "t_a\0b = 1\n"s, "t_a", std::nullopt,
     "main.cf, line 1: missing '=' after attribute name: \"t_a\"", 0},
    {"in a continuation line", "t_a = one\n  \0two\n  three\nt_b = 2\n"s, "t_a", "one", nullptr,
     1},
    {"the line after is kept", "t_a = one\n  \0two\n  three\nt_b = 2\n"s, "t_b", "2", nullptr, 1},
    {"after leading white space at the top", " \0x\nt_a = 1\n"s, "t_a", "1", nullptr, 2},
    {"in a comment", "#\0 c\nt_a = 1\n"s, "t_a", "1", nullptr, 0},
    {"before CR LF", "t_a = one\0\r\n"s, "t_a", "one", nullptr, 1},
};

class NullByteTest : public testing::TestWithParam<NullByteCase> {};

TEST_P(NullByteTest, AsPostconf) {
  const NullByteCase& c = GetParam();
  Config config;
  std::string error = error_of([&] { config.read_text(c.text, "main.cf"); });
  EXPECT_EQ(error, c.error ? c.error : "(no error)") << c.what;
  if (c.error) return;
  EXPECT_EQ(config.raw_value(c.name), c.raw) << c.what;
  EXPECT_EQ(config.warnings().size(), c.warnings) << c.what;
}

INSTANTIATE_TEST_SUITE_P(Config, NullByteTest, testing::ValuesIn(null_byte_cases));

// ------------------------------------------------------------- expansion

struct ExpandCase {
  const char* what;
  const char* text;  // main.cf
  const char* name;
  const char* expanded;
};

// Common definitions for the expansion table.
constexpr const char* defs = "t_a = AA\nt_b = BB\nt_e =\nt_ref = $t_a\nt_eref = $t_e\n";

const ExpandCase expand_cases[] = {
    {"plain", "r = x\n", "r", "x"},
    {"bare name", "r = <$t_a>\n", "r", "<AA>"},
    {"braces", "r = <${t_a}>\n", "r", "<AA>"},
    {"parentheses", "r = <$(t_a)>\n", "r", "<AA>"},
    {"name ends at a non-name character", "r = $t_a.b-$t_b\n", "r", "AA.b-BB"},
    {"braces allow white space around the name", "r = <${ t_a }>\n", "r", "<AA>"},
    {"undefined is empty", "r = <$t_nope>\n", "r", "<>"},
    {"undefined braces", "r = <${t_nope}>\n", "r", "<>"},
    {"blank name is undefined", "r = <${ }>\n", "r", "<>"},
    {"nested", "r = <$t_ref>\n", "r", "<AA>"},
    {"deeper", "r2 = $r1/$r1\nr1 = $t_ref-$t_b\n", "r2", "AA-BB/AA-BB"},
    {"defined later in the file", "r = $late\nlate = L\n", "r", "L"},
    {"dollar dollar", "r = a$$b\n", "r", "a$b"},
    {"dollar dollar name", "r = $$t_a\n", "r", "$t_a"},
    {"dollar dollar not rescanned", "q = $$t_a\nr = $q\n", "r", "$t_a"},
    {"lone dollar pair", "r = <$$>\n", "r", "<$>"},
    {"? non-empty", "r = <${t_a?yes}>\n", "r", "<yes>"},
    {"? empty", "r = <${t_e?yes}>\n", "r", "<>"},
    {"? undefined", "r = <${t_nope?yes}>\n", "r", "<>"},
    {": non-empty", "r = <${t_a:no}>\n", "r", "<>"},
    {": empty", "r = <${t_e:no}>\n", "r", "<no>"},
    {": undefined", "r = <${t_nope:no}>\n", "r", "<no>"},
    {"$( ) conditional", "r = <$(t_a?yes)><$(t_e:no)>\n", "r", "<yes><no>"},
    {"condition tests the raw value", "r = <${t_eref?yes}><${t_eref:no}>\n", "r", "<yes><>"},
    {"plain text keeps its blanks", "r = <${t_a? x }>\n", "r", "< x >"},
    {"blanks before ? allowed", "r = <${t_a ? x}>\n", "r", "< x>"},
    {"plain text may hold ':'", "r = <${t_a?x:y}>\n", "r", "<x:y>"},
    {"plain text balances braces", "r = <${t_a?a{b}c}>\n", "r", "<a{b}c>"},
    {"text after the reference", "r = <${t_a?x}y}>\n", "r", "<xy}>"},
    {"parentheses inside braces", "r = <${t_a?(x}>\n", "r", "<(x>"},
    {"parentheses balance in $()", "r = <$(t_a?(x))>\n", "r", "<(x)>"},
    {"text is expanded", "r = <${t_a?$t_b}>\n", "r", "<BB>"},
    {"text with $$", "r = <${t_a?$$x}>\n", "r", "<$x>"},
    {"nested conditionals", "r = <${t_a?${t_e:in}}>\n", "r", "<in>"},
    {"brace ?", "r = <${t_a?{yes}}>\n", "r", "<yes>"},
    {"brace :", "r = <${t_e:{no}}>\n", "r", "<no>"},
    {"brace ?: true", "r = <${t_a?{yes}:{no}}>\n", "r", "<yes>"},
    {"brace ?: false", "r = <${t_e?{yes}:{no}}>\n", "r", "<no>"},
    {"brace ?: undefined", "r = <${t_nope?{yes}:{no}}>\n", "r", "<no>"},
    {"brace keeps inner blanks", "r = <${t_a?{ x }}>\n", "r", "< x >"},
    {"blanks around braces ignored", "r = <${ t_e ? {x} : {y} }>\n", "r", "<y>"},
    {"brace then plain else", "r = <${t_e?{x}:  y }>\n", "r", "<  y >"},
    {"brace with empty else", "r = <${t_a?{x}:}>\n", "r", "<x>"},
    {"brace texts expanded", "r = <${t_a?{$t_b}:{$t_e}}>\n", "r", "<BB>"},
    {"brace text with nested braces", "r = <${t_a?{a{b}c}}>\n", "r", "<a{b}c>"},
    {"untaken branch not examined", "r = <${t_e?{$}:{ok}}>\n", "r", "<ok>"},
    {"self test is not a loop", "r = ${r?x}\n", "r", "x"},
    {"relational ==", "r = ${{$t_a} == {AA} ? {yes} : {no}}\n", "r", "yes"},
    {"relational !=", "r = ${{$t_a} != {AA} ? {yes} : {no}}\n", "r", "no"},
    {"relational numeric", "r = ${{10} < {9} ? {yes} : {no}}\n", "r", "no"},
    {"relational numeric leading zero", "r = ${{0010} == {10}?{y}:{n}}\n", "r", "y"},
    {"relational text", "r = ${{b} > {a}?{y}:{n}}\n", "r", "y"},
    {"relational empty sides", "r = <${{} == {}?{y}:{n}}><${{} == {0}?{y}:{n}}>\n", "r",
     "<y><n>"},
    {"relational alone: true", "r = <${{x} == {x}}>\n", "r", "<true>"},
    {"relational alone: false", "r = <${{x} == {y}}>\n", "r", "<>"},
    {"relational <= >=", "r = ${{2}<={2}?{a}}${{3}>={4}?{b}:{c}}\n", "r", "ac"},
    {"continuation inside a reference", "r = ${t_a?\n  {yes}}\n", "r", "yes"},
};

class ExpandTest : public testing::TestWithParam<ExpandCase> {};

TEST_P(ExpandTest, Value) {
  const ExpandCase& c = GetParam();
  Config config = from_text(std::string(defs) + c.text);
  EXPECT_EQ(config.expand(c.name), c.expanded) << c.what << ": " << c.text;
}

INSTANTIATE_TEST_SUITE_P(Config, ExpandTest, testing::ValuesIn(expand_cases));

struct ExpandErrorCase {
  const char* text;
  const char* name;
  const char* message;
};

const ExpandErrorCase expand_errors[] = {
    {"t_a = $t_a\n", "t_a", "parameter t_a: reference loop: t_a -> t_a"},
    {"t_a = x$t_a\n", "t_a", "parameter t_a: reference loop: t_a -> t_a"},
    {"t_a = $t_b\nt_b = ${t_c}\nt_c = $(t_a)\n", "t_a",
     "parameter t_a: reference loop: t_a -> t_b -> t_c -> t_a"},
    {"r = $t_a\nt_a = $t_b\nt_b = $t_a\n", "r", "parameter r: reference loop: t_a -> t_b -> t_a"},
    {"t_a = ${t_b?{$t_a}}\nt_b = x\n", "t_a", "parameter t_a: reference loop: t_a -> t_a"},
    {"t_a = ${{$t_a} == {x}?y}\n", "t_a", "parameter t_a: reference loop: t_a -> t_a"},
    {"r = x${t_a\n", "r", "parameter r: unterminated \"${\" reference in \"x${t_a\""},
    {"r = x$(t_a\n", "r", "parameter r: unterminated \"$(\" reference in \"x$(t_a\""},
    {"r = x${t_a)y\n", "r", "parameter r: unterminated \"${\" reference in \"x${t_a)y\""},
    {"r = $q\nq = ${oops\n", "r",
     "parameter q: unterminated \"${\" reference in \"${oops\" (while expanding r)"},
    {"r = x$\n", "r", "parameter r: \"$\" without a parameter name in \"x$\""},
    {"r = x$.y\n", "r", "parameter r: \"$\" without a parameter name in \"x$.y\""},
    {"r = x${}y\n", "r", "parameter r: \"$\" without a parameter name in \"x${}y\""},
    {"r = ${t-a}\n", "r", "parameter r: bad parameter name in \"${t-a}\" at \"-a\""},
    {"r = ${t_a=x}\n", "r", "parameter r: bad parameter name in \"${t_a=x}\" at \"=x\""},
    {"t_a = 1\nr = ${t_a?{x}junk}\n", "r", "parameter r: \":\" expected after {x} at \"junk\""},
    {"t_a = 1\nr = ${t_a?{x}:{y}junk}\n", "r",
     "parameter r: unexpected text after {y} at \"junk\""},
    {"r = ${t_a:{x}:{y}}\n", "r", "parameter r: unexpected text after {x} at \":{y}\""},
    {"r = ${t_a?{x}\n", "r", "parameter r: unterminated \"${\" reference in \"${t_a?{x}\""},
    {"t_a = 1\nr = $(t_a?{x)\n", "r", "parameter r: unbalanced {} in \"{x\""},
    {"r = ${{a} =~ {b}}\n", "r",
     "parameter r: one of == != < <= >= > expected after {a} at \"=~ {b}\""},
    {"r = ${{a} == b}\n", "r", "parameter r: {text} expected after \"==\" at \"b\""},
    {"r = ${{a} == {b} x}\n", "r",
     "parameter r: \"?\" or \":\" expected after a comparison, at \"x\""},
    {"r = ${{99999999999999999999} == {1}?{y}}\n", "r",
     "parameter r: number out of range in comparison: 99999999999999999999"},
    {"t_a = 1\nr = ${t_a?$}\n", "r", "parameter r: \"$\" without a parameter name in \"$\""},
};

class ExpandErrorTest : public testing::TestWithParam<ExpandErrorCase> {};

TEST_P(ExpandErrorTest, Message) {
  const ExpandErrorCase& c = GetParam();
  Config config = from_text(c.text);
  EXPECT_EQ(error_of([&] { config.expand(c.name); }), c.message) << c.text;
}

INSTANTIATE_TEST_SUITE_P(Config, ExpandErrorTest, testing::ValuesIn(expand_errors));

// A chain c_n = $c_{n-1} ... c0 = end: Postfix accepts 100 levels, not 101.
std::string chain(int n, const char* last) {
  std::string text = std::string("c0 = ") + last + "\n";
  for (int i = 1; i <= n; ++i)
    text += "c" + std::to_string(i) + " = $c" + std::to_string(i - 1) + "\n";
  return text;
}

TEST(ConfigExpand, NestingLimitIsPostfixs) {
  EXPECT_EQ(from_text(chain(100, "end")).expand("c100"), "end");
  EXPECT_EQ(error_of([] { from_text(chain(101, "end")).expand("c101"); }),
            "parameter c101: $name references nested more than 100 levels deep");
  // The limit counts pieces of text: an empty value at the bottom is not one.
  EXPECT_EQ(from_text(chain(101, "")).expand("c101"), "");
  EXPECT_NE(error_of([] { from_text(chain(102, "")).expand("c102"); }), "(no error)");
}

// A loop of n parameters: l0 = x$l1, l1 = x$l2, ..., l(n-1) = x$l0.
std::string ring(int n) {
  std::string text;
  for (int i = 0; i < n; ++i)
    text += "l" + std::to_string(i) + " = x$l" + std::to_string((i + 1) % n) + "\n";
  return text;
}

TEST(ConfigExpand, LongLoops) {
  // Within the nesting limit a loop is reported with its path ...
  std::string message = error_of([] { from_text(ring(50)).expand("l0"); });
  EXPECT_EQ(message.rfind("parameter l0: reference loop: l0 -> l1 -> l2 -> ", 0), 0u) << message;
  EXPECT_NE(message.find("l49 -> l0"), std::string::npos) << message;
  // ... beyond it, the nesting limit stops it first.
  EXPECT_EQ(error_of([] { from_text(ring(1000)).expand("l0"); }),
            "parameter l0: $name references nested more than 100 levels deep");
}

TEST(ConfigExpand, RunawayTextIsStopped) {
  // References that double at each level would need gigabytes.
  std::string text = "t0 = " + std::string(1024, 'x') + "\n";
  for (int i = 1; i <= 30; ++i)
    text += "t" + std::to_string(i) + " = $t" + std::to_string(i - 1) + "$t" +
            std::to_string(i - 1) + "\n";
  Config c = from_text(text);
  EXPECT_EQ(c.expand("t10").size(), 1024u << 10);
  EXPECT_EQ(error_of([&] { c.expand("t30"); }),
            "parameter t30: expanded value is longer than 16777216 bytes");

  // Comparisons restart Postfix's nesting count; our stack guard does not.
  std::string e = "a";
  for (int i = 0; i < 500; ++i) e = "${{" + e + "} == {a}}";
  Config d = from_text("r = " + e + "\n");
  EXPECT_EQ(error_of([&] { d.expand("r"); }),
            "parameter r: $name references and {text} nested too deeply");
  std::string ok = "a";
  for (int i = 0; i < 150; ++i) ok = "${{" + ok + "} == {a}?{a}:{b}}";
  EXPECT_EQ(from_text("r = " + ok + "\n").expand("r"), "a");
}

// in_child - work() run in a forked child, its result read back; nullopt
// when the child has not finished within limit (it is then killed). Keeps a
// test of work that once took exponential time bounded in time.
std::optional<std::string> in_child(const std::function<std::string()>& work,
                                    std::chrono::seconds limit) {
  int fds[2];
  if (::pipe(fds) != 0) {
    ADD_FAILURE() << "pipe: " << std::strerror(errno);
    return std::nullopt;
  }
  pid_t pid = ::fork();
  if (pid < 0) {
    ADD_FAILURE() << "fork: " << std::strerror(errno);
    ::close(fds[0]);
    ::close(fds[1]);
    return std::nullopt;
  }
  if (pid == 0) {
    ::close(fds[0]);
    std::string result;
    try {
      result = work();
    } catch (const std::exception& e) {
      result = std::string("error: ") + e.what();
    }
    std::size_t done = 0;
    while (done < result.size()) {
      ssize_t n = ::write(fds[1], result.data() + done, result.size() - done);
      if (n <= 0) ::_exit(2);
      done += static_cast<std::size_t>(n);
    }
    ::_exit(0);
  }
  ::close(fds[1]);
  const auto deadline = std::chrono::steady_clock::now() + limit;
  std::string got;
  bool finished = false;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    pollfd p{fds[0], POLLIN, 0};
    int ready = ::poll(&p, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) break;
    char buf[4096];
    ssize_t n = ::read(fds[0], buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      finished = n == 0;
      break;
    }
    got.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fds[0]);
  if (!finished) ::kill(pid, SIGKILL);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!finished || !WIFEXITED(status) || WEXITSTATUS(status) != 0) return std::nullopt;
  return got;
}

// A chain where each parameter uses the one before twice: Postfix's work
// (and ours once) doubles per line, 2^40 expansions for 40 lines.
std::string doubling_chain(int n, const std::string& line_template) {
  std::string text = "p0 = x\n";
  for (int i = 1; i <= n; ++i) {
    std::string line = line_template;
    for (std::size_t at; (at = line.find('@')) != std::string::npos;)
      line.replace(at, 1, "p" + std::to_string(i - 1));
    text += "p" + std::to_string(i) + " = " + line + "\n";
  }
  return text;
}

TEST(ConfigExpand, DoublingChainsFinish) {
  // A generous limit, far above the milliseconds this takes: it only stops
  // the exponential case from running for hours.
  constexpr auto limit = std::chrono::seconds(60);
  auto comparisons = in_child([] {
    Config c = from_text(doubling_chain(40, "${{$@} == {$@}}"));
    return c.expand("p40") + "|" + c.expand("p1") + "|" + c.expand("p0");
  }, limit);
  ASSERT_TRUE(comparisons.has_value()) << "did not finish within " << limit.count() << " s";
  EXPECT_EQ(*comparisons, "true|true|x");

  auto conditionals = in_child([] {
    Config c = from_text(doubling_chain(40, "${@?{$@}}${{$@} != {}?{.}}"));
    return c.expand("p40").substr(0, 4) + "|" + std::to_string(c.expand("p40").size()) + "|" +
           c.expand("p2");
  }, limit);
  ASSERT_TRUE(conditionals.has_value()) << "did not finish within " << limit.count() << " s";
  EXPECT_EQ(*conditionals, "x...|41|x..");
}

TEST(ConfigExpand, RememberedValuesKeepTheLimits) {
  // h is first used shallow, then again 98 levels deep where its own levels
  // pass Postfix's limit of 100: the second use must fail as Postfix does.
  std::string text = "h = ${h2}\nh2 = ${h3}\nh3 = end\n";
  std::string deep = "$h";
  for (int i = 0; i < 98; ++i) deep = "${d?{" + deep + "}}";
  text += "d = 1\nr = $h" + deep + "\n";
  EXPECT_EQ(error_of([&] { from_text(text).expand("r"); }),
            "parameter r: $name references nested more than 100 levels deep");
  // One level less: both uses fit.
  std::string fits = "$h";
  for (int i = 0; i < 97; ++i) fits = "${d?{" + fits + "}}";
  EXPECT_EQ(from_text("h = ${h2}\nh2 = ${h3}\nh3 = end\nd = 1\nr = $h" + fits + "\n").expand("r"),
            "endend");
}

TEST(ConfigExpand, TooMuchWorkIsStopped) {
  // Each use of t20 copies 1 MiB: many uses in one value pass the bound on
  // work long before the 16 MiB bound on one result.
  std::string text = "t0 = " + std::string(1024, 'x') + "\n";
  for (int i = 1; i <= 10; ++i)
    text += "t" + std::to_string(i) + " = $t" + std::to_string(i - 1) + "$t" +
            std::to_string(i - 1) + "\n";
  std::string many;
  for (int i = 0; i < 300; ++i) many += "${{$t10} == {$t10}}";
  text += "r = " + many + "\n";
  EXPECT_EQ(error_of([&] { from_text(text).expand("r"); }),
            "expansion of r takes too many steps (more than 268435456)");
}

TEST(ConfigExpand, TextAndUndefinedName) {
  Config c = from_text("t_a = AA\n");
  EXPECT_EQ(c.expand_text("<$t_a ${t_a?{y}}>"), "<AA y>");
  EXPECT_EQ(c.expand("t_nope"), "");
  EXPECT_EQ(error_of([&] { c.expand_text("x${"); }), "unterminated \"${\" reference in \"x${\"");
}

TEST(ConfigExpand, RawValueIsNeverExpanded) {
  Config c = from_text("t_a = AA\nt_b = [$t_a]\n");
  EXPECT_EQ(c.expand("t_b"), "[AA]");
  EXPECT_EQ(c.raw_value("t_b"), "[$t_a]");
  EXPECT_EQ(c.get_raw("t_b", "d"), "[$t_a]");
}

// ---------------------------------------------------------- store basics

TEST(ConfigStore, SetOverridesMainCf) {
  Config c = from_text("t_a = file\nt_b = <$t_a>\n");
  c.set("t_a", "cmdline");
  EXPECT_EQ(c.expand("t_b"), "<cmdline>");
  c.set("t_new", "$t_a");
  EXPECT_EQ(c.expand("t_new"), "cmdline");
  // A later main.cf read replaces values too (later definitions win).
  c.read_text("t_a = again\n", "second");
  EXPECT_EQ(c.expand("t_b"), "<again>");
}

TEST(ConfigStore, DefaultOnlyWhenAbsent) {
  Config c = from_text("t_a = file\n");
  c.set_default("t_a", "default");
  c.set_default("t_b", "default");
  EXPECT_EQ(c.raw_value("t_a"), "file");
  EXPECT_EQ(c.raw_value("t_b"), "default");
}

TEST(ConfigStore, NamesAreSorted) {
  Config c = from_text("zz = 1\naa = 2\nmm = 3\n");
  EXPECT_EQ(c.names(), (std::vector<std::string>{"aa", "mm", "zz"}));
}

// ---------------------------------------------------------- typed lookups

struct IntCase {
  const char* text;  // main.cf; t_n is looked up
  int def, min, max;
  std::optional<int> value;
  const char* message;  // when value is nullopt
};

const IntCase int_cases[] = {
    {"", 7, 0, 0, 7, ""},
    {"t_n = 42\n", 7, 0, 0, 42, ""},
    {"t_n = -3\n", 7, 0, 0, -3, ""},
    {"t_n = +3\n", 7, 0, 0, 3, ""},
    {"t_x = 12\nt_n = $t_x\n", 7, 0, 0, 12, ""},
    {"t_x = 1\nt_n = ${t_x?{5}:{6}}\n", 7, 0, 0, 5, ""},
    {"t_n = 2147483647\n", 7, 0, 0, INT_MAX, ""},
    {"t_n = 10\n", 7, 10, 20, 10, ""},
    {"t_n = 20\n", 7, 10, 20, 20, ""},
    {"t_n = 5\n", 7, 10, 0, std::nullopt, "invalid t_n parameter value 5 < 10"},
    {"t_n = 25\n", 7, 0, 20, std::nullopt, "invalid t_n parameter value 25 > 20"},
    {"", 5, 10, 0, std::nullopt, "invalid t_n parameter value 5 < 10"},
    {"t_n = 12x\n", 7, 0, 0, std::nullopt, "bad numerical configuration: t_n = 12x"},
    {"t_n = x\n", 7, 0, 0, std::nullopt, "bad numerical configuration: t_n = x"},
    {"t_n =\n", 7, 0, 0, std::nullopt, "bad numerical configuration: t_n = "},
    {"t_n = 2147483648\n", 7, 0, 0, std::nullopt,
     "bad numerical configuration: t_n = 2147483648"},
    {"t_n = 99999999999999999999\n", 7, 0, 0, std::nullopt,
     "bad numerical configuration: t_n = 99999999999999999999"},
    {"t_n = 1.5\n", 7, 0, 0, std::nullopt, "bad numerical configuration: t_n = 1.5"},
    {"t_e =\nt_n = 3 $t_e\n", 7, 0, 0, std::nullopt, "bad numerical configuration: t_n = 3 "},
};

class IntTest : public testing::TestWithParam<IntCase> {};

TEST_P(IntTest, GetInt) {
  const IntCase& c = GetParam();
  Config config = from_text(c.text);
  if (c.value) {
    EXPECT_EQ(config.get_int("t_n", c.def, c.min, c.max), *c.value) << c.text;
  } else {
    EXPECT_EQ(error_of([&] { config.get_int("t_n", c.def, c.min, c.max); }), c.message);
  }
}

TEST_P(IntTest, GetNintWithTheSameText) {
  // nint takes its default as an expression; the checks are the same.
  const IntCase& c = GetParam();
  Config config = from_text(c.text);
  std::string def = std::to_string(c.def);
  if (c.value) {
    EXPECT_EQ(config.get_nint("t_n", def, c.min, c.max), *c.value) << c.text;
  } else {
    EXPECT_EQ(error_of([&] { config.get_nint("t_n", def, c.min, c.max); }), c.message);
  }
}

INSTANTIATE_TEST_SUITE_P(Config, IntTest, testing::ValuesIn(int_cases));

TEST(ConfigTyped, Long) {
  Config c = from_text("t_l = 9223372036854775807\nt_m = 9223372036854775808\nt_s = 3\n");
  EXPECT_EQ(c.get_long("t_l", 1), LONG_MAX);
  EXPECT_EQ(error_of([&] { c.get_long("t_m", 1); }),
            "bad numerical configuration: t_m = 9223372036854775808");
  EXPECT_EQ(error_of([&] { c.get_long("t_s", 1, 5, 0); }), "invalid t_s parameter value 3 < 5");
  EXPECT_EQ(error_of([&] { c.get_long("t_s", 1, 0, 2); }), "invalid t_s parameter value 3 > 2");
  EXPECT_EQ(c.get_long("t_d", 1234567890123L), 1234567890123L);
  EXPECT_EQ(c.raw_value("t_d"), "1234567890123");
}

TEST(ConfigTyped, Nint) {
  Config c = from_text("t_base = 40\n");
  EXPECT_EQ(c.get_nint("t_n", "${t_base?{$t_base}:{3}}"), 40);
  EXPECT_EQ(c.raw_value("t_n"), "${t_base?{$t_base}:{3}}");  // registered unexpanded
  EXPECT_EQ(error_of([&] { c.get_nint("t_m", "$t_base", 50); }),
            "invalid t_m parameter value 40 < 50");
  EXPECT_EQ(error_of([&] { c.get_nint("t_o", "${t_base}x"); }),
            "bad numerical configuration: t_o = 40x");
}

struct BoolCase {
  const char* text;  // t_b is looked up
  bool def;
  std::optional<bool> value;
  const char* message;
};

const BoolCase bool_cases[] = {
    {"", true, true, ""},
    {"", false, false, ""},
    {"t_b = yes\n", false, true, ""},
    {"t_b = YES\n", false, true, ""},
    {"t_b = Yes\n", false, true, ""},
    {"t_b = no\n", true, false, ""},
    {"t_b = nO\n", true, false, ""},
    {"t_x = yes\nt_b = $t_x\n", false, true, ""},
    {"t_b = true\n", false, std::nullopt, "bad boolean configuration: t_b = true"},
    {"t_b = 1\n", false, std::nullopt, "bad boolean configuration: t_b = 1"},
    {"t_b =\n", false, std::nullopt, "bad boolean configuration: t_b = "},
    {"t_b = yess\n", false, std::nullopt, "bad boolean configuration: t_b = yess"},
};

class BoolTest : public testing::TestWithParam<BoolCase> {};

TEST_P(BoolTest, GetBool) {
  const BoolCase& c = GetParam();
  Config config = from_text(c.text);
  if (c.value) {
    EXPECT_EQ(config.get_bool("t_b", c.def), *c.value) << c.text;
  } else {
    EXPECT_EQ(error_of([&] { config.get_bool("t_b", c.def); }), c.message);
  }
}

TEST_P(BoolTest, GetNbool) {
  const BoolCase& c = GetParam();
  Config config = from_text(c.text);
  const char* def = c.def ? "yes" : "no";
  if (c.value) {
    EXPECT_EQ(config.get_nbool("t_b", def), *c.value) << c.text;
  } else {
    EXPECT_EQ(error_of([&] { config.get_nbool("t_b", def); }), c.message);
  }
}

INSTANTIATE_TEST_SUITE_P(Config, BoolTest, testing::ValuesIn(bool_cases));

TEST(ConfigTyped, NboolDefaultIsAnExpression) {
  Config c = from_text("t_on = 1\n");
  EXPECT_TRUE(c.get_nbool("t_b", "${t_on?{yes}:{no}}"));
  EXPECT_FALSE(c.get_nbool("t_c", "${t_off?{yes}:{no}}"));
  EXPECT_EQ(c.raw_value("t_b"), "${t_on?{yes}:{no}}");
  EXPECT_EQ(error_of([&] { c.get_nbool("t_d", "$t_on"); }), "bad boolean configuration: t_d = 1");
}

struct TimeCase {
  const char* text;  // t_t is looked up
  const char* def;
  int min, max;
  std::optional<int> seconds;
  const char* message;
};

const TimeCase time_cases[] = {
    {"", "100s", 0, 0, 100, ""},
    {"", "5m", 0, 0, 300, ""},
    {"t_t = 10\n", "100s", 0, 0, 10, ""},
    {"t_t = 10\n", "1m", 0, 0, 600, ""},
    {"t_t = 10\n", "1h", 0, 0, 36000, ""},
    {"t_t = 2\n", "1d", 0, 0, 172800, ""},
    {"t_t = 2\n", "1w", 0, 0, 1209600, ""},
    {"t_t = 10s\n", "1h", 0, 0, 10, ""},
    {"t_t = 3m\n", "1s", 0, 0, 180, ""},
    {"t_t = 1h\n", "1s", 0, 0, 3600, ""},
    {"t_t = 1d\n", "1s", 0, 0, 86400, ""},
    {"t_t = 1w\n", "1s", 0, 0, 604800, ""},
    {"t_t = 0\n", "1s", 0, 0, 0, ""},
    {"t_x = 7\nt_t = ${t_x}m\n", "1s", 0, 0, 420, ""},
    {"t_t = 5s\n", "1s", 10, 0, std::nullopt, "invalid t_t parameter value 5 < 10"},
    {"t_t = 2m\n", "1s", 0, 100, std::nullopt, "invalid t_t parameter value 120 > 100"},
    {"t_t = 10x\n", "1s", 0, 0, std::nullopt, "parameter t_t: bad time value or unit: 10x"},
    {"t_t = 10ss\n", "1s", 0, 0, std::nullopt, "parameter t_t: bad time value or unit: 10ss"},
    {"t_t = 10S\n", "1s", 0, 0, std::nullopt, "parameter t_t: bad time value or unit: 10S"},
    {"t_t = s\n", "1s", 0, 0, std::nullopt, "parameter t_t: bad time value or unit: s"},
    {"t_t = -1\n", "1s", 0, 0, std::nullopt, "parameter t_t: bad time value or unit: -1"},
    {"t_t =\n", "1s", 0, 0, std::nullopt, "parameter t_t: bad time value or unit: "},
    {"t_t = 4000w\n", "1s", 0, 0, std::nullopt, "parameter t_t: bad time value or unit: 4000w"},
    {"t_t = 10 s\n", "1s", 0, 0, std::nullopt, "parameter t_t: bad time value or unit: 10 s"},
};

class TimeTest : public testing::TestWithParam<TimeCase> {};

TEST_P(TimeTest, GetTime) {
  const TimeCase& c = GetParam();
  Config config = from_text(c.text);
  if (c.seconds) {
    EXPECT_EQ(config.get_time("t_t", c.def, c.min, c.max), *c.seconds) << c.text;
  } else {
    EXPECT_EQ(error_of([&] { config.get_time("t_t", c.def, c.min, c.max); }), c.message);
  }
}

INSTANTIATE_TEST_SUITE_P(Config, TimeTest, testing::ValuesIn(time_cases));

TEST(ConfigTyped, ParseTimeValue) {
  EXPECT_EQ(parse_time_value("10", 's'), 10);
  EXPECT_EQ(parse_time_value("10", 'm'), 600);
  EXPECT_EQ(parse_time_value("10h", 'm'), 36000);
  EXPECT_EQ(parse_time_value("2147483647", 's'), INT_MAX);
  EXPECT_EQ(parse_time_value("2147483648", 's'), std::nullopt);
  EXPECT_EQ(parse_time_value("35791394m", 's'), 35791394L * 60);
  EXPECT_EQ(parse_time_value("35791395m", 's'), std::nullopt);  // over INT_MAX seconds
  EXPECT_EQ(parse_time_value("35791395", 'm'), std::nullopt);
  EXPECT_EQ(parse_time_value("", 's'), std::nullopt);
  EXPECT_EQ(parse_time_value("-5", 's'), std::nullopt);
  EXPECT_EQ(parse_time_value("5x", 's'), std::nullopt);
  EXPECT_EQ(parse_time_value("5", 'x'), std::nullopt);
}

struct StrCase {
  const char* text;  // t_s is looked up
  const char* def;
  int min, max;
  std::optional<std::string> value;
  const char* message;
};

const StrCase str_cases[] = {
    {"", "dflt", 0, 0, "dflt", ""},
    {"t_s = abc\n", "dflt", 0, 0, "abc", ""},
    {"t_s =\n", "dflt", 0, 0, "", ""},
    {"t_x = X\nt_s = <$t_x>\n", "dflt", 0, 0, "<X>", ""},
    {"t_x = X\n", "<$t_x>", 0, 0, "<X>", ""},
    {"t_s = abcde\n", "", 5, 5, "abcde", ""},
    {"t_s = abc\n", "", 5, 0, std::nullopt, "bad string length 3 < 5: t_s = abc"},
    {"t_s = abcdef\n", "", 0, 5, std::nullopt, "bad string length 6 > 5: t_s = abcdef"},
    {"", "", 1, 0, std::nullopt, "bad string length 0 < 1: t_s = "},
    {"t_x = 123\nt_s = $t_x\n", "", 4, 0, std::nullopt, "bad string length 3 < 4: t_s = 123"},
};

class StrTest : public testing::TestWithParam<StrCase> {};

TEST_P(StrTest, GetStr) {
  const StrCase& c = GetParam();
  Config config = from_text(c.text);
  if (c.value) {
    EXPECT_EQ(config.get_str("t_s", c.def, c.min, c.max), *c.value) << c.text;
  } else {
    EXPECT_EQ(error_of([&] { config.get_str("t_s", c.def, c.min, c.max); }), c.message);
  }
}

INSTANTIATE_TEST_SUITE_P(Config, StrTest, testing::ValuesIn(str_cases));

TEST(ConfigTyped, NullByteInAValueIsNeverPartOfAType) {
  // main.cf and argv cannot hold one, but set() can: "12\0x" is not 12.
  Config c;
  c.set("t_n", "12\0x"s);
  EXPECT_EQ(error_of([&] { c.get_int("t_n", 1); }), "bad numerical configuration: t_n = 12");
  EXPECT_EQ(error_of([&] { c.get_long("t_n", 1); }), "bad numerical configuration: t_n = 12");
  c.set("t_b", "no\0"s);
  EXPECT_EQ(error_of([&] { c.get_bool("t_b", true); }), "bad boolean configuration: t_b = no");
  c.set("t_t", "5\0"s);
  EXPECT_EQ(error_of([&] { c.get_time("t_t", "1s"); }),
            "parameter t_t: bad time value or unit: 5");
  EXPECT_EQ(parse_time_value("5\0"s, 's'), std::nullopt);
  EXPECT_EQ(parse_time_value("5m\0"s, 's'), std::nullopt);
  EXPECT_EQ(parse_time_value("5m"s, 's'), 300);
}

TEST(ConfigTyped, Raw) {
  Config c = from_text("t_x = X\nt_r = <$t_x>\n");
  EXPECT_EQ(c.get_raw("t_r", "d"), "<$t_x>");
  EXPECT_EQ(c.get_raw("t_d", "$t_x"), "$t_x");
  EXPECT_EQ(c.raw_value("t_d"), "$t_x");
  EXPECT_EQ(error_of([&] { c.get_raw("t_r", "d", 10); }), "bad string length 6 < 10: t_r = <$t_x>");
  EXPECT_EQ(error_of([&] { c.get_raw("t_r", "d", 0, 3); }), "bad string length 6 > 3: t_r = <$t_x>");
}

// --------------------------------------------------- defaults registration

TEST(ConfigDefaults, RegisteredSoReferencesFindThem) {
  Config c = from_text("t_ref = [$t_i $t_s $t_b $t_t $t_r $t_n $t_nb]\n");
  EXPECT_EQ(c.expand("t_ref"), "[      ]");
  c.get_int("t_i", 5);
  c.get_str("t_s", "str");
  c.get_bool("t_b", true);
  c.get_time("t_t", "2m");
  c.get_raw("t_r", "$$raw");
  c.get_nint("t_n", "${t_i}0");
  c.get_nbool("t_nb", "${t_b}");
  EXPECT_EQ(c.expand("t_ref"), "[5 str yes 2m $raw 50 yes]");
  EXPECT_EQ(c.raw_value("t_i"), "5");
  EXPECT_EQ(c.raw_value("t_b"), "yes");
  EXPECT_EQ(c.raw_value("t_t"), "2m");
}

TEST(ConfigDefaults, StrDefaultIsStoredExpanded) {
  // As Postfix's get_mail_conf_str(): the default is expanded, then stored.
  Config c = from_text("t_x = X\n");
  EXPECT_EQ(c.get_str("t_s", "<$t_x>"), "<X>");
  EXPECT_EQ(c.raw_value("t_s"), "<X>");
  // A default that names itself sees no value yet; a bad one names the parameter.
  EXPECT_EQ(c.get_str("t_self", "[$t_self]"), "[]");
  EXPECT_EQ(error_of([&] { c.get_str("t_bad", "x${oops"); }),
            "parameter t_bad: unterminated \"${\" reference in \"x${oops\"");
}

TEST(ConfigDefaults, ConfiguredValueIsNotReplaced) {
  Config c = from_text("t_i = 9\n");
  EXPECT_EQ(c.get_int("t_i", 5), 9);
  EXPECT_EQ(c.raw_value("t_i"), "9");
}

TEST(ConfigDefaults, SkeletonDefaultsAsThePostfixDefaults) {
  Config c;
  EXPECT_EQ(c.get_time("max_idle", "100s"), 100);
  EXPECT_EQ(c.get_int("max_use", 100), 100);
  EXPECT_EQ(c.get_time("in_flow_delay", "1s"), 1);
  EXPECT_EQ(c.get_str("queue_directory", "/var/spool/postfix"), "/var/spool/postfix");
  c.set("max_idle", "3");  // -i 3
  EXPECT_EQ(c.get_time("max_idle", "100s"), 3);
}

// ---------------------------------------------------------------- tables

TEST(ConfigTables, LoadedIntoTargets) {
  Config c = from_text(
      "t_i = 3\nt_l = 40000000000\nt_s = <$t_i>\nt_b = no\nt_t = 2\nt_r = $t_i\n"
      "t_nb = no\n");
  int i = 0, t = 0, ni = 0, di = 0;
  long l = 0;
  std::string s, r, ds;
  bool b = true, nb = true, db = false;
  ParamTables tables;
  tables.ints = {{"t_i", 1, &i}, {"t_di", 77, &di, 1, 100}};
  tables.longs = {{"t_l", 1, &l}};
  tables.strs = {{"t_s", "x", &s}, {"t_ds", "[$t_s]", &ds}};
  tables.bools = {{"t_b", true, &b}, {"t_db", true, &db}};
  tables.times = {{"t_t", "1m", &t}};
  tables.raws = {{"t_r", "x", &r}};
  tables.nints = {{"t_ni", "${t_i}${t_i}", &ni}};
  tables.nbools = {{"t_nb", "yes", &nb}};
  c.load(tables);
  EXPECT_EQ(i, 3);
  EXPECT_EQ(di, 77);
  EXPECT_EQ(l, 40000000000L);
  EXPECT_EQ(s, "<3>");
  EXPECT_EQ(ds, "[<3>]");
  EXPECT_FALSE(b);
  EXPECT_TRUE(db);
  EXPECT_EQ(t, 120);
  EXPECT_EQ(r, "$t_i");
  EXPECT_EQ(ni, 33);
  EXPECT_FALSE(nb);
}

TEST(ConfigTables, FirstBadEntryStopsTheLoad) {
  Config c = from_text("t_i = 3\nt_j = x\n");
  int i = 0, j = 0;
  ParamTables tables;
  tables.ints = {{"t_i", 1, &i, 5}, {"t_j", 1, &j}};
  EXPECT_EQ(error_of([&] { c.load(tables); }), "invalid t_i parameter value 3 < 5");
}

// ------------------------------------------------------------------ files

class TempDir {
 public:
  TempDir() {
    char pattern[] = "/tmp/config_test.XXXXXX";
    const char* made = ::mkdtemp(pattern);
    if (made == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = made;
  }
  ~TempDir() {
    ::unlink((path_ + "/main.cf").c_str());
    ::rmdir(path_.c_str());
  }
  const std::string& path() const { return path_; }
  void write_main_cf(const std::string& text) const {
    std::ofstream(path_ + "/main.cf") << text;
  }

 private:
  std::string path_;
};

TEST(ConfigFile, ReadsMainCf) {
  TempDir dir;
  dir.write_main_cf("t_a = one\n  two\nt_b = $t_a\n");
  Config c;
  c.read_main_cf(dir.path());
  EXPECT_EQ(c.expand("t_b"), "one  two");
}

TEST(ConfigFile, MissingFileNamesThePath) {
  TempDir dir;
  Config c;
  EXPECT_EQ(error_of([&] { c.read_main_cf(dir.path()); }),
            "open " + dir.path() + "/main.cf: No such file or directory");
}

TEST(ConfigFile, SyntaxErrorNamesThePath) {
  TempDir dir;
  dir.write_main_cf("t_a = 1\nbad\n");
  Config c;
  EXPECT_EQ(error_of([&] { c.read_main_cf(dir.path()); }),
            dir.path() + "/main.cf, line 2: missing '=' after attribute name: \"bad\"");
}

TEST(ConfigFile, ErrorsAreFatal) {
  // ConfigError is a Fatal: the skeleton's single catch reports it.
  Config c;
  try {
    c.read_main_cf("/nonexistent-config-dir");
    FAIL() << "no error";
  } catch (const Fatal& e) {
    EXPECT_STREQ(e.what(), "open /nonexistent-config-dir/main.cf: No such file or directory");
  }
}

}  // namespace
}  // namespace dgram
