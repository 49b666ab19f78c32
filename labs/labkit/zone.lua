-- labkit.zone: a forgiving reader of DNS master files (RFC 1035 section 5):
-- $ORIGIN and $TTL, parentheses over several lines, ";" comments, "@", relative
-- owner names, an omitted owner (repeats the previous one).  It is meant for
-- checks that look at what a learner wrote; validate DNSSEC with real tools.
-- parse(text [, origin]) returns a list of
--   { name = "www.example.test.", ttl = 3600, class = "IN", type = "A", data = "192.0.2.1", rdata = { ... } }
local M = {}

local classes = { IN = true, CH = true, HS = true, CS = true }

local function absolute(name, origin)
  if name == "@" then return origin end
  if name:sub(-1) == "." then return name:lower() end
  if origin == "" then return name:lower() .. "." end
  return (name .. "." .. origin):lower()
end

-- Words of one logical record, keeping quoted strings whole.
local function words(s)
  local out, i = {}, 1
  while i <= #s do
    local c = s:sub(i, i)
    if c:match("%s") then
      i = i + 1
    elseif c == '"' then
      local j = i + 1
      while j <= #s and s:sub(j, j) ~= '"' do j = j + (s:sub(j, j) == "\\" and 2 or 1) end
      out[#out + 1] = s:sub(i, j)
      i = j + 1
    else
      local j = s:find("[%s\"]", i) or #s + 1
      out[#out + 1] = s:sub(i, j - 1)
      i = j
    end
  end
  return out
end

local function strip_comment(line)
  local out, quoted = {}, false
  for i = 1, #line do
    local c = line:sub(i, i)
    if c == '"' then quoted = not quoted end
    if c == ";" and not quoted then break end
    out[#out + 1] = c
  end
  return table.concat(out)
end

function M.parse(text, origin)
  origin = origin and absolute(origin, "") or ""
  local records, ttl, last, pending, depth, starts_blank = {}, 3600, nil, nil, 0, false
  for raw in (text .. "\n"):gmatch("(.-)\r?\n") do
    local line = strip_comment(raw)
    if pending then
      pending = pending .. " " .. line
    else
      pending, starts_blank = line, line:match("^%s") ~= nil
    end
    depth = depth + select(2, line:gsub("%(", "")) - select(2, line:gsub("%)", ""))
    if depth <= 0 then
      depth = 0
      local w = words((pending:gsub("[()]", " ")))
      local blank = starts_blank
      pending = nil
      if #w > 0 then
        if w[1] == "$ORIGIN" and w[2] then
          origin = absolute(w[2], origin)
        elseif w[1] == "$TTL" and w[2] then
          ttl = tonumber(w[2]) or ttl
        elseif w[1]:sub(1, 1) ~= "$" then
          local i, rec = 1, { ttl = ttl, class = "IN" }
          if blank then rec.name = last else rec.name = absolute(w[1], origin); i = 2 end
          for _ = 1, 2 do
            local x = w[i]
            if x and tonumber(x) then rec.ttl = tonumber(x); i = i + 1
            elseif x and classes[x:upper()] then rec.class = x:upper(); i = i + 1 end
          end
          if w[i] and rec.name then
            rec.type = w[i]:upper()
            rec.rdata = { table.unpack(w, i + 1) }
            rec.data = table.concat(rec.rdata, " ")
            records[#records + 1] = rec
            last = rec.name
          end
        end
      end
    end
  end
  return records
end

-- Records with that owner name (absolute or relative to origin) and type ("A", or nil for all).
function M.find(records, name, rtype, origin)
  local n = absolute(name, origin and absolute(origin, "") or "")
  local out = {}
  for _, r in ipairs(records) do
    if r.name == n and (rtype == nil or r.type == rtype:upper()) then out[#out + 1] = r end
  end
  return out
end

return M
