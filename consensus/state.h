// Account state views, the overlay that a block is applied to, undo data and the state digest.
#pragma once

#include "consensus/transaction.h"

#include <optional>
#include <unordered_map>
#include <vector>

namespace finch {

// Read access to account state. A missing account is nullopt (and behaves as {0, 0}).
class AccountView {
public:
    virtual ~AccountView() = default;
    virtual std::optional<Account> get(const AccountId& id) const = 0;
};

// Changes on top of a base view. nullopt in the map means "deleted".
class StateOverlay : public AccountView {
public:
    using Changes = std::unordered_map<AccountId, std::optional<Account>, AccountIdHasher>;

    explicit StateOverlay(const AccountView& base) : m_base(base) {}
    std::optional<Account> get(const AccountId& id) const override;
    void set(const AccountId& id, const Account& account) { m_changes[id] = account; }
    void erase(const AccountId& id) { m_changes[id] = std::nullopt; }
    const Changes& changes() const { return m_changes; }
    void clear() { m_changes.clear(); }

private:
    const AccountView& m_base;
    Changes m_changes;
};

// An in-memory state, used by tests, tools and benchmarks.
class MemoryState : public AccountView {
public:
    std::optional<Account> get(const AccountId& id) const override {
        auto it = m_accounts.find(id);
        if (it == m_accounts.end()) return std::nullopt;
        return it->second;
    }
    void set(const AccountId& id, const Account& a) { m_accounts[id] = a; }
    void apply(const StateOverlay::Changes& changes);
    const std::unordered_map<AccountId, Account, AccountIdHasher>& accounts() const { return m_accounts; }
    bool operator==(const MemoryState& o) const { return m_accounts == o.m_accounts; }

private:
    std::unordered_map<AccountId, Account, AccountIdHasher> m_accounts;
};

// What a block changed: each touched account's state before the block (nullopt: absent),
// sorted by account id, so undoing a block restores exactly the previous state.
struct BlockUndo {
    std::vector<std::pair<AccountId, std::optional<Account>>> previous;

    void encode(Writer& w) const;
    static BlockUndo decode(Reader& r);
    bool operator==(const BlockUndo&) const = default;
};

// Digest of a whole account state. Feed accounts in ascending id order.
class StateHasher {
public:
    StateHasher();
    void add(const AccountId& id, const Account& account);
    Hash256 finish();
    uint64_t count() const { return m_count; }

private:
    Sha256 m_sha;
    uint64_t m_count = 0;
};

Hash256 state_digest(const MemoryState& state);

}  // namespace finch
