// bech32m per BIP350: polymod checksum with constant 0x2bc830a3.
#include "consensus/bech32m.h"

#include <optional>

namespace finch::bech32m {

namespace {

constexpr char kCharset[] = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";
constexpr uint32_t kConst = 0x2bc830a3;

int8_t charset_index(char c) {
    for (int i = 0; i < 32; ++i)
        if (kCharset[i] == c) return static_cast<int8_t>(i);
    return -1;
}

uint32_t polymod(const std::vector<uint8_t>& values) {
    static constexpr uint32_t kGen[5] = {0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3};
    uint32_t chk = 1;
    for (uint8_t v : values) {
        uint8_t top = chk >> 25;
        chk = (chk & 0x1ffffff) << 5 ^ v;
        for (int i = 0; i < 5; ++i)
            if ((top >> i) & 1) chk ^= kGen[i];
    }
    return chk;
}

std::vector<uint8_t> expand_hrp(std::string_view hrp) {
    std::vector<uint8_t> out;
    out.reserve(hrp.size() * 2 + 1);
    for (char c : hrp) out.push_back(static_cast<uint8_t>(c) >> 5);
    out.push_back(0);
    for (char c : hrp) out.push_back(static_cast<uint8_t>(c) & 31);
    return out;
}

Rejection bad(const char* code, std::string detail) { return reject(code, std::move(detail), Fault::Decode); }

}  // namespace

std::string encode(std::string_view hrp, const std::vector<uint8_t>& data) {
    std::vector<uint8_t> values = expand_hrp(hrp);
    values.insert(values.end(), data.begin(), data.end());
    values.insert(values.end(), 6, 0);
    uint32_t mod = polymod(values) ^ kConst;
    std::string out(hrp);
    out += '1';
    for (uint8_t d : data) out += kCharset[d];
    for (int i = 0; i < 6; ++i) out += kCharset[(mod >> (5 * (5 - i))) & 31];
    return out;
}

Result<Decoded> decode(std::string_view str) {
    if (str.size() > kMaxLength) return bad("too-long", "longer than " + std::to_string(kMaxLength) + " characters");
    bool lower = false, upper = false;
    for (char c : str) {
        auto u = static_cast<unsigned char>(c);
        if (u < 33 || u > 126) return bad("invalid-character", "character out of range");
        if (c >= 'a' && c <= 'z') lower = true;
        if (c >= 'A' && c <= 'Z') upper = true;
    }
    if (lower && upper) return bad("mixed-case", "mixes upper and lower case");
    size_t sep = str.rfind('1');
    if (sep == std::string_view::npos) return bad("no-separator", "no '1' separator");
    if (sep == 0) return bad("empty-hrp", "empty human-readable part");
    if (str.size() - sep - 1 < 6) return bad("checksum-too-short", "data part shorter than the checksum");
    Decoded out;
    for (size_t i = 0; i < sep; ++i) {
        char c = str[i];
        out.hrp += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    }
    std::vector<uint8_t> values = expand_hrp(out.hrp);
    for (size_t i = sep + 1; i < str.size(); ++i) {
        char c = str[i];
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
        int8_t v = charset_index(c);
        if (v < 0) return bad("invalid-character", std::string("'") + str[i] + "' is not a bech32 character");
        values.push_back(static_cast<uint8_t>(v));
    }
    if (polymod(values) != kConst) return bad("bad-checksum", "checksum does not match (a typo?)");
    size_t data_start = values.size() - (str.size() - sep - 1);
    out.data.assign(values.begin() + static_cast<long>(data_start), values.end() - 6);
    return out;
}

std::optional<std::vector<uint8_t>> convert_bits(const std::vector<uint8_t>& in, int from, int to, bool pad) {
    uint32_t acc = 0;
    int bits = 0;
    const uint32_t maxv = (1u << to) - 1;
    std::vector<uint8_t> out;
    for (uint8_t v : in) {
        if (v >> from) return std::nullopt;
        acc = acc << from | v;
        bits += from;
        while (bits >= to) {
            bits -= to;
            out.push_back(static_cast<uint8_t>((acc >> bits) & maxv));
        }
    }
    if (pad) {
        if (bits) out.push_back(static_cast<uint8_t>((acc << (to - bits)) & maxv));
    } else if (bits >= from || ((acc << (to - bits)) & maxv)) {
        return std::nullopt;
    }
    return out;
}

}  // namespace finch::bech32m
