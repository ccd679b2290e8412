-- wrk script: POST getblock(FINCH_BLOCKHASH, FINCH_VERBOSITY or 1), e.g. a block of 1,000 transfers.
-- Usage: see README.md in this folder.
dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "common.lua")
local hash = os.getenv("FINCH_BLOCKHASH")
if not hash then error("set FINCH_BLOCKHASH to the hash of the block to fetch") end
local verbosity = os.getenv("FINCH_VERBOSITY") or "1"
finch_post('{"method":"getblock","params":["' .. hash .. '",' .. verbosity .. '],"id":1}')
