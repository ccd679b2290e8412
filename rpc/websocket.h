// WebSocket connections on the RPC port (design.md section 7, "Subscriptions"): JSON-RPC 2.0
// in text messages, subscribe/unsubscribe, notifications from the hub, every other method
// run on the RPC workers. Internal to the RPC server.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

namespace finch::rpc {

struct ServerState;

// Takes over a connection whose request is an authenticated upgrade to WebSocket; the
// caller has already counted it in state.websockets (the session gives it back).
void start_websocket(boost::asio::ip::tcp::socket socket,
                     boost::beast::http::request<boost::beast::http::string_body> upgrade, ServerState& state,
                     boost::asio::thread_pool& workers);

}  // namespace finch::rpc
