// Account ids and their bech32m addresses, per network.
#include "consensus/address.h"
#include "consensus/bech32m.h"
#include "consensus/params.h"
#include "tests/unit/test_util.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>

namespace finch {
namespace {

using namespace finch::test;

const Network kNetworks[] = {Network::Main, Network::Test, Network::Regtest};

std::string decode_error_code(std::string_view addr, const ChainParams& params) {
    auto r = decode_address(addr, params);
    return r.ok() ? "ok" : r.error().code;
}

// An address-shaped string: version byte then `payload` regrouped into 5-bit values.
std::string raw_address(std::string_view hrp, uint8_t version, const Bytes& payload) {
    std::vector<uint8_t> data{version};
    auto groups = bech32m::convert_bits(payload, 8, 5, true);
    data.insert(data.end(), groups->begin(), groups->end());
    return bech32m::encode(hrp, data);
}

TEST(Address, AccountIdIsTruncatedTaggedHashOfPubkey) {
    PublicKey pub = public_key(test_key("alice"));
    Hash256 h = tagged_hash("finchain/account", pub.span());
    AccountId id = account_id(pub);
    EXPECT_TRUE(std::equal(id.bytes.begin(), id.bytes.end(), h.bytes.begin()));
    EXPECT_NE(account_id(public_key(test_key("bob"))), id);
}

TEST(Address, RoundTripOnEveryNetwork) {
    const AccountId id = account_of("alice");
    for (Network n : kNetworks) {
        const ChainParams& p = chain_params(n);
        std::string addr = encode_address(id, p);
        SCOPED_TRACE(addr);
        EXPECT_EQ(addr.rfind(p.hrp + "1", 0), 0u);
        EXPECT_EQ(addr, encode_address(id, p.hrp));
        auto back = decode_address(addr, p);
        ASSERT_TRUE(back.ok()) << back.error().to_string();
        EXPECT_EQ(*back, id);
        auto by_hrp = decode_address(addr, std::string_view(p.hrp));
        ASSERT_TRUE(by_hrp.ok());
        EXPECT_EQ(*by_hrp, id);
    }
}

TEST(Address, AllUpperCaseIsAccepted) {
    const ChainParams& p = mainnet();
    std::string addr = encode_address(account_of("alice"), p);
    std::transform(addr.begin(), addr.end(), addr.begin(), [](unsigned char c) { return std::toupper(c); });
    auto back = decode_address(addr, p);
    ASSERT_TRUE(back.ok()) << back.error().to_string();
    EXPECT_EQ(*back, account_of("alice"));
}

TEST(Address, TypoIsBadChecksum) {
    const ChainParams& p = mainnet();
    const std::string addr = encode_address(account_of("alice"), p);
    // Replace each data character in turn by another bech32 character.
    for (size_t i = p.hrp.size() + 1; i < addr.size(); ++i) {
        std::string typo = addr;
        typo[i] = typo[i] == 'q' ? 'p' : 'q';
        EXPECT_EQ(decode_error_code(typo, p), "address-bad-checksum") << typo;
    }
}

TEST(Address, MixedCaseRejected) {
    const ChainParams& p = testnet();
    std::string addr = encode_address(account_of("alice"), p);
    addr[0] = static_cast<char>(std::toupper(addr[0]));
    EXPECT_EQ(decode_error_code(addr, p), "address-mixed-case");
}

TEST(Address, OtherNetworksAddressRejectedAndNamed) {
    const AccountId id = account_of("alice");
    for (Network from : kNetworks) {
        for (Network to : kNetworks) {
            if (from == to) continue;
            const std::string addr = encode_address(id, chain_params(from));
            auto r = decode_address(addr, chain_params(to));
            ASSERT_FALSE(r.ok()) << addr;
            EXPECT_EQ(r.error().code, "address-wrong-network");
            EXPECT_NE(r.error().detail.find("the " + chain_params(from).name + " network"), std::string::npos)
                << r.error().detail;
            auto by_hrp = decode_address(addr, std::string_view(chain_params(to).hrp));
            ASSERT_FALSE(by_hrp.ok());
            EXPECT_EQ(by_hrp.error().code, "address-wrong-network");
        }
    }
}

TEST(Address, UnknownPrefixIsWrongNetwork) {
    std::string addr = encode_address(account_of("alice"), std::string_view("xyz"));
    EXPECT_EQ(decode_error_code(addr, mainnet()), "address-wrong-network");
}

TEST(Address, PayloadOf19Or21BytesIsWrongLength) {
    const ChainParams& p = regtest();
    EXPECT_EQ(decode_error_code(raw_address(p.hrp, 0, Bytes(20, 0x42)), p), "ok");
    EXPECT_EQ(decode_error_code(raw_address(p.hrp, 0, Bytes(19, 0x42)), p), "address-wrong-length");
    EXPECT_EQ(decode_error_code(raw_address(p.hrp, 0, Bytes(21, 0x42)), p), "address-wrong-length");
    EXPECT_EQ(decode_error_code(bech32m::encode(p.hrp, {}), p), "address-wrong-length");
}

TEST(Address, Version1IsBadVersion) {
    const ChainParams& p = mainnet();
    EXPECT_EQ(decode_error_code(raw_address(p.hrp, 1, Bytes(20, 0x42)), p), "address-bad-version");
}

TEST(Address, MalformedStrings) {
    const ChainParams& p = mainnet();
    EXPECT_EQ(decode_error_code("", p), "address-malformed");
    EXPECT_EQ(decode_error_code("fc", p), "address-malformed");
    EXPECT_EQ(decode_error_code("fc1b", p), "address-malformed");  // checksum too short
    std::string addr = encode_address(account_of("alice"), p);
    addr.back() = 'b';  // not a bech32 character
    EXPECT_EQ(decode_error_code(addr, p), "address-invalid-character");
    auto r = decode_address("fc1", p);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().fault, Fault::Decode);
}

}  // namespace
}  // namespace finch
