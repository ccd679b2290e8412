// The one peer-address parser: every accepted form, and each rejection with its input.
#include "node/net/peer_address.h"

#include <gtest/gtest.h>

namespace finch::net {
namespace {

constexpr uint16_t kDefault = 19444;
const std::string kId = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

PeerAddress ok(const std::string& text) {
    auto r = parse_peer_address(text, kDefault);
    EXPECT_TRUE(r.ok()) << text << ": " << (r.ok() ? "" : r.error().to_string());
    return r.ok() ? *r : PeerAddress{};
}

std::string code(const std::string& text) {
    auto r = parse_peer_address(text, kDefault);
    if (r.ok()) return "accepted";
    EXPECT_EQ(r.error().fault, Fault::Decode);
    EXPECT_NE(r.error().detail.find(text), std::string::npos) << "the error names the input";
    return r.error().code;
}

TEST(PeerAddress, HostWithAndWithoutPort) {
    EXPECT_EQ(ok("127.0.0.1:18444").endpoint(), "127.0.0.1:18444");
    EXPECT_EQ(ok("127.0.0.1").endpoint(), "127.0.0.1:19444");  // the network's default port
    EXPECT_EQ(ok("localhost:5").endpoint(), "127.0.0.1:5");
    EXPECT_EQ(ok("[::1]:8333").endpoint(), "[::1]:8333");
    EXPECT_EQ(ok("[::1]").endpoint(), "[::1]:19444");
    EXPECT_FALSE(ok("10.0.0.1:1").identity);
}

TEST(PeerAddress, IdentityForms) {
    auto pinned = ok(kId + "@127.0.0.1:7");
    EXPECT_EQ(pinned.identity, kId);
    EXPECT_EQ(pinned.endpoint(), "127.0.0.1:7");
    EXPECT_EQ(pinned.to_string(), kId + "@127.0.0.1:7");
    std::string upper = kId;
    for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    auto bare = ok(upper);
    EXPECT_EQ(bare.identity, kId);  // lowercased
    EXPECT_FALSE(bare.has_endpoint());
    EXPECT_EQ(bare.to_string(), kId);
    EXPECT_EQ(ok(kId + "@[::1]").endpoint(), "[::1]:19444");
}

TEST(PeerAddress, EachBadInputIsRejectedWithItsReason) {
    EXPECT_EQ(code(""), "bad-peer-address");
    EXPECT_EQ(code("127.0.0.1 :1"), "bad-peer-address");
    EXPECT_EQ(code("nohost:1"), "bad-peer-host");
    EXPECT_EQ(code("example.com"), "bad-peer-host");
    EXPECT_EQ(code("256.0.0.1:1"), "bad-peer-host");
    EXPECT_EQ(code("::1:8333"), "bad-peer-host");  // IPv6 without brackets
    EXPECT_EQ(code("[::1"), "bad-peer-host");
    EXPECT_EQ(code("[nothex]:1"), "bad-peer-host");
    EXPECT_EQ(code("[::1]8333"), "bad-peer-address");
    EXPECT_EQ(code("127.0.0.1:"), "bad-peer-port");
    EXPECT_EQ(code("127.0.0.1:0"), "bad-peer-port");
    EXPECT_EQ(code("127.0.0.1:65536"), "bad-peer-port");
    EXPECT_EQ(code("127.0.0.1:12a"), "bad-peer-port");
    EXPECT_EQ(code("127.0.0.1:-1"), "bad-peer-port");
    EXPECT_EQ(code("abc@127.0.0.1:1"), "bad-peer-identity");
    EXPECT_EQ(code(kId.substr(1) + "@127.0.0.1"), "bad-peer-identity");
    EXPECT_EQ(code(kId + "@"), "bad-peer-address");
    EXPECT_EQ(code(kId + "x"), "bad-peer-host");  // 65 characters: neither an identity nor a host
}

}  // namespace
}  // namespace finch::net
