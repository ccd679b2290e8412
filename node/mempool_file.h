// mempool.dat: the mempool saved at a clean shutdown and loaded at start (--persistmempool).
// The file is untrusted input: every fault is a typed value reported in the log, never fatal,
// and every loaded transfer goes through Mempool::accept like one from a peer.
//
// Format (little-endian; docs/node.md):
//   8 bytes  "FINCHMP\0"          file tag
//   u32      version (1)
//   4 bytes  the network's p2p magic (a file of another network is recognised as foreign)
//   u64      entry count (at most kMaxEntries)
//   entries  u64 admission time (seconds since the epoch), then the 140-byte transfer
//   32 bytes sha256d of everything before it (a corrupt or truncated file is recognised)
#pragma once

#include "consensus/params.h"
#include "consensus/transaction.h"

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace finch::node {

class Mempool;

inline constexpr const char* kMempoolFileName = "mempool.dat";
inline constexpr uint32_t kMempoolFileVersion = 1;
inline constexpr uint64_t kMaxMempoolFileEntries = 5'000'000;

// Why a mempool.dat was not loaded (None: it was).
enum class MempoolFileFault {
    None,
    Missing,         // no file (a first start, or --persistmempool=0 last time): not reported
    Unreadable,      // it exists but is not a regular file, or cannot be read
    TooLarge,        // larger than a file of kMaxMempoolFileEntries entries: not read at all
    Truncated,       // shorter than its header, its count or its checksum say
    NotMempoolFile,  // the file tag is wrong
    UnknownVersion,  // a version this finchd does not read
    ForeignNetwork,  // written by a node of another network
    TooManyEntries,  // the count is above kMaxMempoolFileEntries
    TrailingBytes,   // bytes after the checksum
    BadChecksum,     // the contents do not match the checksum
};

std::string_view mempool_file_fault_name(MempoolFileFault f);

struct SavedTransaction {
    uint64_t time = 0;  // when it was admitted
    Transaction tx;
    bool operator==(const SavedTransaction&) const = default;
};

struct MempoolFileContents {
    MempoolFileFault fault = MempoolFileFault::None;
    std::string detail;  // what was wrong, for the log
    std::vector<SavedTransaction> entries;
    bool ok() const { return fault == MempoolFileFault::None; }
};

Bytes encode_mempool_file(const ChainParams& params, const std::vector<SavedTransaction>& entries);
MempoolFileContents decode_mempool_file(ByteSpan data, const ChainParams& params);

// The mempool's transfers, each sender's in nonce order (so that reloading them in this order
// never leaves a nonce gap).
std::vector<SavedTransaction> mempool_snapshot(const Mempool& mempool);

// Writes the file atomically: a temporary file in the same folder, fsync, rename, fsync of the
// folder. False with `error` set on failure (the old file, if any, is left as it was).
bool write_mempool_file(const std::filesystem::path& file, const Bytes& data, std::string& error);
MempoolFileContents read_mempool_file(const std::filesystem::path& file, const ChainParams& params);

struct MempoolLoadReport {
    MempoolFileFault fault = MempoolFileFault::None;
    std::string detail;
    size_t read = 0;      // entries in the file
    size_t accepted = 0;  // admitted again
    size_t expired = 0;   // older than the mempool's expiry, skipped
    size_t rejected = 0;  // refused by admission (confirmed meanwhile, invalid, policy)
};

// Reads the file and offers each entry to the mempool. `now` in seconds since the epoch.
MempoolLoadReport load_mempool(Mempool& mempool, const ChainParams& params, const std::filesystem::path& file,
                               uint64_t now, uint64_t tip_height);
// One line for the log.
std::string describe(const MempoolLoadReport& report);

}  // namespace finch::node
