// BIP340 Schnorr signatures against the official vectors in tests/data/bip340.csv.
#include "consensus/keys.h"
#include "tests/unit/test_util.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

namespace finch {
namespace {

using namespace finch::test;

struct Bip340Vector {
    std::string index, secret, pubkey, aux, message, signature, comment;
    bool result = false;
};

std::vector<Bip340Vector> load_bip340() {
    std::ifstream in(FINCH_TEST_DATA_DIR "/bip340.csv");
    EXPECT_TRUE(in.good()) << "cannot open bip340.csv";
    std::vector<Bip340Vector> out;
    std::string line;
    std::getline(in, line);  // column names
    while (std::getline(in, line)) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.empty()) continue;
        std::vector<std::string> f;
        std::stringstream ss(line);
        std::string field;
        // The comment is last and may itself contain commas: split the first 7 fields only.
        for (int i = 0; i < 7 && std::getline(ss, field, ','); ++i) f.push_back(field);
        std::getline(ss, field);
        EXPECT_EQ(f.size(), 7u) << line;
        if (f.size() != 7) continue;
        out.push_back({f[0], f[1], f[2], f[3], f[4], f[5], ss ? field : "", f[6] == "TRUE"});
    }
    return out;
}

TEST(Bip340, VectorFileLoads) {
    auto vectors = load_bip340();
    EXPECT_EQ(vectors.size(), 15u);
}

TEST(Bip340, SignMatchesVectors) {
    int signed_rows = 0;
    for (const auto& v : load_bip340()) {
        if (v.secret.empty()) continue;
        SCOPED_TRACE("vector " + v.index);
        auto secret = from_hex_array<SecretKey>(v.secret);
        auto aux = from_hex_array<ByteArray<32>>(v.aux);
        Hash256 msg = Hash256::from_bytes(hex_bytes(v.message));
        ASSERT_TRUE(is_valid_secret_key(secret));
        auto pub = derive_public_key(secret);
        ASSERT_TRUE(pub.has_value());
        EXPECT_EQ(*pub, from_hex_array<PublicKey>(v.pubkey));
        auto sig = sign(secret, msg, &aux);
        ASSERT_TRUE(sig.has_value());
        EXPECT_EQ(*sig, from_hex_array<Signature>(v.signature));
        ++signed_rows;
    }
    EXPECT_EQ(signed_rows, 4);
}

TEST(Bip340, VerifyMatchesVectors) {
    for (const auto& v : load_bip340()) {
        SCOPED_TRACE("vector " + v.index + " " + v.comment);
        auto pub = from_hex_array<PublicKey>(v.pubkey);
        Hash256 msg = Hash256::from_bytes(hex_bytes(v.message));
        auto sig = from_hex_array<Signature>(v.signature);
        EXPECT_EQ(verify(pub, msg, sig), v.result);
    }
}

TEST(Bip340, PublicKeysThatAreNotXCoordinatesAreInvalid) {
    int invalid = 0;
    for (const auto& v : load_bip340()) {
        auto pub = from_hex_array<PublicKey>(v.pubkey);
        bool expected_valid = v.comment.find("public key") == std::string::npos;
        EXPECT_EQ(is_valid_public_key(pub), expected_valid) << "vector " << v.index;
        if (!expected_valid) {
            ++invalid;
            EXPECT_FALSE(verify(pub, Hash256::from_bytes(hex_bytes(v.message)), from_hex_array<Signature>(v.signature)));
        }
    }
    EXPECT_EQ(invalid, 2);  // vectors 5 and 14
}

TEST(Keys, InvalidSecretKeys) {
    SecretKey zero;
    EXPECT_FALSE(is_valid_secret_key(zero));
    EXPECT_FALSE(derive_public_key(zero));
    EXPECT_FALSE(sign(zero, Hash256{}));
    // The group order n is not a valid scalar; n - 1 is.
    auto n = from_hex_array<SecretKey>("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141");
    EXPECT_FALSE(is_valid_secret_key(n));
    auto n_minus_1 = from_hex_array<SecretKey>("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364140");
    EXPECT_TRUE(is_valid_secret_key(n_minus_1));
}

TEST(Keys, GeneratedKeysSignAndVerify) {
    SecretKey a = generate_secret_key();
    SecretKey b = generate_secret_key();
    EXPECT_NE(a, b);
    ASSERT_TRUE(is_valid_secret_key(a));
    PublicKey pub = public_key(a);
    EXPECT_TRUE(is_valid_public_key(pub));
    Hash256 msg = sha256(as_bytes("message"));
    auto sig = sign(a, msg);  // fresh aux randomness
    ASSERT_TRUE(sig.has_value());
    EXPECT_TRUE(verify(pub, msg, *sig));
    EXPECT_FALSE(verify(public_key(b), msg, *sig));
    EXPECT_FALSE(verify(pub, sha256(as_bytes("other")), *sig));
    Signature bad = *sig;
    bad.bytes[63] ^= 1;
    EXPECT_FALSE(verify(pub, msg, bad));
}

}  // namespace
}  // namespace finch
