// PeerManager: transaction relay (inventory, getdata, notfound, tx) and address gossip;
// see peer_manager.h and docs/protocol.md.
#include "node/net/peer_manager.h"

#include "node/log.h"

namespace finch::net {

using Clock = std::chrono::steady_clock;

void PeerManager::send_tx_requests(const std::vector<TxDownload::Request>& requests) {
    std::map<uint64_t, GetDataMsg> by_peer;
    for (const auto& [peer, txid] : requests) by_peer[peer].items.push_back(InvItem{InvType::Tx, txid});
    for (auto& [peer, msg] : by_peer)
        if (Peer* p = peer_by_id(peer); p && p->ready) p->conn->send(msg);
}

void PeerManager::handle(Peer& p, InvMsg&& m) {
    bool unknown_block = false;
    GetDataMsg txs;
    const auto now = Clock::now();
    for (const auto& item : m.items) {
        p.known.insert(item.hash);
        if (item.type != InvType::Tx) {
            if (m_chain.header(item.hash)) m_blocks.peer_has(p.conn->id(), item.hash);
            else unknown_block = true;
            continue;
        }
        if (m_mempool.contains(item.hash)) continue;
        if (m_txs.announced(p.conn->id(), item.hash, now)) txs.items.push_back(item);
    }
    if (!txs.items.empty()) p.conn->send(txs);
    if (unknown_block) send_getheaders(p);
    schedule_downloads();
}

// Bytes queued to one peer above which its getdata waits for the socket to drain; items
// that may wait (one getdata's worth), of which blocks (each at most once: a block asked
// twice is sent once). An honest peer has at most 16 blocks in flight.
constexpr size_t kGetDataSendLimit = 1'000'000;
constexpr size_t kMaxGetDataBacklog = kMaxInvEntries;
constexpr size_t kMaxBacklogBlocks = 1'000;

void PeerManager::handle(Peer& p, GetDataMsg&& m) {
    // Past the bounds the rest is answered notfound: a peer that asks faster than it reads
    // gets what it has room for.
    std::vector<InvItem> refused;
    for (const auto& item : m.items) {
        if (item.type == InvType::Tx) {
            if (p.getdata_backlog.size() < kMaxGetDataBacklog) p.getdata_backlog.push_back(item);
            else refused.push_back(item);
            continue;
        }
        if (p.backlog_blocks.count(item.hash)) continue;  // asked already, still waiting
        if (p.backlog_blocks.size() >= kMaxBacklogBlocks || p.getdata_backlog.size() >= kMaxGetDataBacklog) {
            refused.push_back(item);
            continue;
        }
        p.backlog_blocks.insert(item.hash);
        p.getdata_backlog.push_back(item);
    }
    if (!refused.empty()) p.conn->send(NotFoundMsg{std::move(refused)});
    serve_deferred(p);  // earlier requests first
    serve_getdata(p);
}

void PeerManager::on_drained(const std::shared_ptr<Connection>& c) {
    if (m_stopping) return;
    auto it = m_peers.find(c->id());
    if (it == m_peers.end()) return;
    Peer& p = *it->second;
    serve_deferred(p);  // first: they came before the getdata still waiting, and are small
    if (!p.getdata_backlog.empty()) serve_getdata(p);
}

// Requests whose replies wait for the socket as getdata's do: a getheaders answer is up to
// 2,000 headers, a blocktxn up to a block. Bitcoin Core stops processing a peer's messages
// while its send buffer is full; here only these wait, so pongs and blocks are still read
// (pausing the socket could deadlock two nodes sending each other large replies).
constexpr size_t kMaxDeferredRequests = 1'000;
// Memory the waiting requests may hold: each is charged its message object plus four times its
// wire bytes (a getblocktxn index is one byte on the wire, four decoded; a locator hash 32).
constexpr size_t kMaxDeferredBytes = 512'000;

bool PeerManager::defer_request(Peer& p, Message& m, size_t wire_bytes) {
    const bool request = std::holds_alternative<GetHeadersMsg>(m) || std::holds_alternative<GetBlockTxnMsg>(m) ||
                         std::holds_alternative<GetAddrMsg>(m);
    if (!request || (p.conn->queued_bytes() < kGetDataSendLimit && p.deferred_requests.empty())) return false;
    const size_t held = sizeof(Message) + 4 * wire_bytes;
    if (p.deferred_requests.size() >= kMaxDeferredRequests || p.deferred_bytes + held > kMaxDeferredBytes) {
        p.conn->close("too many requests waiting while it does not read");
        return true;
    }
    p.deferred_bytes += held;
    p.deferred_requests.emplace_back(std::move(m), held);
    if (p.conn->queued_bytes() < kGetDataSendLimit) serve_deferred(p);  // waiting behind others only
    return true;
}

void PeerManager::serve_deferred(Peer& p) {
    while (!p.deferred_requests.empty() && p.conn->queued_bytes() < kGetDataSendLimit && !p.conn->closed()) {
        auto [m, bytes] = std::move(p.deferred_requests.front());
        p.deferred_requests.pop_front();
        p.deferred_bytes -= bytes;
        std::visit([&](auto&& msg) { handle(p, std::move(msg)); }, std::move(m));
    }
}

void PeerManager::serve_getdata(Peer& p) {
    std::vector<InvItem> missing;
    while (!p.getdata_backlog.empty() && p.conn->queued_bytes() < kGetDataSendLimit) {
        if (p.conn->closed()) return;
        const InvItem item = p.getdata_backlog.front();
        p.getdata_backlog.pop_front();
        if (item.type != InvType::Tx) {
            p.backlog_blocks.erase(item.hash);
            send_block(p, item, missing);
            continue;
        }
        if (auto e = m_mempool.get(item.hash)) {
            p.known.insert(item.hash);
            p.conn->send(TxMsg{e->tx});
            continue;
        }
        missing.push_back(item);
    }
    if (!missing.empty()) p.conn->send(NotFoundMsg{std::move(missing)});
}

void PeerManager::handle(Peer& p, NotFoundMsg&& m) {
    const auto now = Clock::now();
    bool block_refused = false;
    for (const auto& item : m.items) {
        if (item.type == InvType::Tx) {
            send_tx_requests(m_txs.not_found(p.conn->id(), item.hash, now));
            continue;
        }
        // It does not hold that block after all: another peer of that branch gets the
        // request, never this one straight again.
        block_refused |= m_blocks.not_found(p.conn->id(), item.hash, now);
    }
    // What it holds may have changed (a reorg on its side): learn its branch again.
    if (block_refused) send_getheaders(p);
    schedule_downloads();
}

void PeerManager::handle(Peer& p, TxMsg&& m) {
    const Hash256 txid = m.tx.txid();
    p.known.insert(txid);
    // Asked of this peer recently (perhaps timed out since): a late answer is not a flood.
    const bool requested = m_txs.received(p.conn->id(), txid);
    if (!requested && unrequested(p)) return;
    if (m_mempool.contains(txid)) return;
    node::AdmitResult r = m_mempool.accept(m.tx, now_seconds(), m_chain.tip().height);
    if (r.ok()) {
        FINCH_DEBUG(Mempool, "accepted " + txid.to_hex() + " from peer " + std::to_string(p.conn->id()));
        p.last_novel_tx = now_seconds();  // protects it from eviction
        announce_accepted(txid);
        if (m_gap_txs.size() > 0) admit_waiting(m_gap_txs.take(m.tx.sender_id()));
        return;
    }
    if (!r.rejection) return;
    if (r.rejection->code == "nonce-gap") return hold_for_gap(p, m.tx, txid);
    m_txs.rejected(txid);
    if (r.rejection->fault == Fault::Consensus)
        misbehaving(p, Misbehavior::InvalidTransaction, txid.to_hex() + ": " + r.rejection->to_string());
}

void PeerManager::announce_accepted(const Hash256& txid) {
    for (auto& [id, other] : m_peers)
        if (other->ready && !other->known.contains(txid)) other->tx_to_announce.push_back(txid);
}

void PeerManager::hold_for_gap(Peer& p, const Transaction& tx, const Hash256& txid) {
    // The mempool checks the gap before the signature: check it here, so nothing unsigned
    // waits (the pool would be free to fill otherwise).
    if (auto s = check_signature(tx, m_params.genesis_hash); !s) {
        m_txs.rejected(txid);
        return misbehaving(p, Misbehavior::InvalidTransaction, txid.to_hex() + ": " + s.error().to_string());
    }
    // An account that cannot pay for it now is not worth holding a slot for.
    const auto account = m_chain.store().get(tx.sender_id());
    const auto cost = checked_add(tx.amount, tx.fee);
    if (!account || !cost || account->balance < *cost) {
        m_txs.rejected(txid);
        return;
    }
    if (m_gap_txs.add({tx, p.conn->id(), now_seconds()}, tx.sender_id()))
        FINCH_DEBUG(Mempool, "transfer " + txid.to_hex() + " waits for an earlier nonce of its sender");
}

void PeerManager::admit_waiting(std::vector<NonceGapPool::Waiting> waiting) {
    for (NonceGapPool::Waiting& w : waiting) {
        const node::AdmitResult r = m_mempool.accept(w.tx, now_seconds(), m_chain.tip().height);
        if (r.ok()) announce_accepted(r.txid);
        else if (r.rejection && r.rejection->code == "nonce-gap") {
            const AccountId sender = w.tx.sender_id();
            m_gap_txs.add(std::move(w), sender);  // keeps its first arrival time: the age limit holds
        }
    }
}

void PeerManager::flush_tx_announcements() {
    if (m_stopping) return;
    take_handed_over();
    for (auto& [id, p] : m_peers) {
        if (p->tx_to_announce.empty() || !p->ready) continue;
        InvMsg inv;
        for (const auto& txid : p->tx_to_announce) {
            if (p->known.contains(txid)) continue;
            p->known.insert(txid);
            inv.items.push_back({InvType::Tx, txid});
            if (inv.items.size() == kMaxInvEntries) {
                p->conn->send(inv);
                inv.items.clear();
            }
        }
        p->tx_to_announce.clear();
        if (!inv.items.empty()) p->conn->send(inv);
    }
    m_trickle_timer.expires_after(m_options.tx_trickle);
    m_trickle_timer.async_wait([this](const boost::system::error_code& ec) {
        if (!ec) flush_tx_announcements();
    });
}

void PeerManager::relay_transaction(const Transaction& tx) {
    if (m_stopping) return;
    uint64_t dropped = 0;
    if (!m_relay_handoff.push({tx.txid(), tx.sender_id()}, &dropped)) {
        // The io thread is not keeping up (or stalled): this transfer stays in the mempool,
        // never announced (there is no rebroadcast), rather than the queue growing without end.
        m_gap_retry_all = true;
        if (dropped == 1 || dropped % 10'000 == 0)
            FINCH_LOG("p2p: " + std::to_string(m_relay_handoff.limit()) +
                      " accepted transfers wait for the network thread; not announcing more (" +
                      std::to_string(dropped) + " so far)");
    }
    // Nothing is posted: one wake-up of the io thread per transfer cost more than the rest of
    // the hand-off. flush_tx_announcements() takes them with its next trickle, the moment
    // they would have been announced anyway.
}

void PeerManager::take_handed_over() {
    // At most kMaxRelaysPerTrickle a turn (50,000/s, far above what RPC admits, and well
    // inside each peer's known inventory): after a stall filled the queue, its work is
    // spread over turns with other io work between them.
    for (const auto& [txid, sender] : m_relay_handoff.take(kMaxRelaysPerTrickle)) {
        announce_accepted(txid);
        if (m_gap_txs.size() > 0) admit_waiting(m_gap_txs.take(sender));  // it may have filled a gap
    }
    if (m_gap_txs.size() > 0 && !m_chain.initial_block_download() && m_gap_retry_all.exchange(false))
        admit_waiting(m_gap_txs.take_all());
}

// ---- addresses -----------------------------------------------------------------------

void PeerManager::handle(Peer& p, GetAddrMsg&&) {
    if (p.answered_getaddr || !p.conn->inbound()) return;
    p.answered_getaddr = true;
    // Discouraged addresses are not passed on.
    std::vector<NetAddress> sample = m_addrbook.sample(kMaxAddrEntries);
    std::erase_if(sample, [&](const NetAddress& a) { return m_discouraged.is_discouraged(a.ip_string()); });
    p.conn->send(AddrMsg{std::move(sample)});
}

void PeerManager::handle(Peer& p, AddrMsg&& m) {
    const double now = steady_seconds();
    std::vector<NetAddress> fresh;
    size_t taken = 0;
    for (const auto& a : m.addresses) {
        if (!p.addr_limit.take(now)) break;
        ++taken;
        if (a.port == 0 || m_discouraged.is_discouraged(a.ip_string())) continue;
        if (m_addrbook.add(a, now_seconds())) fresh.push_back(a);
    }
    // Past the rate: dropped without blame, as Bitcoin Core does (honest peers relay bursts
    // they did not make, and scoring them would let one flooder set honest nodes against each other).
    (void)taken;
    // Relay a few new addresses to two other peers (small messages only: not getaddr replies).
    if (fresh.empty() || m.addresses.size() > 10) return;
    std::vector<Peer*> others;
    for (auto& [id, o] : m_peers)
        if (o.get() != &p && o->ready) others.push_back(o.get());
    std::shuffle(others.begin(), others.end(), m_rng);
    for (size_t i = 0; i < others.size() && i < 2; ++i) others[i]->conn->send(AddrMsg{fresh});
}

}  // namespace finch::net
