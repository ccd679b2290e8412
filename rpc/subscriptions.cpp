#include "rpc/subscriptions.h"


namespace finch::rpc {

namespace {

constexpr std::array<std::string_view, kTopicCount> kTopicNames = {"blocks", "transactions", "address"};

std::optional<Topic> topic_from(std::string_view name) {
    for (size_t i = 0; i < kTopicCount; ++i)
        if (kTopicNames[i] == name) return static_cast<Topic>(i);
    return std::nullopt;
}

RpcError bad_params(std::string message) { return RpcError::params(code::kInvalidParameter, std::move(message)); }

// One transfer as the transactions and address topics show it.
Json transfer_json(const Transaction& tx, const Hash256& txid, const AccountId& from, const ChainParams& params) {
    Json out = Json::object();
    out["txid"] = txid.to_hex();
    out["from"] = encode_address(from, params.hrp);
    out["to"] = encode_address(tx.recipient, params.hrp);
    out["amount"] = tx.amount;
    out["fee"] = tx.fee;
    out["nonce"] = tx.nonce;
    return out;
}

}  // namespace

std::string notification_text(uint64_t subscription, uint64_t seq, const std::string& result) {
    std::string out = R"({"jsonrpc":"2.0","method":"subscription","params":{"subscription":)";
    out += std::to_string(subscription);
    out += R"(,"seq":)";
    out += std::to_string(seq);
    out += R"(,"result":)";
    out += result;
    out += "}}";
    return out;
}

SubscriptionHub::SubscriptionHub(const ChainParams& params, RpcMetrics& metrics, size_t max_per_connection)
    : m_params(params), m_metrics(metrics), m_max_per_connection(max_per_connection) {}

SubscriptionHub::Outcome SubscriptionHub::subscribe(const std::shared_ptr<Subscriber>& who, const Json& params,
                                                    const std::function<void(const Outcome&)>& answer) {
    auto reply = [&](Outcome o) {
        if (answer) answer(o);
        return o;
    };
    Json topic_value, address_value;
    if (params.is_object()) {
        for (const auto& [key, value] : params.items()) {
            if (key == "topic") topic_value = value;
            else if (key == "address") address_value = value;
            else return reply(bad_params("Unknown parameter '" + key + "': subscribe takes topic and address"));
        }
    } else if (params.is_array()) {
        if (params.size() > 2) return reply(bad_params("subscribe takes at most 2 parameters: topic and address"));
        if (!params.empty()) topic_value = params[0];
        if (params.size() > 1) address_value = params[1];
    } else if (!params.is_null()) {
        return reply(bad_params("subscribe's params must be an object or an array"));
    }
    if (!topic_value.is_string()) return reply(bad_params("Missing topic: blocks, transactions or address"));
    const std::string& name = topic_value.get_ref<const std::string&>();
    const std::optional<Topic> topic = topic_from(name);
    if (!topic) return reply(bad_params("Unknown topic '" + name.substr(0, 64) + "': blocks, transactions or address"));
    Subscription sub;
    sub.topic = *topic;
    if (*topic == Topic::Address) {
        if (!address_value.is_string()) return reply(bad_params("The address topic needs an address"));
        auto id = decode_address(address_value.get_ref<const std::string&>(), m_params.hrp);
        if (!id) return reply(RpcError::params(code::kInvalidAddressOrKey, "Invalid address: " + id.error().to_string()));
        sub.address = *id;
    } else if (!address_value.is_null()) {
        return reply(bad_params("Only the address topic takes an address"));
    }

    util::LockGuard lock(m_mutex);
    if (who->closing()) return reply(RpcError{code::kMiscError, "The connection is closing", false, nullptr});
    Connection& c = m_connections[who.get()];
    if (!c.who) c.who = who;
    if (c.subs.size() >= m_max_per_connection)
        return reply(RpcError{code::kMiscError,
                              "Too many subscriptions on this connection (at most " +
                                  std::to_string(m_max_per_connection) + ")",
                              false, nullptr});
    sub.id = m_next_id++;
    c.subs.push_back(sub);
    m_topic_counts[static_cast<size_t>(sub.topic)].fetch_add(1, std::memory_order_relaxed);
    return reply(sub.id);
}

bool SubscriptionHub::unsubscribe(const Subscriber* who, uint64_t id) {
    util::LockGuard lock(m_mutex);
    auto it = m_connections.find(who);
    if (it == m_connections.end()) return false;
    auto& subs = it->second.subs;
    for (auto s = subs.begin(); s != subs.end(); ++s) {
        if (s->id != id) continue;
        m_topic_counts[static_cast<size_t>(s->topic)].fetch_sub(1, std::memory_order_relaxed);
        subs.erase(s);
        return true;
    }
    return false;
}

void SubscriptionHub::remove(const Subscriber* who) {
    std::shared_ptr<Subscriber> last;  // released after the lock: its destructor may run here
    {
        util::LockGuard lock(m_mutex);
        auto it = m_connections.find(who);
        if (it == m_connections.end()) return;
        for (const Subscription& s : it->second.subs)
            m_topic_counts[static_cast<size_t>(s.topic)].fetch_sub(1, std::memory_order_relaxed);
        last = std::move(it->second.who);
        m_connections.erase(it);
    }
}

void SubscriptionHub::clear() {
    std::unordered_map<const Subscriber*, Connection> gone;  // destroyed after the lock
    util::LockGuard lock(m_mutex);
    gone.swap(m_connections);
    for (auto& n : m_topic_counts) n.store(0, std::memory_order_relaxed);
}

size_t SubscriptionHub::subscriptions() const {
    util::LockGuard lock(m_mutex);
    size_t n = 0;
    for (const auto& [who, c] : m_connections) n += c.subs.size();
    return n;
}

template <typename Wants>
void SubscriptionHub::publish(Topic topic, const std::string& result, Wants&& wants) {
    for (auto& [who, c] : m_connections)
        for (Subscription& s : c.subs) {
            if (s.topic != topic || !wants(s)) continue;
            if (!c.who->deliver(notification_text(s.id, s.seq + 1, result))) break;  // closing: nothing more
            ++s.seq;
            m_metrics.notifications[static_cast<size_t>(topic)].inc();
        }
}

void SubscriptionHub::block_connected(const Block& block, const Hash256& hash, uint64_t height) {
    block_event("connected", block, hash, height);
}

void SubscriptionHub::block_disconnected(const Block& block, const Hash256& hash, uint64_t height) {
    block_event("disconnected", block, hash, height);
}

void SubscriptionHub::block_event(const char* event, const Block& block, const Hash256& hash, uint64_t height) {
    const bool blocks = anyone(Topic::Blocks), addresses = anyone(Topic::Address);
    if (!blocks && !addresses) return;
    // Built before the hub's lock (the chain's is held: keep the time under both short).
    std::string blocks_result;
    if (blocks)
        blocks_result = dump_json(Json{{"event", event},
                                       {"hash", hash.to_hex()},
                                       {"height", height},
                                       {"time", block.header.time},
                                       {"transfers", block.txs.size()}});
    struct Touch {
        AccountId from, to;
        Json json;
    };
    std::vector<Touch> touches;  // every transfer of the block, when someone watches an address
    if (addresses) {
        touches.reserve(block.txs.size() + 1);
        Json cb = Json::object();
        cb["txid"] = block.coinbase.txid().to_hex();
        cb["coinbase"] = true;
        cb["to"] = encode_address(block.coinbase.recipient, m_params.hrp);
        cb["amount"] = block.coinbase.amount;
        touches.push_back({block.coinbase.recipient, block.coinbase.recipient, std::move(cb)});
        for (const Transaction& tx : block.txs) {
            const AccountId from = tx.sender_id();
            touches.push_back({from, tx.recipient, transfer_json(tx, tx.txid(), from, m_params)});
        }
    }
    util::LockGuard lock(m_mutex);
    if (blocks) publish(Topic::Blocks, blocks_result, [](const Subscription&) { return true; });
    if (!addresses) return;
    // One message per address subscription and block, listing its transfers in block order:
    // a block full of dust to a watched address is one notification, not thousands.
    const std::string status = std::string(event) == "connected" ? "confirmed" : "disconnected";
    for (auto& [who, c] : m_connections)
        for (Subscription& s : c.subs) {
            if (s.topic != Topic::Address) continue;
            Json list = Json::array();
            for (const Touch& t : touches)
                if (t.from == s.address || t.to == s.address) list.push_back(t.json);
            if (list.empty()) continue;
            const std::string result = dump_json(Json{{"status", status},
                                                      {"height", height},
                                                      {"blockhash", hash.to_hex()},
                                                      {"transfers", std::move(list)}});
            if (!c.who->deliver(notification_text(s.id, s.seq + 1, result))) break;
            ++s.seq;
            m_metrics.notifications[static_cast<size_t>(Topic::Address)].inc();
        }
}

void SubscriptionHub::transaction_accepted(const Transaction& tx, const Hash256& txid) {
    const bool transactions = anyone(Topic::Transactions), addresses = anyone(Topic::Address);
    if (!transactions && !addresses) return;
    const AccountId from = tx.sender_id();
    const Json j = transfer_json(tx, txid, from, m_params);
    util::LockGuard lock(m_mutex);
    if (transactions) publish(Topic::Transactions, dump_json(j), [](const Subscription&) { return true; });
    if (addresses) {
        Json pending = j;
        pending["status"] = "pending";
        const std::string result = dump_json(pending);
        publish(Topic::Address, result,
                [&](const Subscription& s) { return s.address == from || s.address == tx.recipient; });
    }
}

}  // namespace finch::rpc
