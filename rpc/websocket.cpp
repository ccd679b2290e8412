// A WebSocket session. Reads one message at a time (the next read starts once the previous
// request is answered), so a client cannot queue unbounded work. Writes go through a queue
// bounded in messages and bytes that any thread may add to (the hub's notifications, the
// replies); a full queue is dropped and the connection closed with 1008 once the message
// being written is out (what the client received is a gap-free prefix), and a socket that
// stays unwritable is dropped after a grace period.
// A method that runs longer than the idle limit (--rpcservertimeout) loses the socket: no
// read is pending meanwhile, so the client's pongs are not seen.
#include "rpc/websocket.h"

#include "rpc/server_state.h"
#include "util/thread_annotations.h"

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>

#include <deque>

namespace finch::rpc {

namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using error_code = boost::system::error_code;

// How long a connection closed for not reading may take to accept the close frame.
constexpr auto kSlowCloseGrace = std::chrono::seconds(5);
constexpr int kServerBusy = -32000;

std::string error_reply(const Json& id, int error_code, const std::string& message) {
    return dump_json(Json{{"jsonrpc", "2.0"}, {"error", {{"code", error_code}, {"message", message}}}, {"id", id}});
}

std::string result_reply(const Json& id, Json result) {
    return dump_json(Json{{"jsonrpc", "2.0"}, {"result", std::move(result)}, {"id", id}});
}

class WsSession : public Subscriber, public std::enable_shared_from_this<WsSession> {
public:
    WsSession(tcp::socket&& socket, ServerState& state, net::thread_pool& workers)
        : m_ws(std::move(socket)), m_grace(m_ws.get_executor()), m_state(state), m_workers(workers) {
        m_state.metrics.ws_open.fetch_add(1);
    }
    ~WsSession() override {
        m_state.metrics.ws_open.fetch_sub(1);
        m_state.websockets.fetch_sub(1);
    }

    void start(http::request<http::string_body> upgrade) {
        beast::get_lowest_layer(m_ws).expires_never();  // the websocket's own timeouts apply
        websocket::stream_base::timeout timeouts;
        timeouts.handshake_timeout = m_state.options.io_deadline;
        timeouts.idle_timeout = m_state.options.io_deadline;
        timeouts.keep_alive_pings = true;  // a ping after half the idle time; closed after all of it
        m_ws.set_option(timeouts);
        m_ws.read_message_max(m_state.options.ws_max_message_bytes);
        m_ws.auto_fragment(false);
        m_ws.set_option(websocket::stream_base::decorator(
            [](websocket::response_type& res) { res.set(http::field::server, "finchd"); }));
        m_ws.async_accept(upgrade, [self = shared_from_this()](error_code ec) {
            if (ec) return self->finish();
            self->m_state.metrics.ws_accepted.inc();
            self->read_next();
        });
    }

    // Subscriber: any thread.
    bool deliver(std::string message) override EXCLUDES(m_mutex) {
        util::LockGuard lock(m_mutex);
        if (m_closing) return false;
        if (m_queue.size() >= m_state.options.ws_queue_messages ||
            m_queued_bytes + message.size() > m_state.options.ws_queue_bytes) {
            m_closing = m_slow = true;
            m_queue.clear();
            m_queued_bytes = 0;
            net::post(m_ws.get_executor(), [self = shared_from_this()] { self->close_slow(); });
            return false;
        }
        m_queued_bytes += message.size();
        m_queue.push_back(std::move(message));
        if (!m_writing) {
            m_writing = true;
            net::post(m_ws.get_executor(), [self = shared_from_this()] { self->write_next(); });
        }
        return true;
    }

    bool closing() const override EXCLUDES(m_mutex) {
        util::LockGuard lock(m_mutex);
        return m_closing;
    }

private:
    void read_next() {
        m_ws.async_read(m_in, [self = shared_from_this()](error_code ec, size_t) { self->on_read(ec); });
    }

    void on_read(error_code ec) {
        if (ec) return finish();  // closed by the client, a protocol error, too big, idle: Beast has said why
        if (m_finished) return;   // a message read just before the end: nothing more is done for it
        std::string text = beast::buffers_to_string(m_in.data());
        m_in.consume(m_in.size());
        if (!m_ws.got_text()) {
            deliver(error_reply(nullptr, code::kInvalidRequest, "Invalid Request: send JSON-RPC in text messages"));
            return read_next();
        }
        if (nesting_exceeds(text, kMaxJsonDepth)) {
            deliver(error_reply(nullptr, code::kParseError,
                                "Parse error: JSON nested deeper than " + std::to_string(kMaxJsonDepth) + " levels"));
            return read_next();
        }
        Json request = Json::parse(text, nullptr, false);
        if (request.is_discarded()) {
            deliver(error_reply(nullptr, code::kParseError, "Parse error"));
            return read_next();
        }
        if (request.is_object() && request.contains("method") && request["method"].is_string()) {
            const std::string& method = request["method"].get_ref<const std::string&>();
            if (method == "subscribe" || method == "unsubscribe") {
                handle_subscription(method, request);
                return read_next();
            }
        }
        run_on_worker(std::move(text));
    }

    void handle_subscription(const std::string& method, const Json& request) {
        const Json id = request.contains("id") ? request["id"] : Json(nullptr);
        const Json params = request.contains("params") ? request["params"] : Json(nullptr);
        const auto started = std::chrono::steady_clock::now();
        if (method == "subscribe") {
            // The reply is queued under the hub's lock, before any notification of the new subscription.
            m_state.hub.subscribe(shared_from_this(), params, [&](const SubscriptionHub::Outcome& r) {
                if (auto* err = std::get_if<RpcError>(&r)) deliver(error_reply(id, err->code, err->message));
                else deliver(result_reply(id, std::get<uint64_t>(r)));
            });
        } else {
            const Json* sub = nullptr;
            if (params.is_array() && params.size() == 1) sub = &params[0];
            else if (params.is_object() && params.size() == 1 && params.contains("subscription")) sub = &params["subscription"];
            if (!sub || !sub->is_number_unsigned())
                deliver(error_reply(id, code::kInvalidParameter, "unsubscribe takes one subscription id"));
            else if (!m_state.hub.unsubscribe(this, sub->get<uint64_t>()))
                deliver(error_reply(id, code::kInvalidParameter, "Unknown subscription id on this connection"));
            else deliver(result_reply(id, true));
        }
        if (m_state.count_call)
            m_state.count_call(CallRecord{method, 0,
                                          std::chrono::duration_cast<std::chrono::microseconds>(
                                              std::chrono::steady_clock::now() - started)});
    }

    // Every other method runs on the RPC workers, as over HTTP; reading resumes once it is answered.
    void run_on_worker(std::string text) {
        if (m_state.in_flight.fetch_add(1) >= m_state.work_limit()) {
            m_state.in_flight.fetch_sub(1);
            deliver(error_reply(nullptr, kServerBusy, "Server busy: work queue full"));
            return read_next();
        }
        net::post(m_workers, [self = shared_from_this(), text = std::move(text)] {
            HttpReply reply;
            try {
                reply = handle_rpc_body(text, self->m_state.dispatch, self->m_state.count_call);
            } catch (const std::exception& e) {
                reply.body = error_reply(nullptr, code::kInternalError, std::string("Internal error: ") + e.what());
            }
            reply.flatten();  // a WebSocket message is one string
            self->m_state.in_flight.fetch_sub(1);
            while (!reply.body.empty() && reply.body.back() == '\n') reply.body.pop_back();
            net::post(self->m_ws.get_executor(), [self, body = std::move(reply.body)]() mutable {
                if (!body.empty()) self->deliver(std::move(body));
                self->read_next();
            });
        });
    }

    // On the strand, with m_writing set by whoever scheduled it.
    void write_next() {
        bool slow;
        {
            util::LockGuard lock(m_mutex);
            slow = m_slow;
        }
        if (slow) return start_close(websocket::close_code::policy_error, "queue full: read your notifications");
        {
            util::LockGuard lock(m_mutex);
            if (m_queue.empty()) {
                m_writing = false;
                return;
            }
            m_current = std::move(m_queue.front());
            m_queue.pop_front();
            m_queued_bytes -= m_current.size();
        }
        m_ws.text(true);
        m_ws.async_write(net::buffer(m_current), [self = shared_from_this()](error_code ec, size_t) {
            if (ec) return self->finish();
            self->write_next();
        });
    }

    void close_slow() {
        if (m_finished) return;
        m_state.metrics.ws_closed_slow.inc();
        m_state.hub.remove(this);  // no more notifications are numbered for it
        m_grace.expires_after(kSlowCloseGrace);
        m_grace.async_wait([self = shared_from_this()](error_code ec) {
            if (!ec) self->finish();  // it never took the close frame
        });
        bool writing;
        {
            util::LockGuard lock(m_mutex);
            writing = m_writing;
            m_writing = true;
        }
        if (!writing) start_close(websocket::close_code::policy_error, "queue full: read your notifications");
        // else the write in flight finishes first and write_next() closes
    }

    void start_close(websocket::close_code code, const char* reason) {
        if (m_close_started) return;
        m_close_started = true;
        m_ws.async_close(websocket::close_reason(code, reason), [self = shared_from_this()](error_code) { self->finish(); });
    }

    // The end, on the strand: stops notifications and closes the socket.
    void finish() {
        if (m_finished) return;
        m_finished = true;
        {
            util::LockGuard lock(m_mutex);
            m_closing = true;
            m_queue.clear();
        }
        m_grace.cancel();
        m_state.hub.remove(this);
        error_code ec;
        beast::get_lowest_layer(m_ws).socket().shutdown(tcp::socket::shutdown_both, ec);
        beast::get_lowest_layer(m_ws).socket().close(ec);
    }

    websocket::stream<beast::tcp_stream> m_ws;
    beast::flat_buffer m_in;
    net::steady_timer m_grace;
    ServerState& m_state;
    net::thread_pool& m_workers;
    std::string m_current;  // the message being written
    bool m_close_started = false;
    bool m_finished = false;
    // The queue and the flags below; any thread. Taken after the hub's lock, never before.
    mutable util::Mutex m_mutex;
    std::deque<std::string> m_queue GUARDED_BY(m_mutex);
    size_t m_queued_bytes GUARDED_BY(m_mutex) = 0;
    bool m_writing GUARDED_BY(m_mutex) = false;  // a write is scheduled or in flight
    bool m_closing GUARDED_BY(m_mutex) = false;
    bool m_slow GUARDED_BY(m_mutex) = false;
};

}  // namespace

void start_websocket(tcp::socket socket, http::request<http::string_body> upgrade, ServerState& state,
                     net::thread_pool& workers) {
    auto session = std::make_shared<WsSession>(std::move(socket), state, workers);
    session->start(std::move(upgrade));
}

}  // namespace finch::rpc
