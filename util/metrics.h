// Prometheus-style metrics: lock-free counters and histograms that hot paths update with a
// few relaxed atomic operations, and a writer for the text exposition format 0.0.4 that
// /metrics serves (design.md section 7). The lowest layer: every other library may use it.
#pragma once

#include <atomic>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace finch::util {

class Counter {
public:
    void inc(uint64_t n = 1) { m_value.fetch_add(n, std::memory_order_relaxed); }
    uint64_t value() const { return m_value.load(std::memory_order_relaxed); }

private:
    std::atomic<uint64_t> m_value{0};
};

// A histogram with fixed upper bounds (seconds, bytes, ...). observe() touches one bucket,
// the count and the sum; readers see a consistent-enough snapshot (each field is exact, the
// fields may be a few observations apart while writers run, as in every Prometheus client).
class Histogram {
public:
    explicit Histogram(std::span<const double> upper_bounds);
    Histogram(const Histogram&) = delete;
    Histogram& operator=(const Histogram&) = delete;

    void observe(double value);

    struct Snapshot {
        std::vector<double> bounds;
        std::vector<uint64_t> cumulative;  // per bound, then +Inf (= count)
        double sum = 0;
        uint64_t count = 0;
    };
    Snapshot snapshot() const;

private:
    std::vector<double> m_bounds;
    std::unique_ptr<std::atomic<uint64_t>[]> m_buckets;  // per bound, then the +Inf bucket
    std::atomic<double> m_sum{0};
};

// Bucket bounds in seconds: 50 µs to 10 s (RPC calls, block connection).
std::span<const double> latency_buckets();

using Labels = std::initializer_list<std::pair<std::string_view, std::string_view>>;

// Writes the text format. Call family() once per metric name, then its samples; the writer
// escapes label values and formats numbers (+Inf, integers without a fraction).
class MetricsText {
public:
    enum class Type { Counter, Gauge, Histogram };
    void family(std::string_view name, Type type, std::string_view help);
    void sample(std::string_view name, Labels labels, double value);
    void sample(std::string_view name, std::span<const std::pair<std::string_view, std::string_view>> labels, double value);
    // The _bucket, _sum and _count samples of one label set of a histogram family.
    void histogram(std::string_view name, Labels labels, const Histogram::Snapshot& h);
    void histogram(std::string_view name, std::span<const std::pair<std::string_view, std::string_view>> labels,
                   const Histogram::Snapshot& h);

    const std::string& text() const { return m_out; }
    std::string take() { return std::move(m_out); }

private:
    void write_labels(std::span<const std::pair<std::string_view, std::string_view>> labels,
                      std::string_view extra_name = {}, std::string_view extra_value = {});
    void write_value(double value);
    std::string m_out;
};

// Resident memory of this process in bytes (from /proc/self/statm), 0 when unknown.
uint64_t process_resident_bytes();

}  // namespace finch::util
