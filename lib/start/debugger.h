// SPDX-License-Identifier: MIT
// debugger - running debugger_command when -D or MAIL_DEBUG asks for it.
//
// The command comes from main.cf's debugger_command, a raw parameter whose
// $process_name and $process_id (and any other $name) are expanded only now.
// It runs through /bin/sh -c and is waited for (a typical command starts a
// debugger in the background and sleeps while it attaches). An empty command,
// a failed start or a non-zero exit status is Fatal.
#pragma once

namespace dgram {

class Config;
class Log;

void run_debugger(Config& config, Log& log);

}  // namespace dgram
