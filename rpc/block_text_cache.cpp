// The cache of getblock's serialized answers; see block_text_cache.h.
#include "rpc/block_text_cache.h"

namespace finch::rpc {

std::optional<BlockTextParts> split_block_text(const std::string& text) {
    // "hash" is the only member before "confirmations" (a hex string), and block_json puts
    // the links (previousblockhash, nextblockhash) right before the block's "size", which
    // comes before "tx" and so before any transaction's own "size".
    static const std::string kConfirmations = R"(,"confirmations":0,)";
    static const std::string kSize = R"(,"size":)";
    const size_t c = text.find(kConfirmations);
    if (c == std::string::npos) return std::nullopt;
    const size_t value = c + kConfirmations.size() - 2;  // the 0
    const size_t size = text.find(kSize, value);
    if (size == std::string::npos) return std::nullopt;
    BlockTextParts parts;
    parts.before_confirmations = text.substr(0, value);
    parts.after_confirmations = text.substr(value + 1, size - value - 1);
    parts.after_links = text.substr(size);
    return parts;
}

TextPieces block_text_pieces(const std::shared_ptr<const BlockTextParts>& parts, int64_t confirmations,
                              const std::optional<Hash256>& next) {
    // The three cached parts are shared (aliasing the one allocation that holds them); only
    // the two short fields are new.
    std::string middle = std::to_string(confirmations);
    middle += parts->after_confirmations;
    if (next) {
        middle += R"(,"nextblockhash":")";
        middle += next->to_hex();
        middle += '"';
    }
    return {std::shared_ptr<const std::string>(parts, &parts->before_confirmations),
            std::make_shared<const std::string>(std::move(middle)),
            std::shared_ptr<const std::string>(parts, &parts->after_links)};
}

std::shared_ptr<const BlockTextParts> BlockTextCache::get(const Key& key) {
    util::LockGuard lock(m_mutex);
    auto it = m_index.find(key);
    if (it == m_index.end()) return nullptr;
    m_lru.splice(m_lru.begin(), m_lru, it->second);
    return it->second->parts;
}

void BlockTextCache::put(const Key& key, std::shared_ptr<const BlockTextParts> parts) {
    if (!parts || parts->bytes() > kMaxBytes) return;
    util::LockGuard lock(m_mutex);
    if (auto it = m_index.find(key); it != m_index.end()) {
        m_bytes -= it->second->parts->bytes();
        m_lru.erase(it->second);
        m_index.erase(it);
    }
    m_bytes += parts->bytes();
    m_lru.push_front(Entry{key, std::move(parts)});
    m_index[key] = m_lru.begin();
    while (m_lru.size() > kMaxEntries || m_bytes > kMaxBytes) {
        m_bytes -= m_lru.back().parts->bytes();
        m_index.erase(m_lru.back().key);
        m_lru.pop_back();
    }
}

size_t BlockTextCache::size() const {
    util::LockGuard lock(m_mutex);
    return m_lru.size();
}

size_t BlockTextCache::bytes() const {
    util::LockGuard lock(m_mutex);
    return m_bytes;
}

BlockTextCache& block_text_cache() {
    static BlockTextCache cache;
    return cache;
}

}  // namespace finch::rpc
