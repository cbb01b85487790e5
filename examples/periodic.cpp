// SPDX-License-Identifier: MIT
// dgram-periodic - an example service with a timer of its own: it counts
// datagrams by their first word and logs a report at a fixed period.
//
// What it shows:
// - a time parameter of the service (params.times), set in main.cf or with
//   -o like any Postfix parameter;
// - Context::events.every(): a periodic timer on the skeleton's loop. Its
//   callback never runs at the same time as a datagram callback, so the
//   counts need no lock. It fires even when nothing arrives, and also in a
//   child that waits for its turn at a shared socket (process limit > 1);
// - keeping the EventHandle: dropping it would cancel the timer.
//
// The first word is the bytes up to the first space (the whole datagram
// when it has none). Every periodic_report_every (default 60s) it logs the
// counts since the process started:
//
//   report: total=5 apple=3 pear=2
//
// Words are listed in byte order; an empty first word counts as "(empty)".
// A client picks the words, so memory is bounded: at most
// periodic_max_words distinct words (default 100) of at most
// kMaxWordLength bytes each are kept; the rest count as "(other)". The last
// report is logged once more at exit.
//
//   periodic  unix-dgram n       -       n       -       2       dgram-periodic
//     -o periodic_report_every=10s
#include <chrono>
#include <map>
#include <string>
#include <string_view>

#include "dgram/server.h"

namespace {

constexpr std::size_t kMaxWordLength = 64;

// Everything the service keeps; owned by main(), reached through the lambdas.
struct Tally {
  int report_every = 60;  // periodic_report_every, seconds
  int max_words = 100;    // periodic_max_words
  unsigned long total = 0;
  unsigned long other = 0;  // datagrams whose word did not fit in the table
  std::map<std::string, unsigned long, std::less<>> per_word;
  dgram::EventHandle report_timer;  // the timer lives as long as this handle

  void count(std::string_view datagram) {
    ++total;
    std::string_view word = datagram.substr(0, datagram.find(' '));
    word = word.substr(0, kMaxWordLength);
    if (word.empty()) word = "(empty)";
    if (auto known = per_word.find(word); known != per_word.end()) {
      ++known->second;
    } else if (per_word.size() < static_cast<std::size_t>(max_words)) {
      per_word.emplace(word, 1);
    } else {
      ++other;
    }
  }

  std::string report() const {
    std::string line = "report: total=" + std::to_string(total);
    for (const auto& [word, n] : per_word) line += " " + word + "=" + std::to_string(n);
    if (other > 0) line += " (other)=" + std::to_string(other);
    return line;
  }
};

}  // namespace

int main(int argc, char** argv) {
  Tally tally;
  dgram::Service service;
  service.params.times.push_back({"periodic_report_every", "60s", &tally.report_every, 1, 0});
  service.params.ints.push_back({"periodic_max_words", 100, &tally.max_words, 1, 100000});
  service.on_datagram = [&tally](const dgram::Datagram& datagram, dgram::Context&) {
    tally.count(datagram.data);
  };
  service.hooks.post_init = [&tally](dgram::Context& context) {
    tally.report_timer = context.events.every(std::chrono::seconds(tally.report_every),
                                              [&tally](dgram::Context& c) {
                                                c.log.info("%s", tally.report().c_str());
                                              });
  };
  service.hooks.on_exit = [&tally](dgram::Context& context) {
    context.log.info("%s", tally.report().c_str());
  };
  return dgram::run(service, argc, argv);
}
