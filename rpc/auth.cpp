// Base64 and the constant-time Basic authentication check.
#include "rpc/auth.h"

#include <algorithm>
#include <cstdint>

namespace finch::rpc {

namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int decode_char(char c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

Hash256 digest(std::string_view s) { return sha256({reinterpret_cast<const uint8_t*>(s.data()), s.size()}); }

bool equal_constant_time(const Hash256& a, const Hash256& b) {
    uint8_t diff = 0;
    for (size_t i = 0; i < a.size(); ++i) diff |= static_cast<uint8_t>(a.bytes[i] ^ b.bytes[i]);
    return diff == 0;
}

bool iequals_prefix(std::string_view text, std::string_view prefix) {
    if (text.size() < prefix.size()) return false;
    for (size_t i = 0; i < prefix.size(); ++i) {
        char c = text[i];
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
        if (c != prefix[i]) return false;
    }
    return true;
}

}  // namespace

std::string base64_encode(std::string_view data) {
    std::string out;
    out.reserve((data.size() + 2) / 3 * 4);
    for (size_t i = 0; i < data.size(); i += 3) {
        const size_t n = std::min<size_t>(3, data.size() - i);
        uint32_t v = 0;
        for (size_t k = 0; k < 3; ++k) v = v << 8 | (k < n ? static_cast<uint8_t>(data[i + k]) : 0u);
        for (size_t k = 0; k < 4; ++k) out.push_back(k <= n ? kAlphabet[(v >> (18 - 6 * k)) & 63] : '=');
    }
    return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
    if (text.size() % 4 != 0) return std::nullopt;
    std::string out;
    out.reserve(text.size() / 4 * 3);
    for (size_t i = 0; i < text.size(); i += 4) {
        size_t pad = 0;
        if (i + 4 == text.size()) pad = text[i + 3] == '=' ? (text[i + 2] == '=' ? 2 : 1) : 0;
        uint32_t v = 0;
        for (size_t k = 0; k < 4; ++k) {
            const int d = k >= 4 - pad ? 0 : decode_char(text[i + k]);
            if (d < 0) return std::nullopt;
            v = v << 6 | static_cast<uint32_t>(d);
        }
        // The bits past the last byte must be zero ("QR==" is not another spelling of "QQ==").
        if (pad > 0 && (v & ((1u << (8 * pad)) - 1)) != 0) return std::nullopt;
        for (size_t k = 0; k < 3 - pad; ++k) out.push_back(static_cast<char>((v >> (16 - 8 * k)) & 0xff));
    }
    return out;
}

std::string basic_authorization(const Credentials& credentials) {
    return "Basic " + base64_encode(credentials.user + ":" + credentials.password);
}

BasicAuthChecker::BasicAuthChecker(const Credentials& credentials)
    : m_expected(digest(credentials.user + ":" + credentials.password)) {}

bool BasicAuthChecker::accepts(std::string_view header) const {
    if (!iequals_prefix(header, "basic ")) return false;
    header.remove_prefix(6);
    while (!header.empty() && header.front() == ' ') header.remove_prefix(1);
    while (!header.empty() && header.back() == ' ') header.remove_suffix(1);
    std::optional<std::string> decoded = base64_decode(header);
    if (!decoded) return false;
    return equal_constant_time(digest(*decoded), m_expected);
}

}  // namespace finch::rpc
