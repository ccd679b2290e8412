// Internal to the RocksDB ledger (rocksdb_store.cpp): its tables, value encodings and the
// reads shared by the live store and its snapshots.
#pragma once

#include "storage/address_index.h"
#include "storage/ledger_store.h"

#include <rocksdb/db.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

namespace finch::storage::rocks {

enum Table : int { kIndex, kBlocks, kHeight, kAccounts, kUndo, kTxIndex, kMeta, kAddrIndex, kTableCount };
constexpr std::array<const char*, kTableCount> kTableNames = {"index", "blocks", "height",  "accounts",
                                                             "undo",  "txindex", "meta", "addrindex"};

inline rocksdb::Slice slice(ByteSpan b) { return {reinterpret_cast<const char*>(b.data()), b.size()}; }
template <size_t N>
inline rocksdb::Slice slice(const ByteArray<N>& a) { return {reinterpret_cast<const char*>(a.data()), N}; }
inline ByteSpan span_of(const std::string& s) { return {reinterpret_cast<const uint8_t*>(s.data()), s.size()}; }

inline std::array<uint8_t, 8> height_key(uint64_t h) {
    std::array<uint8_t, 8> k{};
    for (int i = 0; i < 8; ++i) k[i] = static_cast<uint8_t>(h >> (8 * (7 - i)));
    return k;
}

inline Bytes encode_account(const Account& a) {
    Writer w(16);
    w.u64(a.balance);
    w.u64(a.nonce);
    return w.take();
}

inline std::optional<Account> decode_account(ByteSpan b) {
    Reader r(b);
    Account a;
    a.balance = r.u64();
    a.nonce = r.u64();
    r.expect_end();
    if (!r.ok()) return std::nullopt;
    return a;
}

inline Bytes encode_tip(const ChainTipRecord& t) {
    Writer w(40);
    w.array(t.hash);
    w.u64(t.height);
    return w.take();
}

inline Bytes encode_counts(const LedgerCounts& c) {
    Writer w(16);
    w.u64(c.accounts);
    w.u64(c.transactions);
    return w.take();
}

inline Rejection store_error(const rocksdb::Status& s, const std::string& what) {
    if (s.IsCorruption()) return reject("store-corrupt", what + ": " + s.ToString(), Fault::Decode);
    if (s.IsIOError() && s.ToString().find("lock") != std::string::npos)
        return reject("store-locked", what + ": the data directory is in use by another process", Fault::Decode);
    return reject("store-io", what + ": " + s.ToString(), Fault::Decode);
}

// A read that fails for any reason but "not found" (I/O error, corruption) must not be
// mistaken for an absent key: that could condemn a valid block. Stop instead.
[[noreturn]] inline void fatal_read_error(const rocksdb::Status& s) {
    std::fprintf(stderr, "fatal: ledger read failed: %s\n", s.ToString().c_str());
    std::abort();
}

// Reads shared by the live store and its snapshots.
class Reads {
public:
    Reads(rocksdb::DB* db, const std::vector<rocksdb::ColumnFamilyHandle*>& cfs, rocksdb::ReadOptions ro)
        : m_db(db), m_cfs(cfs), m_ro(ro) {}

    std::optional<std::string> raw(Table t, rocksdb::Slice key) const {
        std::string value;
        auto s = m_db->Get(m_ro, m_cfs[t], key, &value);
        if (s.IsNotFound()) return std::nullopt;
        if (!s.ok()) fatal_read_error(s);
        return value;
    }
    std::optional<Account> account(const AccountId& id) const {
        auto v = raw(kAccounts, slice(id));
        if (!v) return std::nullopt;
        return decode_account(span_of(*v));
    }
    std::optional<ChainTipRecord> tip() const {
        auto v = raw(kMeta, "tip");
        if (!v) return std::nullopt;
        Reader r(span_of(*v));
        ChainTipRecord t;
        r.array(t.hash);
        t.height = r.u64();
        r.expect_end();
        if (!r.ok()) return std::nullopt;
        return t;
    }
    LedgerCounts counts() const {
        LedgerCounts c;
        if (auto v = raw(kMeta, "counts")) {
            Reader r(span_of(*v));
            c.accounts = r.u64();
            c.transactions = r.u64();
            if (!r.ok()) c = {};
        }
        return c;
    }
    std::optional<Hash256> hash_at_height(uint64_t height) const {
        auto key = height_key(height);
        auto v = raw(kHeight, slice(ByteSpan(key)));
        if (!v || v->size() != 32) return std::nullopt;
        return Hash256::from_bytes(span_of(*v));
    }
    std::optional<TxLocation> find_transaction(const Hash256& txid) const {
        auto v = raw(kTxIndex, slice(txid));
        if (!v) return std::nullopt;
        Reader r(span_of(*v));
        TxLocation loc;
        r.array(loc.block_hash);
        loc.index = r.u32();
        r.expect_end();
        if (!r.ok()) return std::nullopt;
        return loc;
    }
    std::vector<AddressEntry> address_history(const AccountId& account, const AddressQuery& q) const {
        std::vector<AddressEntry> out;
        rocksdb::ReadOptions ro = m_ro;
        ro.prefix_same_as_start = true;  // the table hashes on the account's first 4 bytes
        std::unique_ptr<rocksdb::Iterator> it(m_db->NewIterator(ro, m_cfs[kAddrIndex]));
        std::array<uint8_t, AddressEntry::kKeySize> start{};
        std::memcpy(start.data(), account.data(), account.size());
        size_t start_size = account.size();
        if (q.after) {
            AddressEntry place = *q.after;
            place.account = account;
            start = place.key();
            start_size = start.size();
        }
        it->Seek(slice(ByteSpan(start.data(), start_size)));
        if (q.after && it->Valid() && it->key() == slice(ByteSpan(start))) it->Next();  // strictly older
        uint64_t skip = q.skip;
        for (; it->Valid() && out.size() < q.count; it->Next()) {
            const rocksdb::Slice k = it->key();
            if (k.size() < account.size() || std::memcmp(k.data(), account.data(), account.size()) != 0) break;
            if (skip > 0) {
                --skip;
                continue;
            }
            auto e = AddressEntry::decode(ByteSpan(reinterpret_cast<const uint8_t*>(k.data()), k.size()),
                                          ByteSpan(reinterpret_cast<const uint8_t*>(it->value().data()), it->value().size()));
            if (e) out.push_back(*e);
        }
        if (!it->status().ok()) fatal_read_error(it->status());
        return out;
    }
    Hash256 state_digest() const {
        StateHasher hasher;
        // The accounts table hashes keys into buckets by prefix: a full scan must ask for
        // total order explicitly.
        rocksdb::ReadOptions ro = m_ro;
        ro.total_order_seek = true;
        std::unique_ptr<rocksdb::Iterator> it(m_db->NewIterator(ro, m_cfs[kAccounts]));
        for (it->SeekToFirst(); it->Valid(); it->Next()) {
            AccountId id;
            if (it->key().size() != id.size()) continue;
            std::memcpy(id.data(), it->key().data(), id.size());
            auto a = decode_account(ByteSpan(reinterpret_cast<const uint8_t*>(it->value().data()), it->value().size()));
            if (a) hasher.add(id, *a);
        }
        return hasher.finish();
    }

private:
    rocksdb::DB* m_db;
    const std::vector<rocksdb::ColumnFamilyHandle*>& m_cfs;
    rocksdb::ReadOptions m_ro;
};

class RocksSnapshot final : public Snapshot {
public:
    RocksSnapshot(rocksdb::DB* db, const std::vector<rocksdb::ColumnFamilyHandle*>& cfs, bool address_index)
        : m_db(db), m_snap(db->GetSnapshot()), m_reads(db, cfs, options(m_snap)), m_address_index(address_index) {}
    ~RocksSnapshot() override { m_db->ReleaseSnapshot(m_snap); }

    std::optional<Account> get(const AccountId& id) const override { return m_reads.account(id); }
    std::optional<ChainTipRecord> tip() const override { return m_reads.tip(); }
    LedgerCounts counts() const override { return m_reads.counts(); }
    std::optional<Hash256> hash_at_height(uint64_t h) const override { return m_reads.hash_at_height(h); }
    std::optional<TxLocation> find_transaction(const Hash256& txid) const override {
        return m_reads.find_transaction(txid);
    }
    Hash256 state_digest() const override { return m_reads.state_digest(); }
    std::optional<std::vector<AddressEntry>> address_history(const AccountId& account,
                                                             const AddressQuery& q) const override {
        if (!m_address_index) return std::nullopt;
        return m_reads.address_history(account, q);
    }

private:
    static rocksdb::ReadOptions options(const rocksdb::Snapshot* s) {
        rocksdb::ReadOptions ro;
        ro.snapshot = s;
        return ro;
    }
    rocksdb::DB* m_db;
    const rocksdb::Snapshot* m_snap;
    Reads m_reads;
    const bool m_address_index;
};

}  // namespace finch::storage::rocks
