// Two connections to one node identity (both nodes dialed each other at once, or one dialed
// two of the other's addresses): only one may stay, and both ends must end up with the same
// one. Each end judging both connections by what it sees cannot guarantee that: the ends see
// handshakes finish at different moments (TLS 1.3's client finishes before the server), so
// they can choose differently and close both. So only one end decides: the node with the
// lower identity keeps the connection that proved the identity first and closes any later
// one at once; the higher node keeps both until the lower one closes one, and waits for it.
// The inbound limit applies to a second connection as to anyone, except that it never
// evicts: with inbound full it is refused. Otherwise an honest lower node that dials a second
// address of ours (and closes that connection at once) would push one of our peers out at
// every retry. No sockets: PeerManager counts the connections and closes the one named.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <map>
#include <string>

namespace finch::net {

// How many connections to one identity the higher node holds while it waits.
inline constexpr std::size_t kMaxConnectionsPerIdentity = 2;

// If the lower node has not closed a duplicate after this long (it is not following this
// rule), the higher node closes the newer connection itself. Longer than any dial can take
// to be proven at the lower end (5 s to connect and 10 s for the TLS handshake).
inline constexpr std::chrono::seconds kDuplicateWait{30};

enum class DuplicateAction {
    Keep,           // keep the newcomer (and whatever is held)
    CloseIncoming,  // close the connection that has just proven the identity
};

// A connection has just proven an identity; `held` open connections already prove it.
// `we_decide`: our identity is the lower, or the other one is in RudeIdentities.
// - The end that decides keeps the first connection and closes any later one.
// - The other end keeps up to kMaxConnectionsPerIdentity and lets the deciding end choose.
// A working link is never closed for a newcomer at either end, so a relay slipped into the
// path cannot take one over.
inline DuplicateAction on_duplicate_identity(bool we_decide, std::size_t held) {
    if (held == 0) return DuplicateAction::Keep;
    if (we_decide) return DuplicateAction::CloseIncoming;
    return held < kMaxConnectionsPerIdentity ? DuplicateAction::Keep : DuplicateAction::CloseIncoming;
}

// An identity whose duplicate the higher node had to close itself (the other node did not
// follow this rule) is not waited for again for this long: its later connections are closed
// at once, as the lower node would. At most kMaxRudeIdentities are remembered (the oldest
// is forgotten first), so fresh keys cannot grow the list without bound.
inline constexpr std::chrono::minutes kRudeMemory{10};
inline constexpr std::size_t kMaxRudeIdentities = 1'000;

class RudeIdentities {
public:
    using Time = std::chrono::steady_clock::time_point;
    void add(const std::string& identity, Time now) {
        forget_expired(now);
        if (m_until.size() >= kMaxRudeIdentities && !m_until.count(identity)) {
            auto oldest = std::min_element(m_until.begin(), m_until.end(),
                                           [](const auto& a, const auto& b) { return a.second < b.second; });
            m_until.erase(oldest);
        }
        m_until[identity] = now + kRudeMemory;
    }
    bool contains(const std::string& identity, Time now) const {
        auto it = m_until.find(identity);
        return it != m_until.end() && now < it->second;
    }
    std::size_t size() const { return m_until.size(); }

private:
    void forget_expired(Time now) {
        std::erase_if(m_until, [now](const auto& e) { return e.second <= now; });
    }
    std::map<std::string, Time> m_until;
};

}  // namespace finch::net
