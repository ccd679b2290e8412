// The address index: entry encoding, the entries a block adds, and the index kept in step with
// the active chain through connects, reorgs, reindex, restarts and the option turned off and on.
#include "tests/ledger/ledger_test_util.h"

#include <cstring>

namespace finch::test {
namespace {

using storage::AddressEntry;
using storage::AddressRole;

void feed(node::Chainstate& chain, const std::vector<Block>& blocks) {
    for (const auto& b : blocks) {
        auto r = chain.accept_block(b);
        ASSERT_TRUE(r.ok()) << r.rejection->to_string();
    }
}

std::vector<AddressEntry> history(const storage::LedgerStore& store, const AccountId& id, uint64_t skip = 0,
                                  size_t count = 1000) {
    storage::AddressQuery q;
    q.skip = skip;
    q.count = count;
    auto h = store.address_history(id, q);
    EXPECT_TRUE(h.has_value());
    return h.value_or(std::vector<AddressEntry>{});
}

// A ledger with the address index on or off.
struct IndexedLedger {
    IndexedLedger(const std::filesystem::path& dir, bool index) {
        storage::LedgerStore::OpenOptions so;
        so.sync_writes = false;
        so.address_index = index;
        so.address_index_progress = [this](uint64_t done, uint64_t total) { progress.emplace_back(done, total); };
        auto s = storage::LedgerStore::open(dir, "regtest", so);
        EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().to_string());
        store = std::move(*s);
        node::Chainstate::Options opts;
        opts.clock = [] { return regtest_params().genesis.header.time + 1'000'000; };
        chain = std::make_unique<node::Chainstate>(*store, regtest_params(), nullptr, opts);
        EXPECT_TRUE(chain->load().ok());
    }
    std::vector<std::pair<uint64_t, uint64_t>> progress;
    std::unique_ptr<storage::LedgerStore> store;
    std::unique_ptr<node::Chainstate> chain;
};

TEST(AddressIndex, EntryRoundTripsAndOrdersNewestFirst) {
    AddressEntry e;
    e.account = id_for(key_for("a"));
    e.height = 7;
    e.position = 3;
    e.role = AddressRole::Sent;
    e.txid = sha256(ByteSpan(e.account.data(), 20));
    e.amount = 123456789;
    e.fee = 42;
    e.counterparty = id_for(key_for("b"));
    auto k = e.key();
    uint8_t v[AddressEntry::kMaxValueSize];
    const size_t n = e.value(v);
    EXPECT_EQ(n, 32u + 20u + 4u + 1u);  // txid, counterparty, amount and fee as varints
    auto back = AddressEntry::decode(ByteSpan(k), ByteSpan(v, n));
    ASSERT_TRUE(back);
    EXPECT_EQ(*back, e);
    // A coinbase keeps neither counterparty nor fee; a received transfer no fee.
    AddressEntry mined = e;
    mined.role = AddressRole::Mined;
    mined.counterparty = AccountId{};
    mined.fee = 0;
    mined.amount = ~uint64_t{0};  // the largest varint
    const size_t mined_size = mined.value(v);
    EXPECT_EQ(mined_size, 32u + 10u);
    EXPECT_EQ(AddressEntry::decode(ByteSpan(mined.key()), ByteSpan(v, mined_size)), mined);

    AddressEntry later = e;
    later.height = 8;
    EXPECT_LT(later.key(), e.key());  // higher blocks sort first
    AddressEntry after_in_block = e;
    after_in_block.position = 4;
    EXPECT_LT(after_in_block.key(), e.key());
    AddressEntry received = e;
    received.role = AddressRole::Received;
    EXPECT_LT(received.key(), e.key());  // a transfer to oneself: received, then sent
}

TEST(AddressIndex, DecodeRejectsBadSizesAndUnknownRoles) {
    AddressEntry e;
    e.role = AddressRole::Sent;
    e.amount = 300;  // two varint bytes
    e.fee = 5;
    auto k = e.key();
    uint8_t v[AddressEntry::kMaxValueSize + 1];
    const size_t n = e.value(v);
    ASSERT_TRUE(AddressEntry::decode(ByteSpan(k), ByteSpan(v, n)));
    EXPECT_FALSE(AddressEntry::decode(ByteSpan(k.data(), k.size() - 1), ByteSpan(v, n)));
    EXPECT_FALSE(AddressEntry::decode(ByteSpan(k), ByteSpan(v, n - 1)));   // the fee cut off
    EXPECT_FALSE(AddressEntry::decode(ByteSpan(k), ByteSpan(v, 40)));      // inside the counterparty
    v[n] = 0;
    EXPECT_FALSE(AddressEntry::decode(ByteSpan(k), ByteSpan(v, n + 1)));   // a stray byte after
    auto unknown_role = k;
    unknown_role[25] = static_cast<uint8_t>(unknown_role[25] & ~3);  // ~role == 0: role 3
    EXPECT_FALSE(AddressEntry::decode(ByteSpan(unknown_role), ByteSpan(v, n)));
    uint8_t long_varint[32 + 20 + 11];
    std::memcpy(long_varint, v, 52);
    for (int i = 0; i < 11; ++i) long_varint[52 + i] = 0xff;  // more than 64 bits
    EXPECT_FALSE(AddressEntry::decode(ByteSpan(k), ByteSpan(long_varint, sizeof long_varint)));
}

TEST(AddressIndex, ABlockIndexesItsCoinbaseAndBothSidesOfEachTransfer) {
    const SecretKey alice = key_for("alice");
    const AccountId bob = id_for(key_for("bob"));
    Block b = make_block(Parent::genesis(), bob,
                         {transfer(alice, bob, 500, 7, 0), transfer(alice, id_for(alice), 9, 3, 1)});
    auto entries = storage::address_entries(b, b.txids(), 1);
    ASSERT_EQ(entries.size(), 5u);
    EXPECT_EQ(entries[0].role, AddressRole::Mined);
    EXPECT_EQ(entries[0].account, bob);
    EXPECT_EQ(entries[0].amount, b.coinbase.amount);
    EXPECT_EQ(entries[0].txid, b.txids()[0]);
    EXPECT_EQ(entries[1].role, AddressRole::Sent);
    EXPECT_EQ(entries[1].account, id_for(alice));
    EXPECT_EQ(entries[1].counterparty, bob);
    EXPECT_EQ(entries[1].fee, 7u);
    EXPECT_EQ(entries[2].role, AddressRole::Received);
    EXPECT_EQ(entries[2].account, bob);
    EXPECT_EQ(entries[2].counterparty, id_for(alice));
    EXPECT_EQ(entries[2].position, 1u);
    EXPECT_EQ(entries[2].fee, 0u);  // kept on the sender's side only
    // To oneself: one entry for each side.
    EXPECT_EQ(entries[3].account, id_for(alice));
    EXPECT_EQ(entries[4].account, id_for(alice));
    EXPECT_EQ(entries[4].position, 2u);
}

TEST(AddressIndex, HistoryIsNewestFirstAndPaged) {
    TempDir dir;
    IndexedLedger l(dir.path(), true);
    auto chain = make_chain(Parent::genesis(), 6, 1, 3);  // payer mines 6, sends 3 per block from block 2
    feed(*l.chain, chain);
    const AccountId payer = id_for(key_for("payer1"));
    auto all = history(*l.store, payer);
    ASSERT_EQ(all.size(), 6u + 5u * 3u);
    for (size_t i = 1; i < all.size(); ++i) EXPECT_LT(all[i - 1].key(), all[i].key());
    EXPECT_EQ(all.front().height, 6u);
    EXPECT_EQ(all.front().role, AddressRole::Sent);  // the last transfer of block 6
    EXPECT_EQ(all.front().fee, 10u);
    EXPECT_EQ(all.front().position, 3u);
    EXPECT_EQ(all.back().height, 1u);
    EXPECT_EQ(all.back().role, AddressRole::Mined);

    auto page = history(*l.store, payer, 4, 5);
    ASSERT_EQ(page.size(), 5u);
    for (size_t i = 0; i < 5; ++i) EXPECT_EQ(page[i], all[4 + i]);
    EXPECT_TRUE(history(*l.store, payer, all.size(), 10).empty());

    // A place to continue from: strictly older entries, then skip and count as before.
    storage::AddressQuery q;
    q.after = all[6];
    q.count = 5;
    auto after = l.store->address_history(payer, q);
    ASSERT_TRUE(after);
    ASSERT_EQ(after->size(), 5u);
    for (size_t i = 0; i < 5; ++i) EXPECT_EQ((*after)[i], all[7 + i]);
    q.skip = 2;
    EXPECT_EQ(l.store->address_history(payer, q)->front(), all[9]);
    q.after = all.back();
    EXPECT_TRUE(l.store->address_history(payer, q)->empty());
    // The snapshot reads the same.
    EXPECT_EQ(l.store->snapshot()->address_history(payer, {})->size(), all.size());

    // A recipient sees exactly its one transfer; a stranger sees nothing.
    const AccountId r = id_for(key_for("r1-2-1"));
    auto got = history(*l.store, r);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0].role, AddressRole::Received);
    EXPECT_EQ(got[0].counterparty, payer);
    EXPECT_EQ(got[0].txid, chain[2].txs[1].txid());
    EXPECT_EQ(got[0].height, 3u);
    EXPECT_EQ(got[0].amount, 1001u);
    EXPECT_TRUE(history(*l.store, id_for(key_for("nobody"))).empty());
}

TEST(AddressIndex, AReorgRemovesTheLosingBranchAndAddsTheWinner) {
    TempDir dir;
    IndexedLedger l(dir.path(), true);
    auto common = make_chain(Parent::genesis(), 2, 1);
    auto losing = make_chain(Parent::of(common.back()), 2, 2);
    auto winning = make_chain(Parent::of(common.back()), 3, 3);
    feed(*l.chain, common);
    feed(*l.chain, losing);
    const AccountId loser = id_for(key_for("payer2"));
    const AccountId winner = id_for(key_for("payer3"));
    EXPECT_EQ(history(*l.store, loser).size(), 2u + 2u);  // mined 2, sent 2
    feed(*l.chain, winning);
    ASSERT_EQ(l.chain->tip().hash, winning.back().hash());
    EXPECT_TRUE(history(*l.store, loser).empty());
    EXPECT_TRUE(history(*l.store, id_for(key_for("r2-1-0"))).empty());
    EXPECT_EQ(history(*l.store, winner).size(), 3u + 4u);
    EXPECT_EQ(history(*l.store, id_for(key_for("r3-2-1"))).size(), 1u);
}

TEST(AddressIndex, ReindexRestartAndTheOptionRebuildTheSameIndex) {
    TempDir dir;
    const AccountId payer = id_for(key_for("payer1"));
    std::vector<AddressEntry> before;
    {
        IndexedLedger l(dir.path(), true);
        feed(*l.chain, make_chain(Parent::genesis(), 5, 1));
        before = history(*l.store, payer);
        ASSERT_EQ(before.size(), 5u + 8u);
        ASSERT_TRUE(l.chain->reindex().ok());
        EXPECT_EQ(history(*l.store, payer), before);
    }
    {
        IndexedLedger l(dir.path(), true);  // a restart finds the index complete
        EXPECT_TRUE(l.progress.empty());
        EXPECT_EQ(history(*l.store, payer), before);
    }
    {
        IndexedLedger l(dir.path(), false);  // off: removed, and history says so
        EXPECT_FALSE(l.store->address_history(payer, {}).has_value());
        EXPECT_FALSE(l.store->get_meta(storage::kAddressIndexKey).has_value());
        feed(*l.chain, make_chain(Parent::of(*l.store->read_block(l.chain->tip().hash)), 1, 1, 0));
    }
    {
        IndexedLedger l(dir.path(), true);  // on again: built from the stored chain, block 6 included
        ASSERT_FALSE(l.progress.empty());
        EXPECT_EQ(l.progress.back(), (std::pair<uint64_t, uint64_t>{7, 7}));
        auto after = history(*l.store, payer);
        ASSERT_EQ(after.size(), before.size() + 1);
        EXPECT_EQ(after.front().height, 6u);
        EXPECT_EQ(std::vector<AddressEntry>(after.begin() + 1, after.end()), before);
    }
}

TEST(AddressIndex, AnInterruptedBuildStartsOver) {
    TempDir dir;
    const AccountId payer = id_for(key_for("payer1"));
    std::vector<AddressEntry> before;
    {
        IndexedLedger l(dir.path(), true);
        feed(*l.chain, make_chain(Parent::genesis(), 4, 1));
        before = history(*l.store, payer);
        // As a crash mid-build leaves it: the flag gone, a stray entry in the table.
        ASSERT_TRUE(l.store->put_meta(storage::kAddressIndexKey, {}).ok());
    }
    IndexedLedger l(dir.path(), true);
    EXPECT_EQ(history(*l.store, payer), before);
    auto flag = l.store->get_meta(storage::kAddressIndexKey);
    ASSERT_TRUE(flag);
    EXPECT_EQ(*flag, Bytes{'1'});
}

}  // namespace
}  // namespace finch::test
