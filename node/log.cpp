// Logger implementation; see log.h.
#include "node/log.h"

#include <chrono>
#include <ctime>

namespace finch::node {

namespace {
constexpr std::pair<LogCategory, const char*> kNames[] = {
    {LogCategory::General, "general"}, {LogCategory::Net, "net"},     {LogCategory::Mempool, "mempool"},
    {LogCategory::Rpc, "rpc"},         {LogCategory::Chain, "chain"}, {LogCategory::Miner, "miner"},
    {LogCategory::Store, "store"},
};
}  // namespace

std::string_view category_name(LogCategory c) {
    for (auto& [cat, name] : kNames)
        if (cat == c) return name;
    return "general";
}

const std::set<std::string>& log_category_names() {
    static const std::set<std::string> names = [] {
        std::set<std::string> s{"all", "1"};
        for (auto& [cat, name] : kNames) s.insert(name);
        return s;
    }();
    return names;
}

std::string iso8601_now() {
    auto now = std::chrono::system_clock::now();
    auto secs = std::chrono::system_clock::to_time_t(now);
    auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
    std::tm tm{};
    gmtime_r(&secs, &tm);
    char buf[96];
    std::snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                  tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(millis));
    return buf;
}

Logger& Logger::instance() {
    static Logger logger;
    return logger;
}

bool Logger::open(const std::filesystem::path& file, std::string& error) {
    util::LockGuard lock(m_mutex);
    m_file = std::fopen(file.c_str(), "a");
    if (!m_file) {
        error = "cannot write the log file " + file.string();
        return false;
    }
    m_path = file;
    return true;
}

bool Logger::reopen(std::string& error) {
    util::LockGuard lock(m_mutex);
    if (m_path.empty()) return true;
    std::FILE* fresh = std::fopen(m_path.c_str(), "a");
    if (!fresh) {
        error = "cannot reopen the log file " + m_path.string();
        return false;
    }
    if (m_file) std::fclose(m_file);
    m_file = fresh;
    return true;
}

void Logger::enable(const std::string& category) {
    util::LockGuard lock(m_mutex);
    if (category == "all" || category == "1") m_all = true;
    for (auto& [cat, name] : kNames)
        if (category == name) m_enabled.insert(cat);
}

bool Logger::enabled(LogCategory c) const {
    util::LockGuard lock(m_mutex);
    return c == LogCategory::General || m_all || m_enabled.count(c) != 0;
}

void Logger::write(LogCategory c, std::string_view message) {
    std::string line = iso8601_now();
    if (c != LogCategory::General) line += " [" + std::string(category_name(c)) + "]";
    line += " ";
    line += message;
    if (line.empty() || line.back() != '\n') line += '\n';
    util::LockGuard lock(m_mutex);
    if (m_file) {
        std::fputs(line.c_str(), m_file);
        std::fflush(m_file);
    }
    if (m_console) {
        std::fputs(line.c_str(), stdout);
        std::fflush(stdout);
    }
}

void Logger::close() {
    util::LockGuard lock(m_mutex);
    if (m_file) std::fclose(m_file);
    m_file = nullptr;
    m_path.clear();
}

}  // namespace finch::node
