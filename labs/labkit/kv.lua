-- labkit.kv: key/value configuration files ("key=value", or "Key value" as in
-- sshd_config with sep = " ").  Comments start with opts.comment (default
-- "#") at the beginning of a line.  Returns a map (the LAST value wins; use
-- opts.first = true for first-wins parsers like OpenSSH's) and the ordered
-- list of { key, value, line } entries.  opts.lower = true folds keys to lowercase.
local M = {}

function M.parse(text, opts)
  opts = opts or {}
  local sep, comment = opts.sep or "=", opts.comment or "#"
  local map, list, n = {}, {}, 0
  for line in (text .. "\n"):gmatch("(.-)\r?\n") do
    n = n + 1
    local s = line:gsub("^%s+", ""):gsub("%s+$", "")
    if s ~= "" and s:sub(1, #comment) ~= comment then
      local k, v
      if sep == " " then
        k, v = s:match("^(%S+)%s+(.-)$")
        if not k then k, v = s, "" end
        if k:find("=", 1, true) then k, v = s:match("^([^=]-)%s*=%s*(.-)$") end
      else
        local a = s:find(sep, 1, true)
        if a then k, v = s:sub(1, a - 1):gsub("%s+$", ""), s:sub(a + #sep):gsub("^%s+", "") end
      end
      if k then
        if opts.lower then k = k:lower() end
        v = v:gsub('^"(.*)"$', "%1")
        list[#list + 1] = { key = k, value = v, line = n }
        if not (opts.first and map[k] ~= nil) then map[k] = v end
      end
    end
  end
  return map, list
end

return M
