// PeerManager: headers, block download and compact block relay; see peer_manager.h and
// docs/protocol.md.
#include "node/net/peer_manager.h"

#include "consensus/pow.h"
#include "consensus/validation.h"
#include "node/log.h"

#include <algorithm>

namespace finch::net {

using Clock = std::chrono::steady_clock;

namespace {

// A peer that keeps sending headers we cannot attach (and never the ones before them)
// is wasting our bandwidth: Bitcoin Core allows 10 such messages too.
constexpr size_t kMaxUnconnectingHeaders = 10;
// Blocks this far below our tip are sent whole when asked for as compact blocks (the peer
// is unlikely to hold their transactions).
constexpr uint64_t kMaxCompactDepth = 10;
// At most this many transfers are prefilled in a compact block sent unasked; past it the
// peer asks for the rest with getblocktxn.
constexpr size_t kMaxPrefilled = 1'000;

bool peer_at_fault(const Rejection& r) { return r.fault == Fault::Consensus || r.fault == Fault::Decode; }

}  // namespace

// ---- headers -------------------------------------------------------------------------

void PeerManager::send_getheaders(Peer& p, std::optional<Hash256> from) {
    const node::TipInfo tip = m_chain.tip();
    GetHeadersMsg g;
    if (from) g.locator.push_back(*from);
    auto locator = build_locator(tip.height, [&](uint64_t h) {
        return m_chain.store().hash_at_height(h).value_or(m_params.genesis_hash);
    });
    g.locator.insert(g.locator.end(), locator.begin(), locator.end());
    if (g.locator.size() > kMaxLocatorHashes) g.locator.resize(kMaxLocatorHashes);
    p.conn->send(g);
}

void PeerManager::handle(Peer& p, GetHeadersMsg&& m) {
    // One snapshot of the active chain, so a reorg on another thread cannot splice two
    // branches into one reply. Served from the store, never waiting for the chainstate.
    auto snap = m_chain.store().snapshot();
    const auto tip = snap->tip();
    if (!tip) return;
    uint64_t start = 0;
    for (const auto& h : m.locator) {
        auto rec = m_chain.store().read_index(h);
        if (rec && snap->hash_at_height(rec->height) == h) {
            start = rec->height;
            if (start == tip->height) p.last_header_sent = h;  // it holds our tip's header
            break;
        }
    }
    HeadersMsg out;
    for (uint64_t h = start + 1; h <= tip->height && out.headers.size() < kMaxHeaders; ++h) {
        auto hash = snap->hash_at_height(h);
        if (!hash) break;
        auto rec = m_chain.store().read_index(*hash);
        if (!rec) break;
        out.headers.push_back(rec->header);
        if (*hash == m.stop) break;
    }
    if (!out.headers.empty()) p.last_header_sent = out.headers.back().hash();
    p.conn->send(out);
}

void PeerManager::handle(Peer& p, HeadersMsg&& m) {
    if (m.headers.empty()) return;
    for (const auto& h : m.headers) p.known.insert(h.hash());
    const node::HeadersAcceptance r = m_chain.accept_headers(m.headers);
    if (r.last) m_blocks.peer_has(p.conn->id(), *r.last);
    switch (r.outcome) {
        case node::HeadersOutcome::UnknownParent:
            // We miss the start of this branch: ask for it, but not forever.
            if (++p.unconnecting_headers > kMaxUnconnectingHeaders)
                return misbehaving(p, Misbehavior::UnconnectingHeaders, "");
            return send_getheaders(p);
        case node::HeadersOutcome::Rejected:
            if (peer_at_fault(*r.rejection)) return misbehaving(p, Misbehavior::InvalidHeader, r.rejection->to_string());
            // They connected (a header we refuse, say for a time our clock finds too far
            // ahead, still has a known parent): the peer is not sending unconnected headers.
            p.unconnecting_headers = 0;
            // Headers of a block already known invalid: no news, perhaps relayed honestly
            // before validation; repeated, a nuisance.
            if (r.rejection->fault == Fault::KnownInvalid && unrequested(p))
                return;
            FINCH_DEBUG(Net, "headers from peer " + std::to_string(p.conn->id()) +
                                 " not accepted: " + r.rejection->to_string());
            break;
        case node::HeadersOutcome::Accepted:
            p.unconnecting_headers = 0;
            // A full reply: the peer has more (even when another peer sent us these first).
            if (m.headers.size() == kMaxHeaders && r.last) send_getheaders(p, *r.last);
            break;
    }
    schedule_downloads();
}

// ---- block download ------------------------------------------------------------------

void PeerManager::schedule_downloads() {
    const auto now = Clock::now();
    const node::TipInfo tip = m_chain.tip();
    const bool caught_up = !m_chain.initial_block_download();
    for (auto& [id, p] : m_peers) {
        if (!p->ready || p->conn->closed()) continue;
        auto hashes = m_blocks.next_requests(id, now);
        if (hashes.empty()) continue;
        GetDataMsg request;
        for (const Hash256& h : hashes) {
            p->requested_blocks.insert(h);
            // The next block on our tip, once caught up: its transactions are most likely in
            // our mempool already, so ask for it as a compact block (BIP152 low bandwidth).
            InvType type = InvType::Block;
            if (caught_up && p->compact_supported)
                if (auto e = m_chain.header(h); e && e->prev_hash == tip.hash) type = InvType::CompactBlock;
            request.items.push_back(InvItem{type, h});
        }
        p->conn->send(request);
    }
}

void PeerManager::handle(Peer& p, BlockMsg&& m) {
    const Hash256 hash = m.block.hash();
    p.known.insert(hash);
    m_blocks_from_peers.insert(hash);
    const bool requested = m_blocks.received(p.conn->id(), hash) || p.requested_blocks.contains(hash);
    if (!requested && unrequested(p)) return;
    process_block(p, m.block);
}

void PeerManager::process_block(Peer& p, const Block& block, bool via_compact) {
    const Hash256 hash = block.hash();
    if (via_compact) relay_before_validation(p, block);
    node::BlockAcceptance r = m_chain.accept_block(block);
    switch (r.outcome) {
        case node::BlockOutcome::Connected:
        case node::BlockOutcome::Stored:
            ++p.synced_blocks;
            m_blocks.peer_has(p.conn->id(), hash);
            if (r.outcome == node::BlockOutcome::Connected) {
                p.last_novel_block = now_seconds();  // protects it from eviction
                select_high_bandwidth(p);
            }
            break;
        case node::BlockOutcome::Orphan:
            // Only when we do not know its parent's header either: otherwise it is just early.
            if (!m_chain.header(block.header.prev_hash)) send_getheaders(p);
            break;
        case node::BlockOutcome::Duplicate: break;
        case node::BlockOutcome::Rejected: {
            const Rejection& why = *r.rejection;
            m_blocks.release(hash);
            // A compact block may have been relayed to us before its sender validated it
            // (BIP152 high bandwidth): only its header vouches for it, and that was checked.
            if (why.fault == Fault::Consensus && !via_compact)
                return misbehaving(p, Misbehavior::InvalidBlock, hash.to_hex() + ": " + why.to_string());
            if (why.fault == Fault::KnownInvalid && unrequested(p))
                return;
            // A far-future time may be our clock's fault; a mutated body, corruption in
            // transit: fetch the block again elsewhere, and drop a peer that mutates blocks.
            FINCH_DEBUG(Net, "block " + hash.to_hex() + " from peer " + std::to_string(p.conn->id()) +
                                 " not accepted: " + why.to_string());
            if (why.fault == Fault::Mutated) p.conn->close("sent a mutated block");
            break;
        }
    }
    schedule_downloads();
}

// Sends a block asked for by getdata (whole, or compact when recent); unknown ones are
// collected for a notfound.
void PeerManager::send_block(Peer& p, const InvItem& item, std::vector<InvItem>& missing) {
    // A block found invalid is kept on disk but never served: it would look like our
    // endorsement of it.
    auto rec = m_chain.store().read_index(item.hash);
    auto block = rec && !(rec->status & (storage::kFailed | storage::kFailedParent))
                     ? m_chain.store().read_block(item.hash)
                     : std::nullopt;
    if (!block) {
        missing.push_back(item);
        return;
    }
    p.known.insert(item.hash);
    p.last_header_sent = item.hash;
    if (item.type == InvType::CompactBlock && rec->height + kMaxCompactDepth >= m_chain.tip().height)
        return p.conn->send(make_compact_block(*block, m_rng()));
    p.conn->send(BlockMsg{std::move(*block)});
}

// ---- compact blocks ------------------------------------------------------------------

void PeerManager::handle(Peer& p, SendCmpctMsg&& m) {
    if (m.version != kCompactBlockVersion) return;  // a version we do not speak: full blocks
    p.compact_supported = true;
    p.compact_to = m.high_bandwidth;
}

// A peer that just gave us a new tip is among the fastest: ask it (and at most two others,
// the most recent ones) to send compact blocks before we ask, as BIP152's high bandwidth.
void PeerManager::select_high_bandwidth(Peer& p) {
    if (!p.compact_supported || m_options.max_high_bandwidth_peers == 0) return;
    const uint64_t id = p.conn->id();
    if (auto it = std::find(m_high_bandwidth.begin(), m_high_bandwidth.end(), id); it != m_high_bandwidth.end()) {
        m_high_bandwidth.erase(it);
        m_high_bandwidth.push_back(id);
        return;
    }
    if (m_high_bandwidth.size() >= m_options.max_high_bandwidth_peers) {
        if (Peer* oldest = peer_by_id(m_high_bandwidth.front())) {
            oldest->compact_from = false;
            oldest->conn->send(SendCmpctMsg{false, kCompactBlockVersion});
        }
        m_high_bandwidth.pop_front();
    }
    m_high_bandwidth.push_back(id);
    p.compact_from = true;
    p.conn->send(SendCmpctMsg{true, kCompactBlockVersion});
}

void PeerManager::handle(Peer& p, CmpctBlockMsg&& m) {
    const Hash256 hash = m.header.hash();
    p.known.insert(hash);
    m_blocks_from_peers.insert(hash);
    // Unasked compact blocks come from peers we chose for high bandwidth, and as pushes of a
    // node's own new blocks (announce_block). A header we did not know, on a parent we know,
    // that would give at least our tip's work (a new best block, also later in a burst we
    // have not caught up with, or a sibling of our tip) is news, not a nuisance: its proof of
    // work is checked next. Anything else unasked counts.
    const auto is_news = [&] {
        if (m_chain.header(hash)) return false;
        auto parent = m_chain.header(m.header.prev_hash);
        return parent && !(parent->chain_work + block_work(m.header.bits) < m_chain.tip().chain_work);
    };
    if (!p.compact_from && !p.requested_blocks.contains(hash) && !is_news() && unrequested(p))
        return;
    // The header first: its proof of work and place, as if announced in a headers message.
    const node::HeadersAcceptance hr = m_chain.accept_headers(std::span<const BlockHeader>(&m.header, 1));
    if (hr.outcome == node::HeadersOutcome::UnknownParent) {
        if (++p.unconnecting_headers > kMaxUnconnectingHeaders)
            return misbehaving(p, Misbehavior::UnconnectingHeaders, "compact blocks");
        return send_getheaders(p);
    }
    if (hr.outcome == node::HeadersOutcome::Rejected) {
        // A header already known invalid is not punished here: honest peers relay compact
        // blocks before validating them.
        if (peer_at_fault(*hr.rejection))
            return misbehaving(p, Misbehavior::InvalidHeader, hr.rejection->to_string());
        return;
    }
    // Already being rebuilt from this peer: a repeat would only cost a mempool pass.
    if (p.pending_compact && p.pending_compact->hash == hash) return;
    m_blocks.peer_has(p.conn->id(), hash);
    auto entry = m_chain.header(hash);
    auto parent = m_chain.header(m.header.prev_hash);
    // Already held, or not next in line (its parent's body is missing): the ordinary
    // download handles it.
    if (!entry || entry->have_data || !parent || !parent->have_data) return schedule_downloads();
    // Already asked of another peer (say one that announced it with a header a moment
    // earlier): a rebuild from our own mempool may still finish it now, without waiting for
    // that peer (as Bitcoin Core). Only a rebuild that lacks transfers is left to it.
    const bool claimed = m_blocks.claim(p.conn->id(), hash, Clock::now());
    if (!claimed) {
        if (p.compact_tried == hash) return;
        p.compact_tried = hash;
    }

    const auto started = Clock::now();
    PartialBlock partial;
    const auto pool = m_mempool.snapshot_transactions();
    const auto snapshot_taken = Clock::now();
    if (auto s = partial.init(m, pool); !s) {
        if (claimed) m_blocks.release(hash);
        return misbehaving(p, Misbehavior::InvalidCompactBlock, s.error().to_string());
    }
    ++m_relay_stats.compact_blocks_received;
    FINCH_DEBUG(Net, "compact block " + hash.to_hex() + " from peer " + std::to_string(p.conn->id()) + ": " +
                         std::to_string(partial.prefilled()) + " prefilled, " + std::to_string(partial.from_pool()) +
                         " from the mempool, " + std::to_string(partial.missing().size()) + " missing; mempool copy " +
                         std::to_string(std::chrono::duration<double, std::milli>(snapshot_taken - started).count()) +
                         " ms, rebuild " +
                         std::to_string(std::chrono::duration<double, std::milli>(Clock::now() - snapshot_taken).count()) +
                         " ms");
    if (partial.complete()) return finish_compact(p, partial, false, claimed);
    if (!claimed) return;
    GetBlockTxnMsg request{hash, partial.missing()};
    p.pending_compact = PendingCompact{hash, std::move(partial)};
    p.requested_blocks.insert(hash);
    p.conn->send(request);
}

void PeerManager::finish_compact(Peer& p, PartialBlock& partial, bool after_round_trip, bool claimed) {
    auto block = partial.block();
    if (!block && !claimed) return;  // the peer asked for it brings it (as Bitcoin Core)
    if (!block) {
        // A short-id collision (or a lying sender) rebuilt the wrong transactions: the
        // header may still be good, so fetch the whole block from this peer.
        ++m_relay_stats.fell_back_to_full_block;
        FINCH_DEBUG(Net, "compact block from peer " + std::to_string(p.conn->id()) +
                             " did not rebuild: " + block.error().to_string() + "; fetching it whole");
        const Hash256 hash = partial.header().hash();
        p.requested_blocks.insert(hash);
        p.conn->send(GetDataMsg{{InvItem{InvType::Block, hash}}});
        return;
    }
    ++(after_round_trip ? m_relay_stats.rebuilt_after_getblocktxn : m_relay_stats.rebuilt_without_round_trip);
    m_blocks.received(p.conn->id(), block->hash());
    const auto started = Clock::now();
    process_block(p, *block, true);
    FINCH_DEBUG(Net, "compact block " + block->hash().to_hex() + " processed in " +
                         std::to_string(std::chrono::duration<double, std::milli>(Clock::now() - started).count()) +
                         " ms");
}

void PeerManager::handle(Peer& p, GetBlockTxnMsg&& m) {
    auto rec = m_chain.store().read_index(m.block_hash);
    if (!rec || (rec->status & (storage::kFailed | storage::kFailedParent))) return;  // nothing to answer
    auto block = m_chain.store().read_block(m.block_hash);
    if (!block) return;  // pruned or never had it: nothing to answer (as Bitcoin Core)
    auto answer = answer_getblocktxn(*block, m);
    if (!answer) return misbehaving(p, Misbehavior::InvalidCompactBlock, answer.error().to_string());
    p.conn->send(std::move(*answer));
}

void PeerManager::handle(Peer& p, BlockTxnMsg&& m) {
    if (!p.pending_compact || p.pending_compact->hash != m.block_hash) {
        if (unrequested(p)) return;
        return;
    }
    PendingCompact pending = std::move(*p.pending_compact);
    p.pending_compact.reset();
    if (auto s = pending.partial.fill(m); !s) {
        m_blocks.release(pending.hash);
        return misbehaving(p, Misbehavior::InvalidCompactBlock, s.error().to_string());
    }
    finish_compact(p, pending.partial, true);
}

// ---- announcements -------------------------------------------------------------------

// BIP152 high bandwidth: a rebuilt compact block whose header (proof of work, difficulty,
// time) checked out and whose transfers match its merkle root goes on to the peers that
// asked for compact blocks before we validate it, so relay does not wait for validation
// at every hop. Only a block that would become our new tip. If it then fails validation it
// is never announced again, and receivers do not hold the relay against us.
void PeerManager::relay_before_validation(Peer& from, const Block& block) {
    if (m_chain.initial_block_download()) return;
    const Hash256 hash = block.hash();
    // Only a block on our tip (the one we are about to connect), whose context-free rules
    // hold (its header's were checked when it arrived).
    const node::TipInfo tip = m_chain.tip();
    if (block.header.prev_hash != tip.hash) return;
    auto entry = m_chain.header(hash);
    if (!entry || entry->failed || entry->chain_work <= tip.chain_work) return;
    if (!check_block(block, m_params)) return;
    std::optional<std::vector<Hash256>> txids;
    std::optional<CmpctBlockMsg> shared;
    const uint64_t nonce = m_rng();
    for (auto& [id, p] : m_peers) {
        if (p.get() == &from || !p->ready || !p->compact_to || p->known.contains(hash)) continue;
        p->known.insert(hash);
        p->last_header_sent = hash;
        if (!txids) txids = block.txids();
        std::vector<uint32_t> prefill;
        for (size_t i = 0; i < block.txs.size() && prefill.size() < kMaxPrefilled; ++i)
            if (!p->known.contains((*txids)[i + 1])) prefill.push_back(static_cast<uint32_t>(i));
        if (!prefill.empty()) {
            p->conn->send(make_compact_block(block, nonce, prefill));
            continue;
        }
        if (!shared) shared = make_compact_block(block, nonce);
        p->conn->send(*shared);
    }
}

void PeerManager::announce_block(const BlockAnnouncement& a) {
    // How a peer that did not ask for compact blocks unasked hears of a new block, once we are
    // caught up and it holds the parent's header (has_parent_of):
    // - our own block (mined here or given by submitblock: no peer sent it to us) goes
    //   compact, unasked, to peers that take such pushes: one link delay;
    // - any other goes as its header (BIP130's headers announcement), which the peer can
    //   fetch at once: getdata and cmpctblock, three link delays.
    // Otherwise an inv: getheaders and headers come first, five link delays.
    const bool ours = a.compact && !m_blocks_from_peers.contains(a.hash);
    std::vector<Peer*> pushes;  // sent after the peers that asked, which come first
    for (auto& [id, p] : m_peers) {
        if (!p->ready || p->known.contains(a.hash)) continue;
        p->known.insert(a.hash);
        const uint32_t version = p->version ? p->version->version : 0;
        if (!a.compact || (!p->compact_to && (version < kHeadersAnnouncementVersion || !has_parent_of(*p, *a.block)))) {
            p->conn->send(InvMsg{{InvItem{InvType::Block, a.hash}}});
            continue;
        }
        p->last_header_sent = a.hash;  // every message below carries the header
        if (!p->compact_to) {
            if (ours && p->compact_supported && version >= kOwnBlockPushVersion) pushes.push_back(p.get());
            else p->conn->send(HeadersMsg{{a.block->header}});
            continue;
        }
        // Prefill the transfers this peer may lack: those it neither announced to us nor got
        // from us (BIP152 leaves the guess to the sender). Usually none: then the shared message.
        std::vector<uint32_t> prefill;
        for (size_t i = 0; i < a.block->txs.size() && prefill.size() < kMaxPrefilled; ++i)
            if (!p->known.contains(a.txids[i + 1])) prefill.push_back(static_cast<uint32_t>(i));
        if (prefill.empty()) p->conn->send(*a.compact);
        else p->conn->send(make_compact_block(*a.block, a.compact->nonce, prefill));
    }
    // No prefills in a push: the peer did not ask, and a rebuild that lacks some transfers asks
    // for them with getblocktxn.
    for (Peer* p : pushes) p->conn->send(*a.compact);
}

bool PeerManager::has_parent_of(const Peer& p, const Block& block) const {
    const Hash256& parent = block.header.prev_hash;
    if (p.last_header_sent == parent) return true;
    const auto best = m_blocks.best_known(p.conn->id());
    return best && best->hash == parent;
}

void PeerManager::block_connected(const Block& block, uint64_t) {
    if (m_stopping) return;
    auto a = std::make_shared<BlockAnnouncement>();
    a->hash = block.hash();
    // While catching up, blocks are announced by inventory only. Otherwise the compact form
    // is built here, where the block is at hand (well under a millisecond for 1,000
    // transfers), and the io thread only adds per-peer prefills.
    if (!m_chain.initial_block_download()) {
        thread_local std::mt19937_64 rng(std::random_device{}());
        a->block = std::make_shared<const Block>(block);
        a->txids = block.txids();
        a->compact = std::make_shared<const CmpctBlockMsg>(make_compact_block(block, rng()));
    }
    asio::post(m_ioc, [this, a] { announce_block(*a); });
}

void PeerManager::block_disconnected(const Block& block, uint64_t) {
    if (m_stopping || block.txs.empty()) return;
    std::vector<Hash256> txids;
    txids.reserve(block.txs.size());
    for (const Transaction& tx : block.txs) txids.push_back(tx.txid());
    asio::post(m_ioc, [this, txids = std::move(txids)] {
        // Bounded: a reorg deeper than this re-announces only its first transfers (per peer
        // an inv of at most this many entries).
        constexpr size_t kMaxReturning = 5'000;
        for (const Hash256& t : txids)
            if (m_reorg_returning.size() < kMaxReturning) m_reorg_returning.push_back(t);
    });
}

void PeerManager::tip_changed(const node::TipInfo&, bool) {
    if (m_stopping) return;
    asio::post(m_ioc, [this] {
        // The mempool took the returning transfers back before this notification (it is
        // subscribed first); those still there go to the next trickle, to every peer: what a
        // peer was known to have is stale after a reorg (an announcement sent during a
        // partition may have been answered with notfound while the transfer sat in a block
        // of the losing branch). A peer that has it ignores the inventory.
        for (const Hash256& txid : m_reorg_returning) {
            if (!m_mempool.contains(txid)) continue;
            for (auto& [id, p] : m_peers) {
                if (!p->ready) continue;
                p->known.forget(txid);
                p->tx_to_announce.push_back(txid);
            }
        }
        m_reorg_returning.clear();
        // Nonces moved: waiting transfers may fit now (not while catching up: the pool is
        // for transfers relayed at the tip).
        if (m_gap_txs.size() > 0 && !m_chain.initial_block_download()) admit_waiting(m_gap_txs.take_all());
        schedule_downloads();
    });
}

}  // namespace finch::net
