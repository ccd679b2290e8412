// Subscriptions over WebSocket (design.md section 7): the hub turns the node's events into
// JSON-RPC notifications for every connection that subscribed to their topic.
//   {"jsonrpc":"2.0","method":"subscription","params":{"subscription":ID,"seq":N,"result":{...}}}
// `seq` counts from 1 per subscription. A message is numbered only once its connection has
// queued it, and a connection that cannot queue one is closed, so what a client receives
// never has a gap.
#pragma once

#include "consensus/address.h"
#include "rpc/node_interface.h"
#include "rpc/protocol.h"
#include "rpc/rpc_metrics.h"
#include "util/thread_annotations.h"

#include <array>
#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <variant>
#include <vector>

namespace finch::rpc {

// A connection that receives notifications (the WebSocket session).
class Subscriber {
public:
    virtual ~Subscriber() = default;
    // Queues one message, from any thread. False when the connection is closing: its
    // queue overflowed (it is then closed with 1008) or it is going away.
    virtual bool deliver(std::string message) = 0;
    // True once it is going away: no subscription is added for it any more.
    virtual bool closing() const = 0;
};

class SubscriptionHub final : public NodeEvents {
public:
    SubscriptionHub(const ChainParams& params, RpcMetrics& metrics, size_t max_per_connection);

    // params: {"topic": T} / {"topic": "address", "address": A}, or positionally [T] / ["address", A].
    // Errors: -8 unknown topic or malformed parameters, -5 invalid address (wrong network
    // named as such), -1 too many subscriptions on this connection or it is closing.
    // `answer` is called with the outcome under the hub's lock, so the reply is queued
    // before the subscription's first notification.
    using Outcome = std::variant<uint64_t, RpcError>;
    Outcome subscribe(const std::shared_ptr<Subscriber>& who, const Json& params,
                      const std::function<void(const Outcome&)>& answer = {}) EXCLUDES(m_mutex);
    // True when `id` was one of this connection's subscriptions.
    bool unsubscribe(const Subscriber* who, uint64_t id) EXCLUDES(m_mutex);
    // Forgets a connection and its subscriptions (it closed).
    void remove(const Subscriber* who) EXCLUDES(m_mutex);
    size_t subscriptions() const EXCLUDES(m_mutex);
    // Drops every connection (the server is stopping; their sockets close with the io_context).
    void clear() EXCLUDES(m_mutex);

    // NodeEvents
    void block_connected(const Block& block, const Hash256& hash, uint64_t height) override;
    void block_disconnected(const Block& block, const Hash256& hash, uint64_t height) override;
    void transaction_accepted(const Transaction& tx, const Hash256& txid) override;

private:
    struct Subscription {
        uint64_t id = 0;
        Topic topic = Topic::Blocks;
        AccountId address;
        uint64_t seq = 0;  // of the last message queued
    };
    struct Connection {
        std::shared_ptr<Subscriber> who;
        std::vector<Subscription> subs;
    };
    void block_event(const char* event, const Block& block, const Hash256& hash, uint64_t height) EXCLUDES(m_mutex);
    // Sends `result` to every subscription that `wants`, numbering each.
    template <typename Wants>
    void publish(Topic topic, const std::string& result, Wants&& wants) REQUIRES(m_mutex);
    bool anyone(Topic t) const { return m_topic_counts[static_cast<size_t>(t)].load(std::memory_order_relaxed) > 0; }

    const ChainParams& m_params;
    RpcMetrics& m_metrics;
    const size_t m_max_per_connection;
    // Taken before a session's queue lock (Subscriber::deliver runs under it), never after.
    mutable util::Mutex m_mutex;
    std::unordered_map<const Subscriber*, Connection> m_connections GUARDED_BY(m_mutex);
    std::array<std::atomic<size_t>, kTopicCount> m_topic_counts{};  // publishers skip all work at 0
    uint64_t m_next_id GUARDED_BY(m_mutex) = 1;
};

// The notification text for one subscription's message.
std::string notification_text(uint64_t subscription, uint64_t seq, const std::string& result);

}  // namespace finch::rpc
