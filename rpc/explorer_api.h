// The explorer's read-only JSON API (design.md section 7, "Explorer"): GET /api/... without
// credentials, answered from NodeInterface. Every reply is JSON; errors are
// {"error": message, "code": kind} with 400 (a malformed or wrong-network query) or 404.
//
//   /api/tip                     tip, difficulty, hash rate, mempool, peers
//   /api/blocks?count=N          the newest N (<= 100) blocks in brief, newest first
//   /api/block/<hash|height>?page=P   header, links, transfers 25 per page (the coinbase first)
//   /api/tx/<txid>               pending or confirmed transfer or coinbase
//   /api/address/<addr>?page=P   balance, nonce, pending transfers, history 25 per page
//   /api/mempool                 count, bytes, the newest 25 transfers
//   /api/search/<q>              where a height, hash, txid or address leads
#pragma once

#include "rpc/node_interface.h"
#include "util/thread_annotations.h"

#include <list>
#include <string>
#include <string_view>
#include <unordered_map>

namespace finch::rpc {

struct ApiReply {
    int status = 200;
    std::string body;
    // For Cache-Control: a block asked for by hash never changes ("immutable"); anything that
    // follows the tip is revalidated on every use.
    bool immutable = false;
};

enum class ApiFault { None, NotFound, BadRequest, WrongNetwork, IndexOff };

class ExplorerApi {
public:
    static constexpr size_t kPageSize = 25;
    static constexpr size_t kMaxRecentBlocks = 100;
    // Block pages are rendered once and kept (least recently used first out): a block never
    // changes, and rendering one of 1,000 transfers costs milliseconds.
    static constexpr size_t kMaxCachedPages = 512;
    static constexpr size_t kMaxCachedBytes = 16 << 20;

    explicit ExplorerApi(NodeInterface& node, size_t max_cached_pages = kMaxCachedPages)
        : m_node(node), m_max_cached_pages(max_cached_pages) {}
    // `target` is the request target, e.g. "/api/block/12?page=2". Thread-safe.
    ApiReply handle(std::string_view target);

    // A block in brief; the cache keeps these by hash (they never change).
    struct BlockBrief {
        Hash256 hash;
        uint64_t height = 0;
        uint64_t time = 0;
        uint32_t bits = 0;
        uint64_t transactions = 0;  // transfers + coinbase
        uint64_t size = 0;
        double work = 0;  // this block's expected hashes: 2^256 / (target + 1)
        Amount fees = 0;
        AccountId miner;
    };

private:
    ApiReply tip();
    ApiReply blocks(std::string_view query);
    ApiReply block(std::string_view id, std::string_view query);
    ApiReply tx(std::string_view id);
    ApiReply address(std::string_view id, std::string_view query);
    ApiReply mempool();
    ApiReply search(std::string_view q);
    std::optional<BlockBrief> brief(const Hash256& hash) EXCLUDES(m_mutex);
    std::optional<std::string> cached_page(const std::string& key) EXCLUDES(m_mutex);
    void remember_page(const std::string& key, const std::string& body) EXCLUDES(m_mutex);

    NodeInterface& m_node;
    const size_t m_max_cached_pages;
    util::Mutex m_mutex;
    std::unordered_map<Hash256, BlockBrief, Hash256Hasher> m_briefs GUARDED_BY(m_mutex);
    // Rendered block pages by "hash/page", most recently used at the front.
    std::list<std::pair<std::string, std::string>> m_pages GUARDED_BY(m_mutex);
    std::unordered_map<std::string, std::list<std::pair<std::string, std::string>>::iterator> m_page_index
        GUARDED_BY(m_mutex);
    size_t m_page_bytes GUARDED_BY(m_mutex) = 0;
};

}  // namespace finch::rpc
