// A bounded map ordered by last update (front = least recently updated), for the engine's
// per-endpoint and per-IP state (endpoint proofs, tokens received, rate budgets). Every
// operation is O(1) amortised, except the per-group bookkeeping, which is O(per_group):
//   - at `capacity` entries, inserting a new key evicts the least recently updated one;
//   - with per_group > 0, a group (e.g. the key's IP address) holds at most per_group keys,
//     and inserting one more evicts that group's least recently updated key;
//   - pop_oldest_while() drops entries from the old end (expiry without a scan).
// No scan over the whole map ever happens on insert, find or erase.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <list>
#include <optional>
#include <unordered_map>
#include <vector>

namespace finch::net::dht {

using GroupKey = std::array<uint8_t, 16>;

struct GroupKeyHasher {
    size_t operator()(const GroupKey& g) const {
        uint64_t a;
        uint64_t b;
        std::memcpy(&a, g.data(), 8);
        std::memcpy(&b, g.data() + 8, 8);
        return static_cast<size_t>((a * 0x9e3779b97f4a7c15ULL) ^ (b * 0xc2b2ae3d27d4eb4fULL));
    }
};

template <typename K, typename V, typename Hash>
class LruMap {
public:
    // The group a key belongs to, or nullopt for keys without a per-group limit.
    using GroupFn = std::optional<GroupKey> (*)(const K&);

    LruMap(size_t capacity, size_t per_group = 0, GroupFn group = nullptr)
        : m_capacity(capacity == 0 ? 1 : capacity), m_per_group(per_group), m_group(group) {}

    V* find(const K& key) {
        auto it = m_index.find(key);
        return it == m_index.end() ? nullptr : &it->second->value;
    }
    const V* find(const K& key) const {
        auto it = m_index.find(key);
        return it == m_index.end() ? nullptr : &it->second->value;
    }
    bool contains(const K& key) const { return m_index.count(key) > 0; }

    // Inserts or updates `key`, which becomes the most recently updated entry.
    V& put(const K& key, V value) {
        if (auto it = m_index.find(key); it != m_index.end()) {
            it->second->value = std::move(value);
            touch(it->second);
            return it->second->value;
        }
        const std::optional<GroupKey> group = grouped(key);
        if (group) {
            auto g = m_groups.find(*group);
            if (g != m_groups.end() && g->second.size() >= m_per_group) erase(g->second.front());
        }
        if (m_index.size() >= m_capacity) erase(m_order.front().key);
        m_order.push_back(Node{key, std::move(value)});
        auto node = std::prev(m_order.end());
        m_index.emplace(key, node);
        if (group) m_groups[*group].push_back(key);
        return node->value;
    }

    // Makes an existing entry the most recently updated one.
    void touch(const K& key) {
        if (auto it = m_index.find(key); it != m_index.end()) touch(it->second);
    }

    void erase(const K& key) {
        auto it = m_index.find(key);
        if (it == m_index.end()) return;
        if (auto group = grouped(key)) {
            auto g = m_groups.find(*group);
            if (g != m_groups.end()) {
                std::erase(g->second, key);
                if (g->second.empty()) m_groups.erase(g);
            }
        }
        m_order.erase(it->second);
        m_index.erase(it);
    }

    // Drops entries from the least recently updated end while `stale(value)` holds.
    template <typename Pred>
    size_t pop_oldest_while(Pred stale) {
        size_t n = 0;
        while (!m_order.empty() && stale(m_order.front().value)) {
            erase(K(m_order.front().key));
            ++n;
        }
        return n;
    }

    size_t size() const { return m_index.size(); }
    bool empty() const { return m_index.empty(); }
    size_t capacity() const { return m_capacity; }
    size_t group_size(const GroupKey& group) const {
        auto g = m_groups.find(group);
        return g == m_groups.end() ? 0 : g->second.size();
    }
    void clear() {
        m_order.clear();
        m_index.clear();
        m_groups.clear();
    }
    // Oldest first.
    template <typename F>
    void for_each(F f) const {
        for (const auto& n : m_order) f(n.key, n.value);
    }

private:
    struct Node {
        K key;
        V value;
    };
    using Iter = typename std::list<Node>::iterator;

    std::optional<GroupKey> grouped(const K& key) const {
        if (m_per_group == 0 || m_group == nullptr) return std::nullopt;
        return m_group(key);
    }

    void touch(Iter node) {
        m_order.splice(m_order.end(), m_order, node);
        if (auto group = grouped(node->key)) {
            auto g = m_groups.find(*group);
            if (g != m_groups.end()) {
                auto& keys = g->second;
                auto k = std::find(keys.begin(), keys.end(), node->key);
                if (k != keys.end()) std::rotate(k, k + 1, keys.end());
            }
        }
    }

    size_t m_capacity;
    size_t m_per_group;
    GroupFn m_group;
    std::list<Node> m_order;  // front = least recently updated
    std::unordered_map<K, Iter, Hash> m_index;
    std::unordered_map<GroupKey, std::vector<K>, GroupKeyHasher> m_groups;  // oldest first
};

}  // namespace finch::net::dht
