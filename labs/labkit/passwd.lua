-- labkit.passwd: /etc/passwd and /etc/shadow formats (passwd(5), shadow(5)).
local M = {}

local function fields(line)
  local out = {}
  for f in (line .. ":"):gmatch("([^:]*):") do out[#out + 1] = f end
  return out
end

local function each(text, fn)
  local out = {}
  for line in (text .. "\n"):gmatch("(.-)\r?\n") do
    if line ~= "" and line:sub(1, 1) ~= "#" then out[#out + 1] = fn(fields(line), line) end
  end
  return out
end

function M.parse_passwd(text)
  return each(text, function(f, line)
    return { name = f[1], password = f[2], uid = tonumber(f[3]), gid = tonumber(f[4]),
             gecos = f[5], home = f[6], shell = f[7], line = line }
  end)
end

-- hash: "" (no password!), "*" or "!..." (locked), or a crypt(3) string ("$6$...", "$y$...").
function M.parse_shadow(text)
  return each(text, function(f, line)
    local h = f[2] or ""
    return { name = f[1], hash = h, locked = h:sub(1, 1) == "!" or h == "*",
             empty = h == "", lastchg = tonumber(f[3]), line = line }
  end)
end

function M.by_name(list)
  local m = {}
  for _, e in ipairs(list) do m[e.name] = e end
  return m
end

return M
