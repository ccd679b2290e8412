// State overlay, undo encoding and the state digest; see state.h.
#include "consensus/state.h"

#include <algorithm>

namespace finch {

std::optional<Account> StateOverlay::get(const AccountId& id) const {
    auto it = m_changes.find(id);
    if (it != m_changes.end()) return it->second;
    return m_base.get(id);
}

void MemoryState::apply(const StateOverlay::Changes& changes) {
    for (const auto& [id, account] : changes) {
        if (account) m_accounts[id] = *account;
        else m_accounts.erase(id);
    }
}

void BlockUndo::encode(Writer& w) const {
    w.compact_size(previous.size());
    for (const auto& [id, account] : previous) {
        w.array(id);
        w.u8(account ? 1 : 0);
        if (account) {
            w.u64(account->balance);
            w.u64(account->nonce);
        }
    }
}

BlockUndo BlockUndo::decode(Reader& r) {
    BlockUndo u;
    // A block touches at most the coinbase recipient plus two accounts per transfer.
    uint64_t n = r.compact_size(2 * 10'000 + 1);
    for (uint64_t i = 0; i < n && r.ok(); ++i) {
        AccountId id;
        r.array(id);
        uint8_t present = r.u8();
        std::optional<Account> account;
        if (present == 1) {
            Account a;
            a.balance = r.u64();
            a.nonce = r.u64();
            account = a;
        } else if (present != 0) {
            r.fail(decode_error::kBadValue, "undo presence flag must be 0 or 1");
        }
        u.previous.emplace_back(id, account);
    }
    return u;
}

StateHasher::StateHasher() : m_sha(Sha256::tagged("finchain/state")) {}

void StateHasher::add(const AccountId& id, const Account& account) {
    Writer w(36);
    w.array(id);
    w.u64(account.balance);
    w.u64(account.nonce);
    m_sha.write(w.data());
    ++m_count;
}

Hash256 StateHasher::finish() {
    Writer w(8);
    w.u64(m_count);
    m_sha.write(w.data());
    return m_sha.finish();
}

Hash256 state_digest(const MemoryState& state) {
    std::vector<std::pair<AccountId, Account>> sorted(state.accounts().begin(), state.accounts().end());
    std::sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    StateHasher h;
    for (const auto& [id, account] : sorted) h.add(id, account);
    return h.finish();
}

}  // namespace finch
