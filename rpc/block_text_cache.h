// getblock's serialized answers for recent blocks, so a popular block is not rebuilt as a
// JSON tree and written out again for every caller. A block's text never changes except for
// two fields that depend on the chain around it (confirmations, nextblockhash): the cache
// keeps the text around them in three parts, and each call joins them with the values of
// the moment. Bounded by entries and by bytes; least recently used goes first.
#pragma once

#include "consensus/hash.h"
#include "rpc/protocol.h"
#include "util/thread_annotations.h"

#include <cstddef>
#include <cstdint>
#include <list>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <tuple>

namespace finch::rpc {

struct BlockTextParts {
    std::string before_confirmations;  // {"hash":"…","confirmations":
    std::string after_confirmations;   // ,"height":…,"previousblockhash":"…"
    std::string after_links;           // ,"size":…,"tx":[…]}
    size_t bytes() const { return before_confirmations.size() + after_confirmations.size() + after_links.size(); }
};

// Splits the compact text of block_json() written with confirmations 0 and no next block;
// nullopt when the text does not have that shape.
std::optional<BlockTextParts> split_block_text(const std::string& text);

// The whole text as pieces to send one after another: the cached parts (shared, not copied)
// around `confirmations` and, when there is one, the next block's hash.
TextPieces block_text_pieces(const std::shared_ptr<const BlockTextParts>& parts, int64_t confirmations,
                              const std::optional<Hash256>& next);

class BlockTextCache {
public:
    static constexpr size_t kMaxEntries = 16;
    static constexpr size_t kMaxBytes = 8u << 20;

    // Key: the network's genesis hash (one process may serve several networks in tests), the
    // block's hash and the verbosity.
    using Key = std::tuple<Hash256, Hash256, int>;
    std::shared_ptr<const BlockTextParts> get(const Key& key) EXCLUDES(m_mutex);
    void put(const Key& key, std::shared_ptr<const BlockTextParts> parts) EXCLUDES(m_mutex);
    size_t size() const EXCLUDES(m_mutex);
    size_t bytes() const EXCLUDES(m_mutex);

private:
    struct Entry {
        Key key;
        std::shared_ptr<const BlockTextParts> parts;
    };
    mutable util::Mutex m_mutex;
    std::list<Entry> m_lru GUARDED_BY(m_mutex);  // front: most recent
    std::map<Key, std::list<Entry>::iterator> m_index GUARDED_BY(m_mutex);
    size_t m_bytes GUARDED_BY(m_mutex) = 0;
};

// The process's cache, shared by every server in it.
BlockTextCache& block_text_cache();

}  // namespace finch::rpc
