// Blocks whose parent is unknown, waiting for it. Bounded by count and bytes; the
// oldest are evicted first.
#pragma once

#include "consensus/block.h"

#include <list>
#include <memory>
#include <unordered_map>
#include <vector>

namespace finch::node {

class OrphanPool {
public:
    OrphanPool(size_t max_count, size_t max_bytes) : m_max_count(max_count), m_max_bytes(max_bytes) {}

    // False when the block alone exceeds the byte limit or is already held.
    bool add(std::shared_ptr<const Block> block);
    bool add(const Block& block) { return add(std::make_shared<const Block>(block)); }
    bool contains(const Hash256& hash) const { return m_by_hash.count(hash) != 0; }
    // Removes and returns the orphans whose parent is `parent`.
    std::vector<std::shared_ptr<const Block>> take_children(const Hash256& parent);
    size_t size() const { return m_entries.size(); }
    size_t bytes() const { return m_bytes; }

private:
    struct Entry {
        Hash256 hash;
        std::shared_ptr<const Block> block;
        size_t bytes;
    };
    void erase(std::list<Entry>::iterator it);

    size_t m_max_count, m_max_bytes, m_bytes = 0;
    std::list<Entry> m_entries;  // oldest first
    std::unordered_map<Hash256, std::list<Entry>::iterator, Hash256Hasher> m_by_hash;
};

}  // namespace finch::node
