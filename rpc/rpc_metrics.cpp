#include "rpc/rpc_metrics.h"

#include "rpc/methods.h"

namespace finch::rpc {

const char* topic_name(Topic t) {
    switch (t) {
        case Topic::Blocks: return "blocks";
        case Topic::Transactions: return "transactions";
        case Topic::Address: return "address";
    }
    return "other";
}

RpcMetrics::RpcMetrics() {
    for (const MethodSpec& m : method_table()) {
        m_slots.push_back(std::make_unique<Slot>());
        m_slots.back()->method = m.name;
    }
    m_slots.push_back(std::make_unique<Slot>());
    m_slots.back()->method = "other";
}

void RpcMetrics::record_call(std::string_view method, std::chrono::microseconds duration) {
    const MethodSpec* spec = find_method(method);
    Slot& slot = spec ? *m_slots[static_cast<size_t>(spec - method_table().data())] : *m_slots.back();
    slot.calls.inc();
    slot.seconds.observe(std::chrono::duration<double>(duration).count());
}

void RpcMetrics::write(util::MetricsText& out) const {
    using Type = util::MetricsText::Type;
    out.family("finch_rpc_requests_total", Type::Counter,
               "JSON-RPC requests by method (each entry of a batch counts; unknown names count as other).");
    for (const auto& slot : m_slots) out.sample("finch_rpc_requests_total", {{"method", slot->method}}, double(slot->calls.value()));
    out.family("finch_rpc_request_duration_seconds", Type::Histogram, "Time spent running JSON-RPC methods.");
    for (const auto& slot : m_slots)
        out.histogram("finch_rpc_request_duration_seconds", {{"method", slot->method}}, slot->seconds.snapshot());
    out.family("finch_explorer_requests_total", Type::Counter, "Explorer API requests run (those refused with 429 or 503 excluded).");
    out.sample("finch_explorer_requests_total", {}, double(explorer_requests.value()));
    out.family("finch_explorer_rate_limited_total", Type::Counter, "Explorer API requests refused with 429.");
    out.sample("finch_explorer_rate_limited_total", {}, double(explorer_rate_limited.value()));
    out.family("finch_explorer_request_duration_seconds", Type::Histogram, "Time spent answering explorer API requests.");
    out.histogram("finch_explorer_request_duration_seconds", {}, explorer_seconds.snapshot());
    out.family("finch_ws_connections", Type::Gauge, "Open WebSocket connections on the RPC port.");
    out.sample("finch_ws_connections", {}, double(ws_open.load(std::memory_order_relaxed)));
    out.family("finch_ws_accepted_total", Type::Counter, "WebSocket connections accepted since start-up.");
    out.sample("finch_ws_accepted_total", {}, double(ws_accepted.value()));
    out.family("finch_ws_slow_consumers_total", Type::Counter,
               "WebSocket connections closed with 1008 because their queue of notifications was full.");
    out.sample("finch_ws_slow_consumers_total", {}, double(ws_closed_slow.value()));
    out.family("finch_ws_notifications_total", Type::Counter, "Subscription notifications queued, by topic.");
    for (size_t i = 0; i < kTopicCount; ++i)
        out.sample("finch_ws_notifications_total", {{"topic", topic_name(static_cast<Topic>(i))}},
                   double(notifications[i].value()));
}

}  // namespace finch::rpc
