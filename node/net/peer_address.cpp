// Peer address parsing; see peer_address.h.
#include "node/net/peer_address.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>

namespace finch::net {

namespace {

std::string lowercase(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

bool is_ipv4(const std::string& s) {
    in_addr a{};
    return inet_pton(AF_INET, s.c_str(), &a) == 1;
}

bool is_ipv6(const std::string& s) {
    in6_addr a{};
    return inet_pton(AF_INET6, s.c_str(), &a) == 1;
}

Rejection bad(std::string code, std::string_view text, const std::string& why) {
    return reject(std::move(code), "'" + std::string(text) + "': " + why, Fault::Decode);
}

Result<uint16_t> parse_port(std::string_view digits, std::string_view text) {
    if (digits.empty() || digits.size() > 5 ||
        !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; }))
        return bad("bad-peer-port", text, "the port must be a number from 1 to 65535");
    const unsigned long v = std::stoul(std::string(digits));
    if (v == 0 || v > 65535) return bad("bad-peer-port", text, "the port must be a number from 1 to 65535");
    return static_cast<uint16_t>(v);
}

}  // namespace

std::string PeerAddress::endpoint() const {
    if (host.empty()) return {};
    const bool v6 = host.find(':') != std::string::npos;
    return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

std::string PeerAddress::to_string() const {
    if (!has_endpoint()) return identity.value_or("");
    return identity ? *identity + "@" + endpoint() : endpoint();
}

bool is_identity_text(std::string_view s) {
    return s.size() == 64 && std::all_of(s.begin(), s.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)); });
}

Result<PeerAddress> parse_peer_address(std::string_view text, uint16_t default_port) {
    if (text.empty()) return bad("bad-peer-address", text, "empty peer address");
    if (std::any_of(text.begin(), text.end(), [](char c) { return std::isspace(static_cast<unsigned char>(c)); }))
        return bad("bad-peer-address", text, "spaces are not allowed");
    PeerAddress out;
    std::string_view rest = text;
    if (auto at = rest.find('@'); at != std::string_view::npos) {
        if (!is_identity_text(rest.substr(0, at)))
            return bad("bad-peer-identity", text, "the identity before '@' must be 64 hex digits");
        out.identity = lowercase(rest.substr(0, at));
        rest = rest.substr(at + 1);
        if (rest.empty()) return bad("bad-peer-address", text, "a host must follow '@'");
    } else if (is_identity_text(rest)) {
        out.identity = lowercase(rest);  // a bare identity: found through discovery
        return out;
    }

    std::string host;
    std::optional<std::string_view> port_text;
    if (rest.front() == '[') {
        const auto close = rest.find(']');
        if (close == std::string_view::npos) return bad("bad-peer-host", text, "'[' without ']'");
        host = std::string(rest.substr(1, close - 1));
        if (!is_ipv6(host)) return bad("bad-peer-host", text, "not an IPv6 address inside [ ]");
        rest = rest.substr(close + 1);
        if (!rest.empty()) {
            if (rest.front() != ':') return bad("bad-peer-address", text, "expected ':' after ']'");
            port_text = rest.substr(1);
        }
    } else {
        const auto colon = rest.rfind(':');
        if (colon != std::string_view::npos && rest.find(':') != colon)
            return bad("bad-peer-host", text, "an IPv6 address needs brackets: [addr]:port");
        host = std::string(rest.substr(0, colon));
        if (colon != std::string_view::npos) port_text = rest.substr(colon + 1);
        if (lowercase(host) == "localhost") host = "127.0.0.1";
        if (!is_ipv4(host))
            return bad("bad-peer-host", text, "not an IP address (host names are not resolved; use an IP or localhost)");
    }
    out.host = host;
    out.port = default_port;
    if (port_text) {
        auto port = parse_port(*port_text, text);
        if (!port) return port.error();
        out.port = *port;
    }
    return out;
}

}  // namespace finch::net
