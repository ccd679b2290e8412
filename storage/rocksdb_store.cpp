// RocksDB implementation of LedgerStore.
#include "storage/ledger_store.h"
#include "storage/address_index.h"
#include "storage/rocksdb_reads.h"
#include "util/thread_annotations.h"

#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/memtablerep.h>
#include <rocksdb/slice_transform.h>
#include <rocksdb/options.h>
#include <rocksdb/table.h>
#include <rocksdb/cache.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <unordered_map>
#include <cstring>
#include <functional>

namespace finch::storage {

namespace {

using namespace rocks;

class RocksLedgerStore final : public LedgerStore {
public:
    RocksLedgerStore(std::unique_ptr<rocksdb::DB> db, std::vector<rocksdb::ColumnFamilyHandle*> cfs, bool sync,
                     bool address_index)
        : m_db(std::move(db)),
          m_cfs(std::move(cfs)),
          m_reads(m_db.get(), m_cfs, rocksdb::ReadOptions()),
          m_address_index(address_index) {
        m_write.sync = sync;
    }
    ~RocksLedgerStore() override {
        // A clean shutdown flushes the memtables, so the next start need not replay the WAL.
        (void)m_db->Flush(rocksdb::FlushOptions(), m_cfs);
        for (auto* cf : m_cfs) m_db->DestroyColumnFamilyHandle(cf);
        m_db->Close();
    }

    std::optional<Account> get(const AccountId& id) const override {
        {
            util::SharedLock lock(m_cache_mutex);
            if (auto it = m_cache.find(id); it != m_cache.end()) return it->second;
        }
        return m_reads.account(id);
    }

    std::vector<std::optional<Account>> get_many(const std::vector<AccountId>& ids) const override {
        std::vector<std::optional<Account>> out(ids.size());
        std::vector<size_t> missing;
        {
            util::SharedLock lock(m_cache_mutex);
            for (size_t i = 0; i < ids.size(); ++i) {
                if (auto it = m_cache.find(ids[i]); it != m_cache.end()) out[i] = it->second;
                else missing.push_back(i);
            }
        }
        if (missing.empty()) return out;
        std::vector<rocksdb::Slice> keys;
        keys.reserve(missing.size());
        for (size_t i : missing) keys.push_back(slice(ids[i]));
        std::vector<rocksdb::PinnableSlice> values(missing.size());
        std::vector<rocksdb::Status> statuses(missing.size());
        m_db->MultiGet(rocksdb::ReadOptions(), m_cfs[kAccounts], keys.size(), keys.data(), values.data(),
                       statuses.data());
        util::ExclusiveLock lock(m_cache_mutex);
        if (m_cache.size() + missing.size() > kMaxCachedAccounts) m_cache.clear();
        for (size_t k = 0; k < missing.size(); ++k) {
            const size_t i = missing[k];
            if (!statuses[k].ok() && !statuses[k].IsNotFound()) fatal_read_error(statuses[k]);
            if (statuses[k].ok())
                out[i] = decode_account(ByteSpan(reinterpret_cast<const uint8_t*>(values[k].data()), values[k].size()));
            m_cache.emplace(ids[i], out[i]);
        }
        return out;
    }

    std::optional<Block> read_block(const Hash256& hash) const override {
        auto v = m_reads.raw(kBlocks, slice(hash));
        if (!v) return std::nullopt;
        auto b = decode_all<Block>(span_of(*v));
        if (!b) return std::nullopt;
        return std::move(*b);
    }

    std::optional<BlockUndo> read_undo(const Hash256& hash) const override {
        auto v = m_reads.raw(kUndo, slice(hash));
        if (!v) return std::nullopt;
        auto u = decode_all<BlockUndo>(span_of(*v));
        if (!u) return std::nullopt;
        return std::move(*u);
    }

    std::optional<BlockIndexRecord> read_index(const Hash256& hash) const override {
        auto v = m_reads.raw(kIndex, slice(hash));
        if (!v) return std::nullopt;
        auto rec = BlockIndexRecord::decode(hash, span_of(*v));
        if (!rec) return std::nullopt;
        return std::move(*rec);
    }

    Result<std::vector<BlockIndexRecord>> load_block_index() const override {
        std::vector<BlockIndexRecord> out;
        std::unique_ptr<rocksdb::Iterator> it(m_db->NewIterator(rocksdb::ReadOptions(), m_cfs[kIndex]));
        for (it->SeekToFirst(); it->Valid(); it->Next()) {
            if (it->key().size() != 32) return reject("store-corrupt", "block index key of wrong size", Fault::Decode);
            Hash256 hash = Hash256::from_bytes(ByteSpan(reinterpret_cast<const uint8_t*>(it->key().data()), 32));
            auto rec = BlockIndexRecord::decode(
                hash, ByteSpan(reinterpret_cast<const uint8_t*>(it->value().data()), it->value().size()));
            if (!rec) return reject("store-corrupt", "block index record: " + rec.error().to_string(), Fault::Decode);
            out.push_back(std::move(*rec));
        }
        if (!it->status().ok()) return store_error(it->status(), "reading the block index");
        return out;
    }

    std::optional<ChainTipRecord> tip() const override { return m_reads.tip(); }
    LedgerCounts counts() const override { return m_reads.counts(); }
    std::optional<Hash256> hash_at_height(uint64_t h) const override { return m_reads.hash_at_height(h); }
    std::optional<TxLocation> find_transaction(const Hash256& txid) const override {
        return m_reads.find_transaction(txid);
    }
    Hash256 state_digest() const override { return snapshot()->state_digest(); }
    std::unique_ptr<Snapshot> snapshot() const override {
        return std::make_unique<RocksSnapshot>(m_db.get(), m_cfs, m_address_index);
    }

    Status put_block(const Block& block, const BlockIndexRecord& record) override {
        rocksdb::WriteBatch batch;
        batch.Put(m_cfs[kBlocks], slice(record.hash), slice(block.serialize()));
        batch.Put(m_cfs[kIndex], slice(record.hash), slice(record.encode()));
        return write(batch, "storing a block", false);
    }

    Status put_index(const std::vector<BlockIndexRecord>& records) override {
        rocksdb::WriteBatch batch;
        for (const auto& r : records) batch.Put(m_cfs[kIndex], slice(r.hash), slice(r.encode()));
        return write(batch, "updating the block index", false);
    }

    Status connect(const TipChange& c) override {
        rocksdb::WriteBatch batch;
        if (c.store_body) batch.Put(m_cfs[kBlocks], slice(c.block_hash), slice(c.block->serialize()));
        put_accounts(batch, *c.account_changes);
        batch.Put(m_cfs[kUndo], slice(c.block_hash), slice(encode(*c.undo)));
        auto hk = height_key(c.height);
        batch.Put(m_cfs[kHeight], slice(ByteSpan(hk)), slice(c.block_hash));
        std::array<uint8_t, 36> location;  // block hash, then the position in it (little-endian)
        std::memcpy(location.data(), c.block_hash.data(), 32);
        for_each_txid(c, [&](const Hash256& txid, uint32_t index) {
            for (int b = 0; b < 4; ++b) location[32 + b] = static_cast<uint8_t>(index >> (8 * b));
            batch.Put(m_cfs[kTxIndex], slice(txid), slice(ByteSpan(location)));
        });
        std::vector<Hash256> computed;
        if (m_address_index)
            for_each_address_record(*c.block, &txids_of(c, computed), c.height,
                                    [&](ByteSpan key, ByteSpan value) { batch.Put(m_cfs[kAddrIndex], slice(key), slice(value)); });
        finish_tip_change(batch, c);
        return write_tip_change(batch, *c.account_changes, "connecting a block");
    }

    Status disconnect(const TipChange& c) override {
        rocksdb::WriteBatch batch;
        put_accounts(batch, *c.account_changes);
        batch.Delete(m_cfs[kUndo], slice(c.block_hash));
        auto hk = height_key(c.height);
        batch.Delete(m_cfs[kHeight], slice(ByteSpan(hk)));
        for_each_txid(c, [&](const Hash256& txid, uint32_t) { batch.Delete(m_cfs[kTxIndex], slice(txid)); });
        if (m_address_index)
            for_each_address_record(*c.block, nullptr, c.height,
                                    [&](ByteSpan key, ByteSpan) { batch.Delete(m_cfs[kAddrIndex], slice(key)); });
        finish_tip_change(batch, c);
        return write_tip_change(batch, *c.account_changes, "disconnecting a block");
    }

    Status wipe_chain_state() override {
        {
            util::ExclusiveLock lock(m_cache_mutex);
            m_cache.clear();
        }
        // First, durably: no tip, and a flag that a rebuild is under way. A crash anywhere
        // after this makes the next start redo the whole reindex instead of trusting a
        // half-deleted state.
        {
            rocksdb::WriteBatch mark;
            mark.Delete(m_cfs[kMeta], "tip");
            mark.Delete(m_cfs[kMeta], "counts");
            mark.Put(m_cfs[kMeta], kReindexingKey, "1");
            if (auto st = write(mark, "starting a reindex"); !st) return st;
        }
        for (Table t : {kAccounts, kUndo, kHeight, kTxIndex, kAddrIndex})
            if (auto st = clear_table(t); !st) return st;
        return Status::accepted();
    }

    std::optional<std::vector<AddressEntry>> address_history(const AccountId& account,
                                                             const AddressQuery& q) const override {
        if (!m_address_index) return std::nullopt;
        return m_reads.address_history(account, q);
    }

    // Makes the address index match the option: built from the stored chain when it is on but
    // missing (a ledger from before the index, or one run with it off), removed when off.
    Status prepare_address_index(const std::function<void(uint64_t, uint64_t)>& progress) {
        const auto flag = get_meta(kAddressIndexKey);
        const bool complete = flag && *flag == Bytes{'1'};
        if (!m_address_index) {
            if (!flag) return Status::accepted();
            // The flag goes first (synced): a crash before the table is cleared leaves an index
            // marked incomplete, which the next start with the index on rebuilds.
            rocksdb::WriteBatch batch;
            batch.Delete(m_cfs[kMeta], kAddressIndexKey);
            if (auto st = write(batch, "removing the address index"); !st) return st;
            return clear_table(kAddrIndex);
        }
        if (complete) return Status::accepted();
        // A build that a crash interrupted left part of the index: start from nothing.
        if (auto st = clear_table(kAddrIndex); !st) return st;
        const auto t = tip();
        if (get_meta(kReindexingKey).value_or(Bytes{}).empty() && t) {
            for (uint64_t h = 0; h <= t->height; ++h) {
                auto hash = hash_at_height(h);
                auto block = hash ? read_block(*hash) : std::nullopt;
                if (!block) return reject("store-corrupt", "block " + std::to_string(h) + " of the active chain is missing",
                                          Fault::Decode);
                rocksdb::WriteBatch batch;
                const std::vector<Hash256> ids = block->txids();
                for_each_address_record(*block, &ids, h, [&](ByteSpan key, ByteSpan value) {
                    batch.Put(m_cfs[kAddrIndex], slice(key), slice(value));
                });
                if (auto st = write(batch, "building the address index", false); !st) return st;
                if (progress && (h % 1000 == 0 || h == t->height)) progress(h + 1, t->height + 1);
            }
        }
        // Synced: the entries written above become durable with it.
        return put_meta(kAddressIndexKey, Bytes{'1'});
    }

    std::optional<Bytes> get_meta(const std::string& key) const override {
        auto v = m_reads.raw(kMeta, key);
        if (!v) return std::nullopt;
        return Bytes(v->begin(), v->end());
    }

    Status put_meta(const std::string& key, ByteSpan value) override {
        rocksdb::WriteBatch batch;
        batch.Put(m_cfs[kMeta], key, slice(value));
        return write(batch, "writing metadata");
    }

private:
    Status clear_table(Table t) {
        // Range-delete over the whole key space of the table: keys are at most 33 bytes.
        std::string end(64, '\xff');
        auto s = m_db->DeleteRange(m_write, m_cfs[t], rocksdb::Slice(), end);
        if (!s.ok()) return store_error(s, "wiping chain state");
        return Status::accepted();
    }

    // The block's txids: computed by the caller on connect, here on disconnect. The
    // address index is hashed on a key prefix, so its records need no sorting (see open()).
    static const std::vector<Hash256>& txids_of(const TipChange& c, std::vector<Hash256>& computed) {
        if (c.txids) return *c.txids;
        return computed = c.block->txids();
    }

    template <typename F>
    static void for_each_txid(const TipChange& c, F f) {
        std::vector<Hash256> computed;
        const std::vector<Hash256>* ids = c.txids;
        if (!ids) ids = &(computed = c.block->txids());
        // Sorted keys let the memtable's skiplist reuse its insertion point (much faster).
        std::vector<std::pair<Hash256, uint32_t>> sorted;
        sorted.reserve(ids->size());
        for (size_t i = 0; i < ids->size(); ++i) sorted.emplace_back((*ids)[i], static_cast<uint32_t>(i));
        std::sort(sorted.begin(), sorted.end());
        for (const auto& [txid, index] : sorted) f(txid, index);
    }

    void put_accounts(rocksdb::WriteBatch& batch, const StateOverlay::Changes& changes) {
        std::vector<std::pair<AccountId, std::optional<Account>>> sorted(changes.begin(), changes.end());
        std::sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
        for (const auto& [id, account] : sorted) {
            if (account) batch.Put(m_cfs[kAccounts], slice(id), slice(encode_account(*account)));
            else batch.Delete(m_cfs[kAccounts], slice(id));
        }
    }

    void finish_tip_change(rocksdb::WriteBatch& batch, const TipChange& c) {
        if (c.index_update) batch.Put(m_cfs[kIndex], slice(c.index_update->hash), slice(c.index_update->encode()));
        batch.Put(m_cfs[kMeta], "tip", slice(encode_tip(c.new_tip)));
        batch.Put(m_cfs[kMeta], "counts", slice(encode_counts(c.new_counts)));
    }

    // Writes a tip change, then brings the account cache in line with what was written.
    Status write_tip_change(rocksdb::WriteBatch& batch, const StateOverlay::Changes& changes, const std::string& what) {
        auto s = write(batch, what);
        util::ExclusiveLock lock(m_cache_mutex);
        if (!s) {
            m_cache.clear();  // the store's state is now uncertain: forget everything
            return s;
        }
        for (const auto& [id, account] : changes)
            if (auto it = m_cache.find(id); it != m_cache.end()) it->second = account;
            else if (m_cache.size() < kMaxCachedAccounts) m_cache.emplace(id, account);
        return s;
    }

    // Bodies and index records need no sync of their own: the WAL is sequential, so the next
    // synced write (connecting a block) makes them durable too, and losing them in a crash
    // before that only forgets a block that was never connected.
    Status write(rocksdb::WriteBatch& batch, const std::string& what, bool sync = true) {
        rocksdb::WriteOptions options = m_write;
        options.sync = m_write.sync && sync;
        auto s = m_db->Write(options, &batch);
        if (!s.ok()) return store_error(s, what);
        return Status::accepted();
    }

    std::unique_ptr<rocksdb::DB> m_db;
    std::vector<rocksdb::ColumnFamilyHandle*> m_cfs;
    Reads m_reads;
    rocksdb::WriteOptions m_write;
    const bool m_address_index;  // OpenOptions::address_index

    // Write-through cache of account states (absent accounts too). Only the single writer
    // (the chainstate: get_many, connect, disconnect, wipe) adds entries, so a reader can
    // never put back a value older than one just written.
    static constexpr size_t kMaxCachedAccounts = 1'000'000;
    mutable util::SharedMutex m_cache_mutex;
    mutable std::unordered_map<AccountId, std::optional<Account>, AccountIdHasher> m_cache GUARDED_BY(m_cache_mutex);
};

}  // namespace

Bytes BlockIndexRecord::encode() const {
    Writer w(BlockHeader::kSerializedSize + 8 + 32 + 4 + 8);
    header.encode(w);
    w.u64(height);
    w.bytes(chain_work.to_be_bytes());
    w.u32(status);
    w.u64(sequence);
    return w.take();
}

Result<BlockIndexRecord> BlockIndexRecord::decode(const Hash256& hash, ByteSpan bytes) {
    Reader r(bytes);
    BlockIndexRecord rec;
    rec.hash = hash;
    rec.header = BlockHeader::decode(r);
    rec.height = r.u64();
    rec.chain_work = Uint256::from_be_bytes(r.bytes(32));
    rec.status = r.u32();
    rec.sequence = r.u64();
    r.expect_end();
    if (!r.ok()) return r.error();
    return rec;
}

Result<std::unique_ptr<LedgerStore>> LedgerStore::open(const std::filesystem::path& dir, const std::string& network,
                                                       const OpenOptions& opts) {
    // Everything below is sized for 450 MB (--dbcache's default) and scales down with the
    // budget: the block cache, each write buffer, and with the buffers their hash buckets and
    // bloom filters, which RocksDB allocates (and so makes resident) when a memtable is
    // created. It is a sizing, not a ceiling: a table may hold two write buffers at once.
    constexpr size_t kTunedBytes = size_t{450} << 20;
    const double scale = std::min(1.0, static_cast<double>(opts.memory_bytes) / static_cast<double>(kTunedBytes));
    const auto scaled = [scale](size_t full, size_t floor) {
        return std::max(floor, static_cast<size_t>(static_cast<double>(full) * scale));
    };
    rocksdb::Options options;
    options.create_if_missing = opts.create_if_missing;
    options.create_missing_column_families = true;
    options.paranoid_checks = true;
    options.max_open_files = 512;
    options.IncreaseParallelism(2);
    options.write_buffer_size = scaled(64 << 20, 1 << 20);
    options.allow_concurrent_memtable_write = false;  // the hashed memtables below need this
    options.max_total_wal_size = 128 << 20;  // bounds the WAL replayed after a crash
    // Point lookups (accounts, tx index) dominate: bloom filters let them skip files that
    // cannot hold the key, in the memtable and on disk.
    options.memtable_whole_key_filtering = true;
    options.memtable_prefix_bloom_size_ratio = 0.05;
    rocksdb::BlockBasedTableOptions table;
    // Past 450 MB the write buffers stay as they are and the rest goes to the block cache.
    table.block_cache = rocksdb::NewLRUCache(scaled(64 << 20, 1 << 20) +
                                             (opts.memory_bytes > kTunedBytes ? opts.memory_bytes - kTunedBytes : 0));
    table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
    table.whole_key_filtering = true;
    options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));

    std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
    descriptors.emplace_back(rocksdb::kDefaultColumnFamilyName, rocksdb::ColumnFamilyOptions(options));
    for (const char* name : kTableNames) {
        rocksdb::ColumnFamilyOptions cf(options);
        // Accounts and the tx index take about 3,000 random keys per block and are read only
        // by key. A memtable hashed on a 4-byte prefix into small skiplists makes each insert
        // a few comparisons instead of a search of the whole table; flushes pay for sorting.
        // Bigger memtables mean fewer flushes and compactions (measured at 100,000 accounts,
        // cached signatures: 4 MB 117-139k tx/s, 32 MB 156-169k, 64 MB 110-118k). The bucket
        // array (8 bytes a bucket) must stay well inside the memtable.
        if (std::string_view(name) == "accounts" || std::string_view(name) == "txindex" ||
            std::string_view(name) == "addrindex") {
            cf.write_buffer_size = scaled(32 << 20, 1 << 20);
            cf.prefix_extractor.reset(rocksdb::NewFixedPrefixTransform(4));
            cf.memtable_factory.reset(rocksdb::NewHashSkipListRepFactory(scaled(500'000, 8'192), 4, 4));
        }
        if (std::string_view(name) == "addrindex") {
            // Read only by prefix seeks, never by whole key: bloom filters on prefixes only,
            // which spares every insert a whole-key hash and every file its filter bits.
            cf.memtable_whole_key_filtering = false;
            rocksdb::BlockBasedTableOptions prefix_only = table;
            prefix_only.whole_key_filtering = false;
            cf.table_factory.reset(rocksdb::NewBlockBasedTableFactory(prefix_only));
        }
        descriptors.emplace_back(name, cf);
    }

    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) return reject("store-io", "cannot create " + dir.string() + ": " + ec.message(), Fault::Decode);

    std::vector<rocksdb::ColumnFamilyHandle*> handles;
    rocksdb::DB* raw = nullptr;
    auto s = rocksdb::DB::Open(options, dir.string(), descriptors, &handles, &raw);
    if (!s.ok()) return store_error(s, "opening the ledger at " + dir.string());
    std::unique_ptr<rocksdb::DB> db(raw);
    db->DestroyColumnFamilyHandle(handles[0]);  // the default family is unused
    handles.erase(handles.begin());

    auto store = std::make_unique<RocksLedgerStore>(std::move(db), handles, opts.sync_writes, opts.address_index);
    auto stored_network = store->get_meta("network");
    auto stored_schema = store->get_meta("schema");
    if (!stored_network) {
        Writer w;
        w.u32(kSchemaVersion);
        if (auto st = store->put_meta("schema", w.data()); !st) return st.error();
        Bytes name(network.begin(), network.end());
        if (auto st = store->put_meta("network", name); !st) return st.error();
        if (auto st = store->prepare_address_index(opts.address_index_progress); !st) return st.error();
        return std::unique_ptr<LedgerStore>(std::move(store));
    }
    std::string stored(stored_network->begin(), stored_network->end());
    if (stored != network)
        return reject("store-wrong-network",
                      "the data directory holds the " + stored + " network's ledger, not " + network, Fault::Decode);
    if (!stored_schema || stored_schema->size() != 4)
        return reject("store-corrupt", "the ledger has no valid schema version", Fault::Decode);
    Reader r(*stored_schema);
    uint32_t schema = r.u32();
    if (schema > kSchemaVersion)
        return reject("store-newer-schema",
                      "the ledger uses schema " + std::to_string(schema) + ", this finchd knows up to " +
                          std::to_string(kSchemaVersion),
                      Fault::Decode);
    if (schema < kSchemaVersion) {
        Writer w;
        w.u32(kSchemaVersion);
        if (auto st = store->put_meta("schema", w.data()); !st) return st.error();
    }
    if (auto st = store->prepare_address_index(opts.address_index_progress); !st) return st.error();
    return std::unique_ptr<LedgerStore>(std::move(store));
}

}  // namespace finch::storage
