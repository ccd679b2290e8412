// mempool.dat: the round trip, each rejection with the bad input that triggers it, the
// atomic write, and reloading through admission (entries re-validated, expired ones skipped).
#include "node/mempool.h"
#include "node/mempool_file.h"
#include "tests/ledger/ledger_test_util.h"

#include <sys/stat.h>

#include <fstream>

namespace finch::test {
namespace {

using node::MempoolFileFault;
using node::SavedTransaction;

constexpr uint64_t kNow = 1'700'000'000;
constexpr Amount kFee = 1'000;

std::vector<SavedTransaction> sample_entries() {
    std::vector<SavedTransaction> out;
    for (uint64_t n = 0; n < 3; ++n)
        out.push_back({kNow + n, transfer(key_for("alice"), id_for(key_for("dave")), 5'000 + n, kFee, n)});
    return out;
}

void expect_fault(const Bytes& data, MempoolFileFault want) {
    auto c = node::decode_mempool_file(data, regtest_params());
    EXPECT_EQ(c.fault, want) << node::mempool_file_fault_name(c.fault) << ": " << c.detail;
    EXPECT_FALSE(c.detail.empty());
    EXPECT_TRUE(c.entries.empty());
}

// Recomputes the trailing checksum after a test edited the body, so that only the edit is wrong.
void reseal(Bytes& data) {
    const Hash256 sum = sha256d(ByteSpan(data.data(), data.size() - 32));
    std::copy(sum.bytes.begin(), sum.bytes.end(), data.end() - 32);
}

TEST(MempoolFile, RoundTripsEntriesInOrder) {
    const auto entries = sample_entries();
    const Bytes data = node::encode_mempool_file(regtest_params(), entries);
    EXPECT_EQ(data.size(), 24 + entries.size() * (8 + Transaction::kSerializedSize) + 32);
    auto c = node::decode_mempool_file(data, regtest_params());
    ASSERT_TRUE(c.ok()) << c.detail;
    EXPECT_EQ(c.entries, entries);
}

TEST(MempoolFile, AnEmptyMempoolIsAValidFile) {
    auto c = node::decode_mempool_file(node::encode_mempool_file(regtest_params(), {}), regtest_params());
    ASSERT_TRUE(c.ok()) << c.detail;
    EXPECT_TRUE(c.entries.empty());
}

TEST(MempoolFile, RejectsAnEmptyFileAsTruncated) { expect_fault({}, MempoolFileFault::Truncated); }

TEST(MempoolFile, RejectsAFileCutInAnEntry) {
    Bytes data = node::encode_mempool_file(regtest_params(), sample_entries());
    data.resize(data.size() - 50);
    expect_fault(data, MempoolFileFault::Truncated);
}

TEST(MempoolFile, RejectsAFileWithoutItsChecksum) {
    Bytes data = node::encode_mempool_file(regtest_params(), sample_entries());
    data.resize(data.size() - 32);
    expect_fault(data, MempoolFileFault::Truncated);
}

TEST(MempoolFile, RejectsAnotherFileType) {
    Bytes data = node::encode_mempool_file(regtest_params(), sample_entries());
    data[0] = 'X';
    expect_fault(data, MempoolFileFault::NotMempoolFile);
    Bytes text(100, 'a');  // a text file of the right size
    expect_fault(text, MempoolFileFault::NotMempoolFile);
}

TEST(MempoolFile, RejectsAnUnknownVersion) {
    Bytes data = node::encode_mempool_file(regtest_params(), sample_entries());
    data[8] = 2;
    reseal(data);
    expect_fault(data, MempoolFileFault::UnknownVersion);
}

TEST(MempoolFile, RecognisesAnotherNetworksFile) {
    const Bytes main_file = node::encode_mempool_file(chain_params(Network::Main), sample_entries());
    expect_fault(main_file, MempoolFileFault::ForeignNetwork);
    const Bytes test_file = node::encode_mempool_file(chain_params(Network::Test), {});
    expect_fault(test_file, MempoolFileFault::ForeignNetwork);
}

TEST(MempoolFile, RejectsACountAboveTheLimitBeforeReadingEntries) {
    Bytes data = node::encode_mempool_file(regtest_params(), {});
    for (int i = 0; i < 8; ++i) data[16 + i] = 0xff;  // 2^64 - 1 entries
    reseal(data);
    expect_fault(data, MempoolFileFault::TooManyEntries);
}

TEST(MempoolFile, RejectsACountLargerThanTheFile) {
    Bytes data = node::encode_mempool_file(regtest_params(), sample_entries());
    data[16] = 4;  // says 4, holds 3
    expect_fault(data, MempoolFileFault::Truncated);
}

TEST(MempoolFile, RejectsBytesAfterTheChecksum) {
    Bytes data = node::encode_mempool_file(regtest_params(), sample_entries());
    data.push_back(0);
    expect_fault(data, MempoolFileFault::TrailingBytes);
}

TEST(MempoolFile, RejectsAFlippedBit) {
    Bytes data = node::encode_mempool_file(regtest_params(), sample_entries());
    data[24 + 8 + 40] ^= 0x01;  // inside the first transfer's recipient
    expect_fault(data, MempoolFileFault::BadChecksum);
    Bytes sum_flipped = node::encode_mempool_file(regtest_params(), sample_entries());
    sum_flipped.back() ^= 0x80;
    expect_fault(sum_flipped, MempoolFileFault::BadChecksum);
}

TEST(MempoolFile, EveryPrefixOfAValidFileIsRejectedWithoutCrashing) {
    const Bytes data = node::encode_mempool_file(regtest_params(), sample_entries());
    for (size_t n = 0; n < data.size(); ++n) {
        auto c = node::decode_mempool_file(ByteSpan(data.data(), n), regtest_params());
        EXPECT_EQ(c.fault, MempoolFileFault::Truncated) << n << " bytes";
    }
}

TEST(MempoolFile, WritesAtomicallyAndReadsBack) {
    TempDir dir;
    const auto file = dir.path() / node::kMempoolFileName;
    {
        std::ofstream old(file, std::ios::binary);
        old << "old contents";
    }
    std::string error;
    const auto entries = sample_entries();  // signatures are randomised: make them once
    ASSERT_TRUE(node::write_mempool_file(file, node::encode_mempool_file(regtest_params(), entries), error)) << error;
    EXPECT_FALSE(std::filesystem::exists(file.string() + ".new"));
    auto c = node::read_mempool_file(file, regtest_params());
    ASSERT_TRUE(c.ok()) << c.detail;
    EXPECT_EQ(c.entries, entries);
}

TEST(MempoolFile, AMissingFileIsMissingAndAnUnwritableFolderAnError) {
    TempDir dir;
    EXPECT_EQ(node::read_mempool_file(dir.path() / "nothing.dat", regtest_params()).fault, MempoolFileFault::Missing);
    std::string error;
    EXPECT_FALSE(node::write_mempool_file(dir.path() / "no" / "such" / "mempool.dat", {}, error));
    EXPECT_NE(error.find("cannot create"), std::string::npos) << error;
}

TEST(MempoolFile, RefusesANonRegularFileAndAnOversizeOneWithoutReadingIt) {
    TempDir dir;
    const auto folder = dir.path() / "mempool.dat";
    std::filesystem::create_directories(folder);
    EXPECT_EQ(node::read_mempool_file(folder, regtest_params()).fault, MempoolFileFault::Unreadable);
    const auto fifo = dir.path() / "fifo.dat";
    ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
    EXPECT_EQ(node::read_mempool_file(fifo, regtest_params()).fault, MempoolFileFault::Unreadable);  // no block
    const auto huge = dir.path() / "huge.dat";
    { std::ofstream(huge) << "x"; }
    std::filesystem::resize_file(huge, 1ull << 40);  // sparse: costs no disk
    auto c = node::read_mempool_file(huge, regtest_params());
    EXPECT_EQ(c.fault, MempoolFileFault::TooLarge) << c.detail;
}

// Reloading through a real mempool on a regtest ledger where alice mined one block.
class MempoolReloadTest : public ::testing::Test {
protected:
    MempoolReloadTest() {
        Block b = make_block(Parent::genesis(), id_for(alice));
        EXPECT_TRUE(ledger.chain->accept_block(b).ok());
    }
    std::unique_ptr<node::Mempool> pool() {
        return std::make_unique<node::Mempool>(*ledger.store, regtest_params(), &sigcache);
    }
    node::MempoolLoadReport reload(node::Mempool& p, const std::vector<SavedTransaction>& entries, uint64_t now) {
        const auto file = dir.path() / "mempool.dat";
        std::string error;
        EXPECT_TRUE(node::write_mempool_file(file, node::encode_mempool_file(regtest_params(), entries), error));
        return node::load_mempool(p, regtest_params(), file, now, ledger.chain->tip().height);
    }

    TempDir dir;
    Ledger ledger{dir.path() / "ledger"};
    node::SignatureCache sigcache;
    SecretKey alice = key_for("alice");
    AccountId dave = id_for(key_for("dave"));
};

TEST_F(MempoolReloadTest, ASnapshotReloadsIntoAFreshMempoolWithItsTimes) {
    auto first = pool();
    // Admitted out of nonce order: the snapshot must still reload without a nonce gap.
    for (uint64_t n : {0u, 2u, 1u, 3u})
        ASSERT_TRUE(first->accept(transfer(alice, dave, 5'000, kFee, n), kNow + n, 1).ok());
    const auto saved = node::mempool_snapshot(*first);
    ASSERT_EQ(saved.size(), 4u);
    for (size_t i = 0; i < saved.size(); ++i) EXPECT_EQ(saved[i].tx.nonce, i);

    auto second = pool();
    auto report = reload(*second, saved, kNow + 100);
    EXPECT_EQ(report.fault, MempoolFileFault::None) << report.detail;
    EXPECT_EQ(report.read, 4u);
    EXPECT_EQ(report.accepted, 4u);
    EXPECT_EQ(second->txids().size(), 4u);
    auto e = second->get(saved[2].tx.txid());
    ASSERT_TRUE(e);
    EXPECT_EQ(e->time, kNow + 2);  // the original admission time: expiry is not reset
}

TEST_F(MempoolReloadTest, InvalidAndExpiredEntriesAreSkippedOthersLoad) {
    Transaction bad = transfer(alice, dave, 5'000, kFee, 1);
    bad.amount += 1;  // the signature no longer matches
    Transaction broke = transfer(key_for("nobody"), dave, 5'000, kFee, 0);  // no funds
    const uint64_t expiry = node::MempoolLimits{}.expiry_seconds;
    std::vector<SavedTransaction> entries = {
        {kNow, transfer(alice, dave, 5'000, kFee, 0)},
        {kNow, bad},
        {kNow, broke},
        {kNow - expiry - 10, transfer(alice, dave, 7'000, kFee, 1)},
    };
    auto p = pool();
    auto report = reload(*p, entries, kNow);
    EXPECT_EQ(report.fault, MempoolFileFault::None);
    EXPECT_EQ(report.read, 4u);
    EXPECT_EQ(report.accepted, 1u);
    EXPECT_EQ(report.rejected, 2u);
    EXPECT_EQ(report.expired, 1u);
    EXPECT_EQ(p->size(), 1u);
    EXPECT_NE(node::describe(report).find("1 of 4 transactions loaded"), std::string::npos) << node::describe(report);
}

TEST_F(MempoolReloadTest, AForeignFileLoadsNothingAndSaysWhy) {
    const auto file = dir.path() / "mempool.dat";
    std::string error;
    ASSERT_TRUE(node::write_mempool_file(
        file, node::encode_mempool_file(chain_params(Network::Main), {{kNow, transfer(alice, dave, 5'000, kFee, 0)}}),
        error));
    auto p = pool();
    auto report = node::load_mempool(*p, regtest_params(), file, kNow, 1);
    EXPECT_EQ(report.fault, MempoolFileFault::ForeignNetwork);
    EXPECT_EQ(p->size(), 0u);
    EXPECT_NE(node::describe(report).find("skipped (another network's file)"), std::string::npos);
}

}  // namespace
}  // namespace finch::test
