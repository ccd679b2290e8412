-- wrk script: POST getblockcount (legacy style, as bitcoin-cli-era clients send it).
-- Credentials come from FINCH_RPC_AUTH="user:password" (default user:pass).
local auth = os.getenv("FINCH_RPC_AUTH") or "user:pass"

local function base64(s)
  local b = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
  return ((s:gsub(".", function(x)
    local r, byte = "", x:byte()
    for i = 8, 1, -1 do r = r .. (byte % 2 ^ i - byte % 2 ^ (i - 1) > 0 and "1" or "0") end
    return r
  end) .. "0000"):gsub("%d%d%d?%d?%d?%d?", function(x)
    if #x < 6 then return "" end
    local c = 0
    for i = 1, 6 do c = c + (x:sub(i, i) == "1" and 2 ^ (6 - i) or 0) end
    return b:sub(c + 1, c + 1)
  end) .. ({ "", "==", "=" })[#s % 3 + 1])
end

wrk.method = "POST"
wrk.path = "/"
wrk.headers["Authorization"] = "Basic " .. base64(auth)
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"method":"getblockcount","params":[],"id":1}'

function done(summary, latency, requests)
  io.write(string.format("requests/s: %.0f  p50: %.3f ms  p99: %.3f ms  errors: %d\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000,
    latency:percentile(99) / 1000, summary.errors.status + summary.errors.connect +
    summary.errors.read + summary.errors.write + summary.errors.timeout))
end
