-- wrk: GET /v1/kv/<random key> among the KEYS keys that fill-txn.py wrote (the token from
-- SSOT_ADMIN_TOKEN, as put.lua reads it).
local keys = tonumber(os.getenv("KEYS") or "1000000")
local auth = "Bearer " .. os.getenv("SSOT_ADMIN_TOKEN")
math.randomseed(os.time())

request = function()
  local i = math.random(0, keys - 1)
  return wrk.format("GET", "/v1/kv/svc" .. (i % 1000) .. "/prod/setting." .. i, { Authorization = auth })
end
