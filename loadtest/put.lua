-- wrk script: PUT ~100-byte JSON values to 10,000 rotating keys. Set wrk's URL query to choose
-- the durability, e.g. http://127.0.0.1:8080/v1/kv?durability=sync (the path is replaced).
local counter = 0
local pad = string.rep("x", 60)
local query = ""
-- The loadtest scripts give the server this token as its bootstrap admin token.
local auth = "Bearer " .. (os.getenv("SSOT_ADMIN_TOKEN") or "loadtest-admin-token-0123456789")

function init(args)
  counter = math.random(1, 1000000)
end

request = function()
  counter = counter + 1
  local q = wrk.path:match("%?.*$") or ""
  return wrk.format("PUT", "/v1/kv/bench/k" .. (counter % 10000) .. q,
    {["Content-Type"] = "application/json", ["Authorization"] = auth}, '{"n":' .. counter .. ',"pad":"' .. pad .. '"}')
end
