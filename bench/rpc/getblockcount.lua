-- wrk script: POST getblockcount (legacy style, as bitcoin-cli-era clients send it).
-- Usage: see README.md in this folder.
dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "common.lua")
finch_post('{"method":"getblockcount","params":[],"id":1}')
