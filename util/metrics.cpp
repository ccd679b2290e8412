#include "util/metrics.h"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <memory>

namespace finch::util {

Histogram::Histogram(std::span<const double> upper_bounds)
    : m_bounds(upper_bounds.begin(), upper_bounds.end()),
      m_buckets(std::make_unique<std::atomic<uint64_t>[]>(m_bounds.size() + 1)) {
    for (size_t i = 0; i <= m_bounds.size(); ++i) m_buckets[i].store(0, std::memory_order_relaxed);
}

void Histogram::observe(double value) {
    const size_t i = static_cast<size_t>(std::lower_bound(m_bounds.begin(), m_bounds.end(), value) - m_bounds.begin());
    m_buckets[i].fetch_add(1, std::memory_order_relaxed);
    m_sum.fetch_add(value, std::memory_order_relaxed);
}

Histogram::Snapshot Histogram::snapshot() const {
    Snapshot s;
    s.bounds = m_bounds;
    s.cumulative.resize(m_bounds.size() + 1);
    uint64_t running = 0;
    for (size_t i = 0; i <= m_bounds.size(); ++i) {
        running += m_buckets[i].load(std::memory_order_relaxed);
        s.cumulative[i] = running;
    }
    s.count = running;
    s.sum = m_sum.load(std::memory_order_relaxed);
    return s;
}

std::span<const double> latency_buckets() {
    static constexpr std::array<double, 16> kBounds = {0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
                                                       0.025,   0.05,   0.1,     0.25,   0.5,   1,      2.5,    10};
    return kBounds;
}

namespace {

const char* type_name(MetricsText::Type t) {
    switch (t) {
        case MetricsText::Type::Counter: return "counter";
        case MetricsText::Type::Gauge: return "gauge";
        case MetricsText::Type::Histogram: return "histogram";
    }
    return "untyped";
}

using LabelSpan = std::span<const std::pair<std::string_view, std::string_view>>;

LabelSpan span_of(Labels labels) { return {labels.begin(), labels.size()}; }

}  // namespace

void MetricsText::family(std::string_view name, Type type, std::string_view help) {
    m_out += "# HELP ";
    m_out += name;
    m_out += ' ';
    for (char c : help) {  // HELP escapes only backslash and newline
        if (c == '\\') m_out += "\\\\";
        else if (c == '\n') m_out += "\\n";
        else m_out += c;
    }
    m_out += "\n# TYPE ";
    m_out += name;
    m_out += ' ';
    m_out += type_name(type);
    m_out += '\n';
}

void MetricsText::write_labels(LabelSpan labels, std::string_view extra_name, std::string_view extra_value) {
    if (labels.empty() && extra_name.empty()) return;
    m_out += '{';
    bool first = true;
    auto one = [&](std::string_view name, std::string_view value) {
        if (!first) m_out += ',';
        first = false;
        m_out += name;
        m_out += "=\"";
        for (char c : value) {
            if (c == '\\') m_out += "\\\\";
            else if (c == '"') m_out += "\\\"";
            else if (c == '\n') m_out += "\\n";
            else m_out += c;
        }
        m_out += '"';
    };
    for (const auto& [n, v] : labels) one(n, v);
    if (!extra_name.empty()) one(extra_name, extra_value);
    m_out += '}';
}

void MetricsText::write_value(double value) {
    char buf[40];
    if (std::isinf(value)) std::snprintf(buf, sizeof buf, value > 0 ? "+Inf" : "-Inf");
    else if (std::isnan(value)) std::snprintf(buf, sizeof buf, "NaN");
    else if (value == std::floor(value) && std::fabs(value) < 1e15) std::snprintf(buf, sizeof buf, "%.0f", value);
    else std::snprintf(buf, sizeof buf, "%.9g", value);
    m_out += ' ';
    m_out += buf;
    m_out += '\n';
}

void MetricsText::sample(std::string_view name, Labels labels, double value) { sample(name, span_of(labels), value); }

void MetricsText::sample(std::string_view name, LabelSpan labels, double value) {
    m_out += name;
    write_labels(labels);
    write_value(value);
}

void MetricsText::histogram(std::string_view name, Labels labels, const Histogram::Snapshot& h) {
    histogram(name, span_of(labels), h);
}

void MetricsText::histogram(std::string_view name, LabelSpan labels, const Histogram::Snapshot& h) {
    const std::string bucket = std::string(name) + "_bucket";
    char le[32];
    for (size_t i = 0; i < h.bounds.size(); ++i) {
        std::snprintf(le, sizeof le, "%.9g", h.bounds[i]);
        m_out += bucket;
        write_labels(labels, "le", le);
        write_value(static_cast<double>(h.cumulative[i]));
    }
    m_out += bucket;
    write_labels(labels, "le", "+Inf");
    write_value(static_cast<double>(h.count));
    m_out += name;
    m_out += "_sum";
    write_labels(labels);
    write_value(h.sum);
    m_out += name;
    m_out += "_count";
    write_labels(labels);
    write_value(static_cast<double>(h.count));
}

uint64_t process_resident_bytes() {
    std::ifstream statm("/proc/self/statm");
    uint64_t size = 0, resident = 0;
    if (!(statm >> size >> resident)) return 0;
    const long page = ::sysconf(_SC_PAGESIZE);
    return resident * static_cast<uint64_t>(page > 0 ? page : 4096);
}

}  // namespace finch::util
