-- rpki-roa: issue a ROA and watch a hijack become invalid.
--
-- The learner holds an RPKI resource certificate (RFC 6487, RFC 3779) for a
-- per-learner /22 and AS number under a lab trust anchor.  They publish a ROA
-- (RFC 9582) with labhub-roa (or openssl by hand), validate the repository
-- with the real rpki-client offline, load the VRPs into a real BIRD 2 router
-- that filters a replayed BGP feed with roa_check() (RFC 6811), repair a
-- stale repository and, optionally, authorise a DDoS scrubbing provider.
--
-- Checks grade on rpki-client's output (it exits 0 even for invalid
-- objects), on BIRD's own ROA table and roa_check(), and compare the VRP's
-- origin AS with the learner's (certificates do not constrain it).

lab {
  id = "rpki-roa", title = "Issue a ROA and watch a hijack become invalid", version = 1,
  summary = "Publish a Route Origin Authorization under your RPKI certificate, validate it with "
    .. "rpki-client and let a BIRD router drop hijacked routes.",
  audience = { "university", "industry" }, minutes = 60,
  objectives = {
    "read the RFC 3779 resources of an RPKI certificate",
    "create and publish a ROA with a maxLength that authorises no more than you announce (RFC 9319)",
    "validate a repository with a relying-party tool and read its verdicts",
    "apply route origin validation (RFC 6811) on a router and explain Valid, Invalid and NotFound",
    "recognise and repair a stale manifest and an expired EE certificate",
  },
  -- and labhub-roa, which ships with labhub (PATH or /run/labhub/), not a Debian package
  needs = { "sh", "openssl", "rpki-client", "bird", "birdc", "perl" },
}

-- Per-learner values ------------------------------------------------------

local TRANSIT, PEER, HIJACKER, OTHER, SCRUBBER = 64496, 64511, 64510, 64505, 64500
local UNRELATED = "192.0.2.0/24"

local function vals(c)
  local a, b = c:number("prefix-a", 0, 255), c:number("prefix-b", 0, 63) * 4
  return {
    a = a, b = b,
    prefix = string.format("10.%d.%d.0/22", a, b),
    net = string.format("10.%d.%d.0", a, b),
    more = string.format("10.%d.%d.0/25", a, b),
    asn = c:asn("org"),
  }
end

values(function(c)
  local v = vals(c)
  return { prefix = v.prefix, asn = tostring(v.asn), more = v.more, transit = tostring(TRANSIT),
           peer = tostring(PEER), hijacker = tostring(HIJACKER), other = tostring(OTHER),
           scrubber = tostring(SCRUBBER), unrelated = UNRELATED }
end)

local ROUTER = { "bird", "-f", "-c", "router/bird.conf", "-s", "router/bird.ctl" }

-- labhub-roa is installed next to labhub; in a cell it may only be under /run/labhub.
local function roa_tool(c)
  for _, p in ipairs { "labhub-roa", "/run/labhub/labhub-roa" } do
    local r = c:run { p, "--help" }
    if r.code == 0 then return p end
  end
  error("labhub-roa is not installed (neither in PATH nor /run/labhub/)")
end

-- The replayed BGP feed: what the router hears from its transit and peer.
local function feed(c)
  local v = vals(c)
  return {
    { net = v.prefix, origin = v.asn, via = "transit", path = { TRANSIT, v.asn }, state = "valid" },
    { net = v.more, origin = HIJACKER, via = "transit", path = { TRANSIT, HIJACKER }, state = "invalid" },
    { net = v.prefix, origin = HIJACKER, via = "peering", path = { HIJACKER }, state = "invalid" },
    { net = UNRELATED, origin = OTHER, via = "transit", path = { TRANSIT, OTHER }, state = "notfound" },
  }
end

local function bird_conf(c)
  local by = { transit = {}, peering = {} }
  for _, r in ipairs(feed(c)) do
    local pp = {}
    for i = #r.path, 1, -1 do pp[#pp + 1] = string.format("bgp_path.prepend(%d);", r.path[i]) end
    table.insert(by[r.via], string.format("  route %s unreachable { bgp_origin = ORIGIN_IGP; %s };",
      r.net, table.concat(pp, " ")))
  end
  return table.concat({
    "# Your border router (BIRD 2).  It hears the BGP feed below and passes it",
    "# to its main table only through the route origin validation filter.",
    "router id 127.0.0.1;",
    "",
    "# The VRPs: the BIRD file rpki-client writes with -B (tables ROAS4, ROAS6).",
    'include "roas.conf";   # relative to this file',
    "",
    "# The BGP feed, replayed: routes as heard from AS" .. TRANSIT .. " (transit)",
    "# and AS" .. PEER .. " (a peer), with their AS paths.",
    "ipv4 table feed4;",
    "protocol static transit {",
    "  ipv4 { table feed4; };",
    table.concat(by.transit, "\n"),
    "}",
    "protocol static peering {",
    "  ipv4 { table feed4; };",
    table.concat(by.peering, "\n"),
    "}",
    "",
    "# RFC 6811: Invalid routes are dropped; Valid and NotFound are kept.",
    "filter rov {",
    "  if roa_check(ROAS4, net, bgp_path.last) = ROA_INVALID then reject;",
    "  accept;",
    "}",
    "protocol pipe rov4 { table feed4; peer table master4; import none; export filter rov; }",
    "",
  }, "\n")
end

setup(function(c)
  local v, roa = vals(c), roa_tool(c)
  if not c:exists("rpki/ca/ca.cer") then
    local r = c:run { "sh", c.labdir .. "/lib/mkrepo.sh", "rpki", v.prefix, tostring(v.asn),
      timeout = 40, env = { LABHUB_ROA = roa } }
    if r.code ~= 0 then error("mkrepo.sh failed: " .. r.err .. r.out) end
  end
  c:write(".lab/values.sh", string.format("PREFIX=%s\nASN=%d\nMORE=%s\nHIJACKER=%d\nSCRUBBER=%d\nROA=%s\nLAB=${LABHUB_LAB:-/lab}\n",
    v.prefix, v.asn, v.more, HIJACKER, SCRUBBER, roa))
  c:write("router/bird.conf", bird_conf(c))
  if not c:exists("router/roas.conf") then
    c:write("router/roas.conf", "# no VRPs loaded yet\nroa4 table ROAS4;\nroa6 table ROAS6;\n")
  end
  local lines = { "# The routes your router hears (prefix, origin AS, from, AS path)" }
  for _, r in ipairs(feed(c)) do
    local p = {}
    for _, a in ipairs(r.path) do p[#p + 1] = tostring(a) end
    lines[#lines + 1] = string.format("%-18s AS%-6d via %-8s path %s", r.net, r.origin, r.via, table.concat(p, " "))
  end
  c:write("router/announcements.txt", table.concat(lines, "\n") .. "\n")
  c:start_service("router", ROUTER)
end)

-- Helpers for checks ------------------------------------------------------

local function trim(s) return (s:gsub("^%s+", ""):gsub("%s+$", "")) end

local function parse_asn(s)
  local n = s and tonumber((s:gsub("^[Aa][Ss]", "")))
  return n
end

-- The ROAs in the publication point, decoded by labhub-roa list:
-- { { prefix = "10.1.4.0/22", len = 22, max = 22, asn = 64512, file = "..." }, ... }
local function roas(c)
  local r = c:run { roa_tool(c), "--ca", "rpki/ca/ca.conf", "list" }
  if r.code ~= 0 then c:fail("labhub-roa list failed: %s", trim(r.err)) end
  local out, bad = {}, {}
  for line in r.out:gmatch("[^\n]+") do
    local net, len, max, asn, file = line:match("^(%S+)/(%d+)%-(%d+) => (%d+)%s+(%S+)")
    if net then
      out[#out + 1] = { prefix = net .. "/" .. len, net = net, len = tonumber(len), max = tonumber(max),
                        asn = tonumber(asn), file = file }
    elseif line:match("^%?") then
      bad[#bad + 1] = trim(line)
    end
  end
  return out, bad
end

local function ip4(s)
  local a, b, cc, d = s:match("^(%d+)%.(%d+)%.(%d+)%.(%d+)$")
  if not a then return nil end
  return ((tonumber(a) * 256 + tonumber(b)) * 256 + tonumber(cc)) * 256 + tonumber(d)
end

-- Is net/len inside 10.a.b.0/22?
local function inside(v, net, len)
  local x = ip4(net)
  if not x or len < 22 then return false end
  local base = ip4(v.net)
  return x >= base and x < base + 1024
end

-- Run the relying party (rpki-client via lib/validate.sh): { ok, log, vrps = { {asn, prefix, max}... } }
local function validate(c)
  local r = c:run { "sh", c.labdir .. "/lib/validate.sh", "rpki", timeout = 8 }
  local res = { ok = r.code == 0, log = r.out .. r.err, vrps = {} }
  if res.ok then
    local csv = c:read("rpki/out/csv")
    for line in csv:gmatch("[^\n]+") do
      local asn, prefix, max = line:match("^AS(%d+),([^,]+),(%d+),")
      if asn then res.vrps[#res.vrps + 1] = { asn = tonumber(asn), prefix = prefix, max = tonumber(max) } end
    end
  end
  return res
end

-- rpki-client's words about the objects in the learner's publication point,
-- turned into advice.  Returns a message or nil.
local REASONS = {
  { "CMS verification error", "its signature does not match its content: was the file changed after it was signed? Issue it again with labhub-roa." },
  { "certificate has expired", "its EE certificate has expired. Re-issue the ROA (labhub-roa add ... signs it with a fresh EE certificate)." },
  { "not yet valid", "its EE certificate is not valid yet (check the clock of whoever signed it)." },
  { "RFC 3779 resource not subset", "it claims address space your certificate does not hold (RFC 6487 section 7.2). Use only your own prefix." },
  { "unable to get local issuer", "it was not signed by a key your CA certified: its EE certificate does not chain to your CA. Sign ROAs with your CA key (ca.key)." },
  { "AKI", "its EE certificate names an issuer key that is not your CA's: it was not signed by your CA." },
  { "certificate signature failure", "its EE certificate was not signed by your CA's key." },
  { "mft expired", "your manifest is stale: its nextUpdate is in the past, so rpki-client ignores your whole publication point. Regenerate it (labhub-roa publish)." },
  { "stale", "your manifest or CRL is stale. Regenerate them (labhub-roa publish)." },
  { "bad message digest", "a file no longer matches the hash on your manifest. Re-publish (labhub-roa publish) after every change." },
  { "no valid mft", "rpki-client found no valid manifest for your publication point. Regenerate it (labhub-roa publish)." },
  { "CRL has expired", "your CRL has expired. Regenerate it (labhub-roa publish)." },
  { "certificate revoked", "its EE certificate is on your CRL (revoked). Issue the ROA again." },
}

local function explain(log)
  for line in log:gmatch("[^\n]+") do
    local obj, what = line:match("rpki%-client: rpki%.lab%.test/repo/ca/([%w_%-]+%.%a+): (.*)$")
    if obj then
      for _, r in ipairs(REASONS) do
        if what:find(r[1], 1, true) then
          return string.format("rpki-client rejected %s (\"%s\"): %s", obj, trim(what), r[2])
        end
      end
      return string.format("rpki-client rejected %s: %s", obj, trim(what))
    end
  end
  if log:find("not all files processed", 1, true) then
    return "rpki-client gave up before producing VRPs (\"not all files processed\"). Look at out/log; "
      .. "a repository whose manifest or CRL has run out makes rpki-client 8.2 stop. Re-publish with labhub-roa publish."
  end
  if log:find("1 stale", 1, true) then
    return "rpki-client counts a stale manifest, so it ignored your publication point. Regenerate it (labhub-roa publish)."
  end
  return nil
end

-- The VRP check shared by validate, incident and scrubbing:
-- want = list of { asn, max } for the learner's prefix; extra_ok(vrp) tolerates others.
local function expect_vrps(c, v, want, extra_ok)
  local res = validate(c)
  if not res.ok then
    c:fail("%s", explain(res.log) or ("rpki-client produced no VRPs. The end of its output:\n" .. res.log:sub(-500)))
  end
  local function wanted(x)
    for _, w in ipairs(want) do
      if x.prefix == v.prefix and x.asn == w.asn and x.max == w.max then return true end
    end
    return false
  end
  for _, x in ipairs(res.vrps) do
    if not wanted(x) and x.prefix == v.prefix and x.max > 22 then
      c:fail("rpki-client produces the VRP %s maxLength %d AS%d: it authorises more-specifics down to /%d "
        .. "that nobody announces, which a hijacker can use with a forged origin (RFC 9319). "
        .. "Remove that ROA (labhub-roa remove \"%s-%d => %d\").", x.prefix, x.max, x.asn, x.max, x.prefix, x.max, x.asn)
    end
  end
  for _, w in ipairs(want) do
    local found = false
    for _, x in ipairs(res.vrps) do
      if x.prefix == v.prefix and x.asn == w.asn and x.max == w.max then found = true end
    end
    if not found then
      local why = explain(res.log)
      c:fail("rpki-client produced no VRP (%s, maxLength %d, AS%d). %s", v.prefix, w.max, w.asn,
        why or "Is the ROA in your publication point and on your manifest? (labhub-roa list; labhub-roa publish)")
    end
  end
  -- Your VRP is there, but a broken object is not: rpki-client rejected something of yours.
  local why = explain(res.log)
  if why then c:fail("Your VRP is there, but: %s", why) end
  for _, x in ipairs(res.vrps) do
    if not wanted(x) and not (extra_ok and extra_ok(x)) then
      c:fail("rpki-client also produces the VRP %s maxLength %d AS%d, which you did not intend. Remove that ROA "
        .. "(labhub-roa remove \"%s-%d => %d\").", x.prefix, x.max, x.asn, x.prefix, x.max, x.asn)
    end
  end
  return res
end

-- The router is a lab service; if it was stopped (or crashed), start it again.
local function ensure_router(c)
  if c:service_status("router") ~= "running" then
    c:start_service("router", ROUTER)
    c:run { "sh", "-c", "for i in 1 2 3 4 5 6 7 8 9 10; do [ -S router/bird.ctl ] && exit 0; sleep 0.2; done" }
  end
end

local function birdc(c, cmd)
  ensure_router(c)
  local argv = { "birdc", "-s", "router/bird.ctl" }
  for w in cmd:gmatch("%S+") do argv[#argv + 1] = w end
  local r = c:run(argv)
  if r.code ~= 0 or r.out:find("Unable to connect", 1, true) then
    c:fail("Your router does not answer (birdc: %s). Look at its configuration ~/router/bird.conf and at ~/router/roas.conf.",
      trim(r.out .. r.err))
  end
  return r.out
end

-- Steps ---------------------------------------------------------------------

step {
  id = "read-cert", title = "Read your resource certificate", text = "steps/01-read-cert.md", points = 10,
  question = { kind = "text" },
  hints = {
    { text = "openssl x509 -inform DER -in ~/rpki/ca/ca.cer -noout -text", cost = 2 },
    { text = "Look for 'sbgp-ipAddrBlock' (IP Address Delegation) and 'sbgp-autonomousSysNum' (AS Number Delegation).", cost = 3 },
  },
  check = function(c, answer)
    local v = vals(c)
    answer = answer or ""
    local p = answer:match("(%d+%.%d+%.%d+%.%d+/%d+)")
    c:expect(p, "Give the prefix as ADDRESS/LENGTH and the AS number, e.g. '10.0.0.0/22 AS64512'.")
    local rest = answer:gsub("%d+%.%d+%.%d+%.%d+/%d+", " ")
    local asn = parse_asn(rest:match("[Aa]?[Ss]?%d+"))
    c:expect(p == v.prefix, "%s is not the prefix in your certificate. Look at the IPv4 entry of the IP Address Delegation (RFC 3779) extension.", p)
    c:expect(asn, "The prefix is right. Now add the AS number, e.g. '%s AS64512'.", p)
    c:expect(asn == v.asn, "AS%d is not the AS number in your certificate. Look at the AS Number Delegation extension.", asn)
  end,
}

step {
  id = "roa", title = "Create and publish a ROA", text = "steps/02-roa.md", points = 25,
  hints = {
    { text = "labhub-roa add \"PREFIX => ASN\" with your prefix and AS number from step 1; quote it.", cost = 5 },
    { text = "You announce exactly one /22: leave out the maxLength (it then equals the prefix length).", cost = 5 },
  },
  check = function(c)
    local v = vals(c)
    local list, bad = roas(c)
    if #list == 0 then
      c:expect(#bad == 0, "There is a file in your publication point labhub-roa cannot read as a ROA: %s", bad[1] or "")
      c:fail("There is no ROA in your publication point (~/rpki/repo/rpki.lab.test/repo/ca/) yet. "
        .. "Create one with labhub-roa add \"PREFIX => ASN\".")
    end
    local mine
    for _, r in ipairs(list) do
      if r.net:find(":", 1, true) == nil and not inside(v, r.net, r.len) then
        c:fail("%s claims %s, which your certificate does not hold (it holds %s). Validators reject "
          .. "a ROA beyond its certificate's resources (RFC 6487 section 7.2); remove it.", r.file, r.prefix, v.prefix)
      end
      if r.prefix == v.prefix then mine = r end
    end
    c:expect(mine, "None of your ROAs is for your prefix %s (you have: %s).", v.prefix, list[1].prefix)
    if mine.asn ~= v.asn then
      c:fail("Your ROA for %s authorises AS%d, but your network originates AS%d: with this ROA your own "
        .. "route would be Invalid. Remove it and create one for AS%d.", v.prefix, mine.asn, v.asn, v.asn)
    end
    c:expect(mine.max == 22, "Your ROA for %s has maxLength %d: it authorises every more-specific down to /%d, "
      .. "but you announce only the /22. A hijacker could announce those from AS%d (forged origin) and win "
      .. "as more-specific. RFC 9319: keep maxLength at what you announce.", v.prefix, mine.max, mine.max, v.asn)
    for _, r in ipairs(list) do
      if r ~= mine and r.prefix == v.prefix and r.max > 22 then
        c:fail("%s still authorises %s-%d for AS%d. Remove it: RFC 9319.", r.file, r.prefix, r.max, r.asn)
      end
    end
  end,
}

step {
  id = "validate", title = "Validate like a relying party", text = "steps/03-validate.md", points = 20,
  hints = {
    { text = "sh /lab/lib/validate.sh runs rpki-client for you and prints its output and the VRPs.", cost = 3 },
    { text = "rpki-client names every object it rejects, with the reason. Fix that object, then labhub-roa publish.", cost = 5 },
  },
  check = function(c)
    local v = vals(c)
    expect_vrps(c, v, { { asn = v.asn, max = 22 } })
  end,
}

step {
  id = "rov", title = "Route origin validation on your router", text = "steps/04-rov.md", points = 20,
  hints = {
    { text = "cp ~/rpki/out/bird ~/router/roas.conf, then birdc -s ~/router/bird.ctl configure", cost = 4 },
    { text = "BIRD 2.0 does not re-check routes it already holds when its ROA table changes: birdc -s ~/router/bird.ctl reload rov4", cost = 4 },
    { text = "birdc -s ~/router/bird.ctl 'eval roa_check(ROAS4, 10.0.0.0/24, 64512)' prints 0 (NotFound), 1 (Valid) or 2 (Invalid).", cost = 4 },
  },
  check = function(c)
    local v = vals(c)
    local names = { valid = "Valid", invalid = "Invalid", notfound = "NotFound" }
    -- 1. the learner's classification
    local s, err = c:try_read("rov.txt")
    c:expect(s, "Write your classification into ~/rov.txt: one line per announcement, PREFIX ORIGIN STATE "
      .. "(e.g. '%s AS%d Valid').", v.prefix, v.asn)
    local said = {}
    for line in s:gmatch("[^\n]+") do
      local net, asn, st = line:match("^%s*(%S+)%s+[Aa]?[Ss]?(%d+)%s+(%a[%a ]*%a)%s*$")
      if net then
        st = st:lower():gsub("[%s_%-]", "")
        if st == "unknown" then st = "notfound" end
        said[net .. " " .. asn] = st
      end
    end
    -- 2. the router holds the learner's VRP
    local t = birdc(c, "show route table ROAS4")
    c:expect(t:find(v.prefix .. "-22 AS" .. v.asn, 1, true),
      "Your router's ROA table ROAS4 does not hold %s-22 AS%d yet. Load the VRPs rpki-client wrote: "
      .. "cp ~/rpki/out/bird ~/router/roas.conf and birdc -s ~/router/bird.ctl configure.", v.prefix, v.asn)
    -- 3. each announcement: learner vs BIRD's own roa_check() vs the truth
    for _, r in ipairs(feed(c)) do
      local key = r.net .. " " .. r.origin
      local st = said[key]
      c:expect(st, "rov.txt has no line for %s from AS%d.", r.net, r.origin)
      local e = birdc(c, string.format("eval roa_check(ROAS4, %s, %d)", r.net, r.origin))
      local code = tonumber(e:match("%(enum %d+%)(%d)"))
      local bird = ({ [0] = "notfound", [1] = "valid", [2] = "invalid" })[code]
      c:expect(bird == r.state, "Your router judges %s from AS%d %s; with your VRP it should be %s. Check the VRPs it loaded.",
        r.net, r.origin, names[bird] or "?", names[r.state])
      c:expect(names[st], "rov.txt: '%s' for %s is not Valid, Invalid or NotFound.", st, key)
      if st ~= r.state then
        local why = {
          valid = "a VRP covers it and matches both its origin AS and its length",
          invalid = "a VRP covers it, but no VRP matches both its origin AS and its prefix length",
          notfound = "no VRP covers it at all",
        }
        c:fail("rov.txt says %s from AS%d is %s, but it is %s: %s (RFC 6811).", r.net, r.origin, names[st],
          names[r.state], why[r.state])
      end
    end
    -- 4. the router actually dropped the hijacks
    local m = birdc(c, "show route table master4 all")
    c:expect(not m:find(v.more, 1, true), "Your router still uses the hijacked %s from AS%d: it judged the route "
      .. "before it knew your ROA. Re-run the filter: birdc -s ~/router/bird.ctl reload rov4", v.more, HIJACKER)
    local peer = birdc(c, "show route table master4 protocol peering")
    c:expect(not peer:find(v.prefix, 1, true), "Your router still holds %s from AS%d (via the peer). "
      .. "Re-run the filter: birdc -s ~/router/bird.ctl reload rov4", v.prefix, HIJACKER)
    c:expect(m:find(v.prefix, 1, true), "Your own route %s has gone from the router: it should be Valid.", v.prefix)
  end,
}

step {
  id = "why-invalid", title = "Why is the /25 Invalid?", text = "steps/05-why.md", points = 5,
  question = { kind = "choice", choices = {
    "A VRP covers it, but none matches both its origin AS and its length",
    "No VRP covers it, so routers drop it",
    "Routers drop every prefix longer than /24",
    "AS64510 has no resource certificate of its own",
  } },
  check = function(c, answer)
    c:expect(answer == "A VRP covers it, but none matches both its origin AS and its length",
      "Not quite. Think about RFC 6811: a route is NotFound when no VRP covers it; your /22 VRP does cover the /25. "
      .. "What has to match for Valid? (And even AS%d would be Invalid for the /25 with maxLength 22.)", vals(c).asn)
  end,
}

step {
  id = "incident", title = "Incident: the repository went stale", text = "steps/06-incident.md", points = 15,
  hints = {
    { text = "Run sh /lab/lib/validate.sh and read what rpki-client says about your manifest (ca.mft).", cost = 3 },
    { text = "labhub-roa publish regenerates manifest and CRL; labhub-roa add re-issues a ROA with a fresh EE certificate.", cost = 5 },
  },
  check = function(c)
    local v = vals(c)
    c:expect(c:exists("rpki/.incident"), "First start the incident: sh /lab/lib/incident.sh")
    expect_vrps(c, v, { { asn = v.asn, max = 22 } })
  end,
}

step {
  id = "scrubbing", title = "Advanced: authorise a scrubbing provider", text = "steps/07-scrubbing.md", points = 10,
  hints = {
    { text = "One ROA per origin AS. The provider announces exactly your /22.", cost = 3 },
  },
  check = function(c)
    local v = vals(c)
    expect_vrps(c, v, { { asn = v.asn, max = 22 }, { asn = SCRUBBER, max = 22 } })
  end,
}
