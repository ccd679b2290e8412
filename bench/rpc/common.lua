-- Shared by the wrk scripts here: Basic auth from the environment, a POST of a fixed body,
-- and a one-line summary (requests/s, p50, p99, errors) at the end.
--   FINCH_RPC_AUTH="user:password"   (for a cookie: FINCH_RPC_AUTH=$(cat DATADIR/regtest/.cookie))
local function base64(s)
  local alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
  local out = {}
  for i = 1, #s, 3 do
    local a, b, c = s:byte(i, i + 2)
    local n = a * 65536 + (b or 0) * 256 + (c or 0)
    for k = 3, 0, -1 do
      local index = math.floor(n / 64 ^ k) % 64
      out[#out + 1] = alphabet:sub(index + 1, index + 1)
    end
    if not b then out[#out - 1], out[#out] = "=", "=" elseif not c then out[#out] = "=" end
  end
  return table.concat(out)
end

function finch_post(body)
  wrk.method = "POST"
  wrk.path = "/"
  wrk.headers["Authorization"] = "Basic " .. base64(os.getenv("FINCH_RPC_AUTH") or "user:pass")
  wrk.headers["Content-Type"] = "application/json"
  wrk.body = body
end

function done(summary, latency, requests)
  local errors = summary.errors.status + summary.errors.connect + summary.errors.read +
    summary.errors.write + summary.errors.timeout
  io.write(string.format("requests/s: %.0f  p50: %.3f ms  p99: %.3f ms  errors: %d\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000,
    latency:percentile(99) / 1000, errors))
end
