// bech32m (BIP350) against the official vectors in tests/data/bip350.txt.
#include "consensus/bech32m.h"
#include "tests/unit/test_util.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <fstream>

namespace finch {
namespace {

struct Bech32mVector {
    bool valid;
    std::string str;
    std::string reason;
};

// Replaces each \xNN escape with the byte it stands for.
std::string unescape(std::string_view s) {
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '\\' && i + 3 < s.size() && s[i + 1] == 'x') {
            auto b = from_hex(s.substr(i + 2, 2));
            if (b) {
                out += static_cast<char>((*b)[0]);
                i += 3;
                continue;
            }
        }
        out += s[i];
    }
    return out;
}

std::vector<Bech32mVector> load_bip350() {
    std::ifstream in(FINCH_TEST_DATA_DIR "/bip350.txt");
    EXPECT_TRUE(in.good()) << "cannot open bip350.txt";
    std::vector<Bech32mVector> out;
    std::string line;
    while (std::getline(in, line)) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.empty() || line[0] == '#') continue;
        auto space = line.find(' ');
        EXPECT_NE(space, std::string::npos) << line;
        std::string kind = line.substr(0, space);
        std::string rest = line.substr(space + 1);
        std::string reason;
        if (auto hash = rest.find(" # "); hash != std::string::npos) {
            reason = rest.substr(hash + 3);
            rest = rest.substr(0, hash);
        }
        EXPECT_TRUE(kind == "valid" || kind == "invalid") << line;
        out.push_back({kind == "valid", unescape(rest), reason});
    }
    return out;
}

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
    return s;
}

TEST(Bech32m, VectorFileLoads) {
    auto v = load_bip350();
    EXPECT_EQ(std::count_if(v.begin(), v.end(), [](auto& x) { return x.valid; }), 7);
    EXPECT_EQ(std::count_if(v.begin(), v.end(), [](auto& x) { return !x.valid; }), 15);
    EXPECT_EQ(v[7].str, std::string("\x20" "1xj0phk"));
    EXPECT_EQ(v[9].str[0], '\x80');
}

TEST(Bech32m, ValidVectorsDecodeAndReencode) {
    for (const auto& v : load_bip350()) {
        if (!v.valid) continue;
        auto d = bech32m::decode(v.str);
        ASSERT_TRUE(d.ok()) << v.str << ": " << d.error().to_string();
        EXPECT_EQ(bech32m::encode(d->hrp, d->data), lower(v.str));
    }
}

TEST(Bech32m, InvalidVectorsFail) {
    for (const auto& v : load_bip350()) {
        if (v.valid) continue;
        auto d = bech32m::decode(v.str);
        EXPECT_FALSE(d.ok()) << v.str << " (" << v.reason << ") decoded";
        if (!d.ok()) {
            EXPECT_EQ(d.error().fault, Fault::Decode);
        }
    }
}

TEST(Bech32m, ErrorCodes) {
    auto code = [](std::string_view s) {
        auto d = bech32m::decode(s);
        return d.ok() ? std::string("ok") : d.error().code;
    };
    EXPECT_EQ(code("a1lqfn3a"), "ok");
    EXPECT_EQ(code("A1lqfn3a"), "mixed-case");
    EXPECT_EQ(code("a1lqfn3c"), "bad-checksum");
    EXPECT_EQ(code("qyrz8wqd2c9m"), "no-separator");
    EXPECT_EQ(code("1qyrz8wqd2c9m"), "empty-hrp");
    EXPECT_EQ(code("in1muywd"), "checksum-too-short");
    EXPECT_EQ(code("y1b0jsk6g"), "invalid-character");
    EXPECT_EQ(code(std::string(91, 'a')), "too-long");
    EXPECT_EQ(code("A12UEL5L"), "bad-checksum");  // bech32, not bech32m
}

TEST(Bech32m, EncodeDecodeRoundTrip) {
    std::vector<uint8_t> data;
    for (uint8_t i = 0; i < 32; ++i) data.push_back(i);
    std::string s = bech32m::encode("fc", data);
    auto d = bech32m::decode(s);
    ASSERT_TRUE(d.ok());
    EXPECT_EQ(d->hrp, "fc");
    EXPECT_EQ(d->data, data);
}

TEST(Bech32m, ConvertBits) {
    std::vector<uint8_t> bytes{0xff, 0x00, 0x80};
    auto five = bech32m::convert_bits(bytes, 8, 5, true);
    ASSERT_TRUE(five.has_value());
    EXPECT_EQ(five->size(), 5u);  // 24 bits -> 5 groups, padded
    auto back = bech32m::convert_bits(*five, 5, 8, false);
    ASSERT_TRUE(back.has_value());
    EXPECT_EQ(*back, bytes);
    // Non-zero padding, too much padding and out-of-range inputs are refused.
    EXPECT_FALSE(bech32m::convert_bits({0x01}, 5, 8, false));
    EXPECT_FALSE(bech32m::convert_bits({0x00, 0x00, 0x00}, 5, 8, false));  // 7 padding bits
    EXPECT_EQ(bech32m::convert_bits({0x00, 0x00}, 5, 8, false), std::vector<uint8_t>{0x00});  // 2 zero bits
    EXPECT_FALSE(bech32m::convert_bits({0x20}, 5, 8, true));
}

}  // namespace
}  // namespace finch
