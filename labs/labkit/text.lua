-- labkit.text: small string helpers shared by labs.
local M = {}

function M.trim(s) return (s:gsub("^%s+", ""):gsub("%s+$", "")) end

-- Lines of s without their line ends (a final newline adds no empty line).
function M.lines(s)
  local out = {}
  for line in (s .. (s:sub(-1) == "\n" and "" or "\n")):gmatch("(.-)\r?\n") do out[#out + 1] = line end
  return out
end

-- Split s on a plain separator.
function M.split(s, sep)
  local out, i = {}, 1
  while true do
    local a, b = s:find(sep, i, true)
    if not a then out[#out + 1] = s:sub(i); return out end
    out[#out + 1] = s:sub(i, a - 1)
    i = b + 1
  end
end

return M
