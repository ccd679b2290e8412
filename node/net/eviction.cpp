// Eviction by protection categories; see eviction.h.
#include "node/net/eviction.h"

#include "node/net/compact_block.h"

#include <algorithm>
#include <map>

namespace finch::net {

namespace {

// Removes up to `n` candidates that sort first under `better` (they are protected).
template <typename Better>
void protect(std::vector<EvictionCandidate>& c, size_t n, Better better) {
    std::stable_sort(c.begin(), c.end(), better);
    c.erase(c.begin(), c.begin() + static_cast<std::ptrdiff_t>(std::min(n, c.size())));
}

uint64_t keyed(const std::string& group, uint64_t key) {
    return siphash24(ShortIdKey{key, ~key}, ByteSpan(reinterpret_cast<const uint8_t*>(group.data()), group.size()));
}

}  // namespace

std::optional<uint64_t> select_eviction(std::vector<EvictionCandidate> c, uint64_t netgroup_key) {
    // Discouraged peers get no protection at all.
    std::vector<EvictionCandidate> discouraged;
    for (const auto& x : c)
        if (x.discouraged) discouraged.push_back(x);
    if (!discouraged.empty()) {
        auto youngest = std::max_element(discouraged.begin(), discouraged.end(), [](const auto& a, const auto& b) {
            return a.connected_at < b.connected_at;
        });
        return youngest->id;
    }
    // Distinct netgroups first: one per group, by a hash the attacker cannot predict.
    {
        std::stable_sort(c.begin(), c.end(), [&](const auto& a, const auto& b) {
            return keyed(a.netgroup, netgroup_key) < keyed(b.netgroup, netgroup_key);
        });
        size_t kept = 0;
        std::vector<EvictionCandidate> rest;
        std::string last;
        bool first = true;
        for (auto& x : c) {
            if (kept < 4 && (first || x.netgroup != last)) {
                ++kept;
                last = x.netgroup;
                first = false;
                continue;
            }
            rest.push_back(std::move(x));
        }
        c = std::move(rest);
    }
    protect(c, 8, [](const auto& a, const auto& b) {
        const double pa = a.min_ping_seconds > 0 ? a.min_ping_seconds : 1e9;
        const double pb = b.min_ping_seconds > 0 ? b.min_ping_seconds : 1e9;
        return pa < pb;
    });
    protect(c, 4, [](const auto& a, const auto& b) { return a.last_novel_tx > b.last_novel_tx; });
    protect(c, 4, [](const auto& a, const auto& b) { return a.last_novel_block > b.last_novel_block; });
    protect(c, c.size() / 2, [](const auto& a, const auto& b) { return a.connected_at < b.connected_at; });
    if (c.empty()) return std::nullopt;
    // The netgroup with the most connections loses its youngest.
    std::map<std::string, std::vector<const EvictionCandidate*>> groups;
    for (const auto& x : c) groups[x.netgroup].push_back(&x);
    const auto* biggest = &groups.begin()->second;
    uint64_t biggest_newest = 0;
    for (const auto& [group, members] : groups) {
        uint64_t newest = 0;
        for (const auto* m : members) newest = std::max(newest, m->connected_at);
        // Ties: the group whose youngest member is youngest, as Bitcoin Core.
        if (members.size() > biggest->size() || (members.size() == biggest->size() && newest > biggest_newest)) {
            biggest = &members;
            biggest_newest = newest;
        }
        if (&members == biggest) biggest_newest = newest;
    }
    const auto* youngest = *std::max_element(biggest->begin(), biggest->end(), [](const auto* a, const auto* b) {
        return a->connected_at < b->connected_at;
    });
    return youngest->id;
}

}  // namespace finch::net
