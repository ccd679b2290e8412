// A small HTTP client for the server tests: raw bytes in, parsed responses out, every wait
// bounded, only 127.0.0.1. Unlike rpc/client.h it can send anything (bad methods, partial
// requests, no credentials) and keep a connection open.
#pragma once

#include "rpc/auth.h"

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>

namespace finch::rpc::test {

using namespace std::chrono_literals;

struct RawResponse {
    unsigned status = 0;
    std::string body;
    std::map<std::string, std::string> headers;  // lower-case names
    bool keep_alive = true;
};

class TestConnection {
public:
    explicit TestConnection(uint16_t port, std::chrono::milliseconds timeout = 5s);
    ~TestConnection();
    bool connected() const { return m_connected; }

    // Writes every byte (false on error or timeout).
    bool send(const std::string& bytes, std::chrono::milliseconds timeout = 5s);
    // Reads one response; nullopt when the server closed the connection or on timeout.
    std::optional<RawResponse> read_response(std::chrono::milliseconds timeout = 5s);
    // True when the server closes the connection (EOF or reset) within the timeout.
    bool wait_closed(std::chrono::milliseconds timeout);

private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
    bool m_connected = false;
};

// "POST / HTTP/1.1" with Host, Content-Length, optional Authorization and Content-Type.
std::string http_request(const std::string& method, const std::string& target, const std::string& body,
                         const std::optional<Credentials>& credentials, bool content_type = true,
                         const std::string& extra_headers = "");

// One request on a fresh connection; nullopt when no response came.
std::optional<RawResponse> post_once(uint16_t port, const std::string& body, const Credentials& credentials);

}  // namespace finch::rpc::test
