-- wrk script: GET FINCH_PATH (an explorer API path, e.g. /api/block/<hash>), no credentials.
-- Usage: bench/explorer_bench.py runs it; see README.md in this folder.
dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "common.lua")
wrk.method = "GET"
wrk.path = os.getenv("FINCH_PATH") or "/api/tip"
