-- dnssec-sign-zone: sign a zone and get a validating resolver to trust it.
--
-- The world (made by bin/lab-setup, inside the cell, all on 127.0.0.1):
--   nsd      port 5301  the learner's authoritative server, config ~/dns/nsd.conf
--   registry port 5302  nsd serving the parent zone "test.", signed by the lab;
--                       the learner submits a DS with /lab/bin/registry
--   unbound  port 5300  validating resolver, trust anchor = the registry's KSK
-- Checks grade with real validators: ldns-verify-zone and dnssec-verify on
-- files and on what nsd serves (AXFR), dnssec-dsfromkey for the DS, unbound
-- (and its log) for the chain of trust.

lab {
  id = "dnssec-sign-zone",
  title = "Sign your zone with DNSSEC",
  version = 1,
  summary = "Take a zone from unsigned to a chain of trust that a real validating resolver accepts: keys, signatures, DS at the registry, and an outage to repair.",
  audience = { "university", "industry" },
  minutes = 60,
  objectives = {
    "explain what DNSSEC proves and what it does not (RFC 4033)",
    "generate a KSK and a ZSK (ECDSA P-256, algorithm 13) and keep the private keys private",
    "sign a zone with a sensible validity period and verify it with independent validators",
    "publish the signed zone and submit the DS of the KSK to the parent",
    "diagnose a broken chain of trust with dig and delv, and repair it",
  },
  needs = { "sh", "dig", "delv", "nsd", "nsd-control", "unbound", "unbound-control", "openssl",
            "ldns-keygen", "ldns-signzone", "ldns-verify-zone", "ldns-key2ds", "ldns-read-zone",
            "dnssec-keygen", "dnssec-signzone", "dnssec-verify", "dnssec-dsfromkey" },
  free_order = false,
}

local AUTH, REGISTRY, RESOLVER = 5301, 5302, 5300

---------------------------------------------------------------------------
-- per-learner values

local function vals(c)
  local v = {}
  v.zone = c:word("zone", 6) .. ".test"
  local p = c:prefix4("net", 24)                 -- "10.83.17.0/24"
  local a, b, d = p:match("^(%d+)%.(%d+)%.(%d+)%.")
  v.www4 = string.format("%s.%s.%s.%d", a, b, d, c:number("www", 10, 99))
  v.mail4 = string.format("%s.%s.%s.%d", a, b, d, c:number("mail", 100, 199))
  v.owner_txt = "owner=" .. c:hex("owner", 12)
  v.incident = c:pick("incident", { "expired-signatures", "stale-ds" })
  v.nxname = "nx-" .. c:hex("nx", 6) .. "." .. v.zone
  return v
end

values(function(c)
  local v = vals(c)
  return { zone = v.zone, www = v.www4, mail = v.mail4 }
end)

---------------------------------------------------------------------------
-- small helpers

local function trim(s) return (s:gsub("^%s+", ""):gsub("%s+$", "")) end
local function lower(s) return s:lower() end
local function fqdn(s) s = lower(s); if s:sub(-1) ~= "." then s = s .. "." end; return s end

local function lines(s)
  local t = {}
  for l in (s .. "\n"):gmatch("(.-)\r?\n") do t[#t + 1] = l end
  return t
end

local function first_lines(s, n, pat)
  local out = {}
  for _, l in ipairs(lines(s)) do
    if l ~= "" and (pat == nil or l:find(pat)) then
      out[#out + 1] = trim((l:gsub("%s+", " ")))
      if #out >= n then break end
    end
  end
  return table.concat(out, "; ")
end

local function env(c)
  return { HOME = c.workspace, LAB_WS = c.workspace, LAB_DIR = c.labdir,
           PATH = "/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin" }
end

local function run(c, argv, opts)
  local t = { argv = argv, env = env(c), timeout = 4 }
  for k, x in pairs(opts or {}) do t[k] = x end
  return c:run(t)
end

-- "owner ttl class type rdata" records of zone text (one RR per line, as
-- ldns-read-zone, dig and AXFR print them).
local function records(text)
  local rrs = {}
  for _, l in ipairs(lines(text)) do
    if l ~= "" and not l:find("^%s*;") then
      local owner, ttl, class, typ, data = l:match("^(%S+)%s+(%d+)%s+(%S+)%s+(%S+)%s*(.*)$")
      if owner and class:upper() == "IN" then
        rrs[#rrs + 1] = { name = lower(owner), ttl = tonumber(ttl), type = typ:upper(), data = trim(data) }
      end
    end
  end
  return rrs
end

local function select(rrs, typ, name)
  local t = {}
  for _, r in ipairs(rrs) do
    if r.type == typ and (name == nil or r.name == name) then t[#t + 1] = r end
  end
  return t
end

-- dig: { reply = bool, status, flags = {ad=true,...}, answer, authority, text }
-- (every dig here runs with -r: a ~/.digrc of the learner must not change what checks see)
local function dig(c, port, name, qtype, extra)
  local argv = { "dig", "-r", "+dnssec", "+time=2", "+tries=1", "+nocmd", "@127.0.0.1", "-p", tostring(port) }
  for _, x in ipairs(extra or {}) do argv[#argv + 1] = x end
  argv[#argv + 1] = name
  argv[#argv + 1] = qtype
  local r = run(c, argv)
  local res = { reply = false, flags = {}, answer = {}, authority = {}, text = r.out }
  if r.code ~= 0 then return res end
  local status = r.out:match("status: (%u+)")
  if not status then return res end
  res.reply, res.status = true, status
  local fl = r.out:match(";; flags: ([^;]*);") or ""
  for f in fl:gmatch("%a+") do res.flags[f] = true end
  local section
  for _, l in ipairs(lines(r.out)) do
    local s = l:match("^;; (%u+) SECTION:")
    if s then section = s
    elseif l == "" then section = nil
    elseif section and not l:find("^;") then
      local rr = records(l)[1]
      if rr then
        if section == "ANSWER" then res.answer[#res.answer + 1] = rr
        elseif section == "AUTHORITY" then res.authority[#res.authority + 1] = rr end
      end
    end
  end
  return res
end

local function now_plus(c, days)
  local r = run(c, { "date", "-u", "-d", "+" .. days .. " days", "+%Y%m%d%H%M%S" })
  if r.code ~= 0 then error("date failed: " .. r.err) end
  return trim(r.out)
end

local function ymd(ts)   -- 20261231203301 -> 2026-12-31 20:33 UTC
  return string.format("%s-%s-%s %s:%s UTC", ts:sub(1, 4), ts:sub(5, 6), ts:sub(7, 8), ts:sub(9, 10), ts:sub(11, 12))
end

-- RRSIG rdata: covered alg labels origttl expiration inception keytag signer sig
local function rrsig_fields(data)
  local f = {}
  for w in data:gmatch("%S+") do f[#f + 1] = w end
  return { covered = f[1], alg = tonumber(f[2]), expiration = f[5], inception = f[6],
           keytag = tonumber(f[7]), signer = f[8] and lower(f[8]) }
end

-- DNSKEY rdata: flags proto alg key...
local function dnskey_fields(data)
  local flags, proto, alg, key = data:match("^(%d+)%s+(%d+)%s+(%d+)%s+(.*)$")
  if not flags then return nil end
  return { flags = tonumber(flags), proto = tonumber(proto), alg = tonumber(alg), key = key:gsub("%s", "") }
end

---------------------------------------------------------------------------
-- the learner's key files

local ALGNAMES = { [5] = "RSASHA1", [7] = "RSASHA1-NSEC3-SHA1", [8] = "RSASHA256", [10] = "RSASHA512",
                   [13] = "ECDSAP256SHA256", [14] = "ECDSAP384SHA384", [15] = "ED25519", [16] = "ED448" }
local function algname(n) return ALGNAMES[n] or ("algorithm " .. tostring(n)) end

local function key_files(c)
  local seen, files = {}, {}
  for _, pat in ipairs({ "dns/K*.key", "dns/keys/K*.key", "K*.key" }) do
    for _, p in ipairs(c:glob(pat)) do
      if not seen[p] then seen[p] = true; files[#files + 1] = p end
    end
  end
  return files
end

-- { path, private, owner, flags, proto, alg, key } for every readable .key file
local function read_keys(c)
  local keys = {}
  for _, p in ipairs(key_files(c)) do
    local text = c:try_read(p, 65536)
    if text then
      for _, l in ipairs(lines(text)) do
        local owner, rest = l:match("^([^;%s]%S*)%s+.-DNSKEY%s+(.*)$")
        if owner then
          local k = dnskey_fields((rest:gsub(";.*$", "")))
          if k then
            k.path, k.owner = p, fqdn(owner)
            k.private = p:gsub("%.key$", ".private")
            keys[#keys + 1] = k
          end
          break
        end
      end
    end
  end
  return keys
end

---------------------------------------------------------------------------
-- zone content as nsd serves it, verified by ldns-verify-zone

local function axfr(c, v)
  local r = run(c, { "dig", "-r", "+norec", "+nocmd", "+nostats", "+nocomments", "+time=2", "+tries=1",
                     "@127.0.0.1", "-p", tostring(AUTH), v.zone, "AXFR" })
  if r.code ~= 0 or not r.out:find("SOA") then return nil end
  return r.out
end

-- the first "Error:" lines of ldns-verify-zone (else whatever it printed)
local function ldns_errors(r)
  local all = r.out .. "\n" .. r.err
  local e = first_lines(all, 2, "^Error")
  if e == "" then e = first_lines(all, 2, "%S") end
  return e
end

-- nil when the text validates (and, with days, stays valid that long), else a message
local function verify_text(c, text, days)
  local argv = { "ldns-verify-zone" }
  if days then argv[#argv + 1] = "-e"; argv[#argv + 1] = "P" .. days .. "D" end
  -- no file name: ldns-verify-zone reads standard input (never /dev/stdin: a
  -- pipe made before switching to the learner cannot be reopened by them)
  local r = run(c, argv, { stdin = text })
  if r.code == 0 then return nil end
  return ldns_errors(r)
end

-- advice for an ldns-verify-zone message
local function advice(msg)
  if msg:find("will expire too soon") then
    return "Some signatures expire within 14 days. Sign again with a later expiration date (ldns-signzone -e, dnssec-signzone -e) — an operator re-signs long before that."
  elseif msg:find("expired") then
    return "Signatures have expired. Sign again with an expiration date at least 14 days ahead (ldns-signzone -e YYYYMMDDhhmmss, or dnssec-signzone -e now+2592000)."
  elseif msg:find("not incepted") then
    return "Signatures are not valid yet (inception in the future). Sign again without a future -i date."
  elseif msg:find("Bogus") then
    return "A record was changed after signing, so its signature no longer matches. Never edit the signed file: edit the unsigned zone, raise the SOA serial and sign again."
  elseif msg:find("no signatures") then
    return "An RRset has no RRSIG at all. Every RRset of the zone must be signed: sign the whole zone again instead of adding records to the signed file."
  elseif msg:find("NSEC") then
    return "The NSEC/NSEC3 chain is incomplete, so a resolver cannot prove that a name does not exist (RFC 4035 section 5.4). Sign the whole zone again rather than editing the signed file."
  end
  return "Sign the zone again from the unsigned file with both keys."
end

---------------------------------------------------------------------------
-- the lab's own services (the learner's nsd is theirs: never restarted here)

local function lab_services(c)
  local ws = c.workspace
  return {
    { "registry", { "/usr/sbin/nsd", "-d", "-c", ws .. "/.dnslab/registry/nsd.conf" } },
    { "unbound", { "/usr/sbin/unbound", "-d", "-c", ws .. "/.dnslab/unbound/unbound.conf" } },
  }
end

-- start the registry and the resolver again if they stopped (say, after
-- 'unbound-control stop'), and wait until they answer
local function lab_infra(c)
  local again = false
  for _, s in ipairs(lab_services(c)) do
    if c:service_status(s[1]) ~= "running" then c:start_service(s[1], s[2]); again = true end
  end
  if again then
    local e = env(c)
    e.LAB_WAIT_ROUNDS = "30"
    run(c, { "sh", c.labdir .. "/bin/lab-wait", "lab" }, { env = e, timeout = 5 })
  end
end

---------------------------------------------------------------------------
-- the DS at the registry against the DNSKEYs the learner's server serves

-- served DNSKEYs: list of { tag, flags, alg, key } plus DS digests by tag
local function served_keys(c, v)
  local r = run(c, { "dig", "-r", "+norec", "+multi", "+time=2", "+tries=1", "@127.0.0.1", "-p", tostring(AUTH), v.zone, "DNSKEY" })
  local keys, cur = {}, nil
  for _, l in ipairs(lines(r.out)) do
    local flags, alg = l:match("^%S+%s+%d+%s+IN%s+DNSKEY%s+(%d+)%s+%d+%s+(%d+)")
    if flags then cur = { flags = tonumber(flags), alg = tonumber(alg) }; keys[#keys + 1] = cur end
    local tag = l:match("key id = (%d+)")
    if tag and cur then cur.tag = tonumber(tag); cur = nil end
  end
  if #keys == 0 then return keys end
  local plain = run(c, { "dig", "-r", "+norec", "+noall", "+answer", "+time=2", "+tries=1", "@127.0.0.1", "-p", tostring(AUTH), v.zone, "DNSKEY" })
  local ds = run(c, { "dnssec-dsfromkey", "-A", "-2", "-f", "-", v.zone }, { stdin = plain.out })
  local digest = {}
  for _, l in ipairs(lines(ds.out)) do
    local tag, alg, dt, dg = l:match("IN%s+DS%s+(%d+)%s+(%d+)%s+(%d+)%s+(%x+)")
    if tag then digest[tonumber(tag)] = dg:upper() end
  end
  for _, k in ipairs(keys) do k.ds = k.tag and digest[k.tag] end
  return keys
end

-- DS records the registry serves for the zone: list of { tag, alg, dtype, digest }
local function registry_ds(c, v)
  local d = dig(c, REGISTRY, v.zone, "DS", { "+norec" })
  if not d.reply then return nil end
  local out = {}
  for _, rr in ipairs(select(d.answer, "DS")) do
    local tag, alg, dt, dg = rr.data:match("^(%d+)%s+(%d+)%s+(%d+)%s+(.+)$")
    if tag then
      out[#out + 1] = { tag = tonumber(tag), alg = tonumber(alg), dtype = tonumber(dt), digest = dg:gsub("%s", ""):upper() }
    end
  end
  return out
end

-- nil when every DS at the registry is the SHA-256 digest of a KSK the zone serves
local function ds_problem(c, v)
  lab_infra(c)
  local held = registry_ds(c, v)
  if held == nil then
    return "The registry's server (127.0.0.1 port 5302) does not answer. This is the lab's part: check again in a few seconds."
  end
  if #held == 0 then
    return string.format("The registry holds no DS for %s yet, so the chain of trust stops at the parent zone test. Make the DS of your KSK and submit it: registry submit FILE.", v.zone)
  end
  local keys = served_keys(c, v)
  if #keys == 0 then
    return string.format("Your server does not serve DNSKEY records for %s, so no DS can match. Publish the signed zone first (step 4).", v.zone)
  end
  local ksk
  for _, k in ipairs(keys) do if k.flags == 257 then ksk = k end end
  for _, d in ipairs(held) do
    local match
    for _, k in ipairs(keys) do
      if k.tag == d.tag and k.alg == d.alg and d.dtype == 2 and k.ds == d.digest then match = k end
    end
    if match and match.flags ~= 257 then
      return string.format("The DS you submitted matches key tag %d, which is your ZSK (flags %d). A DS must point to the key-signing key: submit the DS of the key with flags 257%s.",
        d.tag, match.flags, ksk and string.format(" (key tag %d)", ksk.tag) or "")
    elseif not match then
      local same
      for _, k in ipairs(keys) do if k.tag == d.tag then same = k end end
      if same and d.dtype == 2 then
        local want = same.ds or "?"
        local i = 1
        while i <= #want and want:sub(i, i) == d.digest:sub(i, i) do i = i + 1 end
        return string.format("The DS for key tag %d has the wrong digest: from hex digit %d on, the registry holds %s... where the SHA-256 digest of your key has %s.... Make the DS with a tool (ldns-key2ds -n -2 or dnssec-dsfromkey -2) from the .key file instead of copying or editing it.",
          d.tag, i, d.digest:sub(i, i + 7), want:sub(i, i + 7))
      elseif d.dtype ~= 2 then
        return string.format("The DS for key tag %d uses digest type %d; this lab wants SHA-256 (digest type 2).", d.tag, d.dtype)
      else
        return string.format("The registry holds a DS with key tag %d, but your server publishes no key with that tag%s. Is it the DS of an old or a deleted key? Submit the DS of your current KSK.",
          d.tag, ksk and string.format(" (your KSK has key tag %d)", ksk.tag) or "")
      end
    end
  end
  return nil
end

---------------------------------------------------------------------------
-- the chain of trust, through the lab's resolver

local function flush(c, v)
  local conf = c.workspace .. "/.dnslab/unbound/unbound.conf"
  -- removes rrsets, messages (negative ones too) and key entries at or below the zone
  run(c, { "unbound-control", "-c", conf, "flush_zone", v.zone })
end

local function unbound_says(c, v)
  local log = c:service_log("unbound", 16384) or ""
  local last
  for _, l in ipairs(lines(log)) do
    if l:find("validation failure") and l:lower():find(v.zone, 1, true) then last = l end
  end
  if last then return " The resolver's log says: " .. trim(last:gsub("^.-info: ", "")) .. "." end
  return ""
end

-- why is the chain broken? (best first)
local function diagnose(c, v)
  local text = axfr(c, v)
  if text then
    local bad = verify_text(c, text)
    if bad then return "The zone your server serves does not validate: " .. bad .. ". " .. advice(bad) end
  end
  local p = ds_problem(c, v)
  if p then return p end
  return "Compare the DS at the registry (dig @127.0.0.1 -p 5302 " .. v.zone .. " DS) with your DNSKEYs, and look at the signatures with dig +cd +dnssec."
end

-- nil when the resolver validates a name and an NXDOMAIN of the zone, else a message
local function chain_problem(c, v, brief)
  lab_infra(c)
  flush(c, v)
  local www = "www." .. v.zone
  local auth = dig(c, AUTH, v.zone, "SOA", { "+norec" })
  if not auth.reply then
    return "Your nsd (127.0.0.1 port 5301) does not answer, so nobody can resolve your zone. Find config errors with nsd-checkconf ~/dns/nsd.conf, then start it: nsd -c ~/dns/nsd.conf"
  end
  local d = dig(c, RESOLVER, www, "A")
  if not d.reply then
    return "The lab's resolver (127.0.0.1 port 5300) does not answer. Check again in a few seconds; if that does not help, restart the lab."
  end
  if d.status == "SERVFAIL" then
    if brief then
      return string.format("The resolver answers SERVFAIL for %s: some link of the chain of trust does not validate. Compare dig with and without +cd, and ask delv which link fails.", www)
    end
    return string.format("The resolver answers SERVFAIL for %s: it cannot validate your zone, so it refuses to answer at all (RFC 4035 section 5.5).%s %s",
      www, unbound_says(c, v), diagnose(c, v))
  end
  if d.status ~= "NOERROR" or #select(d.answer, "A") == 0 then
    return string.format("The resolver answers %s for %s A; it should find the address from your zone file.", d.status, www)
  end
  if not d.flags.ad then
    local p = ds_problem(c, v)
    return string.format("The resolver answers for %s, but without the ad flag: it treats your zone as unsigned (insecure). %s",
      www, p or "Make sure your server serves the signed zone and the registry holds the DS of your KSK.")
  end
  local n = dig(c, RESOLVER, v.nxname, "A")
  if n.status == "SERVFAIL" then
    return string.format("Names in your zone validate, but the NXDOMAIN for %s does not: the resolver cannot check the proof of non-existence (NSEC or NSEC3 records and their signatures).%s %s",
      v.nxname, unbound_says(c, v), diagnose(c, v))
  end
  if n.status ~= "NXDOMAIN" then
    return string.format("The resolver answers %s for %s, which does not exist in your zone; expected NXDOMAIN. Is there a wildcard in your zone?", tostring(n.status), v.nxname)
  end
  if not n.flags.ad then
    return string.format("The NXDOMAIN for %s comes without the ad flag: its proof of non-existence did not validate.", v.nxname)
  end
  -- the resolver is happy; the chain it followed must be the real one
  -- (registry DS = digest of the KSK your server publishes), not a changed
  -- trust anchor in the resolver's configuration
  return ds_problem(c, v)
end

---------------------------------------------------------------------------
-- setup

setup(function(c)
  local v = vals(c)
  local e = env(c)
  e.ZONE, e.WWW4, e.MAIL4, e.OWNER_TXT, e.INCIDENT = v.zone, v.www4, v.mail4, v.owner_txt, v.incident
  local r = c:run { argv = { "sh", c.labdir .. "/bin/lab-setup" }, env = e, timeout = 30 }
  if r.code ~= 0 then error("lab-setup failed (" .. tostring(r.code) .. "): " .. r.err .. r.out) end
  local ws = c.workspace
  -- the learner's server runs as the learner: it is theirs to reload, stop, restart
  c:start_service("nsd", { "/usr/sbin/nsd", "-d", "-c", ws .. "/dns/nsd.conf" }, { as = "learner" })
  for _, s in ipairs(lab_services(c)) do c:start_service(s[1], s[2]) end
  local w = c:run { argv = { "sh", c.labdir .. "/bin/lab-wait" }, env = e, timeout = 10 }
  if w.code ~= 0 then
    -- the learner's own nsd may fail on a config they broke; the lab's two must run
    if w.out:find("registry") or w.out:find("unbound") then
      error("lab services did not start: " .. w.out .. "\n" .. (c:service_log("registry", 2000) or "") .. (c:service_log("unbound", 2000) or ""))
    end
  end
end)

---------------------------------------------------------------------------
-- steps

local CHOICE_RIGHT = "Whether the answer really comes from the zone's operator and was not changed on the way"

step {
  id = "look", title = "Look at your zone as the world sees it", text = "steps/01-look.md", points = 5,
  question = { kind = "choice", choices = {
    "Whether the name server is reachable",
    CHOICE_RIGHT,
    "Whether the record has expired from its cache",
    "Nothing: the answer is already protected because it came over TCP",
  } },
  hints = { { text = "The ad flag means 'authenticated data'. Which property of the data can an unsigned zone not give?", cost = 1 } },
  check = function(c, answer)
    c:expect(answer == CHOICE_RIGHT,
      "Not quite. Without signatures the resolver can reach the server and cache the answer perfectly well; what it cannot do is prove the data is authentic (RFC 4033 section 3).")
  end,
}

step {
  id = "keys", title = "Generate a KSK and a ZSK", text = "steps/02-keys.md", points = 10,
  hints = {
    { text = "In ~/dns: ldns-keygen -a ECDSAP256SHA256 -k ZONE makes the KSK, the same without -k makes the ZSK. With BIND: dnssec-keygen -a ECDSAP256SHA256 -f KSK ZONE, and without -f KSK.", cost = 2 },
    { text = "ls -l K*.private shows the permissions; chmod 600 makes a file readable by you alone.", cost = 1 },
  },
  check = function(c)
    local v = vals(c)
    local zone = fqdn(v.zone)
    local keys = read_keys(c)
    c:expect(#keys > 0, "There are no key files (K*.key) in ~/dns yet. Generate the two keys there, for the owner name %s.", v.zone)
    local mine, others = {}, {}
    for _, k in ipairs(keys) do
      if k.owner == zone then mine[#mine + 1] = k else others[#others + 1] = k end
    end
    if #mine == 0 then
      c:fail("%s is a key for '%s', but your zone is %s. The owner name of a DNSKEY must be the zone's apex: generate the keys for %s.",
        others[1].path, others[1].owner, v.zone, v.zone)
    end
    local ksk, zsk
    for _, k in ipairs(mine) do
      c:expect(k.alg == 13, "%s uses %s (algorithm %d); this lab uses ECDSAP256SHA256 (algorithm 13) for both keys: short signatures, strong keys, supported by every validator (RFC 8624). Remove it and generate it again with -a ECDSAP256SHA256.",
        k.path, algname(k.alg), k.alg)
      c:expect(k.proto == 3, "%s has protocol %d in its DNSKEY; it must be 3 (RFC 4034 section 2.1.2).", k.path, k.proto)
      c:expect(k.flags == 257 or k.flags == 256, "%s has flags %d; a KSK has 257 (zone key + secure entry point), a ZSK 256.", k.path, k.flags)
      local st = c:stat(k.private)
      c:expect(st ~= nil and st.type == "file", "%s has no private key next to it (%s): a key you cannot sign with is of no use. Generate the pair again.", k.path, k.private)
      c:expect(st.mode & 4 == 0,
        "%s is readable by everyone (mode %s). Whoever reads a private key can sign anything in your zone: chmod 600 %s",
        k.private, st.perms, k.private:match("[^/]+$"))
      local priv = c:try_read(k.private, 65536)   -- nil if the checks may not read it: fine
      local palg = priv and tonumber(priv:match("Algorithm:%s*(%d+)") or "")
      c:expect(priv == nil or palg == 13, "%s is not an algorithm 13 private key (it says algorithm %s). Keep each .private with its own .key.", k.private, tostring(palg))
      if k.flags == 257 then ksk = k else zsk = k end
    end
    c:expect(ksk, "You have a ZSK (flags 256) but no KSK: generate a second key with the SEP flag (ldns-keygen -k, or dnssec-keygen -f KSK); its DNSKEY has flags 257.")
    c:expect(zsk, "You have a KSK (flags 257) but no ZSK: generate a second key without -k / -f KSK; its DNSKEY has flags 256.")
  end,
}

-- the signed file the learner made
local function signed_file(c, v)
  local want = "dns/" .. v.zone .. ".zone.signed"
  if c:exists(want) then return want end
  local any = c:glob("dns/*.signed")
  return any[#any]
end

step {
  id = "sign", title = "Sign the zone", text = "steps/03-sign.md", points = 20,
  hints = {
    { text = "ldns-signzone -e $(date -u -d '+30 days' +%Y%m%d%H%M%S) -o ZONE ZONE.zone Kksk Kzsk (key names without .key). BIND: dnssec-signzone -S -K . -e now+2592000 -o ZONE ZONE.zone", cost = 3 },
    { text = "Check your work before the lab does: ldns-verify-zone -e P14D ZONE.zone.signed, dnssec-verify -o ZONE ZONE.zone.signed", cost = 2 },
  },
  check = function(c)
    local v = vals(c)
    local zone = fqdn(v.zone)
    local file = signed_file(c, v)
    c:expect(file, "There is no signed zone file in ~/dns yet. Both ldns-signzone and dnssec-signzone write %s.zone.signed next to the zone file.", v.zone)
    local rz = run(c, { "ldns-read-zone", file })
    c:expect(rz.code == 0, "%s is not a zone file I can read: %s", file, first_lines(rz.err .. rz.out, 2, "%S"))
    local rrs = records(rz.out)
    local soa = select(rrs, "SOA")
    c:expect(#soa == 1, "%s should contain exactly one SOA record, it has %d.", file, #soa)
    c:expect(soa[1].name == zone, "%s is a zone for %s, not for your zone %s. Sign the zone file ~/dns/%s.zone with origin %s (-o).",
      file, soa[1].name, v.zone, v.zone, v.zone)
    for _, r in ipairs(select(rrs, "RRSIG")) do
      local s = rrsig_fields(r.data)
      c:expect(s.signer == zone, "The signature over %s %s was made by %s, not by your zone %s: the keys and the signing origin must be your zone's name.",
        r.name, s.covered, tostring(s.signer), v.zone)
    end
    local ksk, zsk
    for _, r in ipairs(select(rrs, "DNSKEY", zone)) do
      local k = dnskey_fields(r.data)
      if k and k.alg == 13 and k.flags == 257 then ksk = true end
      if k and k.alg == 13 and k.flags == 256 then zsk = true end
    end
    c:expect(ksk and zsk, "The signed zone must publish both your keys at %s: a DNSKEY with flags 257 (KSK) and one with 256 (ZSK), algorithm 13. Sign with both key files.", zone)
    -- every RRset of the unsigned zone must be in the signed one
    local src = c:try_read("dns/" .. v.zone .. ".zone")
    if src then
      local ur = run(c, { "ldns-read-zone", "dns/" .. v.zone .. ".zone" })
      if ur.code == 0 then
        local have = {}
        for _, r in ipairs(rrs) do have[r.name .. " " .. r.type] = true end
        for _, r in ipairs(records(ur.out)) do
          c:expect(have[r.name .. " " .. r.type], "The signed zone has no %s %s, which your zone file ~/dns/%s.zone has. Sign the current zone file again.", r.name, r.type, v.zone)
        end
      end
    end
    -- two independent validators
    local lv = run(c, { "ldns-verify-zone", file })
    if lv.code ~= 0 then
      local msg = ldns_errors(lv)
      c:fail("ldns-verify-zone rejects %s: %s. %s", file, msg, advice(msg))
    end
    local bv = run(c, { "dnssec-verify", "-o", v.zone, file })
    c:expect(bv.code == 0, "dnssec-verify rejects %s: %s", file, first_lines(bv.err .. bv.out, 2, "[Ee]rror|fail|[Nn]o "))
    -- validity window: at least 14 days from now
    local lim = now_plus(c, 14)
    local earliest
    for _, r in ipairs(select(rrs, "RRSIG")) do
      local s = rrsig_fields(r.data)
      if earliest == nil or s.expiration < earliest then earliest = s.expiration end
    end
    local ew = run(c, { "ldns-verify-zone", "-e", "P14D", file })
    c:expect(ew.code == 0 and earliest and earliest >= lim,
      "Your signatures expire on %s, less than 14 days from now. A zone whose signatures run out disappears for every validating resolver: sign with an expiration date at least two weeks ahead (30 days is common) and re-sign well before it.",
      earliest and ymd(earliest) or "?")
  end,
}

step {
  id = "publish", title = "Publish the signed zone", text = "steps/04-publish.md", points = 10,
  hints = {
    { text = "In ~/dns/nsd.conf, set zonefile: to the .signed file; then nsd-control -c ~/dns/nsd.conf reconfig and nsd-control -c ~/dns/nsd.conf reload ZONE", cost = 2 },
    { text = "dig +dnssec +norec @127.0.0.1 -p 5301 ZONE SOA should show an RRSIG next to the SOA.", cost = 1 },
  },
  check = function(c)
    local v = vals(c)
    local d = dig(c, AUTH, v.zone, "SOA", { "+norec" })
    c:expect(d.reply, "Nothing answers on 127.0.0.1 port 5301. Is your nsd running? Find config errors with nsd-checkconf ~/dns/nsd.conf, then start it with: nsd -c ~/dns/nsd.conf")
    c:expect(d.status == "NOERROR" and #select(d.answer, "SOA") > 0,
      "Your nsd answers %s for %s SOA: it did not load the zone. nsd-checkzone %s ~/dns/FILE shows why; the service log of nsd too.", tostring(d.status), v.zone, v.zone)
    c:expect(#select(d.answer, "RRSIG") > 0,
      "Your nsd still serves the unsigned zone: there is no RRSIG next to the SOA. Point zonefile: in ~/dns/nsd.conf at the signed file, then run nsd-control -c ~/dns/nsd.conf reconfig and nsd-control -c ~/dns/nsd.conf reload %s.", v.zone)
    local k = dig(c, AUTH, v.zone, "DNSKEY", { "+norec" })
    local n = #select(k.answer, "DNSKEY")
    c:expect(n >= 2, "Your nsd serves %d DNSKEY record(s) for %s; it should serve both your KSK and your ZSK.", n, v.zone)
    local text = axfr(c, v)
    c:expect(text, "Could not read the zone from your nsd with AXFR (dig @127.0.0.1 -p 5301 %s AXFR). Keep the line 'provide-xfr: 127.0.0.1 NOKEY' in the zone's section of ~/dns/nsd.conf.", v.zone)
    local bad = verify_text(c, text)
    if bad then c:fail("The zone your nsd serves does not validate: %s. %s", bad, advice(bad)) end
  end,
}

step {
  id = "ds", title = "Submit the DS to the registry", text = "steps/05-ds.md", points = 15,
  hints = {
    { text = "ldns-key2ds -n -2 KSK.key prints the DS (SHA-256) of a key; with BIND: dnssec-dsfromkey -2 KSK.key. Make sure it is the key whose DNSKEY has flags 257.", cost = 2 },
    { text = "registry show lists what the registry holds; dig @127.0.0.1 -p 5302 ZONE DS shows what the parent zone serves.", cost = 1 },
  },
  check = function(c)
    local v = vals(c)
    local p = ds_problem(c, v)
    if p then c:fail("%s", p) end
  end,
}

step {
  id = "validate", title = "Validate through the resolver", text = "steps/06-validate.md", points = 15,
  hints = {
    { text = "dig +dnssec @127.0.0.1 -p 5300 www.ZONE A: look for 'ad' in the flags line.", cost = 1 },
    { text = "When the resolver says SERVFAIL, dig +cd (checking disabled) still shows the data, and delv -a ~/.dnslab/anchors.conf +root=test @127.0.0.1 -p 5300 +cd NAME says what fails.", cost = 2 },
  },
  check = function(c)
    local v = vals(c)
    local p = chain_problem(c, v)
    if p then c:fail("%s", p) end
  end,
}

step {
  id = "incident", title = "Incident: the chain breaks", text = "steps/07-incident.md", points = 20,
  hints = {
    { text = "Start with the symptom (dig through 127.0.0.1 port 5300), then the same with +cd, then delv with the lab's trust anchor: it names the failing link.", cost = 3 },
    { text = "Two usual suspects: the RRSIG expiration dates in your zone, and the DS the registry serves (its key tag against your KSK's).", cost = 3 },
  },
  check = function(c)
    local v = vals(c)
    c:expect(c:exists(".dnslab/incident/started"), "The incident has not started yet: run incident in the terminal, then find and fix what breaks.")
    local p = chain_problem(c, v, true)
    if p then c:fail("Still broken. %s", p) end
    if v.incident == "expired-signatures" then
      local text = axfr(c, v)
      local bad = text and verify_text(c, text, 14)
      c:expect(text and not bad, "The chain validates again, but %s. Sign with an expiration date at least 14 days ahead so that the next check of the help desk does not find the same outage.",
        bad or "the lab could not read your zone")
    else
      local ds = ds_problem(c, v)
      if ds then c:fail("%s", ds) end
    end
  end,
}

step {
  id = "nsec3", title = "Optional: deny existence with NSEC3", text = "steps/08-nsec3.md", points = 10,
  hints = {
    { text = "ldns-signzone -n -t 0 ... (no -s: empty salt), or dnssec-signzone -3 - -H 0 ... Then reload nsd.", cost = 2 },
  },
  check = function(c)
    local v = vals(c)
    local d = dig(c, AUTH, v.zone, "NSEC3PARAM", { "+norec" })
    c:expect(d.reply, "Nothing answers on 127.0.0.1 port 5301: start your nsd again (nsd -c ~/dns/nsd.conf).")
    local p = select(d.answer, "NSEC3PARAM")
    c:expect(#p == 1, "Your nsd serves no NSEC3PARAM record for %s: sign the zone with NSEC3 (ldns-signzone -n, dnssec-signzone -3 -) and reload it.", v.zone)
    local alg, flags, iter, salt = p[1].data:match("^(%d+)%s+(%d+)%s+(%d+)%s+(%S+)")
    c:expect(tonumber(iter) == 0, "Your NSEC3 chain uses %s extra iterations. RFC 9276 asks for 0: more iterations cost resolvers CPU without stopping zone walking, and many validators treat high counts as insecure.", tostring(iter))
    c:expect(salt == "-", "Your NSEC3 chain uses the salt %s. RFC 9276 recommends no salt (-): it adds nothing against offline dictionary attacks on a zone that is re-signed with the same salt.", tostring(salt))
    local text = axfr(c, v)
    c:expect(text, "Could not read the zone from your nsd with AXFR.")
    local bad = verify_text(c, text, 14)
    if bad then c:fail("The NSEC3-signed zone your nsd serves does not validate: %s. %s", bad, advice(bad)) end
    local ch = chain_problem(c, v)
    if ch then c:fail("%s", ch) end
    local n = dig(c, RESOLVER, v.nxname, "A")
    c:expect(#select(n.authority, "NSEC3") > 0, "The NXDOMAIN for %s still carries NSEC records, not NSEC3: the resolver may have cached the old proof; make sure nsd serves the NSEC3-signed zone.", v.nxname)
  end,
}
