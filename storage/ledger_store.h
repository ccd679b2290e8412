// storage: the RocksDB ledger. One column family per table; every change of chain state
// (connect or disconnect a block) is one synced WriteBatch, so the store always sits at
// exactly one block boundary. Node code sees this interface only, never RocksDB.
#pragma once

#include "consensus/block.h"
#include "consensus/state.h"
#include "consensus/uint256.h"
#include "storage/address_index.h"

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace finch::storage {

// 2: the address index (column family "addrindex"); a schema-1 ledger is upgraded on open.
inline constexpr uint32_t kSchemaVersion = 2;
// Metadata key set (to "1") while a reindex is rebuilding the state; see wipe_chain_state.
inline constexpr const char* kReindexingKey = "reindexing";

// Block status bits, persisted with the block index.
enum BlockStatus : uint32_t {
    kHaveData = 1,      // the body is stored
    kValid = 2,         // connected at least once
    kFailed = 4,        // broke a consensus rule itself
    kFailedParent = 8,  // descends from a failed block
};

struct BlockIndexRecord {
    BlockHeader header;
    Hash256 hash;
    uint64_t height = 0;
    Uint256 chain_work;
    uint32_t status = 0;
    uint64_t sequence = 0;  // arrival order, for the first-seen tie-break

    Bytes encode() const;
    static Result<BlockIndexRecord> decode(const Hash256& hash, ByteSpan bytes);
};

struct TxLocation {
    Hash256 block_hash;
    uint32_t index = 0;  // 0 is the coinbase, i >= 1 is transfer i - 1
};

struct ChainTipRecord {
    Hash256 hash;
    uint64_t height = 0;
};

// Totals kept explicitly (RocksDB only estimates counts).
struct LedgerCounts {
    uint64_t accounts = 0;
    uint64_t transactions = 0;  // in the active chain, coinbases included
};

// A consistent read-only view at one moment; readers never wait for writers.
class Snapshot : public AccountView {
public:
    virtual ~Snapshot() = default;
    virtual std::optional<ChainTipRecord> tip() const = 0;
    virtual LedgerCounts counts() const = 0;
    virtual std::optional<Hash256> hash_at_height(uint64_t height) const = 0;
    virtual std::optional<TxLocation> find_transaction(const Hash256& txid) const = 0;
    virtual Hash256 state_digest() const = 0;
    // As LedgerStore::address_history, at this snapshot's moment.
    virtual std::optional<std::vector<AddressEntry>> address_history(const AccountId& account, const AddressQuery& q) const = 0;
};

// Everything that changes when a block is connected to (or disconnected from) the tip.
struct TipChange {
    Hash256 block_hash;
    uint64_t height = 0;  // the connected block's height, or the disconnected one's
    const Block* block = nullptr;
    const std::vector<Hash256>* txids = nullptr;  // block->txids(), computed once by the caller
    const StateOverlay::Changes* account_changes = nullptr;
    const BlockUndo* undo = nullptr;  // written on connect, deleted on disconnect
    const BlockIndexRecord* index_update = nullptr;  // the block's index record, if it changed
    bool store_body = false;  // connect only: the body was not stored yet (put_block), write it too
    ChainTipRecord new_tip;
    LedgerCounts new_counts;
};

class LedgerStore : public AccountView {
public:
    struct OpenOptions {
        bool create_if_missing = true;
        bool sync_writes = true;  // tests and benchmarks may turn this off
        // The ledger's read cache and write buffers (finchd's --dbcache). At the default,
        // 450 MB, the block cache is 64 MB and the write buffers 32-64 MB per table, the sizes
        // block connection was tuned with; less scales all of them down alike, more goes to
        // the block cache. A sizing, not a ceiling (see rocksdb_store.cpp).
        size_t memory_bytes = size_t{450} << 20;
        // Keep the address index (address_history). Turning it on for a ledger that lacks it
        // builds it from the stored chain before open returns; turning it off deletes it.
        bool address_index = true;
        // Called while the index is built: (blocks done, blocks in all).
        std::function<void(uint64_t, uint64_t)> address_index_progress;
    };

    // Error codes: store-corrupt, store-io, store-wrong-network, store-newer-schema, store-locked.
    static Result<std::unique_ptr<LedgerStore>> open(const std::filesystem::path& dir, const std::string& network,
                                                     const OpenOptions& options);
    static Result<std::unique_ptr<LedgerStore>> open(const std::filesystem::path& dir, const std::string& network) {
        return open(dir, network, OpenOptions{});
    }
    virtual ~LedgerStore() = default;

    // Reads (thread-safe).
    virtual std::optional<Account> get(const AccountId& id) const override = 0;
    // Many accounts in one batched lookup (faster than one get() each). It fills the store's
    // account cache, so only the chainstate (the single writer) calls it.
    virtual std::vector<std::optional<Account>> get_many(const std::vector<AccountId>& ids) const = 0;
    virtual std::optional<Block> read_block(const Hash256& hash) const = 0;
    virtual std::optional<BlockUndo> read_undo(const Hash256& hash) const = 0;
    virtual Result<std::vector<BlockIndexRecord>> load_block_index() const = 0;
    // One block's index record, read from the store (no chainstate lock needed).
    virtual std::optional<BlockIndexRecord> read_index(const Hash256& hash) const = 0;
    virtual std::optional<ChainTipRecord> tip() const = 0;
    virtual LedgerCounts counts() const = 0;
    virtual std::optional<Hash256> hash_at_height(uint64_t height) const = 0;
    virtual std::optional<TxLocation> find_transaction(const Hash256& txid) const = 0;
    virtual Hash256 state_digest() const = 0;
    virtual std::unique_ptr<Snapshot> snapshot() const = 0;
    // An account's entries in the address index, newest first (see AddressQuery). nullopt when
    // the store runs without the index.
    virtual std::optional<std::vector<AddressEntry>> address_history(const AccountId& account, const AddressQuery& q) const = 0;

    // Writes. Each is one atomic batch; IO failures are store-io rejections.
    virtual Status put_block(const Block& block, const BlockIndexRecord& record) = 0;
    virtual Status put_index(const std::vector<BlockIndexRecord>& records) = 0;
    virtual Status connect(const TipChange& change) = 0;
    virtual Status disconnect(const TipChange& change) = 0;
    // For --reindex: drops accounts, undo data, height, transaction and address indexes and the tip,
    // keeping block bodies and the block index. Sets kReindexingKey first; the caller clears
    // it (put_meta with an empty value) when the rebuild is complete.
    virtual Status wipe_chain_state() = 0;
    // Small metadata values (peers, bans and the like use their own keys).
    virtual std::optional<Bytes> get_meta(const std::string& key) const = 0;
    virtual Status put_meta(const std::string& key, ByteSpan value) = 0;
};

}  // namespace finch::storage
