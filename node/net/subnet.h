// IP subnets for bans and whitelists: `a.b.c.d`, `a.b.c.d/n`, `v6`, `v6/n` (a bare address is
// a /32 or /128). IPv4 is kept IPv4-mapped, so one type covers both families.
#pragma once

#include "consensus/result.h"

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace finch::net {

class Subnet {
public:
    // Host bits past the prefix are cleared ("10.1.2.3/8" is 10.0.0.0/8), as Bitcoin Core does.
    // Rejection bad-subnet (Fault::Decode) naming the text.
    static Result<Subnet> parse(std::string_view text);
    // Whether a numeric address ("1.2.3.4", "::1") lies in the subnet; false for anything else.
    bool contains(const std::string& ip) const;
    // "10.0.0.0/8", "1.2.3.4/32", "::1/128".
    std::string to_string() const;
    // One address (/32 or /128), rather than a wider subnet.
    bool single_address() const { return m_prefix == 128; }
    bool is_ipv4() const { return m_v4; }
    bool operator==(const Subnet&) const = default;

private:
    std::array<uint8_t, 16> m_network{};
    unsigned m_prefix = 128;  // in IPv6 bits: an IPv4 /n is 96 + n
    bool m_v4 = false;
};

// The group whose inbound connections share one cap: the /16 of an IPv4 address, the /32 of
// an IPv6 one ("10.1.0.0/16"). Loopback (127.0.0.0/8, ::1) has none: it is exempt, since local
// test networks put every node there. Empty for anything that is not a numeric address.
std::string netgroup(const std::string& ip);

}  // namespace finch::net
