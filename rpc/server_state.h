// Internal to the RPC server (server.cpp, websocket.cpp): what every connection shares.
#pragma once

#include "rpc/auth.h"
#include "rpc/explorer_api.h"
#include "rpc/per_ip_limits.h"
#include "rpc/methods.h"
#include "rpc/rpc_metrics.h"
#include "rpc/server.h"
#include "rpc/subscriptions.h"

#include <atomic>

namespace finch::rpc {

struct ServerState {
    ServerOptions options;
    BasicAuthChecker auth;
    MethodDispatcher dispatch;
    NodeInterface& node;
    std::atomic<size_t> in_flight{0};  // requests queued for or running on a worker
    std::atomic<size_t> connections{0};  // HTTP connections (a WebSocket leaves this count)
    std::atomic<size_t> websockets{0};
    std::atomic<size_t> public_connections{0};  // from addresses not exempt from the limits
    std::atomic<size_t> explorer_in_flight{0};
    RpcMetrics metrics;
    SubscriptionHub hub;
    ExplorerApi explorer;
    PerIpLimits ip_limits;
    // Set when options.metrics: counts each call. Built once, so requests allocate nothing for it.
    CallObserver count_call;

    ServerState(NodeInterface& n, ServerOptions opts)
        : options(std::move(opts)),
          auth(options.credentials),
          dispatch(make_dispatcher(n)),
          node(n),
          hub(n.params(), metrics, options.ws_max_subscriptions),
          explorer(n),
          ip_limits(options.max_connections_per_ip, options.explorer_rate_per_second) {
        if (options.metrics)
            count_call = [this](const CallRecord& r) {
                if (!r.method.empty()) metrics.record_call(r.method, r.duration);
            };
    }
    size_t work_limit() const { return options.worker_threads + options.work_queue; }
    bool logging() const { return static_cast<bool>(options.request_log); }
};

}  // namespace finch::rpc
