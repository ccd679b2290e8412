// FakeNode: canned chain, mempool, peers and bans behind NodeInterface.
#include "tests/rpc/fake_node.h"

#include "consensus/pow.h"

#include <algorithm>
#include <stdexcept>
#include <thread>

namespace finch::rpc::test {

namespace {

const ChainParams& regtest() { return chain_params(Network::Regtest); }

Block mine(const Hash256& prev, uint64_t height, const AccountId& miner, std::vector<Transaction> txs,
           uint8_t tag = 0) {
    const ChainParams& p = regtest();
    Block b;
    b.header.prev_hash = prev;
    b.header.time = p.genesis.header.time + height * 10;
    b.header.bits = p.genesis.header.bits;
    b.coinbase.height = height;
    b.coinbase.recipient = miner;
    b.coinbase.amount = block_subsidy(height, p);
    b.coinbase.extra = {tag};
    for (const Transaction& tx : txs) b.coinbase.amount += tx.fee;
    b.txs = std::move(txs);
    b.header.merkle_root = b.compute_merkle_root();
    while (!check_proof_of_work(b.header.hash(), b.header.bits, p.pow_limit)) ++b.header.nonce;
    return b;
}

}  // namespace

SecretKey key_from_label(const std::string& label) {
    SecretKey k;
    k.bytes = sha256({reinterpret_cast<const uint8_t*>(label.data()), label.size()}).bytes;
    return k;
}

AccountId account_of(const std::string& label) { return account_id(derive_public_key(key_from_label(label)).value()); }

Transaction signed_transfer(const std::string& from_label, const AccountId& to, Amount amount, Amount fee,
                            uint64_t nonce) {
    const SecretKey secret = key_from_label(from_label);
    Transaction tx;
    tx.sender = derive_public_key(secret).value();
    tx.recipient = to;
    tx.amount = amount;
    tx.fee = fee;
    tx.nonce = nonce;
    const ByteArray<32> aux{};  // fixed, so the same transfer always has the same txid
    tx.signature = sign(secret, tx.signature_hash(regtest().genesis_hash), &aux).value();
    return tx;
}

FakeNode::FakeNode(size_t big_block_txs) {
    const AccountId miner = account_of("miner");
    chain.push_back(regtest().genesis);
    chain.push_back(mine(chain[0].hash(), 1, miner, {}));
    chain.push_back(mine(chain[1].hash(), 2, miner,
                         {signed_transfer("miner", account_of("bob"), 1 * kCoin, 1000, 0),
                          signed_transfer("miner", account_of("carol"), 2 * kCoin, 1000, 1)}));
    uint64_t miner_nonce = 2;
    if (big_block_txs > 0) {
        std::vector<Transaction> txs;
        for (size_t i = 0; i < big_block_txs; ++i)
            txs.push_back(signed_transfer("miner", account_of("bob"), 1000, 100, miner_nonce++));
        chain.push_back(mine(chain[2].hash(), 3, miner, std::move(txs)));
    }
    for (const Block& b : chain) hashes.push_back(b.hash());
    fork_block = mine(chain[1].hash(), 2, miner, {}, 0xf0);
    fork_hash = fork_block.hash();

    m_accounts[miner] = Account{97 * kCoin, miner_nonce};
    m_accounts[account_of("bob")] = Account{1 * kCoin, 0};
    m_accounts[account_of("carol")] = Account{2 * kCoin, 0};
    m_accounts[account_of("alice")] = Account{10 * kCoin, 0};
    const Transaction pending = signed_transfer("alice", account_of("bob"), 5 * kCoin, 2000, 0);
    m_mempool[pending.txid()] = MempoolEntry{pending, pending.txid(), Transaction::kSerializedSize, 2000, 1'800'000'000, 2};
}

const ChainParams& FakeNode::params() const { return chain_params(network); }

std::optional<size_t> FakeNode::height_of(const Hash256& hash) const {
    for (size_t h = 0; h < hashes.size(); ++h)
        if (hashes[h] == hash) return h;
    return std::nullopt;
}

Uint256 FakeNode::work_at(size_t height) const {
    Uint256 work;
    for (size_t h = 0; h <= height; ++h) work += block_work(chain[h].header.bits);
    return work;
}

ChainInfo FakeNode::chain_info() {
    ChainInfo c;
    c.network = "regtest";
    c.blocks = chain.size() - 1;
    c.headers = c.blocks;
    c.best_block_hash = hashes.back();
    c.bits = chain.back().header.bits;
    c.difficulty = 1.0;
    c.time = chain.back().header.time;
    c.median_time = chain[chain.size() / 2].header.time;
    c.chain_work = work_at(chain.size() - 1);
    c.size_on_disk = 12345;
    c.accounts = 4;
    c.transactions = 5;
    return c;
}

std::optional<Hash256> FakeNode::block_hash_at(uint64_t height) {
    if (height >= hashes.size()) return std::nullopt;
    return hashes[height];
}

std::optional<HeaderInfo> FakeNode::header(const Hash256& hash) {
    auto b = block(hash);
    if (!b) return std::nullopt;
    return HeaderInfo{b->block.header, hash, b->height, b->confirmations, b->chain_work, b->next_hash, b->median_time,
                      b->block.txs.size() + 1};
}

std::optional<BlockInfo> FakeNode::block(const Hash256& hash) {
    if (hash == fork_hash) return BlockInfo{fork_block, 2, -1, work_at(2), std::nullopt, chain[1].header.time, true};
    auto h = height_of(hash);
    if (!h) return std::nullopt;
    BlockInfo info{chain[*h], *h, static_cast<int64_t>(chain.size() - *h), work_at(*h), std::nullopt,
                   chain[*h / 2].header.time, true};
    if (*h + 1 < hashes.size()) info.next_hash = hashes[*h + 1];
    return info;
}

std::vector<ChainTip> FakeNode::chain_tips() {
    return {{hashes.back(), chain.size() - 1, 0, "active"}, {fork_hash, 2, 1, "valid-fork"}};
}

std::optional<TransactionInfo> FakeNode::transaction(const Hash256& txid) {
    {
        std::lock_guard lock(m_mutex);
        if (auto it = m_mempool.find(txid); it != m_mempool.end())
            return TransactionInfo{it->second.tx, std::nullopt, txid, true, std::nullopt, 0, 0, 0};
    }
    for (size_t h = 0; h < chain.size(); ++h) {
        const Block& b = chain[h];
        const int64_t conf = static_cast<int64_t>(chain.size() - h);
        if (b.coinbase.txid() == txid) return TransactionInfo{std::nullopt, b.coinbase, txid, false, hashes[h], h, conf, b.header.time};
        for (const Transaction& tx : b.txs)
            if (tx.txid() == txid) return TransactionInfo{tx, std::nullopt, txid, false, hashes[h], h, conf, b.header.time};
    }
    return std::nullopt;
}

AccountInfo FakeNode::account(const AccountId& id) {
    std::lock_guard lock(m_mutex);
    AccountInfo info;
    info.id = id;
    auto it = m_accounts.find(id);
    if (it != m_accounts.end()) info.balance = it->second.balance, info.nonce = it->second.nonce;
    info.pending_nonce = info.nonce;
    info.pending_balance = info.balance;
    for (const auto& [txid, e] : m_mempool) {
        if (e.tx.sender_id() != id) continue;
        ++info.pending_nonce;
        info.pending_balance -= std::min(info.pending_balance, e.tx.amount + e.tx.fee);
    }
    return info;
}

StateHashInfo FakeNode::state_hash() {
    return StateHashInfo{chain.size() - 1, hashes.back(), sha256(hashes.back().span()), 4};
}

SubmitResult FakeNode::submit_transaction(const Transaction& tx) {
    SubmitResult r;
    r.txid = tx.txid();
    if (!check_signature(tx, params().genesis_hash)) {
        r.reason = "bad-signature";
        r.detail = "the signature does not verify";
        return r;
    }
    if (transaction(r.txid) && !mempool_entry(r.txid)) return r.kind = SubmitResult::Kind::AlreadyInChain, r;
    std::lock_guard lock(m_mutex);
    if (m_mempool.count(r.txid)) return r.kind = SubmitResult::Kind::AlreadyInMempool, r;
    const uint64_t confirmed = m_accounts[tx.sender_id()].nonce;
    if (tx.nonce < confirmed) {
        r.reason = "nonce-too-low";
        r.detail = "expected nonce " + std::to_string(confirmed);
        return r;
    }
    if (tx.nonce > confirmed + m_mempool.size() + 4) {
        r.reason = "nonce-gap";
        r.detail = "nonce too far past the next expected";
        return r;
    }
    m_mempool[r.txid] = MempoolEntry{tx, r.txid, Transaction::kSerializedSize, tx.fee, 1'800'000'000, chain.size() - 1};
    r.kind = SubmitResult::Kind::Accepted;
    return r;
}

std::vector<Hash256> FakeNode::mempool_txids() {
    std::lock_guard lock(m_mutex);
    std::vector<Hash256> out;
    for (const auto& [txid, e] : m_mempool) out.push_back(txid);
    return out;
}

MempoolInfo FakeNode::mempool_info() {
    std::lock_guard lock(m_mutex);
    MempoolInfo m;
    m.size = m_mempool.size();
    m.bytes = m.size * Transaction::kSerializedSize;
    m.usage = m.bytes * 2;
    m.max_bytes = 300'000'000;
    m.min_relay_fee = 1;
    m.mempool_min_fee = 1;
    for (const auto& [txid, e] : m_mempool) m.total_fee += e.fee;
    return m;
}

std::optional<std::vector<AddressTransfer>> FakeNode::address_history(const AccountId& id, const HistoryQuery& query) {
    if (address_index_off) return std::nullopt;
    std::vector<AddressTransfer> all;
    for (size_t h = chain.size(); h-- > 0;) {
        const Block& b = chain[h];
        const std::vector<Hash256> ids = b.txids();
        for (size_t i = b.txs.size(); i-- > 0;) {
            const Transaction& tx = b.txs[i];
            AddressTransfer t{h, static_cast<uint32_t>(i + 1), TransferRole::Sent, ids[i + 1], tx.amount, tx.fee,
                              tx.recipient, hashes[h], b.header.time};
            if (tx.recipient == id) {
                AddressTransfer r = t;
                r.role = TransferRole::Received;
                r.counterparty = tx.sender_id();
                all.push_back(r);
            }
            if (tx.sender_id() == id) all.push_back(t);
        }
        if (b.coinbase.recipient == id)
            all.push_back({h, 0, TransferRole::Mined, ids[0], b.coinbase.amount, 0, std::nullopt, hashes[h], b.header.time});
    }
    // Newest first: height, then position, then role (received before sent, as the index keys).
    auto older = [](const AddressTransfer& t, const HistoryPlace& p) {
        if (t.height != p.height) return t.height < p.height;
        if (t.position != p.position) return t.position < p.position;
        return static_cast<int>(t.role) < static_cast<int>(p.role);
    };
    size_t first = 0;
    if (query.after)
        while (first < all.size() && !older(all[first], *query.after)) ++first;
    first = std::min<uint64_t>(all.size(), first + query.skip);
    all.erase(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(first));
    if (all.size() > query.count) all.resize(query.count);
    return all;
}

std::vector<MempoolEntry> FakeNode::mempool_latest(size_t max, const std::optional<AccountId>& involving) {
    std::lock_guard lock(m_mutex);
    std::vector<MempoolEntry> out;
    for (const auto& [txid, e] : m_mempool)
        if (out.size() < max && (!involving || e.tx.sender_id() == *involving || e.tx.recipient == *involving))
            out.push_back(e);
    return out;
}

std::optional<MempoolEntry> FakeNode::mempool_entry(const Hash256& txid) {
    std::lock_guard lock(m_mutex);
    auto it = m_mempool.find(txid);
    if (it == m_mempool.end()) return std::nullopt;
    return it->second;
}

MiningInfo FakeNode::mining_info() {
    MiningInfo m;
    m.blocks = chain.size() - 1;
    m.bits = chain.back().header.bits;
    m.difficulty = 1.0;
    m.network_hashps = 2.5;
    m.pooled_tx = mempool_txids().size();
    m.chain = "regtest";
    return m;
}

Result<std::vector<Hash256>> FakeNode::generate(uint64_t n, const AccountId& to) {
    if (n > 1000) return reject("generate-failed", "the fake node mines at most 1000 blocks", Fault::Policy);
    std::vector<Hash256> out;
    for (uint64_t i = 0; i < n; ++i) out.push_back(sha256(to.span()));
    return out;
}

Result<BlockTemplate> FakeNode::block_template(const AccountId& coinbase_to) {
    BlockTemplate t;
    t.block = mine(hashes.back(), chain.size(), coinbase_to, {});
    t.block.header.nonce = 0;
    t.target = Uint256::from_compact(t.block.header.bits);
    t.height = chain.size();
    t.min_time = chain.back().header.time + 1;
    t.cur_time = t.block.header.time;
    t.coinbase_value = t.block.coinbase.amount;
    return t;
}

BlockSubmitResult FakeNode::submit_block(const Block& block) {
    BlockSubmitResult r;
    if (height_of(block.hash())) return r.duplicate = true, r.reason = "duplicate", r;
    if (!check_proof_of_work(block.hash(), block.header.bits, params().pow_limit)) return r.reason = "high-hash", r;
    r.accepted = true;
    return r;
}

std::vector<PeerInfo> FakeNode::peers() {
    PeerInfo p;
    p.id = 7;
    p.addr = "127.0.0.1:19444";
    p.addr_local = "127.0.0.1:50000";
    p.identity = "3f1c2a9d5e7b8c6f0a4d2e1b9c8a7f6e5d4c3b2a190817263544536271809aab";
    p.transport = "tls1.3";
    p.cipher = "TLS_AES_256_GCM_SHA384";
    p.version = 3;
    p.user_agent = "/finchd:0.1.0/";
    p.starting_height = 2;
    return {p};
}

DhtInfo FakeNode::dht_info() {
    return {"6bf908b75eee6189e1d82d3e03ac338fbe43f67d3b347690e98e2e9d659ee310", "127.0.0.1:19444", 3, 21, 48'213, 51'907};
}

Result<DhtNode> FakeNode::dht_find(const std::string& identity) {
    if (identity.size() != 64) return reject("bad-peer-identity", "an identity is 64 hex digits", Fault::Decode);
    if (identity != "3f1c2a9d5e7b8c6f0a4d2e1b9c8a7f6e5d4c3b2a190817263544536271809aab")
        return reject("dht-not-found", "no node with that identity was found", Fault::Policy);
    return DhtNode{identity, "127.0.0.1:19445", 2};
}

NetworkInfo FakeNode::network_info() {
    NetworkInfo n;
    n.version = 100;
    n.subversion = "/finchd:0.1.0/";
    n.protocol_version = 3;
    n.identity = "6bf908b75eee6189e1d82d3e03ac338fbe43f67d3b347690e98e2e9d659ee310";
    n.connections = 1;
    n.connections_out = 1;
    n.listening = true;
    n.port = 19444;
    n.local_addresses = {"127.0.0.1"};
    return n;
}

// Address checks and rule codes as the real node's (node/net/peer_manager.cpp), simplified.
Status FakeNode::add_node(const std::string& address, const std::string& command) {
    if (address.empty() || address.find_first_of(" !@#") != std::string::npos)
        return reject("invalid-address", "'" + address + "' is not a peer address", Fault::Decode);
    std::lock_guard lock(m_mutex);
    if (command == "add" && !m_added_nodes.insert(address).second)
        return reject("node-already-added", "Node already added", Fault::Policy);
    if (command == "remove" && m_added_nodes.erase(address) == 0)
        return reject("node-not-added", "Node has not been added", Fault::Policy);
    return Status::accepted();
}

Status FakeNode::disconnect_node(const std::string& address, std::optional<uint64_t> peer_id) {
    if (peer_id == 7u || address == "127.0.0.1:19444") return Status::accepted();
    return reject("node-not-connected", "Node not found in connected nodes", Fault::Policy);
}

Status FakeNode::set_ban(const std::string& subnet, const std::string& command, uint64_t ban_seconds, bool absolute) {
    if (subnet.empty() || subnet.find_first_not_of("0123456789./:abcdef") != std::string::npos)
        return reject("bad-subnet", "'" + subnet + "' is not an IP address", Fault::Decode);
    if (auto slash = subnet.find('/');
        slash != std::string::npos && (slash + 1 == subnet.size() || subnet.find_first_not_of("0123456789", slash + 1) !=
                                                                         std::string::npos))
        return reject("bad-subnet", "'" + subnet + "': the prefix length must be a number", Fault::Decode);
    std::lock_guard lock(m_mutex);
    const auto banned = [&](const BanEntry& b) { return b.address == subnet; };
    if (command == "remove") {
        if (std::erase_if(m_bans, banned) == 0) return reject("not-banned", "IP was not banned", Fault::Policy);
        return Status::accepted();
    }
    if (std::any_of(m_bans.begin(), m_bans.end(), banned))
        return reject("already-banned", "IP already banned", Fault::Policy);
    const uint64_t now = 1'800'000'000;
    const uint64_t until = absolute ? ban_seconds : now + (ban_seconds ? ban_seconds : 86400);
    m_bans.push_back({subnet, now, until, "manually added"});
    return Status::accepted();
}

std::vector<BanEntry> FakeNode::list_banned() {
    std::lock_guard lock(m_mutex);
    return m_bans;
}

void FakeNode::clear_banned() {
    std::lock_guard lock(m_mutex);
    m_bans.clear();
}

void FakeNode::close_gate() {
    std::lock_guard lock(m_mutex);
    m_gate_closed = true;
}

void FakeNode::open_gate() {
    {
        std::lock_guard lock(m_mutex);
        m_gate_closed = false;
    }
    m_gate_cv.notify_all();
}

bool FakeNode::wait_entered(int n, std::chrono::milliseconds timeout) {
    std::unique_lock lock(m_mutex);
    return m_gate_cv.wait_for(lock, timeout, [&] { return m_entered >= n; });
}

uint64_t FakeNode::uptime_seconds() {
    if (throw_in_uptime) throw std::runtime_error("uptime failed on purpose");
    std::unique_lock lock(m_mutex);
    ++m_entered;
    m_gate_cv.notify_all();
    m_gate_cv.wait_for(lock, std::chrono::seconds(10), [&] { return !m_gate_closed; });
    return 42;
}

}  // namespace finch::rpc::test
