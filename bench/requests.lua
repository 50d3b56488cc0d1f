-- Replays the request lines of a file (METHOD, PATH, TOKEN, BODY; tab-separated),
-- each thread its own share, so every request can carry its own token and a
-- delete never targets a task another request already deleted.
local threads = {}

function setup(thread)
  thread:set("index", #threads)
  table.insert(threads, thread)
end

function init(args)
  requests = {}
  local count = tonumber(args[2])
  local n = 0
  for line in io.lines(args[1]) do
    if n % count == index then
      local method, path, token, body = line:match("^(%u+)\t([^\t]+)\t([^\t]+)\t?(.*)$")
      local headers = { ["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json" }
      table.insert(requests, wrk.format(method, path, headers, body ~= "" and body or nil))
    end
    n = n + 1
  end
  position = 0
end

function request()
  position = position % #requests + 1
  return requests[position]
end
