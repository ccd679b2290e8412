// Thread names, as `top -H`, `ps -L`, perf and /proc/PID/task/*/comm show them (Bitcoin Core
// names its threads the same way: b-net, b-httpworker.0, ...). Linux keeps 15 characters.
#pragma once

namespace finch::util {

// Names the calling thread.
void set_thread_name(const char* name);

}  // namespace finch::util
