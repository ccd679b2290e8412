#include "node/net/dht/record.h"

#include "sim.h"

#include <openssl/evp.h>

#include <gtest/gtest.h>

namespace finch::net::dht {
namespace {

using test::kMagic;
using test::new_key;

TEST(DhtRecord, SignedRecordVerifiesAndRoundTrips) {
    SigningKey key = new_key();
    NodeRecord rec = key.sign(Endpoint::v4(1, 2, 3, 4, 30303), 7, kMagic);
    EXPECT_TRUE(verify_record(rec, kMagic));
    EXPECT_EQ(rec.id(), key.id());
    EXPECT_EQ(rec.id().to_hex(), to_hex(sha256(rec.public_key).span()));
    Bytes bytes = encode(rec);
    EXPECT_EQ(bytes.size(), kRecordSize);
    auto back = decode_all<NodeRecord>(bytes);
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(*back, rec);
}

TEST(DhtRecord, AnyChangeBreaksTheSignature) {
    SigningKey key = new_key();
    const NodeRecord rec = key.sign(Endpoint::v4(1, 2, 3, 4, 30303), 7, kMagic);
    NodeRecord r = rec;
    r.endpoint.port = 30304;
    EXPECT_FALSE(verify_record(r, kMagic));
    r = rec;
    r.seq = 8;
    EXPECT_FALSE(verify_record(r, kMagic));
    r = rec;
    r.signature[10] ^= 1;
    EXPECT_FALSE(verify_record(r, kMagic));
    r = rec;
    r.public_key = new_key().public_key();
    EXPECT_FALSE(verify_record(r, kMagic));
    // Another network's magic: the domain separation makes it worthless there.
    EXPECT_FALSE(verify_record(rec, Magic{1, 2, 3, 4}));
    // Not a valid point at all.
    r = rec;
    r.public_key.fill(0xff);
    EXPECT_FALSE(verify_record(r, kMagic));
}

TEST(DhtRecord, VerifyCacheRemembersBothOutcomes) {
    VerifyCache cache;
    SigningKey key = new_key();
    NodeRecord good = key.sign(Endpoint::v4(1, 2, 3, 4, 1), 1, kMagic);
    NodeRecord bad = good;
    bad.signature[0] ^= 1;
    EXPECT_TRUE(cache.verify(good, kMagic));
    EXPECT_TRUE(cache.verify(good, kMagic));
    EXPECT_FALSE(cache.verify(bad, kMagic));
    EXPECT_FALSE(cache.verify(bad, kMagic));
    EXPECT_FALSE(cache.verify(good, Magic{0, 0, 0, 0}));
    EXPECT_EQ(cache.hits(), 2u);
    EXPECT_EQ(cache.misses(), 3u);
}

TEST(DhtRecord, SigningKeyRefusesOtherKeyTypes) {
    EVP_PKEY* ec = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
    ASSERT_NE(ec, nullptr);
    auto key = SigningKey::from_pkey(ec);
    EVP_PKEY_free(ec);
    ASSERT_FALSE(key.ok());
    EXPECT_EQ(key.error().code, "dht-bad-key");
    EXPECT_FALSE(SigningKey::from_pkey(nullptr).ok());
}

TEST(DhtTypes, DistanceAndIds) {
    NodeId a;
    NodeId b;
    EXPECT_EQ(log_distance(a, b), 0);
    b.bytes[31] = 1;
    EXPECT_EQ(log_distance(a, b), 1);
    b.bytes[31] = 0x80;
    EXPECT_EQ(log_distance(a, b), 8);
    b.bytes[0] = 0x01;
    EXPECT_EQ(log_distance(a, b), 249);
    b.bytes[0] = 0x80;
    EXPECT_EQ(log_distance(a, b), 256);
    std::array<uint8_t, 32> rnd{};
    rnd.fill(0xa5);
    for (int d : {1, 2, 9, 100, 255, 256}) EXPECT_EQ(log_distance(b, id_at_distance(b, d, rnd)), d);
    auto hex = b.to_hex();
    EXPECT_EQ(NodeId::from_hex(hex), b);
    EXPECT_FALSE(NodeId::from_hex("zz").has_value());
}

TEST(DhtTypes, EndpointsAndExemptRanges) {
    auto e = Endpoint::parse("1.2.3.4:30303");
    ASSERT_TRUE(e);
    EXPECT_TRUE(e->is_v4());
    EXPECT_EQ(e->to_string(), "1.2.3.4:30303");
    auto v6 = Endpoint::parse("[2001:db8::1]:9");
    ASSERT_TRUE(v6);
    EXPECT_EQ(v6->to_string(), "[2001:db8::1]:9");
    EXPECT_FALSE(Endpoint::parse("1.2.3.4"));
    EXPECT_FALSE(Endpoint::parse("1.2.3.4:70000"));
    EXPECT_FALSE(Endpoint::parse("host:1"));
    EXPECT_FALSE(Endpoint::v4(0, 0, 0, 0, 1).usable());
    EXPECT_FALSE(Endpoint::v4(1, 0, 0, 0, 0).usable());
    for (const char* ip : {"127.0.0.5", "10.1.2.3", "172.16.0.1", "172.31.255.1", "192.168.1.1", "::1", "fc00::1", "fdff::2"})
        EXPECT_TRUE(is_exempt_address(*Endpoint::from_ip(ip, 1))) << ip;
    for (const char* ip : {"172.32.0.1", "8.8.8.8", "192.169.0.1", "2001:db8::1"})
        EXPECT_FALSE(is_exempt_address(*Endpoint::from_ip(ip, 1))) << ip;
    EXPECT_EQ(limited_subnet24(Endpoint::v4(8, 8, 4, 4, 1)), limited_subnet24(Endpoint::v4(8, 8, 4, 200, 2)));
    EXPECT_NE(limited_subnet24(Endpoint::v4(8, 8, 4, 4, 1)), limited_subnet24(Endpoint::v4(8, 8, 5, 4, 1)));
    EXPECT_FALSE(limited_subnet24(Endpoint::v4(10, 0, 0, 1, 1)));
}

}  // namespace
}  // namespace finch::net::dht
