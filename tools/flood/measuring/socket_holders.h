// SPDX-License-Identifier: MIT
// NAME
//   socket_holders - the processes that hold a socket open, and which of
//   them are masters.
// SUMMARY
//   HolderScan scan = scan_socket_holders(inode, getpid());
//   MasterSplit split = split_masters(holders);
// DESCRIPTION
//   scan_socket_holders() reads every /proc/PID/fd/N link and keeps the
//   processes with one reading "socket:[INODE]". It leaves out `self` and
//   process 1: init holds the sockets it activates for its services, and
//   its CPU is not the service's. Processes whose fd/ folder cannot be read
//   (another user's, without root) are counted in `uninspected`.
//
//   split_masters() sorts holders into masters and receivers: a holder that
//   is the parent of another holder is a master, and so is a holder that
//   reaped children during the run (its children were there and are gone:
//   a master whose children serve a few requests each and exit, and none of
//   them happened to be alive at either scan). That is how the Postfix
//   master and dgram-launch work: they keep the service socket open and pass
//   it to the children they fork, and those children receive.
//
//   Cost: one readlink per open descriptor on the machine, before the first
//   send and again after the drain.
// DIAGNOSTICS
//   scan_socket_holders() throws Failure (exit status 1) when /proc itself
//   cannot be listed; a process that ends during the scan simply holds
//   nothing.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <vector>

namespace flood {

struct HolderScan {
  std::vector<pid_t> holders;  // ascending
  std::size_t uninspected = 0;
};

struct Holder {
  pid_t pid;
  pid_t ppid;
  bool reaped_children = false;  // its cutime + cstime grew during the run
};

struct MasterSplit {
  std::vector<pid_t> masters;    // ascending
  std::vector<pid_t> receivers;  // ascending
};

// scan_socket_holders - the processes (not self, not init) with socket:[inode] open.
HolderScan scan_socket_holders(std::uint64_t inode, pid_t self);

// split_masters - holders that are parents of holders or reaped children, and the others.
MasterSplit split_masters(const std::vector<Holder>& holders);

}  // namespace flood
