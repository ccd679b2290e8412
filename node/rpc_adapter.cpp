// RpcAdapter: the node side of rpc::NodeInterface; see rpc_adapter.h.
#include "node/rpc_adapter.h"

#include "consensus/pow.h"
#include "consensus/validation.h"

#include <atomic>

namespace finch::node {

namespace {

Status no_network() { return reject("network-disabled", "p2p networking is not running", Fault::Policy); }

uint64_t directory_size(const std::filesystem::path& dir) {
    uint64_t total = 0;
    std::error_code ec;
    for (auto it = std::filesystem::recursive_directory_iterator(dir, ec);
         !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec))
        if (it->is_regular_file(ec)) total += it->file_size(ec);
    return total;
}

}  // namespace

RpcAdapter::RpcAdapter(Chainstate& chain, Mempool& mempool, Miner& miner, std::filesystem::path ledger_dir,
                       std::function<void()> request_stop)
    : m_chain(chain),
      m_mempool(mempool),
      m_miner(miner),
      m_ledger_dir(std::move(ledger_dir)),
      m_request_stop(std::move(request_stop)) {}

double RpcAdapter::difficulty(uint32_t bits) const {
    const double target = Uint256::from_compact(bits).to_double();
    return target > 0 ? params().pow_limit.to_double() / target : 0;
}

uint64_t RpcAdapter::median_time(const Hash256& hash) const {
    std::vector<uint64_t> times;
    std::optional<storage::BlockIndexRecord> rec = m_chain.store().read_index(hash);
    while (rec && times.size() < 11) {
        times.push_back(rec->header.time);
        if (rec->height == 0) break;
        rec = m_chain.store().read_index(rec->header.prev_hash);
    }
    return median_time_past(times);
}

rpc::ChainInfo RpcAdapter::chain_info() {
    const TipInfo tip = m_chain.tip();
    auto snap = m_chain.store().snapshot();
    const auto counts = snap->counts();
    rpc::ChainInfo info;
    info.network = params().name;
    info.blocks = tip.height;
    info.headers = std::max(tip.height, m_chain.best_header_height());
    info.best_block_hash = tip.hash;
    info.bits = tip.bits;
    info.difficulty = difficulty(tip.bits);
    info.time = tip.time;
    info.median_time = tip.median_time_past;
    info.chain_work = tip.chain_work;
    info.initial_block_download = m_chain.initial_block_download();
    info.verification_progress = info.headers ? static_cast<double>(tip.height) / static_cast<double>(info.headers) : 1.0;
    {
        util::LockGuard lock(m_disk_mutex);
        const auto now = std::chrono::steady_clock::now();
        if (m_disk_measured == std::chrono::steady_clock::time_point{} || now - m_disk_measured > std::chrono::seconds(10)) {
            m_disk_bytes = directory_size(m_ledger_dir);
            m_disk_measured = now;
        }
        info.size_on_disk = m_disk_bytes;
    }
    info.accounts = counts.accounts;
    info.transactions = counts.transactions;
    info.orphan_blocks = m_chain.orphan_count();
    return info;
}

// The hot path of getblockcount/getbestblockhash: only the published tip, no store access.
rpc::TipSummary RpcAdapter::tip_summary() {
    const TipInfo t = m_chain.tip();
    return {t.height, t.hash, t.bits, difficulty(t.bits)};
}

std::optional<Hash256> RpcAdapter::block_hash_at(uint64_t height) {
    if (height > m_chain.tip().height) return std::nullopt;
    return m_chain.store().hash_at_height(height);
}

std::optional<rpc::HeaderInfo> RpcAdapter::header(const Hash256& hash) {
    auto rec = m_chain.store().read_index(hash);
    if (!rec) return std::nullopt;
    rpc::HeaderInfo h;
    h.header = rec->header;
    h.hash = hash;
    h.height = rec->height;
    h.chain_work = rec->chain_work;
    const rpc::BlockPlace place = place_of(hash, *rec);
    h.confirmations = place.confirmations;
    h.next_hash = place.next_hash;
    h.median_time = median_time(hash);
    if (rec->status & storage::kHaveData)
        if (auto b = m_chain.store().read_block(hash)) h.tx_count = b->txs.size() + 1;
    return h;
}

// Read from one snapshot of the store, not the block tree: RPC never waits for a block being
// connected, and the tip, the block at this height and the next one are of one moment (the
// published tip moves once per activation, the store once per block).
rpc::BlockPlace RpcAdapter::place_of(const Hash256& hash, const storage::BlockIndexRecord& rec) const {
    const auto snap = m_chain.store().snapshot();
    const auto tip = snap->tip();
    rpc::BlockPlace p;
    p.height = rec.height;
    p.have_data = (rec.status & storage::kHaveData) != 0;
    const bool active = tip && tip->height >= rec.height && snap->hash_at_height(rec.height) == hash;
    p.confirmations = active ? static_cast<int64_t>(tip->height - rec.height + 1) : -1;
    if (active && rec.height < tip->height) p.next_hash = snap->hash_at_height(rec.height + 1);
    return p;
}

std::optional<rpc::BlockPlace> RpcAdapter::block_place(const Hash256& hash) {
    auto rec = m_chain.store().read_index(hash);
    if (!rec) return std::nullopt;
    return place_of(hash, *rec);
}

std::optional<rpc::BlockInfo> RpcAdapter::block(const Hash256& hash) {
    auto h = header(hash);
    if (!h) return std::nullopt;
    auto body = m_chain.store().read_block(hash);
    if (!body) return std::nullopt;
    rpc::BlockInfo b;
    b.block = std::move(*body);
    b.height = h->height;
    b.confirmations = h->confirmations;
    b.chain_work = h->chain_work;
    b.next_hash = h->next_hash;
    b.median_time = h->median_time;
    return b;
}

std::vector<rpc::ChainTip> RpcAdapter::chain_tips() {
    std::vector<rpc::ChainTip> out;
    for (const auto& t : m_chain.chain_tips()) out.push_back({t.hash, t.height, t.branch_length, t.status});
    return out;
}

std::optional<rpc::TransactionInfo> RpcAdapter::transaction(const Hash256& txid) {
    rpc::TransactionInfo info;
    info.txid = txid;
    if (auto e = m_mempool.get(txid)) {
        info.transfer = e->tx;
        info.in_mempool = true;
        return info;
    }
    auto snap = m_chain.store().snapshot();
    auto loc = snap->find_transaction(txid);
    if (!loc) return std::nullopt;
    auto block = m_chain.store().read_block(loc->block_hash);
    if (!block) return std::nullopt;
    if (loc->index == 0) info.coinbase = block->coinbase;
    else if (loc->index <= block->txs.size()) info.transfer = block->txs[loc->index - 1];
    else return std::nullopt;
    auto rec = m_chain.store().read_index(loc->block_hash);
    const TipInfo tip = m_chain.tip();
    info.block_hash = loc->block_hash;
    info.block_height = rec ? rec->height : 0;
    info.block_time = block->header.time;
    info.confirmations = rec && rec->height <= tip.height ? static_cast<int64_t>(tip.height - rec->height + 1) : 0;
    return info;
}

rpc::AccountInfo RpcAdapter::account(const AccountId& id) {
    const Account a = m_chain.store().get(id).value_or(Account{});
    rpc::AccountInfo info;
    info.id = id;
    info.balance = a.balance;
    info.nonce = a.nonce;
    info.pending_nonce = m_mempool.pending_nonce(id, a.nonce);
    const Amount spend = m_mempool.pending_spend(id);
    info.pending_balance = spend > a.balance ? 0 : a.balance - spend;
    return info;
}

rpc::StateHashInfo RpcAdapter::state_hash() {
    auto snap = m_chain.store().snapshot();
    rpc::StateHashInfo info;
    if (auto tip = snap->tip()) {
        info.height = tip->height;
        info.best_block_hash = tip->hash;
    }
    info.state_hash = snap->state_digest();
    info.accounts = snap->counts().accounts;
    return info;
}

rpc::SubmitResult RpcAdapter::submit_transaction(const Transaction& tx) {
    AdmitResult r = m_mempool.accept(tx, unix_now(), m_chain.tip().height);
    rpc::SubmitResult out;
    out.txid = r.txid;
    switch (r.kind) {
        case AdmitKind::Accepted:
        case AdmitKind::Replaced: out.kind = rpc::SubmitResult::Kind::Accepted; break;
        case AdmitKind::AlreadyInMempool: out.kind = rpc::SubmitResult::Kind::AlreadyInMempool; break;
        case AdmitKind::AlreadyInChain: out.kind = rpc::SubmitResult::Kind::AlreadyInChain; break;
        case AdmitKind::Rejected: out.kind = rpc::SubmitResult::Kind::Rejected; break;
    }
    if (r.rejection) {
        out.reason = r.rejection->code;
        out.detail = r.rejection->detail;
    }
    if (r.ok() && m_net) m_net->relay_transaction(tx);
    return out;
}

std::vector<Hash256> RpcAdapter::mempool_txids() { return m_mempool.txids(); }

rpc::MempoolInfo RpcAdapter::mempool_info() {
    rpc::MempoolInfo info;
    info.size = m_mempool.size();
    info.bytes = m_mempool.bytes();
    info.usage = info.bytes + info.size * 256;  // entries plus index overhead, roughly
    info.max_bytes = m_mempool.limits().max_bytes;
    info.min_relay_fee = m_mempool.limits().min_fee_per_byte;
    info.mempool_min_fee = m_mempool.limits().min_fee_per_byte;
    info.total_fee = m_mempool.total_fees();
    return info;
}

std::optional<rpc::MempoolEntry> RpcAdapter::mempool_entry(const Hash256& txid) {
    auto e = m_mempool.get(txid);
    if (!e) return std::nullopt;
    return rpc::MempoolEntry{e->tx, e->txid, e->size, e->tx.fee, e->time, e->height};
}

rpc::MiningInfo RpcAdapter::mining_info() {
    const TipInfo tip = m_chain.tip();
    rpc::MiningInfo info;
    info.blocks = tip.height;
    info.bits = next_work_required(tip.height, tip.time, params());
    info.difficulty = difficulty(info.bits);
    info.pooled_tx = m_mempool.size();
    info.chain = params().name;
    info.mining = m_miner.running();
    info.miner_threads = m_miner.threads();
    info.local_hashps = m_miner.hashrate();
    // Network hash rate as Bitcoin Core's getnetworkhashps: the work of the last (up to) 120
    // blocks over the spread of the timestamps from the block before them to the tip (the
    // earliest to the latest: timestamps need not increase). The window never starts at
    // genesis: its timestamp was fixed when the network was defined, so on a young chain
    // (regtest above all) the time back to it would dwarf the time the blocks took and give
    // a rate near zero. Blocks all stamped in the same second (regtest's generatetoaddress)
    // count as one second rather than dividing by zero; below two blocks there is no rate.
    constexpr uint64_t kLookup = 120;
    const uint64_t start_height = tip.height > kLookup ? tip.height - kLookup : 1;
    if (tip.height > start_height) {
        std::optional<storage::BlockIndexRecord> rec = m_chain.store().read_index(tip.hash);
        uint64_t min_time = rec ? rec->header.time : 0, max_time = min_time;
        while (rec && rec->height > start_height) {
            rec = m_chain.store().read_index(rec->header.prev_hash);
            if (!rec) break;
            min_time = std::min<uint64_t>(min_time, rec->header.time);
            max_time = std::max<uint64_t>(max_time, rec->header.time);
        }
        if (rec && rec->height == start_height && tip.chain_work > rec->chain_work) {
            const double work = (tip.chain_work - rec->chain_work).to_double();
            info.network_hashps = work / static_cast<double>(std::max<uint64_t>(max_time - min_time, 1));
        }
    }
    return info;
}

Result<std::vector<Hash256>> RpcAdapter::generate(uint64_t n, const AccountId& to) {
    std::vector<Hash256> hashes;
    static const std::atomic<bool> never{false};
    for (uint64_t i = 0; i < n; ++i) {
        Template t = m_miner.create_template(to, unix_now());
        auto block = m_miner.solve(std::move(t), never);
        if (!block) return reject("generate-failed", "nonce space exhausted", Fault::Policy);
        auto r = m_chain.accept_block(*block);
        if (!r.ok()) return *r.rejection;
        if (m_miner.on_block_found) m_miner.on_block_found(*block);
        hashes.push_back(block->hash());
    }
    return hashes;
}

Result<rpc::BlockTemplate> RpcAdapter::block_template(const AccountId& coinbase_to) {
    Template t = m_miner.create_template(coinbase_to, unix_now());
    rpc::BlockTemplate out;
    out.block = std::move(t.block);
    out.target = t.target;
    out.height = t.height;
    out.min_time = t.min_time;
    out.cur_time = out.block.header.time;
    out.coinbase_value = t.coinbase_value;
    out.fees = std::move(t.fees);
    return out;
}

rpc::BlockSubmitResult RpcAdapter::submit_block(const Block& block) {
    auto r = m_chain.accept_block(block);
    rpc::BlockSubmitResult out;
    switch (r.outcome) {
        case BlockOutcome::Connected: out.accepted = true; break;
        case BlockOutcome::Stored:
        case BlockOutcome::Orphan:
            out.accepted = true;
            out.reason = "inconclusive";
            break;
        case BlockOutcome::Duplicate:
            out.duplicate = true;
            out.reason = "duplicate";
            break;
        case BlockOutcome::Rejected: out.reason = r.rejection ? r.rejection->code : "rejected"; break;
    }
    if (r.outcome == BlockOutcome::Connected && m_miner.on_block_found) m_miner.on_block_found(block);
    return out;
}

std::vector<rpc::PeerInfo> RpcAdapter::peers() {
    std::vector<rpc::PeerInfo> out;
    if (!m_net) return out;
    for (net::PeerStats& s : m_net->peers()) {
        rpc::PeerInfo i;
        i.id = s.id;
        i.addr = std::move(s.addr);
        i.addr_local = std::move(s.addr_local);
        i.inbound = s.inbound;
        i.conn_time = s.conn_time;
        i.last_send = s.last_send;
        i.last_recv = s.last_recv;
        i.bytes_sent = s.bytes_sent;
        i.bytes_recv = s.bytes_recv;
        i.bytes_sent_per_msg = std::move(s.bytes_sent_per_msg);
        i.bytes_recv_per_msg = std::move(s.bytes_recv_per_msg);
        i.ping_time = s.ping_seconds;
        i.version = s.version;
        i.user_agent = std::move(s.user_agent);
        i.starting_height = s.starting_height;
        i.synced_headers = s.synced_headers;
        i.synced_blocks = s.synced_blocks;
        i.whitelisted = s.whitelisted;
        i.identity = s.identity;
        i.transport = s.transport;
        i.cipher = s.cipher;
        i.score = s.score;
        i.discouraged = s.discouraged;
        i.bip152_hb_to = s.high_bandwidth_to;
        i.bip152_hb_from = s.high_bandwidth_from;
        out.push_back(std::move(i));
    }
    return out;
}

rpc::NetworkInfo RpcAdapter::network_info() {
    rpc::NetworkInfo info;
    info.network_active = false;
    if (!m_net) return info;
    const net::NetStats s = m_net->stats();
    info.version = 100;
    info.subversion = s.user_agent;
    info.protocol_version = s.protocol_version;
    info.identity = s.identity;
    info.connections_in = s.connections_in;
    info.connections_out = s.connections_out;
    info.connections = s.connections_in + s.connections_out;
    info.network_active = true;
    info.listening = s.listening;
    info.port = s.port;
    if (s.listening) info.local_addresses.push_back(s.bind);
    info.compact_received = s.relay.compact_blocks_received;
    info.compact_rebuilt_without_round_trip = s.relay.rebuilt_without_round_trip;
    info.compact_rebuilt_after_getblocktxn = s.relay.rebuilt_after_getblocktxn;
    info.compact_fell_back_to_full_block = s.relay.fell_back_to_full_block;
    return info;
}

rpc::NetTotals RpcAdapter::net_totals() {
    if (!m_net) return {};
    const net::NetTotals t = m_net->totals();
    return {t.bytes_recv, t.bytes_sent};
}

rpc::DhtInfo RpcAdapter::dht_info() {
    if (!m_net) return {};
    const net::DhtStats d = m_net->dht_stats();
    return {d.identity, d.endpoint, d.buckets, d.nodes, d.bytes_sent, d.bytes_received};
}

Result<rpc::DhtNode> RpcAdapter::dht_find(const std::string& identity) {
    if (!m_net) return no_network().error();
    auto found = m_net->dht_find(identity);
    if (!found) return found.error();
    return rpc::DhtNode{found->identity, found->endpoint, found->hops};
}

Status RpcAdapter::add_node(const std::string& address, const std::string& command) {
    return m_net ? m_net->add_node(address, command) : no_network();
}

Status RpcAdapter::disconnect_node(const std::string& address, std::optional<uint64_t> peer_id) {
    return m_net ? m_net->disconnect(address, peer_id) : no_network();
}

Status RpcAdapter::set_ban(const std::string& subnet, const std::string& command, uint64_t ban_seconds,
                           bool absolute) {
    return m_net ? m_net->set_ban(subnet, command, ban_seconds, absolute) : no_network();
}

std::vector<rpc::BanEntry> RpcAdapter::list_banned() {
    std::vector<rpc::BanEntry> out;
    if (!m_net) return out;
    for (net::BanInfo& b : m_net->banned()) out.push_back({std::move(b.subnet), b.created, b.until, std::move(b.reason)});
    return out;
}

void RpcAdapter::clear_banned() {
    if (m_net) m_net->clear_banned();
}

uint64_t RpcAdapter::uptime_seconds() {
    return static_cast<uint64_t>(
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - m_started).count());
}

}  // namespace finch::node
