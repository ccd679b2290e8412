// p2p message encoding: round trips of every message, malformed inputs (compact block relay's
// included), the frame header, the block locator, addresses and the ban list.
#include "node/net/addresses.h"
#include "node/net/known_inventory.h"
#include "node/net/messages.h"

#include "consensus/params.h"

#include <gtest/gtest.h>

#include <random>
#include <set>
#include <string>

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
    NetAddress pinned = *NetAddress::parse("[::1]:19445");
    EXPECT_TRUE(pinned.set_identity("6bf908b75eee6189e1d82d3e03ac338fbe43f67d3b347690e98e2e9d659ee310"));
    Transaction tx2 = tx;
    tx2.nonce = 10;
    CmpctBlockMsg cmpct;
    cmpct.header = g.header;
    cmpct.nonce = 0x0102030405060708ULL;
    cmpct.coinbase = g.coinbase;
    cmpct.short_ids = {0, 1, 0xffff'ffff'ffffULL, 0x0000'1234'5678'9abcULL};
    cmpct.prefilled = {{0, tx}, {5, tx2}};  // gaps 0 and 4
    // Gaps of 0, 0, 251 (one byte), 253 and 9,491 (three bytes each: 0xfd and a u16).
    GetBlockTxnMsg getblocktxn{h(9), {0, 1, 253, 507, 9'999}};
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
            AddrMsg{{a, pinned}},
            GetDataMsg{{{InvType::CompactBlock, h(8)}, {InvType::Tx, h(9)}}},
            NotFoundMsg{{{InvType::CompactBlock, h(8)}}},
            SendCmpctMsg{true, 1},
            SendCmpctMsg{false, 0xffff'ffff'ffff'ffffULL},
            cmpct,
            CmpctBlockMsg{},
            getblocktxn,
            GetBlockTxnMsg{h(1), {}},
            BlockTxnMsg{h(10), {tx, tx2}},
            BlockTxnMsg{h(11), {}}};
}

// A compact block's payload up to (not including) the short id count.
Writer cmpct_prefix() {
    Writer w;
    const Block& g = chain_params(Network::Regtest).genesis;
    g.header.encode(w);
    w.u64(1);
    g.coinbase.encode(w);
    return w;
}

// A block hash, as getblocktxn and blocktxn start. (Reserving first also keeps GCC 12's
// -Wstringop-overflow from misfiring on the inlined vector growth.)
Writer hash_prefix() {
    Writer w(64);
    w.array(h(1));
    return w;
}

std::string decode_error_of(Command c, const Writer& w) {
    auto r = decode_payload(c, w.data());
    if (r.ok()) return "accepted";
    EXPECT_EQ(r.error().fault, Fault::Decode) << r.error().to_string();
    return r.error().code;
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

TEST(Messages, EveryCommandIsListedOnceWithItsOwnName) {
    std::set<std::string> names;
    uint8_t expected = 1;
    for (Command c : all_commands()) {
        EXPECT_EQ(static_cast<uint8_t>(c), expected++);
        EXPECT_STRNE(command_name(c), "unknown");
        names.insert(command_name(c));
    }
    EXPECT_EQ(all_commands().size(), 17u);
    EXPECT_EQ(names.size(), all_commands().size());
    EXPECT_STREQ(command_name(Command::SendCmpct), "sendcmpct");
    EXPECT_STREQ(command_name(Command::CmpctBlock), "cmpctblock");
    EXPECT_STREQ(command_name(Command::GetBlockTxn), "getblocktxn");
    EXPECT_STREQ(command_name(Command::BlockTxn), "blocktxn");
    for (const Message& m : samples()) EXPECT_TRUE(names.count(command_name(command_of(m))));
}

TEST(Messages, FrameHeaderAcceptsEveryCommandAndNothingPast) {
    for (Command c : all_commands()) {
        Bytes frame = encode_frame(PingMsg{1}, kMagic);
        frame[4] = static_cast<uint8_t>(c);
        auto r = decode_frame_header(ByteSpan(frame.data(), kFrameHeaderSize), kMagic);
        ASSERT_TRUE(r.ok()) << command_name(c);
        EXPECT_EQ(r->command, c);
    }
    Bytes frame = encode_frame(PingMsg{1}, kMagic);
    frame[4] = static_cast<uint8_t>(all_commands().size() + 1);
    EXPECT_EQ(decode_frame_header(ByteSpan(frame.data(), kFrameHeaderSize), kMagic).error().code, "unknown-command");
    frame[4] = 0;
    EXPECT_EQ(decode_frame_header(ByteSpan(frame.data(), kFrameHeaderSize), kMagic).error().code, "unknown-command");
}

TEST(Messages, CompactBlockInventoryOnlyInRequests) {
    Bytes inv = encode_payload(InvMsg{{{InvType::Block, h(1)}}});
    inv[1] = static_cast<uint8_t>(InvType::CompactBlock);
    EXPECT_EQ(decode_payload(Command::Inv, inv).error().code, "bad-value");
    EXPECT_TRUE(decode_payload(Command::GetData, inv).ok());
    EXPECT_TRUE(decode_payload(Command::NotFound, inv).ok());
    inv[1] = 4;
    EXPECT_EQ(decode_payload(Command::GetData, inv).error().code, "bad-value");
    inv[1] = 0;
    EXPECT_EQ(decode_payload(Command::GetData, inv).error().code, "bad-value");
}

TEST(Messages, SendCmpctFlagMustBeZeroOrOne) {
    Bytes payload = encode_payload(SendCmpctMsg{true, 1});
    ASSERT_EQ(payload.size(), 9u);
    EXPECT_EQ(payload[0], 1);
    payload[0] = 2;
    auto r = decode_payload(Command::SendCmpct, payload);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, "bad-value");
    EXPECT_EQ(r.error().fault, Fault::Decode);
}

TEST(Messages, CompactBlockLayout) {
    CmpctBlockMsg m;
    m.short_ids = {0x0605'0403'0201ULL};
    m.prefilled = {{1, Transaction{}}};
    Bytes payload = encode_payload(m);
    Bytes prefix = encode_payload(CmpctBlockMsg{});  // header, nonce, coinbase, then two zero counts
    ASSERT_EQ(payload.size(), prefix.size() + 6 + 1 + Transaction::kSerializedSize);
    const size_t at = prefix.size() - 2;
    EXPECT_EQ(payload[at], 1);  // one short id, six bytes little-endian
    for (int i = 0; i < 6; ++i) EXPECT_EQ(payload[at + 1 + i], i + 1);
    EXPECT_EQ(payload[at + 7], 1);  // one prefilled transfer, index 1
    EXPECT_EQ(payload[at + 8], 1);
}

TEST(Messages, CompactBlockIndexesAreCheckedWithoutOverflow) {
    // Two short ids and one prefilled transfer: three transfers, so index 3 is out of range.
    auto with_prefilled = [](std::vector<uint64_t> gaps) {
        Writer w = cmpct_prefix();
        w.compact_size(3 - gaps.size());
        for (size_t i = 0; i < 3 - gaps.size(); ++i)
            for (int b = 0; b < 6; ++b) w.u8(static_cast<uint8_t>(i + 1));
        w.compact_size(gaps.size());
        for (uint64_t gap : gaps) {
            w.compact_size(gap);
            Transaction{}.encode(w);
        }
        return w;
    };
    EXPECT_EQ(decode_error_of(Command::CmpctBlock, with_prefilled({2})), "accepted");
    EXPECT_EQ(decode_error_of(Command::CmpctBlock, with_prefilled({3})), "bad-cmpct-index");
    EXPECT_EQ(decode_error_of(Command::CmpctBlock, with_prefilled({0, 1})), "accepted");     // indexes 0, 2
    EXPECT_EQ(decode_error_of(Command::CmpctBlock, with_prefilled({0, 2})), "bad-cmpct-index");  // 0, 3
    EXPECT_EQ(decode_error_of(Command::CmpctBlock, with_prefilled({0, 0, 0})), "accepted");  // 0, 1, 2
    EXPECT_EQ(decode_error_of(Command::CmpctBlock, with_prefilled({1, 1})), "bad-cmpct-index");  // 1, 3
    // Gaps that would wrap a 32- or 64-bit index.
    EXPECT_EQ(decode_error_of(Command::CmpctBlock, with_prefilled({0xffff'ffffULL})), "bad-cmpct-index");
    EXPECT_EQ(decode_error_of(Command::CmpctBlock, with_prefilled({0, 0xffff'ffff'ffff'ffffULL})),
              "bad-cmpct-index");
    EXPECT_EQ(decode_error_of(Command::CmpctBlock, with_prefilled({0, 0xffff'ffffULL})), "bad-cmpct-index");
}

TEST(Messages, CompactBlockCountsAreLimited) {
    Writer ids = cmpct_prefix();
    ids.compact_size(kMaxBlockTransactions + 1);
    EXPECT_EQ(decode_error_of(Command::CmpctBlock, ids), "size-too-large");
    // Short ids and prefilled transfers share the block's limit.
    Writer both = cmpct_prefix();
    both.compact_size(kMaxBlockTransactions);
    for (size_t i = 0; i < kMaxBlockTransactions; ++i) both.bytes(Bytes(6, 0));
    Writer full = both;
    full.compact_size(0);
    EXPECT_EQ(decode_error_of(Command::CmpctBlock, full), "accepted");
    both.compact_size(1);
    EXPECT_EQ(decode_error_of(Command::CmpctBlock, both), "size-too-large");
    // Counts claiming more than the bytes hold fail before allocating.
    Writer many = cmpct_prefix();
    many.compact_size(kMaxBlockTransactions);
    EXPECT_EQ(decode_error_of(Command::CmpctBlock, many), "truncated");
    Writer prefilled = cmpct_prefix();
    prefilled.compact_size(0);
    prefilled.compact_size(kMaxBlockTransactions);
    EXPECT_EQ(decode_error_of(Command::CmpctBlock, prefilled), "truncated");
}

TEST(Messages, GetBlockTxnIndexesAreCheckedWithoutOverflow) {
    auto request = [](std::vector<uint64_t> gaps) {
        Writer w = hash_prefix();
        w.compact_size(gaps.size());
        for (uint64_t gap : gaps) w.compact_size(gap);
        return w;
    };
    EXPECT_EQ(decode_error_of(Command::GetBlockTxn, request({kMaxBlockTransactions - 1})), "accepted");
    EXPECT_EQ(decode_error_of(Command::GetBlockTxn, request({kMaxBlockTransactions})), "bad-getblocktxn-index");
    EXPECT_EQ(decode_error_of(Command::GetBlockTxn, request({kMaxBlockTransactions - 2, 0})), "accepted");
    EXPECT_EQ(decode_error_of(Command::GetBlockTxn, request({kMaxBlockTransactions - 1, 0})),
              "bad-getblocktxn-index");
    EXPECT_EQ(decode_error_of(Command::GetBlockTxn, request({0xffff'ffffULL, 0})), "bad-getblocktxn-index");
    EXPECT_EQ(decode_error_of(Command::GetBlockTxn, request({5, 0xffff'ffff'ffff'ffffULL})),
              "bad-getblocktxn-index");
    auto back = decode_payload(Command::GetBlockTxn, request({3, 0, 10}).data());
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(std::get<GetBlockTxnMsg>(*back).indexes, (std::vector<uint32_t>{3, 4, 15}));

    Writer many = hash_prefix();
    many.compact_size(kMaxBlockTransactions + 1);
    EXPECT_EQ(decode_error_of(Command::GetBlockTxn, many), "size-too-large");
    Writer claims = hash_prefix();
    claims.compact_size(100);
    EXPECT_EQ(decode_error_of(Command::GetBlockTxn, claims), "truncated");
}

TEST(Messages, BlockTxnCountsAreLimited) {
    Writer many = hash_prefix();
    many.compact_size(kMaxBlockTransactions + 1);
    EXPECT_EQ(decode_error_of(Command::BlockTxn, many), "size-too-large");
    Writer claims = hash_prefix();
    claims.compact_size(2);
    Transaction{}.encode(claims);
    EXPECT_EQ(decode_error_of(Command::BlockTxn, claims), "truncated");
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
        auto command = all_commands()[rng() % all_commands().size()];
        auto r = decode_payload(command, b);
        if (!r.ok()) {
            EXPECT_FALSE(r.error().code.empty());
        }
    }
}

TEST(Messages, MutatedPayloadsDecodeOnlyToTheirOwnBytes) {
    // Strict decoding means one encoding per message: whatever still decodes after random
    // byte changes must encode back to exactly the bytes it came from.
    std::mt19937 rng(5);
    for (const Message& m : samples()) {
        const Bytes original = encode_payload(m);
        for (int i = 0; i < 2'000 && !original.empty(); ++i) {
            Bytes b = original;
            for (int flips = 1 + static_cast<int>(rng() % 3); flips > 0; --flips)
                b[rng() % b.size()] = static_cast<uint8_t>(rng());
            auto r = decode_payload(command_of(m), b);
            if (r.ok()) {
                EXPECT_EQ(encode_payload(*r), b) << command_name(command_of(m));
            }
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

TEST(NetAddress, CarriesAnIdentity) {
    auto a = *NetAddress::parse("127.0.0.1:1");
    EXPECT_FALSE(a.has_identity());
    EXPECT_EQ(a.identity_hex(), "");
    const std::string id = "6bf908b75eee6189e1d82d3e03ac338fbe43f67d3b347690e98e2e9d659ee310";
    EXPECT_TRUE(a.set_identity(id));
    EXPECT_TRUE(a.has_identity());
    EXPECT_EQ(a.identity_hex(), id);
    EXPECT_FALSE(a.set_identity("abc"));            // too short
    EXPECT_FALSE(a.set_identity(std::string(64, 'g')));  // not hex
    EXPECT_EQ(a.identity_hex(), id);                 // unchanged by a refused value
    EXPECT_TRUE(a.set_identity(""));
    EXPECT_FALSE(a.has_identity());
}

TEST(AddressBook, KeepsProvenIdentitiesAcrossRestartsAndGossipCannotRepin) {
    const std::string proven = "6bf908b75eee6189e1d82d3e03ac338fbe43f67d3b347690e98e2e9d659ee310";
    const std::string forged = std::string(64, 'a');
    AddressBook book;
    auto a = *NetAddress::parse("10.0.0.1:1");
    EXPECT_TRUE(book.add(a, 100));
    auto handshake = a;
    handshake.set_identity(proven);
    book.mark_success(handshake, 100);
    auto gossip = a;
    gossip.set_identity(forged);
    EXPECT_FALSE(book.add(gossip, 101));  // known: a gossiped identity does not replace the proven one
    AddressBook reloaded = AddressBook::deserialize(book.serialize());
    ASSERT_EQ(reloaded.sample(10).size(), 1u);
    EXPECT_EQ(reloaded.sample(10)[0].identity_hex(), proven);
}

TEST(AddressBook, GossipedIdentitiesAreHintsNeverPassedOn) {
    AddressBook book;
    auto a = *NetAddress::parse("10.0.0.3:1");
    a.set_identity(std::string(64, 'b'));
    EXPECT_TRUE(book.add(a, 100));
    std::mt19937_64 rng(1);
    EXPECT_EQ(book.select({}, 100, rng)->identity_hex(), std::string(64, 'b'));  // kept as a hint
    EXPECT_FALSE(book.sample(10)[0].has_identity());                           // not gossiped
    EXPECT_FALSE(AddressBook::deserialize(book.serialize()).sample(10)[0].has_identity());
    // A handshake proves another identity at that address: that one is recorded and shared.
    auto proven = a;
    proven.set_identity(std::string(64, 'c'));
    book.mark_success(proven, 101);
    EXPECT_EQ(book.sample(10)[0].identity_hex(), std::string(64, 'c'));
}

TEST(AddressBook, LoadsAListWrittenBeforeIdentities) {
    // Version 1: count, then ip(16) port(2) last_seen(8) per entry.
    Writer w;
    w.compact_size(1);
    auto a = *NetAddress::parse("10.0.0.2:3");
    w.bytes(a.ip);
    w.u16(a.port);
    w.u64(77);
    AddressBook book = AddressBook::deserialize(w.take());
    ASSERT_EQ(book.sample(10).size(), 1u);
    EXPECT_EQ(book.sample(10)[0].to_string(), "10.0.0.2:3");
    EXPECT_FALSE(book.sample(10)[0].has_identity());
}

TEST(AddressBook, DrawsNetgroupsEvenlyAndSkipsBusyOnes) {
    // 300 addresses in one /16 (an attacker's) and one honest address in another: a group is
    // drawn first, so the honest one comes about half the time, not once in 301.
    AddressBook book;
    for (int i = 0; i < 300; ++i)
        book.add(*NetAddress::parse("10.200." + std::to_string(i / 250) + "." + std::to_string(i % 250 + 2) + ":1"), 100);
    const auto honest = *NetAddress::parse("10.7.0.2:1");
    book.add(honest, 100);
    std::mt19937_64 rng(3);
    int honest_picks = 0;
    for (int i = 0; i < 1000; ++i) {
        auto pick = book.select({}, 100, rng);
        ASSERT_TRUE(pick);
        honest_picks += pick->to_string() == honest.to_string();
    }
    EXPECT_GT(honest_picks, 400);
    EXPECT_LT(honest_picks, 600);
    // With an outbound peer in the attacker's /16 already, only the honest address is left ...
    for (int i = 0; i < 100; ++i) {
        auto pick = book.select({}, 100, rng, {"10.200.0.0/16"});
        ASSERT_TRUE(pick);
        EXPECT_EQ(pick->to_string(), honest.to_string());
    }
    // ... and with both groups busy, nothing.
    EXPECT_FALSE(book.select({}, 100, rng, {"10.200.0.0/16", "10.7.0.0/16"}));
    // Loopback has no netgroup: a busy set never holds it back.
    AddressBook local;
    local.add(*NetAddress::parse("127.0.0.2:1"), 100);
    EXPECT_TRUE(local.select({}, 100, rng, {"127.0.0.0/16"}));
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

}  // namespace
}  // namespace finch::net
