// Subnets and the ban list: parsing (each bad input rejected), matching, expiry, persistence.
#include "node/net/addresses.h"

#include <gtest/gtest.h>

namespace finch::net {
namespace {

Subnet subnet(const std::string& text) {
    auto s = Subnet::parse(text);
    EXPECT_TRUE(s.ok()) << text << ": " << (s.ok() ? "" : s.error().to_string());
    return s.ok() ? *s : Subnet{};
}

TEST(Subnet, ParsesAndPrintsCanonically) {
    EXPECT_EQ(subnet("1.2.3.4").to_string(), "1.2.3.4/32");
    EXPECT_EQ(subnet("10.1.2.3/8").to_string(), "10.0.0.0/8");  // host bits cleared
    EXPECT_EQ(subnet("0.0.0.0/0").to_string(), "0.0.0.0/0");
    EXPECT_EQ(subnet("::1").to_string(), "::1/128");
    EXPECT_EQ(subnet("2001:db8::7/32").to_string(), "2001:db8::/32");
}

TEST(Subnet, EachBadInputIsRejected) {
    for (const char* bad : {"", "nohost", "1.2.3", "1.2.3.4/", "1.2.3.4/33", "1.2.3.4/x", "::1/129", "1.2.3.4/8/8",
                            "256.1.1.1/8", "1.2.3.4/-1"}) {
        auto s = Subnet::parse(bad);
        ASSERT_FALSE(s.ok()) << bad;
        EXPECT_EQ(s.error().code, "bad-subnet") << bad;
        EXPECT_EQ(s.error().fault, Fault::Decode);
    }
}

TEST(Subnet, MatchesItsMembersOnly) {
    const Subnet net = subnet("127.0.0.2/31");
    EXPECT_TRUE(net.contains("127.0.0.2"));
    EXPECT_TRUE(net.contains("127.0.0.3"));
    EXPECT_FALSE(net.contains("127.0.0.4"));
    EXPECT_FALSE(net.contains("127.0.0.1"));
    EXPECT_FALSE(net.contains("not an ip"));
    EXPECT_FALSE(net.contains("::1"));  // another family
    EXPECT_TRUE(subnet("10.0.0.0/8").contains("10.255.1.2"));
    EXPECT_TRUE(subnet("0.0.0.0/0").contains("8.8.8.8"));
    EXPECT_TRUE(subnet("2001:db8::/32").contains("2001:db8:ffff::1"));
    EXPECT_FALSE(subnet("2001:db8::/32").contains("2001:db9::1"));
    EXPECT_TRUE(subnet("1.2.3.4").contains("::ffff:1.2.3.4"));  // IPv4-mapped is the same address
}

TEST(BanList, SubnetBansCoverTheirMembersExpireAndPersist) {
    BanList bans;
    bans.ban(subnet("127.0.0.5"), 100, 200, "garbage");
    bans.ban(subnet("10.0.0.0/8"), 100, 300, "manually added");
    EXPECT_TRUE(bans.is_banned("127.0.0.5", 150));
    EXPECT_FALSE(bans.is_banned("127.0.0.5", 200));
    EXPECT_FALSE(bans.is_banned("127.0.0.1", 150));
    EXPECT_TRUE(bans.is_banned("10.9.8.7", 250));
    EXPECT_TRUE(bans.has(subnet("10.0.0.0/8"), 150));
    EXPECT_FALSE(bans.has(subnet("10.0.0.0/16"), 150));  // a member subnet is not the same ban
    BanList back = BanList::deserialize(bans.serialize());
    EXPECT_TRUE(back.is_banned("127.0.0.5", 150));
    EXPECT_TRUE(back.is_banned("10.1.1.1", 150));
    auto listed = back.list(150);
    ASSERT_EQ(listed.size(), 2u);
    EXPECT_EQ(listed[0].address, "10.0.0.0/8");
    EXPECT_EQ(listed[1].address, "127.0.0.5/32");
    EXPECT_EQ(back.list(250).size(), 1u);  // the single-address ban expired
    EXPECT_TRUE(bans.unban(subnet("127.0.0.5/32")));
    EXPECT_FALSE(bans.unban(subnet("127.0.0.5")));
}

TEST(BanList, AnOlderListOfBareAddressesLoadsAsSingleAddressBans) {
    Writer w;
    w.compact_size(2);
    for (const std::string key : {"127.0.0.9", "garbage"}) {
        w.var_bytes(ByteSpan(reinterpret_cast<const uint8_t*>(key.data()), key.size()));
        w.u64(1);
        w.u64(1'000);
        w.var_bytes(ByteSpan());
    }
    BanList back = BanList::deserialize(w.take());
    auto listed = back.list(10);
    ASSERT_EQ(listed.size(), 1u);  // the entry that does not parse is skipped
    EXPECT_EQ(listed[0].address, "127.0.0.9/32");
}

TEST(BanList, IsBoundedDroppingTheBanThatEndsFirst) {
    BanList bans;
    for (size_t i = 0; i < BanList::kMaxEntries; ++i)
        bans.ban(subnet("10.0." + std::to_string(i / 256) + "." + std::to_string(i % 256)), 0, 1'000 + i, "x");
    bans.ban(subnet("192.168.0.1"), 0, 5'000'000, "newest");
    EXPECT_EQ(bans.list(0).size(), BanList::kMaxEntries);
    EXPECT_FALSE(bans.is_banned("10.0.0.0", 500));  // ended first: dropped
    EXPECT_TRUE(bans.is_banned("192.168.0.1", 500));
}

TEST(BanList, ManualBansAreNeverPushedOutByAutomaticOnes) {
    BanList bans;
    bans.ban(subnet("192.168.0.0/16"), 0, 10, "manually added", true);  // ends first of all
    for (size_t i = 0; i < BanList::kMaxEntries + 5; ++i)
        bans.ban(subnet("10.0." + std::to_string(i / 256) + "." + std::to_string(i % 256)), 0, 1'000 + i, "flood");
    EXPECT_TRUE(bans.is_banned("192.168.7.7", 5));
    EXPECT_EQ(bans.list(0).size(), BanList::kMaxEntries);
    BanList back = BanList::deserialize(bans.serialize());  // the flag persists
    for (size_t i = 0; i < 10; ++i) back.ban(subnet("172.16.0." + std::to_string(i)), 0, 2'000, "flood");
    EXPECT_TRUE(back.is_banned("192.168.7.7", 5));
}

TEST(BanList, ReasonsAreBoundedSoTheStoredListAlwaysLoads) {
    BanList bans;
    bans.ban(subnet("1.2.3.4"), 0, 100, std::string(5'000, 'r'));
    bans.ban(subnet("1.2.3.5"), 0, 100, "second");
    BanList back = BanList::deserialize(bans.serialize());
    auto listed = back.list(0);
    ASSERT_EQ(listed.size(), 2u);
    EXPECT_EQ(listed[0].reason.size(), BanList::kMaxReason);
}

TEST(Subnet, AScopedIpv6AddressIsTheAddress) {
    EXPECT_EQ(subnet("fe80::1%eth0").to_string(), "fe80::1/128");
    EXPECT_TRUE(subnet("fe80::/64").contains("fe80::1%eth0"));
}

TEST(Netgroup, SlashSixteenForIpv4SlashThirtyTwoForIpv6LoopbackExempt) {
    EXPECT_EQ(netgroup("10.1.2.3"), "10.1.0.0/16");
    EXPECT_EQ(netgroup("10.1.200.9"), "10.1.0.0/16");
    EXPECT_NE(netgroup("10.2.0.1"), netgroup("10.1.0.1"));
    EXPECT_EQ(netgroup("2001:db8:1:2::5"), "2001:db8::/32");
    EXPECT_EQ(netgroup("127.0.0.2"), "");  // all of 127/8 would be one group: exempt instead
    EXPECT_EQ(netgroup("::1"), "");
    EXPECT_EQ(netgroup("nohost"), "");
}

}  // namespace
}  // namespace finch::net
