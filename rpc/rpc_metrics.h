// The RPC server's own metrics: requests and their duration per method (a closed set: the
// method table, and "other" for names it does not know), and the WebSocket subscriptions.
// Recording is a map lookup and a few relaxed atomic adds, with no lock on the request path.
#pragma once

#include "util/metrics.h"

#include <array>
#include <chrono>
#include <memory>
#include <string_view>
#include <vector>

namespace finch::rpc {

enum class Topic : uint8_t { Blocks, Transactions, Address };
inline constexpr size_t kTopicCount = 3;
const char* topic_name(Topic t);

class RpcMetrics {
public:
    RpcMetrics();
    void record_call(std::string_view method, std::chrono::microseconds duration);

    // WebSocket
    std::atomic<int64_t> ws_open{0};
    util::Counter ws_accepted;
    util::Counter ws_closed_slow;  // closed with 1008: the client did not read its notifications
    std::array<util::Counter, kTopicCount> notifications;

    // Explorer API (GET /api/...), served without credentials.
    util::Counter explorer_requests;
    util::Counter explorer_rate_limited;  // answered 429
    util::Histogram explorer_seconds{util::latency_buckets()};

    void write(util::MetricsText& out) const;

private:
    struct Slot {
        std::string_view method;
        util::Counter calls;
        util::Histogram seconds{util::latency_buckets()};
    };
    std::vector<std::unique_ptr<Slot>> m_slots;  // the method table's order, then "other"
};

}  // namespace finch::rpc
