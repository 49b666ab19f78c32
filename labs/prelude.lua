-- prelude: the lab API's Lua half, run once in every lab VM before lab.lua.
-- It defines the globals lab, setup, step, values and require, and the
-- context methods that are easier in Lua (expect, fail, per-learner values).
-- C passes `api`: { methods = <context method table>, defs = <definitions>,
-- fail = <raise learner feedback>, digest = <sha256(seed, lab, label)>,
-- labkit = <loader of built-in modules> }.  Locals keep copies of the
-- library functions so a lab replacing string.format cannot break the API.
local api = ...
local methods, defs, cfail, digest, labkit = api.methods, api.defs, api.fail, api.digest, api.labkit
local type, error, tostring, select, ipairs, pairs = type, error, tostring, select, ipairs, pairs
local sformat, sbyte, ssub, smatch = string.format, string.byte, string.sub, string.match
local mtype = math.type

defs.steps, defs.by_id = {}, {}

local function message(fmt, ...)
  if select("#", ...) == 0 then return tostring(fmt) end
  return sformat(fmt, ...)
end

function methods:expect(cond, fmt, ...)
  if not cond then cfail(message(fmt or "This step is not done yet.", ...)) end
  return cond
end

function methods:fail(fmt, ...)
  cfail(message(fmt or "This step is not done yet.", ...))
end

-- Per-learner values --------------------------------------------------------
local function u32(label, i)
  local d = digest(tostring(label))
  local a, b, c, e = sbyte(d, i * 4 + 1, i * 4 + 4)
  return ((a * 256 + b) * 256 + c) * 256 + e
end

local function chars(label, n, alphabet)
  n = n or 8
  if mtype(n) ~= "integer" or n < 1 or n > 64 then error("length must be an integer in 1..64", 3) end
  local out, d, k = {}, digest(tostring(label)), 0
  for i = 1, n do
    k = k + 1
    if k > #d then d, k = digest(tostring(label) .. "#" .. i), 1 end
    local x = sbyte(d, k) % #alphabet + 1
    out[i] = ssub(alphabet, x, x)
  end
  return table.concat(out)
end

local function int_arg(v, what)
  if mtype(v) ~= "integer" then error(what .. " must be an integer", 3) end
  return v
end

function methods:number(label, lo, hi)
  lo, hi = int_arg(lo, "lo"), int_arg(hi, "hi")
  if hi < lo or hi - lo > 0xffffffff then error("number: need lo <= hi", 2) end
  return lo + u32(label, 0) % (hi - lo + 1)
end

function methods:pick(label, list)
  if type(list) ~= "table" or #list == 0 then error("pick: need a non-empty list", 2) end
  return list[1 + u32(label, 0) % #list]
end

function methods:word(label, n) return chars(label, n, "abcdefghijklmnopqrstuvwxyz") end

function methods:password(label, n)
  return chars(label, n or 12, "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789")
end

function methods:hex(label, n) return chars(label, n or 16, "0123456789abcdef") end

function methods:zone(label, parent)
  return chars(label, 1, "abcdefghijklmnopqrstuvwxyz") .. chars(tostring(label) .. "/z", 5,
    "abcdefghijklmnopqrstuvwxyz0123456789") .. "." .. (parent or "example.test")
end

function methods:asn(label) return 64512 + u32(label, 0) % 1023 end

function methods:prefix4(label, len)
  len = len or 24
  if mtype(len) ~= "integer" or len < 8 or len > 30 then error("prefix4: length must be 8..30", 2) end
  local x = (10 << 24) | (u32(label, 0) & 0xffffff)
  x = x & ~((1 << (32 - len)) - 1) & 0xffffffff
  return sformat("%d.%d.%d.%d/%d", x >> 24, (x >> 16) & 255, (x >> 8) & 255, x & 255, len)
end

function methods:prefix6(label, len)
  len = len or 48
  if mtype(len) ~= "integer" or len < 33 or len > 64 then error("prefix6: length must be 33..64", 2) end
  local r = u32(label, 0) & ~((1 << (64 - len)) - 1) & 0xffffffff
  local g3, g4 = r >> 16, r & 0xffff
  if g4 == 0 then return sformat("2001:db8:%x::/%d", g3, len) end
  return sformat("2001:db8:%x:%x::/%d", g3, g4, len)
end

-- Definitions ----------------------------------------------------------------
local function id_ok(s) return type(s) == "string" and #s <= 64 and smatch(s, "^[a-z0-9][a-z0-9-]*$") ~= nil end

local function bad(what, level) error(what, level or 3) end

local function strings(v, what, allowed)
  if v == nil then return {} end
  if type(v) ~= "table" then bad(what .. " must be a list of strings") end
  local out = {}
  for i, s in ipairs(v) do
    if type(s) ~= "string" then bad(what .. "[" .. i .. "] must be a string") end
    if allowed and not allowed[s] then bad(what .. ": unknown value '" .. s .. "'") end
    out[i] = s
  end
  return out
end

local function relpath(v, what)
  if type(v) ~= "string" or v == "" or ssub(v, 1, 1) == "/" or smatch(v, "%.%.") then
    bad(what .. " must be a path inside the lab folder, e.g. \"steps/01-intro.md\"")
  end
  return v
end

local audiences = { youth = true, university = true, industry = true }

function lab(t)
  if type(t) ~= "table" then bad("lab { ... } expects a table", 2) end
  if defs.lab then bad("lab { ... } appears twice", 2) end
  if not id_ok(t.id) then bad("lab.id must be a lowercase id like \"hello-shell\"", 2) end
  if type(t.title) ~= "string" or t.title == "" then bad("lab.title must be a non-empty string", 2) end
  if mtype(t.version) ~= "integer" or t.version < 1 then bad("lab.version must be an integer >= 1", 2) end
  if t.summary ~= nil and type(t.summary) ~= "string" then bad("lab.summary must be a string", 2) end
  if t.minutes ~= nil and (mtype(t.minutes) ~= "integer" or t.minutes < 1) then
    bad("lab.minutes must be a positive integer", 2)
  end
  if t.free_order ~= nil and type(t.free_order) ~= "boolean" then bad("lab.free_order must be true or false", 2) end
  defs.lab = {
    id = t.id, title = t.title, version = t.version, summary = t.summary or "",
    audience = strings(t.audience, "lab.audience", audiences), minutes = t.minutes,
    objectives = strings(t.objectives, "lab.objectives"), needs = strings(t.needs, "lab.needs"),
    free_order = t.free_order == true,
  }
end

function setup(fn)
  if type(fn) ~= "function" then bad("setup(...) expects a function", 2) end
  if defs.setup then bad("setup(...) appears twice", 2) end
  defs.setup = fn
end

function values(fn)
  if type(fn) ~= "function" then bad("values(...) expects a function", 2) end
  defs.values = fn
end

function step(t)
  if type(t) ~= "table" then bad("step { ... } expects a table", 2) end
  if not id_ok(t.id) then bad("step.id must be a lowercase id like \"make-file\"", 2) end
  if defs.by_id[t.id] then bad("step '" .. t.id .. "' is defined twice", 2) end
  if type(t.title) ~= "string" or t.title == "" then bad("step '" .. t.id .. "': title must be a non-empty string", 2) end
  local points = t.points == nil and 10 or t.points
  if mtype(points) ~= "integer" or points < 0 then bad("step '" .. t.id .. "': points must be an integer >= 0", 2) end
  if type(t.check) ~= "function" then bad("step '" .. t.id .. "': check must be a function", 2) end
  local s = { id = t.id, title = t.title, points = points, check = t.check, hints = {},
              text = relpath(t.text, "step '" .. t.id .. "': text") }
  if t.hints ~= nil and type(t.hints) ~= "table" then bad("step '" .. t.id .. "': hints must be a list", 2) end
  for i, h in ipairs(t.hints or {}) do
    local text, cost = h.text or h[1], h.cost or h[2] or 0
    if type(text) ~= "string" or text == "" then bad("step '" .. t.id .. "': hints[" .. i .. "].text must be a string", 2) end
    if mtype(cost) ~= "integer" or cost < 0 then bad("step '" .. t.id .. "': hints[" .. i .. "].cost must be an integer >= 0", 2) end
    s.hints[i] = { text = text, cost = cost }
  end
  local q = t.question
  if q ~= nil then
    if type(q) ~= "table" or (q.kind ~= "text" and q.kind ~= "choice") then
      bad("step '" .. t.id .. "': question must be { kind = \"text\" } or { kind = \"choice\", choices = {...} }", 2)
    end
    s.question = { kind = q.kind }
    if q.kind == "choice" then
      s.question.choices = strings(q.choices, "step '" .. t.id .. "': question.choices")
      if #s.question.choices < 2 then bad("step '" .. t.id .. "': a choice question needs at least two choices", 2) end
    end
  end
  defs.steps[#defs.steps + 1] = s
  defs.by_id[s.id] = s
end

local loaded = {}
function require(name)
  if type(name) ~= "string" then bad("require expects a module name", 2) end
  if loaded[name] ~= nil then return loaded[name] end
  local fn, err = labkit(name)
  if not fn then bad(err, 2) end
  local m = fn(name)
  if m == nil then m = true end
  loaded[name] = m
  return m
end

return true
