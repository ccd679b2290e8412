#include "node/net/dht/messages.h"

#include "sim.h"

#include <gtest/gtest.h>

namespace finch::net::dht {
namespace {

using test::kMagic;
using test::new_key;

NodeRecord some_record(uint64_t seq = 1) { return new_key().sign(Endpoint::v4(20, 0, 0, 1, 30303), seq, kMagic); }

TEST(DhtMessages, RoundTripAndSizes) {
    const NodeRecord rec = some_record();
    Token t1;
    Token t2;
    Token t3;
    for (size_t i = 0; i < kTokenSize; ++i) {
        t1[i] = static_cast<uint8_t>(i);
        t2[i] = static_cast<uint8_t>(100 + i);
        t3[i] = static_cast<uint8_t>(200 + i);
    }
    Ping ping{0x1122334455667788ULL, rec, Endpoint::v4(20, 0, 0, 2, 30303), t1, 0};
    Pong pong{0x1122334455667788ULL, rec, Endpoint::v4(20, 0, 0, 3, 40000), t2, kPongProven};
    FindNode find{42, rec.id(), t3};
    Bytes p = encode_message(ping, kMagic);
    Bytes q = encode_message(pong, kMagic);
    Bytes f = encode_message(find, kMagic);
    EXPECT_EQ(p.size(), 170u);
    EXPECT_EQ(q.size(), p.size());  // a PONG never outgrows the PING it answers
    EXPECT_EQ(f.size(), 61u);
    EXPECT_EQ(p[4], 0x21);  // version 2, type 1
    EXPECT_EQ(f[4], 0x23);
    auto dp = decode_message(p, kMagic);
    ASSERT_TRUE(dp.ok());
    auto& ping2 = std::get<Ping>(*dp);
    EXPECT_EQ(ping2.request_id, ping.request_id);
    EXPECT_EQ(ping2.record, rec);
    EXPECT_EQ(ping2.to, ping.to);
    EXPECT_EQ(ping2.token, t1);
    auto dq = decode_message(q, kMagic);
    ASSERT_TRUE(dq.ok());
    EXPECT_EQ(std::get<Pong>(*dq).observed, pong.observed);
    EXPECT_EQ(std::get<Pong>(*dq).flags, kPongProven);
    EXPECT_EQ(std::get<Pong>(*dq).token, t2);
    auto df = decode_message(f, kMagic);
    ASSERT_TRUE(df.ok());
    EXPECT_EQ(std::get<FindNode>(*df).target, rec.id());
    EXPECT_EQ(std::get<FindNode>(*df).token, t3);
}

TEST(DhtMessages, SixteenRecordsSpanTwoDatagrams) {
    std::vector<NodeRecord> records;
    for (int i = 0; i < 16; ++i) records.push_back(some_record(static_cast<uint64_t>(i)));
    auto parts = encode_nodes(9, records, kMagic);
    ASSERT_EQ(parts.size(), 2u);
    EXPECT_EQ(parts[0].size(), 15 + 10 * kRecordSize);
    EXPECT_EQ(parts[1].size(), 15 + 6 * kRecordSize);
    size_t total = 0;
    for (const auto& part : parts) {
        EXPECT_LE(part.size(), kMaxDatagram);
        auto m = decode_message(part, kMagic);
        ASSERT_TRUE(m.ok());
        EXPECT_EQ(std::get<Nodes>(*m).total, 2);
        total += std::get<Nodes>(*m).records.size();
    }
    EXPECT_EQ(total, 16u);
    auto empty = encode_nodes(9, {}, kMagic);
    ASSERT_EQ(empty.size(), 1u);
    EXPECT_EQ(std::get<Nodes>(*decode_message(empty[0], kMagic)).records.size(), 0u);
}

std::string code_of(const Bytes& datagram) {
    auto m = decode_message(datagram, kMagic);
    if (m.ok()) return "ok";
    EXPECT_EQ(m.error().fault, Fault::Decode);
    return m.error().code;
}

TEST(DhtMessages, MalformedDatagramsAreRejectedWithTheirError) {
    const Bytes ping = encode_message(Ping{1, some_record(), Endpoint::v4(1, 1, 1, 1, 1), Token{}, 0}, kMagic);
    Bytes b = ping;
    b.pop_back();
    EXPECT_EQ(code_of(b), dht_error::kTruncated);
    EXPECT_EQ(code_of(Bytes(ping.begin(), ping.begin() + 3)), dht_error::kTruncated);
    EXPECT_EQ(code_of(Bytes{}), dht_error::kTruncated);
    b = ping;
    b.push_back(0);
    EXPECT_EQ(code_of(b), dht_error::kTrailingBytes);
    EXPECT_EQ(code_of(Bytes(kMaxDatagram + 1, 0)), dht_error::kOversize);
    b = ping;
    b[0] ^= 0xff;
    EXPECT_EQ(code_of(b), dht_error::kBadMagic);
    for (uint8_t t : {0x20, 0x25, 0x2f}) {
        b = ping;
        b[4] = t;
        EXPECT_EQ(code_of(b), dht_error::kUnknownType);
    }
    // Version 1 (type byte 1..4, no tokens) and any other version nibble.
    for (uint8_t t : {0x01, 0x02, 0x03, 0x04, 0x00, 0x11, 0x31, 0xff}) {
        b = ping;
        b[4] = t;
        EXPECT_EQ(code_of(b), dht_error::kBadVersion);
    }
    // NODES: total must be 1 or 2, count at most 10.
    Bytes nodes = encode_nodes(3, {}, kMagic)[0];
    EXPECT_EQ(code_of(nodes), "ok");
    b = nodes;
    b[13] = 3;
    EXPECT_EQ(code_of(b), dht_error::kBadValue);
    b = nodes;
    b[13] = 0;
    EXPECT_EQ(code_of(b), dht_error::kBadValue);
    b = nodes;
    b[14] = 11;
    EXPECT_EQ(code_of(b), dht_error::kBadValue);
    b = nodes;
    b[14] = 1;  // says one record, carries none
    EXPECT_EQ(code_of(b), dht_error::kTruncated);
    // A structurally fine datagram with a bad signature decodes; the engine refuses it
    // (DhtEngine.BadRecordIsDropped).
    b = ping;
    b[5 + 8 + 60] ^= 1;
    EXPECT_EQ(code_of(b), "ok");
}

}  // namespace
}  // namespace finch::net::dht
