// LedgerStore: refusing bad data directories with a clear error instead of crashing.
#include "tests/ledger/ledger_test_util.h"

#include <fstream>

namespace finch::test {
namespace {

using storage::LedgerStore;

TEST(LedgerStore, RefusesAnotherNetworksDirectory) {
    TempDir dir;
    { ASSERT_TRUE(LedgerStore::open(dir.path(), "regtest").ok()); }
    auto s = LedgerStore::open(dir.path(), "main");
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().code, "store-wrong-network");
    EXPECT_NE(s.error().detail.find("regtest"), std::string::npos);
}

TEST(LedgerStore, RefusesANewerSchema) {
    TempDir dir;
    {
        auto s = LedgerStore::open(dir.path(), "regtest");
        ASSERT_TRUE(s.ok());
        Writer w;
        w.u32(storage::kSchemaVersion + 1);
        ASSERT_TRUE((*s)->put_meta("schema", w.data()).ok());
    }
    auto s = LedgerStore::open(dir.path(), "regtest");
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().code, "store-newer-schema");
}

TEST(LedgerStore, RefusesASecondOpener) {
    TempDir dir;
    auto first = LedgerStore::open(dir.path(), "regtest");
    ASSERT_TRUE(first.ok());
    auto second = LedgerStore::open(dir.path(), "regtest");
    ASSERT_FALSE(second.ok());
    EXPECT_EQ(second.error().code, "store-locked");
}

TEST(LedgerStore, CorruptCurrentFileIsAClearError) {
    TempDir dir;
    { ASSERT_TRUE(LedgerStore::open(dir.path(), "regtest").ok()); }
    std::ofstream(dir.path() / "CURRENT", std::ios::trunc) << "garbage-that-names-no-manifest\n";
    auto s = LedgerStore::open(dir.path(), "regtest");
    ASSERT_FALSE(s.ok());
    EXPECT_TRUE(s.error().code == "store-corrupt" || s.error().code == "store-io") << s.error().code;
    EXPECT_FALSE(s.error().detail.empty());
}

TEST(LedgerStore, MissingManifestIsAClearError) {
    TempDir dir;
    {
        Ledger l(dir.path());
        for (const auto& b : make_chain(Parent::genesis(), 3, 1)) (void)l.chain->accept_block(b);
    }
    for (const auto& e : std::filesystem::directory_iterator(dir.path()))
        if (e.path().filename().string().rfind("MANIFEST", 0) == 0) std::filesystem::remove(e.path());
    auto s = LedgerStore::open(dir.path(), "regtest");
    ASSERT_FALSE(s.ok());
    EXPECT_FALSE(s.error().to_string().empty());
}

TEST(LedgerStore, GarbageInTheBlockIndexIsReportedAtLoad) {
    TempDir dir;
    {
        auto s = LedgerStore::open(dir.path(), "regtest");
        ASSERT_TRUE(s.ok());
        storage::BlockIndexRecord rec;
        rec.hash = sha256(Bytes{1, 2, 3});
        rec.height = 7;  // a parent that does not exist
        ASSERT_TRUE((*s)->put_index({rec}).ok());
    }
    auto s = LedgerStore::open(dir.path(), "regtest");
    ASSERT_TRUE(s.ok());
    node::Chainstate chain(**s, regtest_params());
    auto st = chain.load();
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.error().code, "store-corrupt");
}

TEST(LedgerStore, BlockIndexRecordRoundTrip) {
    storage::BlockIndexRecord rec;
    rec.header = regtest_params().genesis.header;
    rec.hash = regtest_params().genesis_hash;
    rec.height = 42;
    rec.chain_work = Uint256(123456789) << 100;
    rec.status = storage::kHaveData | storage::kValid;
    rec.sequence = 99;
    auto back = storage::BlockIndexRecord::decode(rec.hash, rec.encode());
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(back->header, rec.header);
    EXPECT_EQ(back->height, 42u);
    EXPECT_EQ(back->chain_work, rec.chain_work);
    EXPECT_EQ(back->status, rec.status);
    EXPECT_EQ(back->sequence, 99u);
    Bytes truncated = rec.encode();
    truncated.pop_back();
    EXPECT_FALSE(storage::BlockIndexRecord::decode(rec.hash, truncated).ok());
}

}  // namespace
}  // namespace finch::test
