// Subnet parsing and matching; see subnet.h.
#include "node/net/subnet.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>

namespace finch::net {

namespace {

// The address as 16 bytes (IPv4 mapped into ::ffff:0:0/96); false when it is not numeric.
bool to_bytes(const std::string& text, std::array<uint8_t, 16>& out, bool& v4) {
    // A scoped IPv6 address ("fe80::1%eth0", as asio prints link-local peers) is the address.
    const std::string ip = text.substr(0, text.find('%'));
    in_addr a4{};
    if (inet_pton(AF_INET, ip.c_str(), &a4) == 1) {
        out = {};
        out[10] = out[11] = 0xff;
        std::memcpy(out.data() + 12, &a4, 4);
        v4 = true;
        return true;
    }
    in6_addr a6{};
    if (inet_pton(AF_INET6, ip.c_str(), &a6) == 1) {
        std::memcpy(out.data(), &a6, 16);
        v4 = out[0] == 0 && out[10] == 0xff && out[11] == 0xff &&
             std::all_of(out.begin(), out.begin() + 10, [](uint8_t b) { return b == 0; });
        return true;
    }
    return false;
}

bool matches(const std::array<uint8_t, 16>& a, const std::array<uint8_t, 16>& network, unsigned prefix) {
    for (unsigned bit = 0; bit < prefix; bit += 8) {
        const unsigned bits = std::min(8u, prefix - bit);
        const uint8_t mask = static_cast<uint8_t>(0xff << (8 - bits));
        if ((a[bit / 8] & mask) != (network[bit / 8] & mask)) return false;
    }
    return true;
}

}  // namespace

Result<Subnet> Subnet::parse(std::string_view text) {
    auto bad = [&](const std::string& why) {
        return reject("bad-subnet", "'" + std::string(text) + "': " + why, Fault::Decode);
    };
    const auto slash = text.find('/');
    const std::string ip(text.substr(0, slash));
    Subnet s;
    if (!to_bytes(ip, s.m_network, s.m_v4)) return bad("not an IP address or subnet (a.b.c.d/n, v6/n)");
    const unsigned max_bits = s.m_v4 ? 32 : 128;
    unsigned bits = max_bits;
    if (slash != std::string_view::npos) {
        const std::string_view digits = text.substr(slash + 1);
        if (digits.empty() || digits.size() > 3 ||
            !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; }))
            return bad("the prefix length must be a number");
        bits = static_cast<unsigned>(std::stoul(std::string(digits)));
        if (bits > max_bits) return bad("the prefix length is at most " + std::to_string(max_bits));
    }
    s.m_prefix = s.m_v4 ? 96 + bits : bits;
    for (unsigned i = 0; i < 128; ++i)  // clear the host bits
        if (i >= s.m_prefix) s.m_network[i / 8] &= static_cast<uint8_t>(~(0x80 >> (i % 8)));
    return s;
}

bool Subnet::contains(const std::string& ip) const {
    std::array<uint8_t, 16> a{};
    bool v4 = false;
    return to_bytes(ip, a, v4) && v4 == m_v4 && matches(a, m_network, m_prefix);
}

std::string Subnet::to_string() const {
    char buf[INET6_ADDRSTRLEN] = {};
    if (m_v4) {
        inet_ntop(AF_INET, m_network.data() + 12, buf, sizeof buf);
        return std::string(buf) + "/" + std::to_string(m_prefix - 96);
    }
    inet_ntop(AF_INET6, m_network.data(), buf, sizeof buf);
    return std::string(buf) + "/" + std::to_string(m_prefix);
}

std::string netgroup(const std::string& ip) {
    std::array<uint8_t, 16> a{};
    bool v4 = false;
    if (!to_bytes(ip, a, v4)) return {};
    if (v4 && a[12] == 127) return {};
    const std::array<uint8_t, 16> loopback6{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    if (!v4 && a == loopback6) return {};
    auto group = Subnet::parse(ip + (v4 ? "/16" : "/32"));
    return group ? group->to_string() : std::string();
}

}  // namespace finch::net
