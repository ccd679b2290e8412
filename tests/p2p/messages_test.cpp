// p2p message encoding: round trips of every message, malformed inputs, the frame header,
// the block locator, addresses and the ban list.
#include "node/net/addresses.h"
#include "node/net/known_inventory.h"
#include "node/net/messages.h"

#include "consensus/params.h"

#include <gtest/gtest.h>

#include <random>

namespace finch::net {
namespace {

const auto& kMagic = chain_params(Network::Regtest).magic;

Hash256 h(uint8_t v) {
    Hash256 x;
    x.bytes.fill(v);
    return x;
}

std::vector<Message> samples() {
    const Block& g = chain_params(Network::Regtest).genesis;
    Transaction tx;
    tx.amount = 5;
    tx.fee = 1;
    tx.nonce = 9;
    VersionMsg v;
    v.genesis = h(1);
    v.best_height = 77;
    v.best_work = Uint256(12345);
    v.listen_port = 19444;
    v.user_agent = "/finchd:test/";
    v.nonce = 0xdeadbeef;
    v.timestamp = 1'800'000'000;
    NetAddress a = *NetAddress::parse("127.0.0.1:19444");
    a.last_seen = 42;
    return {v,
            VerackMsg{},
            PingMsg{7},
            PongMsg{8},
            InvMsg{{{InvType::Tx, h(2)}, {InvType::Block, h(3)}}},
            GetDataMsg{{{InvType::Block, h(4)}}},
            NotFoundMsg{{{InvType::Tx, h(5)}}},
            TxMsg{tx},
            BlockMsg{g},
            GetHeadersMsg{{h(6), h(7)}, h(0)},
            HeadersMsg{{g.header, g.header}},
            GetAddrMsg{},
            AddrMsg{{a}}};
}

TEST(Messages, EveryMessageRoundTrips) {
    for (const Message& m : samples()) {
        Bytes payload = encode_payload(m);
        auto back = decode_payload(command_of(m), payload);
        ASSERT_TRUE(back.ok()) << command_name(command_of(m)) << ": " << back.error().to_string();
        EXPECT_TRUE(*back == m) << command_name(command_of(m));
    }
}

TEST(Messages, EveryTruncationIsRejected) {
    for (const Message& m : samples()) {
        Bytes payload = encode_payload(m);
        for (size_t n = 0; n < payload.size(); ++n) {
            auto r = decode_payload(command_of(m), ByteSpan(payload.data(), n));
            EXPECT_FALSE(r.ok()) << command_name(command_of(m)) << " truncated to " << n;
        }
    }
}

TEST(Messages, TrailingBytesAreRejected) {
    for (const Message& m : samples()) {
        Bytes payload = encode_payload(m);
        payload.push_back(0);
        auto r = decode_payload(command_of(m), payload);
        ASSERT_FALSE(r.ok());
        EXPECT_EQ(r.error().code, "trailing-bytes");
    }
}

TEST(Messages, UnknownInventoryTypeIsRejected) {
    Bytes payload = encode_payload(InvMsg{{{InvType::Tx, h(1)}}});
    payload[1] = 9;
    auto r = decode_payload(Command::Inv, payload);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, "bad-value");
}

TEST(Messages, CountsAboveTheLimitsAreRejected) {
    Writer w;
    w.compact_size(kMaxHeaders + 1);
    EXPECT_EQ(decode_payload(Command::Headers, w.data()).error().code, "size-too-large");
    Writer inv;
    inv.compact_size(kMaxInvEntries + 1);
    EXPECT_EQ(decode_payload(Command::Inv, inv.data()).error().code, "size-too-large");
    Writer addr;
    addr.compact_size(kMaxAddrEntries + 1);
    EXPECT_EQ(decode_payload(Command::Addr, addr.data()).error().code, "size-too-large");
    Writer loc;
    loc.compact_size(kMaxLocatorHashes + 1);
    EXPECT_EQ(decode_payload(Command::GetHeaders, loc.data()).error().code, "size-too-large");
    // A count that claims more entries than the bytes can hold fails without allocating.
    Writer big;
    big.compact_size(kMaxHeaders);
    EXPECT_EQ(decode_payload(Command::Headers, big.data()).error().code, "truncated");
}

TEST(Messages, FrameHeaderChecks) {
    Bytes frame = encode_frame(PingMsg{1}, kMagic);
    ByteSpan header(frame.data(), kFrameHeaderSize);
    auto ok = decode_frame_header(header, kMagic);
    ASSERT_TRUE(ok.ok());
    EXPECT_EQ(ok->command, Command::Ping);
    EXPECT_EQ(ok->length, 8u);
    EXPECT_EQ(ok->checksum, payload_checksum(ByteSpan(frame.data() + kFrameHeaderSize, 8)));

    EXPECT_EQ(decode_frame_header(header, chain_params(Network::Main).magic).error().code, "bad-magic");
    Bytes unknown = frame;
    unknown[4] = 99;
    EXPECT_EQ(decode_frame_header(ByteSpan(unknown.data(), kFrameHeaderSize), kMagic).error().code,
              "unknown-command");
    Bytes oversize = frame;
    const uint32_t len = kMaxPayloadBytes + 1;
    for (int i = 0; i < 4; ++i) oversize[5 + i] = static_cast<uint8_t>(len >> (8 * i));
    EXPECT_EQ(decode_frame_header(ByteSpan(oversize.data(), kFrameHeaderSize), kMagic).error().code,
              "oversize-message");
}

TEST(Messages, RandomBytesNeverCrashTheDecoder) {
    std::mt19937 rng(7);
    for (int i = 0; i < 20'000; ++i) {
        Bytes b(rng() % 300);
        for (auto& x : b) x = static_cast<uint8_t>(rng());
        auto command = static_cast<Command>(1 + rng() % 13);
        auto r = decode_payload(command, b);
        if (!r.ok()) {
            EXPECT_FALSE(r.error().code.empty());
        }
    }
}

TEST(Locator, DenseThenExponentialAndEndsAtGenesis) {
    std::vector<uint64_t> heights;
    auto loc = build_locator(1000, [&](uint64_t height) {
        heights.push_back(height);
        return h(static_cast<uint8_t>(height));
    });
    ASSERT_EQ(heights.front(), 1000u);
    EXPECT_EQ(heights.back(), 0u);
    for (size_t i = 1; i < 10; ++i) EXPECT_EQ(heights[i - 1] - heights[i], 1u);
    EXPECT_EQ(heights[9] - heights[10], 2u);
    EXPECT_EQ(heights[10] - heights[11], 4u);
    EXPECT_LE(loc.size(), kMaxLocatorHashes);
    EXPECT_EQ(build_locator(0, [](uint64_t) { return Hash256{}; }).size(), 1u);
}

TEST(NetAddress, ParsesAndPrints) {
    auto a = NetAddress::parse("127.0.0.1:19444");
    ASSERT_TRUE(a);
    EXPECT_EQ(a->to_string(), "127.0.0.1:19444");
    auto v6 = NetAddress::parse("[::1]:8333");
    ASSERT_TRUE(v6);
    EXPECT_EQ(v6->to_string(), "[::1]:8333");
    EXPECT_EQ(NetAddress::parse("localhost:5")->to_string(), "127.0.0.1:5");
    EXPECT_FALSE(NetAddress::parse("127.0.0.1"));
    EXPECT_FALSE(NetAddress::parse("127.0.0.1:0"));
    EXPECT_FALSE(NetAddress::parse("127.0.0.1:70000"));
    EXPECT_FALSE(NetAddress::parse("example.com:1"));
}

TEST(AddressBook, BacksOffAndPersists) {
    AddressBook book;
    auto a = *NetAddress::parse("10.0.0.1:1");
    EXPECT_TRUE(book.add(a, 100));
    EXPECT_FALSE(book.add(a, 100));
    std::mt19937_64 rng(1);
    EXPECT_TRUE(book.select({}, 100, rng));
    book.mark_attempt(a, 100);
    EXPECT_FALSE(book.select({}, 101, rng));  // backing off
    EXPECT_TRUE(book.select({}, 200, rng));
    EXPECT_FALSE(book.select({a.to_string()}, 200, rng));
    AddressBook back = AddressBook::deserialize(book.serialize());
    EXPECT_EQ(back.size(), 1u);
}

TEST(AddressBook, IsBounded) {
    AddressBook book;
    for (uint32_t i = 0; i < AddressBook::kMaxEntries + 50; ++i) {
        NetAddress a = *NetAddress::parse("10.0.0.1:1");
        a.port = static_cast<uint16_t>(1 + i % 60000);
        a.ip[13] = static_cast<uint8_t>(i >> 16);
        a.ip[14] = static_cast<uint8_t>(i >> 8);
        a.last_seen = i;
        book.add(a, 1'000'000);
    }
    EXPECT_EQ(book.size(), AddressBook::kMaxEntries);
}

TEST(KnownInventory, RemembersAndForgetsTheOldestBeyondItsBound) {
    KnownInventory known(3);
    known.insert(h(1));
    known.insert(h(2));
    known.insert(h(2));  // no duplicate entry
    known.insert(h(3));
    EXPECT_TRUE(known.contains(h(1)));
    EXPECT_EQ(known.size(), 3u);
    known.insert(h(4));
    EXPECT_FALSE(known.contains(h(1)));
    EXPECT_TRUE(known.contains(h(2)));
    EXPECT_TRUE(known.contains(h(4)));
    EXPECT_EQ(known.size(), 3u);
}

TEST(BanList, BansExpireAndPersist) {
    BanList bans;
    bans.ban("127.0.0.5", 100, 200, "garbage");
    EXPECT_TRUE(bans.is_banned("127.0.0.5", 150));
    EXPECT_FALSE(bans.is_banned("127.0.0.5", 200));
    EXPECT_FALSE(bans.is_banned("127.0.0.1", 150));
    BanList back = BanList::deserialize(bans.serialize());
    EXPECT_TRUE(back.is_banned("127.0.0.5", 150));
    EXPECT_EQ(back.list(150).size(), 1u);
    EXPECT_EQ(back.list(250).size(), 0u);
    EXPECT_TRUE(bans.unban("127.0.0.5"));
    EXPECT_FALSE(bans.unban("127.0.0.5"));
}

}  // namespace
}  // namespace finch::net
