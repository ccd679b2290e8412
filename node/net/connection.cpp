// Framed connection inside TLS; see connection.h.
#include "node/net/connection.h"

#include <boost/asio/ssl.hpp>

#include <chrono>

namespace finch::net {

uint64_t now_seconds() {
    return static_cast<uint64_t>(
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count());
}

std::string endpoint_string(const tcp::endpoint& ep) {
    return ep.address().to_string() + ":" + std::to_string(ep.port());
}

double steady_seconds() {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

namespace {

// A peer that hangs up without TLS's close_notify is the usual way a connection ends.
std::string closed_reason(const boost::system::error_code& ec) {
    if (ec == asio::error::eof || ec == asio::ssl::error::stream_truncated) return "peer closed";
    return ec.message();
}

}  // namespace

Connection::Connection(tcp::socket socket, TlsContext& tls, uint64_t id, bool inbound,
                       const std::array<uint8_t, 4>& magic, ConnectionHandler& handler, ConnectionLimits limits,
                       std::shared_ptr<SocketCounters> counters)
    : m_stream(CountingSocket(std::move(socket), std::move(counters)), tls.context()),
      m_deadline(m_stream.get_executor()),
      m_id(id),
      m_inbound(inbound),
      m_magic(magic),
      m_handler(handler),
      m_limits(limits) {
    boost::system::error_code ec;
    auto& socket_ref = m_stream.lowest_layer();
    m_remote = socket_ref.remote_endpoint(ec);
    m_local = socket_ref.local_endpoint(ec);
    socket_ref.set_option(tcp::no_delay(true), ec);
}

// The handshake has a deadline of its own and holds a connection slot while it runs.
void Connection::start() {
    arm_deadline(m_limits.handshake_deadline);
    m_stream.async_handshake(m_inbound ? asio::ssl::stream_base::server : asio::ssl::stream_base::client,
                             [self = shared_from_this()](const boost::system::error_code& ec) {
                                 self->handshake_done(ec);
                             });
}

void Connection::handshake_done(const boost::system::error_code& ec) {
    if (m_closed) return;
    if (ec) return close("TLS handshake failed: " + ec.message());
    auto peer = tls_peer_of(m_stream.native_handle());
    if (!peer) return close("TLS handshake failed: " + peer.error().to_string());
    m_peer = std::move(*peer);
    m_secured = true;
    m_handler.on_secured(shared_from_this());
    if (m_closed) return;
    read_header();
    if (!m_writing) write_next();
}

// A wait that already completed cannot be cancelled by re-arming: its handler may be queued
// with success. The generation tells a stale expiry from the current one.
void Connection::arm_deadline(std::chrono::milliseconds d) {
    const uint64_t generation = ++m_deadline_generation;
    m_deadline.expires_after(d);
    m_deadline.async_wait([self = shared_from_this(), generation](const boost::system::error_code& ec) {
        if (ec || generation != self->m_deadline_generation) return;
        self->close(self->m_secured ? "read deadline passed" : "TLS handshake deadline passed");
    });
}

void Connection::read_header() {
    if (m_closed) return;
    arm_deadline(m_limits.read_deadline);
    asio::async_read(m_stream, asio::buffer(m_header_buf),
                     [self = shared_from_this()](const boost::system::error_code& ec, size_t) {
                         if (ec) return self->close(closed_reason(ec));
                         auto header = decode_frame_header(self->m_header_buf, self->m_magic);
                         if (!header) {
                             self->m_handler.on_bad_data(self, header.error());
                             return self->close(header.error().to_string());
                         }
                         self->read_payload(*header);
                     });
}

void Connection::read_payload(FrameHeader header) {
    m_payload.resize(header.length);
    asio::async_read(m_stream, asio::buffer(m_payload),
                     [self = shared_from_this(), header](const boost::system::error_code& ec, size_t n) {
                         if (ec) return self->close(closed_reason(ec));
                         self->m_received_per_command[static_cast<uint8_t>(header.command)] += kFrameHeaderSize + n;
                         SocketCounters& totals = self->m_stream.next_layer().totals();
                         totals.count_frame(totals.frame_bytes_recv, static_cast<uint8_t>(header.command), kFrameHeaderSize + n);
                         self->m_last_receive = now_seconds();
                         if (payload_checksum(self->m_payload) != header.checksum) {
                             Rejection r = reject("bad-checksum", "payload checksum mismatch", Fault::Decode);
                             self->m_handler.on_bad_data(self, r);
                             return self->close(r.to_string());
                         }
                         auto msg = decode_payload(header.command, self->m_payload);
                         if (!msg) {
                             Rejection r = msg.error();
                             r.detail = std::string(command_name(header.command)) + ": " + r.detail;
                             self->m_handler.on_bad_data(self, r);
                             return self->close(r.to_string());
                         }
                         self->m_handler.on_message(self, std::move(*msg), kFrameHeaderSize + n);
                         self->read_header();
                     });
}

void Connection::send(const Message& m) {
    if (m_closed) return;
    Bytes frame = encode_frame(m, m_magic);
    m_queued_bytes += frame.size();
    if (m_queued_bytes > m_limits.max_send_queue_bytes) return close("send queue full");
    m_sent_per_command[static_cast<uint8_t>(command_of(m))] += frame.size();
    SocketCounters& totals = m_stream.next_layer().totals();
    totals.count_frame(totals.frame_bytes_sent, static_cast<uint8_t>(command_of(m)), frame.size());
    m_send_queue.push_back(std::move(frame));
    if (!m_writing && m_secured) write_next();
}

void Connection::write_next() {
    if (m_closed || !m_secured || m_send_queue.empty()) {
        m_writing = false;
        return;
    }
    m_writing = true;
    asio::async_write(m_stream, asio::buffer(m_send_queue.front()),
                      [self = shared_from_this()](const boost::system::error_code& ec, size_t) {
                          if (ec) return self->close(ec.message());
                          self->m_last_send = now_seconds();
                          self->m_queued_bytes -= self->m_send_queue.front().size();
                          self->m_send_queue.pop_front();
                          self->write_next();
                          if (!self->m_writing && !self->m_closed) self->m_handler.on_drained(self);
                      });
}

void Connection::close(const std::string& reason) {
    if (m_closed) return;
    m_closed = true;
    boost::system::error_code ec;
    m_deadline.cancel();
    // No close_notify: the peer learns from the closed socket, and nothing waits on it.
    m_stream.lowest_layer().shutdown(tcp::socket::shutdown_both, ec);
    m_stream.lowest_layer().close(ec);
    m_handler.on_closed(shared_from_this(), reason);
}

}  // namespace finch::net
