#!/usr/bin/env python3
"""GET /metrics on the RPC port: the Prometheus text format checked by a strict parser,
401 without credentials, values that follow the chain, the mempool, the peers and the RPC
calls made (unknown methods count as "other"), histograms whose count equals their counter,
and --metrics=0 turning the endpoint off."""

import http.client

from framework import main, wait_until, assert_equal
from prom_parse import parse, value


def get(node, path="/metrics", auth=True):
    conn = http.client.HTTPConnection("127.0.0.1", node.rpcport, timeout=30)
    try:
        conn.request("GET", path, headers={"Authorization": node.auth_header()} if auth else {})
        resp = conn.getresponse()
        return resp.status, resp.getheader("Content-Type"), resp.read().decode()
    finally:
        conn.close()


def scrape(node):
    status, content_type, text = get(node)
    assert_equal(status, 200)
    assert content_type.startswith("text/plain; version=0.0.4"), content_type
    return parse(text)


def test_access(node):
    status, _, _ = get(node, auth=False)
    assert_equal(status, 401, "metrics without credentials")
    status, _, _ = get(node, "/metricsx")
    assert_equal(status, 404)
    conn = http.client.HTTPConnection("127.0.0.1", node.rpcport, timeout=30)
    conn.request("POST", "/metrics", body="{}", headers={"Authorization": node.auth_header()})
    resp = conn.getresponse()
    assert_equal(resp.status, 405, "POST /metrics")
    assert_equal(resp.getheader("Allow"), "GET")
    conn.close()


def test_chain_and_rpc(h, node):
    miner, alice = h.keygen(), h.keygen()
    before = scrape(node)
    for name in ("finch_chain_height", "finch_headers_height", "finch_mempool_transactions", "finch_mempool_bytes",
                 "finch_peers", "finch_blocks_connected_total", "finch_reorgs_total",
                 "finch_block_connect_duration_seconds", "finch_rpc_requests_total",
                 "finch_rpc_request_duration_seconds", "finch_p2p_bytes_total", "process_resident_memory_bytes",
                 "finch_ws_connections", "finch_ws_notifications_total"):
        assert name in before, f"{name} missing"
    assert_equal(before["finch_block_connect_duration_seconds"].type, "histogram")
    assert value(before, "process_resident_memory_bytes") > 1_000_000

    connected = value(before, "finch_blocks_connected_total")
    node.rpc("generatetoaddress", 5, miner["address"])
    calls = value(before, "finch_rpc_requests_total", method="getblockcount")
    for _ in range(7):
        node.rpc("getblockcount")
    status, _ = node.post('{"method":"nosuchmethod","params":[],"id":1}')
    assert_equal(status, 404)
    node.post('[{"method":"getblockcount","id":1},{"method":"getbestblockhash","id":2}]')
    raw = node.cli("signtx", "--secret", miner["secret"], "--to", alice["address"], "--amount", "7",
                   "--fee", "1000", "--nonce", "0").stdout.strip()
    node.rpc("sendrawtransaction", raw)

    after = scrape(node)
    assert_equal(value(after, "finch_chain_height"), 5)
    assert_equal(value(after, "finch_headers_height"), 5)
    assert_equal(value(after, "finch_blocks_connected_total"), connected + 5)
    assert_equal(value(after, "finch_block_connect_duration_seconds_count"), connected + 5)
    assert_equal(value(after, "finch_rpc_requests_total", method="getblockcount"), calls + 8)
    assert_equal(value(after, "finch_rpc_request_duration_seconds_count", method="getblockcount"), calls + 8)
    assert value(after, "finch_rpc_requests_total", method="other") >= 1
    assert_equal(value(after, "finch_rpc_requests_total", method="generatetoaddress"), 1)
    assert_equal(value(after, "finch_mempool_transactions"), 1)
    assert_equal(value(after, "finch_mempool_bytes"), len(raw) // 2)
    # No label comes from the client: only the method table's names and "other".
    methods = {labels["method"] for _, labels, _ in after["finch_rpc_requests_total"].samples}
    assert "nosuchmethod" not in methods
    assert "getblock" in methods and "other" in methods


def test_peers(h, node):
    other = h.add_node([f"--connect=127.0.0.1:{node.port}"]).start()
    wait_until(lambda: value(scrape(node), "finch_peers", direction="inbound") == 1, 30, what="an inbound peer")
    wait_until(lambda: other.height() == node.height(), 30, what="the second node to sync")
    m = scrape(other)
    assert_equal(value(m, "finch_peers", direction="outbound"), 1)
    assert_equal(value(m, "finch_peers", direction="inbound"), 0)
    assert value(m, "finch_p2p_bytes_total", direction="sent", msg="version") > 0
    assert value(m, "finch_p2p_bytes_total", direction="received", msg="headers") > 0
    assert value(m, "finch_p2p_bytes_total", direction="received", msg="version") > 0
    assert_equal(value(m, "finch_chain_height"), node.height())
    other.stop()


def test_disabled(h):
    node = h.add_node(["--metrics=0"]).start()
    status, _, _ = get(node)
    assert_equal(status, 404, "--metrics=0")
    node.stop()


def test(h):
    node = h.add_node().start()
    test_access(node)
    test_chain_and_rpc(h, node)
    test_peers(h, node)
    test_disabled(h)


if __name__ == "__main__":
    main(test)
