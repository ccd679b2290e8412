// RpcAdapter's operator surface: events for WebSocket subscribers and the node's metrics.
#include "node/rpc_adapter.h"

namespace finch::node {

void RpcAdapter::set_event_sink(rpc::NodeEvents* sink) {
    util::LockGuard lock(m_events_mutex);
    m_sink = sink;
    m_has_sink.store(sink != nullptr);
}

void RpcAdapter::block_connected(const Block& block, uint64_t height) {
    if (!m_has_sink.load(std::memory_order_relaxed)) return;
    util::LockGuard lock(m_events_mutex);
    if (m_sink) m_sink->block_connected(block, block.hash(), height);
}

void RpcAdapter::block_disconnected(const Block& block, uint64_t height) {
    if (!m_has_sink.load(std::memory_order_relaxed)) return;
    util::LockGuard lock(m_events_mutex);
    if (m_sink) m_sink->block_disconnected(block, block.hash(), height);
}

void RpcAdapter::transaction_accepted(const Transaction& tx, const Hash256& txid) {
    if (!m_has_sink.load(std::memory_order_relaxed)) return;
    util::LockGuard lock(m_events_mutex);
    if (m_sink) m_sink->transaction_accepted(tx, txid);
}

void RpcAdapter::write_metrics(util::MetricsText& out) {
    using Type = util::MetricsText::Type;
    const TipInfo tip = m_chain.tip();
    out.family("finch_chain_height", Type::Gauge, "Height of the active chain's tip.");
    out.sample("finch_chain_height", {}, double(tip.height));
    out.family("finch_headers_height", Type::Gauge, "Height of the best known header.");
    out.sample("finch_headers_height", {}, double(m_chain.best_header_height()));
    out.family("finch_chain_tip_timestamp_seconds", Type::Gauge, "Header time of the active tip (Unix seconds).");
    out.sample("finch_chain_tip_timestamp_seconds", {}, double(tip.time));
    out.family("finch_initial_block_download", Type::Gauge, "1 while the node is catching up, else 0.");
    out.sample("finch_initial_block_download", {}, m_chain.initial_block_download() ? 1 : 0);

    const Chainstate::Metrics& chain = m_chain.metrics();
    out.family("finch_blocks_connected_total", Type::Counter, "Blocks connected to the active chain since start-up.");
    out.sample("finch_blocks_connected_total", {}, double(chain.blocks_connected.value()));
    out.family("finch_blocks_disconnected_total", Type::Counter, "Blocks disconnected by reorgs since start-up.");
    out.sample("finch_blocks_disconnected_total", {}, double(chain.blocks_disconnected.value()));
    out.family("finch_reorgs_total", Type::Counter, "Chain activations that disconnected at least one block.");
    out.sample("finch_reorgs_total", {}, double(chain.reorgs.value()));
    out.family("finch_block_connect_duration_seconds", Type::Histogram,
               "Time to connect one block: apply, signature checks and the synced write.");
    out.histogram("finch_block_connect_duration_seconds", {}, chain.connect_seconds.snapshot());

    out.family("finch_mempool_transactions", Type::Gauge, "Transactions in the mempool.");
    out.sample("finch_mempool_transactions", {}, double(m_mempool.size()));
    out.family("finch_mempool_bytes", Type::Gauge, "Serialized bytes of the mempool's transactions.");
    out.sample("finch_mempool_bytes", {}, double(m_mempool.bytes()));

    const rpc::NetworkInfo net = network_info();
    out.family("finch_peers", Type::Gauge, "Connected peers by direction.");
    out.sample("finch_peers", {{"direction", "inbound"}}, double(net.connections_in));
    out.sample("finch_peers", {{"direction", "outbound"}}, double(net.connections_out));
    if (m_net) {
        const net::NetTotals t = m_net->totals();
        out.family("finch_p2p_socket_bytes_total", Type::Counter, "Bytes on p2p sockets, TLS included, by direction.");
        out.sample("finch_p2p_socket_bytes_total", {{"direction", "received"}}, double(t.bytes_recv));
        out.sample("finch_p2p_socket_bytes_total", {{"direction", "sent"}}, double(t.bytes_sent));
        out.family("finch_p2p_bytes_total", Type::Counter,
                   "Protocol frame bytes (header and payload, without TLS) by direction and message.");
        for (const auto& [msg, n] : t.bytes_recv_per_msg)
            out.sample("finch_p2p_bytes_total", {{"direction", "received"}, {"msg", msg}}, double(n));
        for (const auto& [msg, n] : t.bytes_sent_per_msg)
            out.sample("finch_p2p_bytes_total", {{"direction", "sent"}, {"msg", msg}}, double(n));
    }

    out.family("process_resident_memory_bytes", Type::Gauge, "Resident memory size in bytes.");
    out.sample("process_resident_memory_bytes", {}, double(util::process_resident_bytes()));
    out.family("process_uptime_seconds", Type::Gauge, "Seconds since finchd started.");
    out.sample("process_uptime_seconds", {}, double(uptime_seconds()));
}

}  // namespace finch::node
