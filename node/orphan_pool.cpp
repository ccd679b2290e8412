// Bounded orphan block pool; see orphan_pool.h.
#include "node/orphan_pool.h"

namespace finch::node {

bool OrphanPool::add(std::shared_ptr<const Block> block) {
    Hash256 hash = block->hash();
    size_t size = block->serialized_size();
    if (size > m_max_bytes || m_max_count == 0 || contains(hash)) return false;
    m_entries.push_back({hash, std::move(block), size});
    m_by_hash[hash] = std::prev(m_entries.end());
    m_bytes += size;
    while (m_entries.size() > m_max_count || m_bytes > m_max_bytes) erase(m_entries.begin());
    return contains(hash);
}

std::vector<std::shared_ptr<const Block>> OrphanPool::take_children(const Hash256& parent) {
    std::vector<std::shared_ptr<const Block>> out;
    for (auto it = m_entries.begin(); it != m_entries.end();) {
        auto next = std::next(it);
        if (it->block->header.prev_hash == parent) {
            out.push_back(std::move(it->block));
            erase(it);
        }
        it = next;
    }
    return out;
}

void OrphanPool::erase(std::list<Entry>::iterator it) {
    m_bytes -= it->bytes;
    m_by_hash.erase(it->hash);
    m_entries.erase(it);
}

}  // namespace finch::node
