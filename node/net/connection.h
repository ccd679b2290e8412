// One peer connection: a TLS 1.3 session (node/net/tls.h) over TCP, and inside it
// length-prefixed frames with a size limit, a checksum, a deadline on every read and a
// bounded send queue. Nothing is read or written as a frame before the handshake proved the
// peer's identity and the handler accepted it. Runs on the network thread only.
#pragma once

#include "node/net/messages.h"
#include "node/net/tls.h"

#include <boost/asio.hpp>
#include <boost/asio/ssl/stream.hpp>

#include <atomic>
#include <chrono>
#include <deque>
#include <functional>
#include <memory>

namespace finch::net {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

// Bytes on the sockets of every connection since start-up (shared, read from any thread).
// Also the protocol frames by command number (header + payload, without TLS), for /metrics.
struct SocketCounters {
    std::atomic<uint64_t> bytes_recv{0};
    std::atomic<uint64_t> bytes_sent{0};
    static constexpr size_t kCommandSlots = 32;  // above every command number (messages.h)
    std::array<std::atomic<uint64_t>, kCommandSlots> frame_bytes_recv{};
    std::array<std::atomic<uint64_t>, kCommandSlots> frame_bytes_sent{};
    void count_frame(std::array<std::atomic<uint64_t>, kCommandSlots>& per_command, uint8_t command, uint64_t n) {
        if (command < kCommandSlots) per_command[command].fetch_add(n, std::memory_order_relaxed);
    }
};

// Frame bytes (header + payload) by message command, indexed by the command's number.
using BytesPerCommand = std::array<uint64_t, 256>;

// A TCP socket that counts the bytes it carries (TLS records included) as the next layer
// of the TLS stream: what getnettotals and getpeerinfo's bytessent/bytesrecv report.
class CountingSocket {
public:
    using executor_type = tcp::socket::executor_type;
    using lowest_layer_type = tcp::socket::lowest_layer_type;

    struct Counts {
        uint64_t sent = 0;
        uint64_t received = 0;
    };

    CountingSocket(tcp::socket socket, std::shared_ptr<SocketCounters> totals)
        : m_socket(std::move(socket)), m_totals(std::move(totals)) {}

    SocketCounters& totals() { return *m_totals; }

    executor_type get_executor() { return m_socket.get_executor(); }
    lowest_layer_type& lowest_layer() { return m_socket.lowest_layer(); }
    const lowest_layer_type& lowest_layer() const { return m_socket.lowest_layer(); }
    const Counts& counts() const { return *m_counts; }

    template <typename Buffers, typename Handler>
    void async_read_some(const Buffers& buffers, Handler&& handler) {
        m_socket.async_read_some(buffers, counted(std::forward<Handler>(handler), &Counts::received, &SocketCounters::bytes_recv));
    }
    template <typename Buffers, typename Handler>
    void async_write_some(const Buffers& buffers, Handler&& handler) {
        m_socket.async_write_some(buffers, counted(std::forward<Handler>(handler), &Counts::sent, &SocketCounters::bytes_sent));
    }

private:
    // The completion handler that adds the bytes moved to this connection's and the totals'.
    template <typename Handler>
    auto counted(Handler&& handler, uint64_t Counts::*mine, std::atomic<uint64_t> SocketCounters::*total) {
        return [counts = m_counts, totals = m_totals, mine, total, h = std::forward<Handler>(handler)](
                   const boost::system::error_code& ec, size_t n) mutable {
            (*counts).*mine += n;
            (*totals).*total += n;
            std::move(h)(ec, n);
        };
    }

    tcp::socket m_socket;
    std::shared_ptr<SocketCounters> m_totals;
    std::shared_ptr<Counts> m_counts = std::make_shared<Counts>();
};

struct ConnectionLimits {
    std::chrono::milliseconds handshake_deadline{std::chrono::seconds(10)};  // the TLS handshake
    std::chrono::milliseconds read_deadline{std::chrono::seconds(120)};
    size_t max_send_queue_bytes = 32'000'000;
};

class Connection;

class ConnectionHandler {
public:
    virtual ~ConnectionHandler() = default;
    // The TLS handshake is done: c->peer() holds the proven identity. The handler may close
    // the connection here (pins, --peerallow, duplicates); otherwise frames start flowing.
    virtual void on_secured(const std::shared_ptr<Connection>& c) = 0;
    virtual void on_message(const std::shared_ptr<Connection>& c, Message&& m, size_t wire_bytes) = 0;
    // Bytes inside the authenticated session that are not a valid frame or payload: the
    // peer misbehaved. Transport failures (TLS alerts, bad records, a failed handshake) only
    // close the connection: on the path, anyone could have caused them.
    virtual void on_bad_data(const std::shared_ptr<Connection>& c, const Rejection& why) = 0;
    virtual void on_closed(const std::shared_ptr<Connection>& c, const std::string& reason) = 0;
    // Everything queued has been written (the peer is reading again): deferred replies may go.
    virtual void on_drained(const std::shared_ptr<Connection>& /*c*/) {}
};

class Connection : public std::enable_shared_from_this<Connection> {
public:
    Connection(tcp::socket socket, TlsContext& tls, uint64_t id, bool inbound, const std::array<uint8_t, 4>& magic,
               ConnectionHandler& handler, ConnectionLimits limits, std::shared_ptr<SocketCounters> counters);

    // Starts the TLS handshake; frames sent before it completes wait in the queue.
    void start();
    void send(const Message& m);
    void close(const std::string& reason);
    void set_read_deadline(std::chrono::milliseconds d) { m_limits.read_deadline = d; }

    uint64_t id() const { return m_id; }
    bool inbound() const { return m_inbound; }
    bool closed() const { return m_closed; }
    const tcp::endpoint& remote() const { return m_remote; }
    const tcp::endpoint& local() const { return m_local; }
    bool secured() const { return m_secured; }
    const TlsPeer& peer() const { return m_peer; }  // empty until secured
    // Bytes on the socket, TLS included.
    uint64_t bytes_sent() const { return m_stream.next_layer().counts().sent; }
    uint64_t bytes_received() const { return m_stream.next_layer().counts().received; }
    uint64_t last_send() const { return m_last_send; }
    uint64_t last_receive() const { return m_last_receive; }
    const BytesPerCommand& sent_per_command() const { return m_sent_per_command; }
    // Frame bytes queued and not yet written.
    size_t queued_bytes() const { return m_queued_bytes; }
    const BytesPerCommand& received_per_command() const { return m_received_per_command; }

private:
    void handshake_done(const boost::system::error_code& ec);
    void read_header();
    void read_payload(FrameHeader header);
    void arm_deadline(std::chrono::milliseconds d);
    void write_next();

    asio::ssl::stream<CountingSocket> m_stream;
    asio::steady_timer m_deadline;
    uint64_t m_deadline_generation = 0;
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
    bool m_secured = false;
    TlsPeer m_peer;
    uint64_t m_last_send = 0, m_last_receive = 0;
    BytesPerCommand m_sent_per_command{}, m_received_per_command{};
};

uint64_t now_seconds();
// "ip:port" of an endpoint.
std::string endpoint_string(const tcp::endpoint& ep);
// Seconds on the steady clock (for rates and intervals, never for timestamps).
double steady_seconds();

}  // namespace finch::net
