// SPDX-License-Identifier: MIT
// consumer-service - counts datagrams and reports the count when it exits.
//
// Built by tests/consumer_test.sh against dgram-server as a subproject. On
// exit it writes one line, `consumer: datagrams=N`, to the file named by the
// main.cf parameter consumer_report_file (nothing when that is empty).
#include <fstream>
#include <string>

#include "dgram/error.h"
#include "dgram/server.h"

int main(int argc, char** argv) {
  unsigned long datagrams = 0;
  std::string report_file;

  dgram::Service service;
  service.params.strs.push_back({"consumer_report_file", "", &report_file});
  service.on_datagram = [&datagrams](const dgram::Datagram&, dgram::Context&) { ++datagrams; };
  service.hooks.on_exit = [&datagrams, &report_file](dgram::Context& context) {
    std::string line = "consumer: datagrams=" + std::to_string(datagrams);
    context.log.info("%s", line.c_str());
    if (report_file.empty()) return;
    std::ofstream report(report_file, std::ios::trunc);
    report << line << '\n';
    if (!report.flush()) throw dgram::Fatal("cannot write consumer_report_file " + report_file);
  };
  return dgram::run(service, argc, argv);
}
