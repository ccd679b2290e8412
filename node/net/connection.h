// One peer connection: length-prefixed frames over TCP with a size limit, a checksum, a
// deadline on every read and a bounded send queue. Runs on the network thread only.
#pragma once

#include "node/net/messages.h"

#include <boost/asio.hpp>

#include <atomic>
#include <chrono>
#include <deque>
#include <functional>
#include <memory>

namespace finch::net {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

// Bytes on the sockets of every connection since start-up (shared, read from any thread).
struct SocketCounters {
    std::atomic<uint64_t> bytes_recv{0};
    std::atomic<uint64_t> bytes_sent{0};
};

// Frame bytes (header + payload) by message command, indexed by the command's number.
using BytesPerCommand = std::array<uint64_t, 256>;

struct ConnectionLimits {
    std::chrono::milliseconds read_deadline{std::chrono::seconds(120)};
    size_t max_send_queue_bytes = 32'000'000;
};

class Connection;

class ConnectionHandler {
public:
    virtual ~ConnectionHandler() = default;
    virtual void on_message(const std::shared_ptr<Connection>& c, Message&& m, size_t wire_bytes) = 0;
    // Bytes that are not a valid frame or payload: the peer misbehaved.
    virtual void on_bad_data(const std::shared_ptr<Connection>& c, const Rejection& why) = 0;
    virtual void on_closed(const std::shared_ptr<Connection>& c, const std::string& reason) = 0;
};

class Connection : public std::enable_shared_from_this<Connection> {
public:
    Connection(tcp::socket socket, uint64_t id, bool inbound, const std::array<uint8_t, 4>& magic,
               ConnectionHandler& handler, ConnectionLimits limits, std::shared_ptr<SocketCounters> counters);

    void start();
    void send(const Message& m);
    void close(const std::string& reason);
    void set_read_deadline(std::chrono::milliseconds d) { m_limits.read_deadline = d; }

    uint64_t id() const { return m_id; }
    bool inbound() const { return m_inbound; }
    bool closed() const { return m_closed; }
    const tcp::endpoint& remote() const { return m_remote; }
    const tcp::endpoint& local() const { return m_local; }
    uint64_t bytes_sent() const { return m_bytes_sent; }
    uint64_t bytes_received() const { return m_bytes_received; }
    uint64_t last_send() const { return m_last_send; }
    uint64_t last_receive() const { return m_last_receive; }
    const BytesPerCommand& sent_per_command() const { return m_sent_per_command; }
    const BytesPerCommand& received_per_command() const { return m_received_per_command; }

private:
    void read_header();
    void read_payload(FrameHeader header);
    void arm_deadline();
    void write_next();

    tcp::socket m_socket;
    asio::steady_timer m_deadline;
    uint64_t m_id;
    bool m_inbound;
    std::array<uint8_t, 4> m_magic;
    ConnectionHandler& m_handler;
    ConnectionLimits m_limits;
    tcp::endpoint m_remote, m_local;

    std::array<uint8_t, kFrameHeaderSize> m_header_buf{};
    Bytes m_payload;
    std::deque<Bytes> m_send_queue;
    size_t m_queued_bytes = 0;
    bool m_writing = false;
    bool m_closed = false;
    uint64_t m_bytes_sent = 0, m_bytes_received = 0, m_last_send = 0, m_last_receive = 0;
    std::shared_ptr<SocketCounters> m_counters;
    BytesPerCommand m_sent_per_command{}, m_received_per_command{};
};

uint64_t now_seconds();
// "ip:port" of an endpoint.
std::string endpoint_string(const tcp::endpoint& ep);
// Seconds on the steady clock (for rates and intervals, never for timestamps).
double steady_seconds();

}  // namespace finch::net
