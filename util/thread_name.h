// Thread names, as `top -H`, `ps -L`, perf and /proc/PID/task/*/comm show them (Bitcoin Core
// names its threads the same way: b-net, b-httpworker.0, ...). Linux keeps 15 characters.
#pragma once

namespace finch::util {

// Names the calling thread.
void set_thread_name(const char* name);

// Names the calling thread the first time it is called on it: for threads of a pool that
// cannot be named where they start (boost::asio::thread_pool), called by each task.
void name_pool_thread(const char* name);

}  // namespace finch::util
