// SPDX-License-Identifier: MIT
// config_expand_bench - Config::expand() over nested main.cf text.
//
// Two corpora, both parsed before the timed loop:
//  - a chain: p0 = base, p1 = $p0/1, ... pN = ${p(N-1)}/N, with conditionals
//    (${name?text}, ${name:text}) at every third level; the loop expands pN,
//    so each iteration follows N references (Arg = N);
//  - a main.cf in the style of a real site: hostname, domain, destinations,
//    banner, restriction lists, maps; the loop expands every parameter once.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "dgram/config.h"

namespace {

std::string chain_corpus(int depth) {
  std::string text = "p0 = base\nempty =\n";
  for (int i = 1; i <= depth; ++i) {
    std::string prev = "p" + std::to_string(i - 1);
    std::string value;
    switch (i % 3) {
      case 0: value = "${" + prev + "}/" + std::to_string(i); break;
      case 1: value = "$" + prev + "${empty:/e}"; break;
      default: value = "$(" + prev + ")${" + prev + "?/c}"; break;
    }
    text += "p" + std::to_string(i) + " = " + value + "\n";
  }
  return text;
}

const char* kSiteCorpus = R"(# a main.cf in the style of a small site
myhostname = mail.example.org
mydomain = example.org
myorigin = $mydomain
mydestination = $myhostname, localhost.$mydomain, localhost, ${mydomain}
mynetworks = 127.0.0.0/8 [::ffff:127.0.0.0]/104 [::1]/128
mail_name = Postfix
mail_version = 3.7.11
smtpd_banner = $myhostname ESMTP $mail_name ($mail_version)
queue_directory = /var/spool/postfix
command_directory = /usr/sbin
daemon_directory = /usr/lib/postfix/sbin
data_directory = /var/lib/postfix
config_directory = /etc/postfix
alias_maps = hash:$config_directory/aliases
alias_database = $alias_maps
virtual_alias_maps = hash:$config_directory/virtual, regexp:$config_directory/virtual.re
relay_domains = $mydestination, ${virtual_alias_domains?$virtual_alias_domains}
virtual_alias_domains =
relayhost = ${relay_override:[smtp.$mydomain]:587}
smtp_tls_security_level = may
smtpd_tls_cert_file = $config_directory/tls/$myhostname.crt
smtpd_tls_key_file = $config_directory/tls/$myhostname.key
smtpd_relay_restrictions = permit_mynetworks
  permit_sasl_authenticated
  defer_unauth_destination
smtpd_recipient_restrictions = $smtpd_relay_restrictions, reject_unauth_pipelining,
  check_recipient_access hash:$config_directory/recipient_access
maillog_file = /var/log/postfix.log
maillog_file_prefixes = /var, /dev/stdout
syslog_name = ${multi_instance_name?{$multi_instance_name}:{postfix}}
process_id_directory = pid
delay_warning_time = ${warn_after:4h}
bounce_notice_recipient = postmaster@$mydomain
double_bounce_sender = double-bounce@$myorigin
)";

void BM_ExpandChain(benchmark::State& state) {
  const int depth = static_cast<int>(state.range(0));
  dgram::Config config;
  config.read_text(chain_corpus(depth), "chain");
  const std::string top = "p" + std::to_string(depth);
  for (auto _ : state) {
    std::string value = config.expand(top);
    benchmark::DoNotOptimize(value.data());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ExpandChain)->Arg(1)->Arg(4)->Arg(16)->Arg(64);

void BM_ExpandSiteMainCf(benchmark::State& state) {
  dgram::Config config;
  config.read_text(kSiteCorpus, "site main.cf");
  const std::vector<std::string> names = config.names();
  for (auto _ : state) {
    for (const auto& name : names) {
      std::string value = config.expand(name);
      benchmark::DoNotOptimize(value.data());
    }
  }
  state.SetItemsProcessed(state.iterations() * static_cast<long>(names.size()));
  state.counters["parameters"] = static_cast<double>(names.size());
}
BENCHMARK(BM_ExpandSiteMainCf);

// Reading the same text: what a child pays once at start-up before expanding.
void BM_ReadSiteMainCf(benchmark::State& state) {
  for (auto _ : state) {
    dgram::Config config;
    config.read_text(kSiteCorpus, "site main.cf");
    benchmark::DoNotOptimize(&config);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ReadSiteMainCf);

}  // namespace

BENCHMARK_MAIN();
