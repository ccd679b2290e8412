// Logging: a debug.log in the network's data folder with UTC ISO-8601 timestamps and
// categories (--debug net, --debug mempool, ...), mirrored to the console on request,
// reopened on SIGHUP for logrotate.
#pragma once

#include "util/thread_annotations.h"

#include <cstdio>
#include <filesystem>
#include <set>
#include <string>
#include <string_view>

namespace finch::node {

enum class LogCategory { General, Net, Mempool, Rpc, Chain, Miner, Store };

std::string_view category_name(LogCategory c);
// Known category names, for --debug validation and --help.
const std::set<std::string>& log_category_names();

class Logger {
public:
    static Logger& instance();

    // Opens (appends to) the log file; false with a message when it cannot be written.
    bool open(const std::filesystem::path& file, std::string& error) EXCLUDES(m_mutex);
    // Closes and reopens the same path (SIGHUP after logrotate moved the file away). On
    // failure the old file stays in use and error says why.
    bool reopen(std::string& error) EXCLUDES(m_mutex);
    void set_console(bool on) EXCLUDES(m_mutex) {
        util::LockGuard lock(m_mutex);
        m_console = on;
    }
    // "all" or "1" enables every category.
    void enable(const std::string& category) EXCLUDES(m_mutex);
    bool enabled(LogCategory c) const EXCLUDES(m_mutex);
    void write(LogCategory c, std::string_view message) EXCLUDES(m_mutex);
    void close() EXCLUDES(m_mutex);

private:
    mutable util::Mutex m_mutex;
    std::FILE* m_file GUARDED_BY(m_mutex) = nullptr;
    std::filesystem::path m_path GUARDED_BY(m_mutex);
    bool m_console GUARDED_BY(m_mutex) = false;
    bool m_all GUARDED_BY(m_mutex) = false;
    std::set<LogCategory> m_enabled GUARDED_BY(m_mutex);
};

std::string iso8601_now();

}  // namespace finch::node

// Always logged.
#define FINCH_LOG(...) ::finch::node::Logger::instance().write(::finch::node::LogCategory::General, __VA_ARGS__)
// Logged when the category is enabled with --debug.
#define FINCH_DEBUG(cat, ...)                                                          \
    do {                                                                               \
        if (::finch::node::Logger::instance().enabled(::finch::node::LogCategory::cat)) \
            ::finch::node::Logger::instance().write(::finch::node::LogCategory::cat, __VA_ARGS__); \
    } while (0)
