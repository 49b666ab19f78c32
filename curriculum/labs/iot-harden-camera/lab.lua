-- Harden a smart camera's firmware image (ETSI EN 303 645, OWASP IoT Top 10, CLS-style label).
--
-- The image lives in the learner's workspace at ~/rootfs, built at setup by device/build-image.sh
-- from the cell's busybox-static and text files, with per-learner values from the seed.
-- device/supervisor "runs" the camera: it reads the image's boot files and starts the services
-- they name (busybox telnetd/httpd, a shell backdoor, a gdbserver stand-in) on 127.0.0.1.
--
-- The checks never execute anything from the image: they read its files (resolving absolute
-- symbolic links against the image root, refusing links that leave it) and give them to host
-- tools as data (sshd -T, openssl, readelf, find, grep, perl's crypt()).
-- Provision numbers are those of ETSI EN 303 645 V2.1.1.

local pw = require "labkit.passwd"
local text = require "labkit.text"

local ROOT = "rootfs"

lab {
  id = "iot-harden-camera",
  title = "Harden a smart camera's firmware image",
  version = 1,
  summary = "Break into a cheap smart camera with its default password, then harden its firmware "
    .. "image until it would earn a consumer IoT security label (ETSI EN 303 645).",
  audience = { "youth", "university", "industry" },
  minutes = 60,
  objectives = {
    "find a device's network services and log in with a default password",
    "remove universal default passwords and extra UID 0 accounts (EN 303 645 5.1)",
    "minimise the attack surface: telnet, serial root shell, debug backdoors, SSH (5.6)",
    "keep secrets out of the image and the web root (5.4)",
    "make updates signed and communication verified (5.3, 5.5)",
    "fix file permissions, publish a security contact and a support period (5.2, 5.3-13)",
    "read what a Cybersecurity-Label-style scheme asks for at each level",
  },
  needs = { "sh", "busybox", "perl", "openssl", "ssh-keygen", "sshd", "gcc", "readelf", "find", "grep", "date" },
}

---------------------------------------------------------------------------------------------
-- Per-learner values (the same labels always give the same values for a learner).

local MIRAI_ROOT = { "xc3511", "vizxv", "888888", "xmhdipc", "juantech", "hi3518", "klv123", "jvbzd", "anko", "7ujMko0vizxv" }
local HIDDEN_PW = { "zlxx.", "Zte521", "dreambox", "realtek", "ikwb", "klv1234" }
local WEB_PW = { "admin", "1234", "12345", "meinsm", "smcadmin", "password" }
local HIDDEN_USER = { "sysdiag", "mtdsvc", "factory", "rdbg", "svcadmin" }

local function V(c)
  return {
    root_pw = c:pick("root-pw", MIRAI_ROOT),
    hidden_user = c:pick("hidden-user", HIDDEN_USER),
    hidden_pw = c:pick("hidden-pw", HIDDEN_PW),
    web_pw = c:pick("web-pw", WEB_PW),
    telnet = c:number("telnet-port", 2300, 2399),
    http = c:number("http-port", 8000, 8099),
    backdoor = c:number("backdoor-port", 9500, 9599),
    gdb = c:number("gdb-port", 1200, 1299),
    api_key = "LCK" .. c:hex("api-key", 24):upper(),
    api_secret = c:hex("api-secret", 40),
    serial = "LC200-" .. c:hex("serial", 8):upper(),
  }
end

---------------------------------------------------------------------------------------------
-- Small helpers.

local B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
local function b64(s)
  local out = {}
  for i = 1, #s, 3 do
    local a, b, d = s:byte(i, i + 2)
    local n = (a << 16) | ((b or 0) << 8) | (d or 0)
    local q = {}
    for k = 3, 0, -1 do
      local v = (n >> (6 * k)) & 63
      q[#q + 1] = B64:sub(v + 1, v + 1)
    end
    if not b then q[3], q[4] = "=", "=" elseif not d then q[4] = "=" end
    out[#out + 1] = table.concat(q)
  end
  return table.concat(out)
end

local function unhex(h)
  return (h:gsub("..", function(x) return string.char(tonumber(x, 16)) end))
end

local function pem(label, der)
  local body = b64(der)
  local lines = { "-----BEGIN " .. label .. "-----" }
  for i = 1, #body, 64 do lines[#lines + 1] = body:sub(i, i + 63) end
  lines[#lines + 1] = "-----END " .. label .. "-----"
  return table.concat(lines, "\n") .. "\n"
end

-- The vendor-wide device key (the same on every camera of the model): Ed25519, PKCS#8.
local function vendor_key_b64(c)
  return b64(unhex("302e020100300506032b657004220420" .. c:hex("vendor-key", 64)))
end

-- The vendor's firmware-signing key (P-256, SEC1 without the public part). Its private half
-- never enters the workspace; setup signs the sample release with it through stdin.
local function signing_key_pem(c)
  local d = "7" .. c:hex("update-signing-key", 63)
  return pem("EC PRIVATE KEY", unhex("30310201010420" .. d .. "a00a06082a8648ce3d030107"))
end

local function sh(c, script, opts)
  opts = opts or {}
  return c:run { "sh", "-c", script, "sh", table.unpack(opts.args or {}),
                 stdin = opts.stdin, timeout = opts.timeout, env = opts.env }
end

-- A check shows the first problems, as many as fit in about 700 bytes (verdicts carry at most
-- 1 KiB of feedback), and says how many more there are.
local function report(c, problems)
  if #problems == 0 then return end
  local shown, len = { problems[1] }, #problems[1]
  for i = 2, #problems do
    if len + #problems[i] > 700 then break end
    shown[i] = problems[i]
    len = len + #problems[i] + 1
  end
  local more = #problems > #shown and string.format(" (and %d more)", #problems - #shown) or ""
  local msg = table.concat(shown, " ")
  if #msg > 900 then msg = msg:sub(1, 880):gsub("[\128-\255]*$", "") .. "..." end
  c:fail("%s%s", msg, more)
end

local function strip_comment(l)
  local i = 1
  while true do
    local p = l:find("#", i, true)
    if not p then return l end
    if p == 1 or l:sub(p - 1, p - 1):match("%s") then return l:sub(1, p - 1) end
    i = p + 1
  end
end

---------------------------------------------------------------------------------------------
-- The image: resolving paths inside it like the device's kernel would (absolute link targets
-- are relative to the image root), refusing links that leave it.

local function resolve(c, path)
  local todo = {}
  for part in path:gmatch("[^/]+") do if part ~= "." then todo[#todo + 1] = part end end
  local done, links, i = {}, 0, 1
  while i <= #todo do
    local comp = todo[i]
    if comp == ".." then
      if #done == 0 then return nil, string.format("%s: a symbolic link leaves the image", path) end
      done[#done] = nil
      i = i + 1
    else
      local wp = ROOT .. "/" .. table.concat(done, "/") .. (#done > 0 and "/" or "") .. comp
      local st = c:stat(wp)
      if st and st.type == "link" then
        links = links + 1
        if links > 40 then return nil, string.format("%s: too many symbolic links", path) end
        local rest = {}
        for part in st.target:gmatch("[^/]+") do if part ~= "." then rest[#rest + 1] = part end end
        for k = i + 1, #todo do rest[#rest + 1] = todo[k] end
        if st.target:sub(1, 1) == "/" then done = {} end
        todo, i = rest, 1
      else
        done[#done + 1] = comp
        i = i + 1
      end
    end
  end
  return ROOT .. (#done > 0 and "/" .. table.concat(done, "/") or "")
end

local function img_stat(c, path)
  local wp, why = resolve(c, path)
  if not wp then return nil, why end
  return c:stat(wp), wp
end

local function img_read(c, path, max)
  local wp, why = resolve(c, path)
  if not wp then return nil, why end
  local st = c:stat(wp)
  if not st then return nil, path .. " does not exist in the image" end
  if st.type ~= "file" then return nil, path .. " is not a regular file" end
  return c:try_read(wp, max)
end

local function imgname(wp) return (wp:gsub("^" .. ROOT, "")) end

-- What the camera's boot acts on (the same rules as device/common.pl): inittab entries, and
-- the non-comment lines of executable /etc/init.d/S* scripts and /etc/rc.local up to a
-- top-level 'exit'. Returns { file, n, cmd, id, action }.
local function boot_lines(c)
  local out = {}
  local inittab = img_read(c, "/etc/inittab")
  if inittab then
    local n = 0
    for _, l in ipairs(text.lines(inittab)) do
      n = n + 1
      if not l:match("^%s*#") and not l:match("^%s*$") then
        local id, _, action, cmd = l:match("^([^:]*):([^:]*):([^:]*):(.*)$")
        if cmd then out[#out + 1] = { file = "/etc/inittab", n = n, cmd = cmd, id = id, action = action } end
      end
    end
  end
  local scripts = {}
  local dir = resolve(c, "/etc/init.d")
  local names = dir and c:list(dir)
  for _, name in ipairs(names or {}) do
    if name:sub(1, 1) == "S" then scripts[#scripts + 1] = "/etc/init.d/" .. name end
  end
  scripts[#scripts + 1] = "/etc/rc.local"
  for _, s in ipairs(scripts) do
    local st = img_stat(c, s)
    if st and st.type == "file" and (st.mode & 73) ~= 0 then
      local body = img_read(c, s) or ""
      local n = 0
      for _, l in ipairs(text.lines(body)) do
        n = n + 1
        if l:match("^exit[%s;]") or l == "exit" then break end
        local cmd = strip_comment(l)
        if not cmd:match("^%s*$") then out[#out + 1] = { file = s, n = n, cmd = cmd } end
      end
    end
  end
  return out
end

local function where(b) return string.format("%s line %d", b.file, b.n) end

---------------------------------------------------------------------------------------------
-- 5.1 No universal default passwords.

local function dictionary(c)
  local words = {}
  for _, l in ipairs(text.lines(c:read_lab("device/words.txt"))) do
    if l ~= "" and l:sub(1, 1) ~= "#" then words[#words + 1] = l end
  end
  return words
end

-- Returns name -> word for every hash that is crypt() of a dictionary word (the lab's own
-- factory passwords first, then device/words.txt in order, the user name and name123), and
-- whether every hash was tried against every word. crypt() is slow on purpose (yescrypt: tens
-- of ms per try), so the attack stops after BUDGET seconds; hashes it could not finish count
-- as not cracked (an attacker would be just as slowed down).
local CRYPT = [[
use Time::HiRes qw(time);
my ($file, $budget, @first) = @ARGV; my $t0 = time;
my @w = @first; open(my $f, '<', $file) or die "$file: $!";
while (<$f>) { chomp; push @w, $_ if length && !/^#/ } close $f;
my @h; while (<STDIN>) { chomp; my ($n, $x) = split /\t/, $_, 2; push @h, [$n, $x] if defined $x }
my (%found, %seen); my $complete = 1;
WORD: for my $i (-2 .. $#w) {
  for my $e (@h) {
    my ($n, $x) = @$e; next if $found{$n};
    my $word = $i == -2 ? $n : $i == -1 ? "${n}123" : $w[$i];
    next if $seen{"$n\t$word"}++;
    if (time - $t0 > $budget) { $complete = 0; last WORD }
    my $c = crypt($word, $x);
    $found{$n} = $word if defined $c && $c eq $x;
  }
}
print "$_\t$found{$_}\n" for sort keys %found;
print "incomplete\n" unless $complete;
]]
local function cracked(c, entries, budget)
  local lines = {}
  for _, e in ipairs(entries) do lines[#lines + 1] = e.name .. "\t" .. e.hash end
  if #lines == 0 then return {}, true end
  local v = V(c)
  local r = c:run { "perl", "-e", CRYPT, c.labdir .. "/device/words.txt", tostring(budget or 3),
                    v.root_pw, v.hidden_pw, v.web_pw,
                    stdin = table.concat(lines, "\n") .. "\n", timeout = (budget or 3) + 3 }
  local found, complete = {}, r.code == 0 and not r.out:find("incomplete", 1, true)
  for _, l in ipairs(text.lines(r.out)) do
    local name, word = l:match("^(.-)\t(.*)$")
    if name then found[name] = word end
  end
  if r.code ~= 0 and not r.timed_out and r.err ~= "" then error("password dictionary check failed: " .. r.err) end
  return found, complete
end

local function P_passwords(c, budget)
  local p = {}
  for _, f in ipairs { "/etc/passwd", "/etc/shadow" } do
    local st = c:stat(ROOT .. f)
    if not st then
      p[#p + 1] = string.format("%s is missing from the image: the camera would not let anyone log in, not even you.", f)
    elseif st.type == "link" then
      p[#p + 1] = string.format("%s is a symbolic link (to %s): the device must have a real %s, not a link a check or an attacker can point elsewhere.", f, st.target, f)
    elseif st.type ~= "file" then
      p[#p + 1] = string.format("%s is not a regular file.", f)
    end
  end
  if #p > 0 then return p end
  local st = c:stat(ROOT .. "/etc/shadow")
  if (st.mode & 4) ~= 0 then
    p[#p + 1] = string.format("/etc/shadow has mode %s: anyone on the device can read the password hashes and crack them offline. Make it 0600.", st.perms)
  end
  local passwd = pw.parse_passwd(c:read(ROOT .. "/etc/passwd"))
  local shadow = pw.by_name(pw.parse_shadow(c:read(ROOT .. "/etc/shadow")))
  local uid0 = {}
  for _, e in ipairs(passwd) do
    if e.uid == 0 then uid0[#uid0 + 1] = e.name end
  end
  for _, name in ipairs(uid0) do
    if name ~= "root" then
      p[#p + 1] = string.format("The account '%s' has UID 0, so it is root under another name (a hidden backdoor account). Delete its lines from /etc/passwd and /etc/shadow; renaming it is not enough.", name)
    end
  end
  if #uid0 == 0 then p[#p + 1] = "No account has UID 0 any more: keep root (with a strong password or locked), remove only the extra UID 0 accounts." end
  local hashes = {}
  for _, e in ipairs(passwd) do
    local h
    if e.password == "x" then
      local s = shadow[e.name]
      h = s and s.hash or "*"
    else
      h = e.password
      if h ~= "" and h:sub(1, 1) ~= "*" and h:sub(1, 1) ~= "!" then
        p[#p + 1] = string.format("The account '%s' has its password hash in /etc/passwd, which everybody can read: put 'x' there and the hash in /etc/shadow.", e.name)
      end
    end
    if h == "" then
      p[#p + 1] = string.format("The account '%s' has an empty password: anyone can log in as it. Set a strong password or lock the account ('!' in the password field of /etc/shadow).", e.name)
    elseif h:sub(1, 1) ~= "!" and h:sub(1, 1) ~= "*" then
      local good = h:match("^%$[56]%$") or h:match("^%$g?y%$") or h:match("^%$7%$") or h:match("^%$2[aby]%$")
      if not good then
        local scheme = h:match("^%$1%$") and "MD5-crypt" or h:match("^%$apr1%$") and "Apache MD5"
          or not h:match("^%$") and "DES crypt" or ("'" .. (h:match("^(%$[^$]*%$)") or "?") .. "'")
        p[#p + 1] = string.format("The password of '%s' is hashed with an obsolete or unsupported scheme (%s): use SHA-512 crypt ('openssl passwd -6') or yescrypt (5.1-3: best practice cryptography).", e.name, scheme)
      end
      local rounds = tonumber(h:match("^%$[56]%$rounds=(%d+)%$"))
      if rounds and rounds > 100000 then
        p[#p + 1] = string.format("The hash of '%s' asks for rounds=%d: keep the default cost (5000 for SHA-512 crypt), or the camera's slow CPU takes minutes per login.", e.name, rounds)
      else
        hashes[#hashes + 1] = { name = e.name, hash = h }
      end
    end
  end
  local found = cracked(c, hashes, budget)
  for _, e in ipairs(hashes) do
    if found[e.name] then
      p[#p + 1] = string.format("The password of '%s' is '%s', a word from the attacker's dictionary (the list Mirai tried, or a top leaked password). Set a long random password instead.", e.name, found[e.name])
    end
  end
  -- The web interface's login (busybox httpd: /path:user:password, plain or MD5-crypt).
  local conf = img_read(c, "/etc/httpd.conf")
  local words = dictionary(c)
  local dict = {}
  for _, w in ipairs(words) do dict[w] = true end
  local guarded = false
  for _, l in ipairs(text.lines(conf or "")) do
    local path, user, pass = l:match("^%s*(/[^:]*):([^:]*):(.*)$")
    if path and path:match("^/admin") then
      guarded = true
      pass = pass:gsub("%s+$", "")
      if pass:match("^%$1%$") then
        local f = cracked(c, { { name = "web:" .. user, hash = pass } }, 1)
        if f["web:" .. user] then
          p[#p + 1] = string.format("The web interface's login %s:%s still uses a dictionary word. Choose a long random password (5.1-1).", user, f["web:" .. user])
        end
      elseif pass == "" or dict[pass] or pass == user then
        p[#p + 1] = string.format("The web interface (/etc/httpd.conf) still lets %s in with the password '%s'. Choose a long random password (5.1-1).", user, pass)
      elseif #pass < 10 then
        p[#p + 1] = string.format("The web interface's password for %s is only %d characters long: use at least 10 random characters.", user, #pass)
      end
    end
  end
  if conf and not guarded then
    p[#p + 1] = "/etc/httpd.conf no longer protects /admin: the settings pages must keep a login (with a strong password), not be open to everyone."
  end
  return p
end

---------------------------------------------------------------------------------------------
-- 5.6 Minimise exposed attack surfaces.

local SHELLS = { sh = true, ash = true, bash = true, hush = true, dash = true }

local function P_services(c)
  local p = {}
  for _, b in ipairs(boot_lines(c)) do
    local cmd = b.cmd
    if cmd:find("%f[%w]telnetd%f[%W]") then
      p[#p + 1] = string.format("telnetd is still started at boot (%s): telnet sends passwords in clear text and is how Mirai got in. Remove it.", where(b))
    end
    if cmd:find("%f[%w]nc%f[%W]") and (cmd:find("%-%a*l") or cmd:find("%-e")) then
      p[#p + 1] = string.format("A debug backdoor is still started at boot (%s): 'nc -l -e /bin/sh' gives a root shell to anyone who connects. Remove it.", where(b))
    end
    if cmd:find("%f[%w]gdbserver%f[%W]") then
      p[#p + 1] = string.format("gdbserver is still started at boot (%s): it lets anyone on the network debug (and so control) any process. Remove it (5.6-4).", where(b))
    end
    if cmd:find("%f[%w]miniupnpd%f[%W]") then
      p[#p + 1] = string.format("UPnP (miniupnpd) is still started at boot (%s): it opens ports on the home router so the camera is reachable from the whole internet. A camera does not need it; remove it (5.6-1).", where(b))
    end
    if b.file == "/etc/inittab" then
      local prog = (cmd:match("^%s*(%S+)") or ""):gsub("^%-", "")
      local base = prog:match("([^/]+)$") or prog
      if SHELLS[base] or (cmd:find("getty") and cmd:find("%-l%s*%S*sh%f[%W]")) then
        p[#p + 1] = string.format("The %s console still gives a root shell without a login (%s): anyone with a screwdriver and a USB-serial adapter owns the camera. Run a getty (login prompt) there or remove the line (5.6-4).",
          b.id ~= "" and b.id or "system", where(b))
      end
    end
    if cmd:find("%f[%w]snmpd%f[%W]") then
      local conf = img_read(c, "/etc/snmp/snmpd.conf") or ""
      for _, l in ipairs(text.lines(conf)) do
        local kind, comm = strip_comment(l):match("^%s*(r[ow]community6?)%s+(%S+)")
        if comm == "public" or comm == "private" then
          p[#p + 1] = string.format("snmpd is started at boot (%s) with the default community '%s' (%s in /etc/snmp/snmpd.conf): anyone can read (or, with rwcommunity, change) the device's settings. Remove snmpd from the boot, or at least the default communities.", where(b), comm, kind)
          break
        end
      end
    end
  end
  local st = img_stat(c, "/usr/bin/gdbserver")
  if st then
    p[#p + 1] = "/usr/bin/gdbserver is still in the image: debugging tools do not belong in production firmware (5.6-4). Delete it."
  end
  -- SSH, graded by OpenSSH's own parser.
  local cfg, why = img_read(c, "/etc/ssh/sshd_config")
  if not cfg then
    p[#p + 1] = string.format("Cannot read /etc/ssh/sshd_config (%s). Keep the file and harden it rather than deleting it.", why)
    return p
  end
  local function inline(body, depth)
    local out = {}
    for _, l in ipairs(text.lines(body)) do
      local args = l:match("^%s*[Ii][Nn][Cc][Ll][Uu][Dd][Ee]%s+(.-)%s*$")
      local lower = l:lower()
      if args then
        if depth > 3 then error("sshd_config: Include nested too deep") end
        for pat in args:gmatch("%S+") do
          if pat:sub(1, 1) ~= "/" then pat = "/etc/ssh/" .. pat end
          local dir, base = pat:match("^(.*)/([^/]*)$")
          local rdir = resolve(c, dir)
          for _, f in ipairs(rdir and c:glob(rdir .. "/" .. base) or {}) do
            local inc = img_read(c, imgname(f))
            if inc then out[#out + 1] = inline(inc, depth + 1) end
          end
        end
      elseif not lower:match("^%s*hostkey%s") and not lower:match("^%s*hostcertificate%s") then
        out[#out + 1] = l
      end
    end
    return table.concat(out, "\n")
  end
  local flat = inline(cfg, 0) .. "\n"
  local seen = {}
  for _, user in ipairs { "root", "admin" } do
    local r = sh(c, [[
k=$(mktemp -d) || exit 1
ssh-keygen -q -t ed25519 -N '' -f "$k/hk" >/dev/null 2>&1
s=$(command -v sshd || echo /usr/sbin/sshd)
"$s" -T -f /dev/stdin -o HostKey="$k/hk" -C "user=$1,host=attacker.example,addr=192.0.2.66,laddr=192.0.2.1,lport=22"
rc=$?; rm -rf "$k"; exit $rc]], { args = { user }, stdin = flat, timeout = 6 })
    if r.code ~= 0 and r.err:find("privilege separation directory", 1, true) then
      error("sshd -T cannot run here (as root it needs /run/sshd): " .. r.err)
    end
    if r.code ~= 0 then
      local msg = (r.err:gsub("Unable to load host key[^\n]*\n?", "")):gsub("%s+$", "")
      p[#p + 1] = string.format("sshd rejects /etc/ssh/sshd_config: %s", msg ~= "" and msg or ("exit " .. r.code))
      return p
    end
    local t = {}
    for _, l in ipairs(text.lines(r.out)) do
      local k, v = l:match("^(%S+)%s+(.*)$")
      if k then t[k] = v end
    end
    local function want(key, shown, value, why)
      if t[key] ~= value and not seen[key] then
        seen[key] = true
        p[#p + 1] = string.format("sshd would run with %s %s for a connection as %s (sshd -T): set '%s %s' %s. Remember sshd keeps the FIRST value it reads.", shown, t[key] or "?", user, shown, value, why)
      end
    end
    want("permitrootlogin", "PermitRootLogin", "no", "so nobody logs in as root over the network")
    want("passwordauthentication", "PasswordAuthentication", "no", "so only keys work (no password guessing)")
    want("kbdinteractiveauthentication", "KbdInteractiveAuthentication", "no", "(it is password login by another name)")
    want("permitemptypasswords", "PermitEmptyPasswords", "no", "")
  end
  return p
end

---------------------------------------------------------------------------------------------
-- 5.4 Securely store sensitive security parameters.

local function grep_files(c, fixed, str)
  local r = c:run { "grep", "-rl", "-D", "skip", fixed and "-F" or "-E", "-e", str, "--", ROOT, timeout = 6 }
  local out = {}
  for _, l in ipairs(text.lines(r.out)) do if l ~= "" then out[#out + 1] = l end end
  return out
end

local function pubkey_of(c, wp, pubin)
  local argv = pubin and { "openssl", "pkey", "-pubin", "-pubout", "-in", wp }
    or { "openssl", "pkey", "-pubout", "-in", wp }
  local r = c:run { argv = argv, timeout = 4 }
  if r.code ~= 0 then return nil end
  return r.out
end

local function vendor_pub(c)
  local r = c:run { "openssl", "pkey", "-pubout", stdin = pem("PRIVATE KEY", unhex("302e020100300506032b657004220420" .. c:hex("vendor-key", 64))), timeout = 4 }
  if r.code ~= 0 then error("openssl cannot derive the vendor public key: " .. r.err) end
  return r.out
end

local function conf_kv(body)
  local t = {}
  for _, l in ipairs(text.lines(body or "")) do
    local k, v = strip_comment(l):match("^%s*([%w_]+)%s*=%s*(.-)%s*$")
    if k then t[k] = v:gsub('^"(.*)"$', "%1") end
  end
  return t
end

local function links_under(c, dir)
  local r = c:run { "find", dir, "-type", "l", timeout = 6 }
  local out = {}
  for _, l in ipairs(text.lines(r.out)) do if l ~= "" then out[#out + 1] = l end end
  return out
end

local function P_secrets(c)
  local p = {}
  -- the web server follows links: a link in /www must land on a file of the image
  for _, f in ipairs(links_under(c, ROOT .. "/www")) do
    local st = c:stat(f)
    local wp, why = resolve(c, imgname(f))
    if not wp then
      p[#p + 1] = string.format("%s is a symbolic link to %s, which leaves the image: remove it from the web root.", imgname(f), st and st.target or "?")
    elseif not c:stat(wp) then
      p[#p + 1] = string.format("%s is a symbolic link to %s, which does not exist on the camera: remove it from the web root (hiding a file behind a link does not remove it).", imgname(f), st and st.target or "?")
    end
  end
  local v = V(c)
  local vkey = vendor_key_b64(c)
  local vpub = vendor_pub(c)
  local reported = {}
  for _, f in ipairs(grep_files(c, true, vkey)) do
    reported[f] = true
    p[#p + 1] = string.format("The vendor-wide private key is still in %s: it is the same on every LC-200, so whoever extracts it from one camera can impersonate them all (5.4-3). Delete every copy.", imgname(f))
  end
  for _, f in ipairs(grep_files(c, false, "PRIVATE KEY")) do
    local st = c:stat(f)
    if not reported[f] and st and st.type == "file" then
      if pubkey_of(c, f) == vpub then
        p[#p + 1] = string.format("%s holds the vendor-wide private key (in another format): delete it (5.4-3).", imgname(f))
      elseif f:match("^" .. ROOT .. "/www/") then
        p[#p + 1] = string.format("%s is a private key inside the web root: the web server hands it to anyone who asks. Keys never go under /www.", imgname(f))
      elseif (st.mode & 63) ~= 0 then
        p[#p + 1] = string.format("%s is a private key with mode %s: make it readable by its owner only (chmod 600) (5.4-1).", imgname(f), st.perms)
      end
    end
  end
  for _, s in ipairs { v.api_key, v.api_secret } do
    for _, f in ipairs(grep_files(c, true, s)) do
      p[#p + 1] = string.format("The cloud API %s %s... is still hard-coded in %s: it is the same in every camera and ends up on the internet with the first firmware dump (5.4-3). Remove it.",
        s == v.api_key and "key" or "secret", s:sub(1, 6), imgname(f))
    end
  end
  local cloud = img_read(c, "/etc/camera/cloud.conf")
  local kv = conf_kv(cloud)
  for _, k in ipairs { "api_key", "api_secret" } do
    if kv[k] and kv[k] ~= "" then
      p[#p + 1] = string.format("/etc/camera/cloud.conf still sets %s: a per-device credential is obtained when the owner pairs the camera, it is not shipped in the image. Remove the line.", k)
    end
  end
  if kv.tls_key and kv.tls_key ~= "" then
    local st, wp = img_stat(c, kv.tls_key)
    if not st then
      p[#p + 1] = string.format("cloud.conf's tls_key points to %s, which does not exist: give the camera its own key (e.g. openssl genpkey -algorithm ed25519 -out ~/rootfs/etc/ssl/private/device.key) and point tls_key at it.", kv.tls_key)
    elseif st.type ~= "file" or not pubkey_of(c, wp) then
      p[#p + 1] = string.format("cloud.conf's tls_key (%s) is not a private key openssl can read.", kv.tls_key)
    elseif pubkey_of(c, wp) == vpub then
      p[#p + 1] = string.format("cloud.conf's tls_key (%s) is still the vendor-wide key: generate a key unique to this camera (5.4-4).", kv.tls_key)
    elseif (st.mode & 63) ~= 0 then
      p[#p + 1] = string.format("The camera's TLS key %s has mode %s: chmod 600.", kv.tls_key, st.perms)
    end
  end
  return p
end

---------------------------------------------------------------------------------------------
-- 5.3 Keep software updated (signed updates) and 5.5 Communicate securely.

local FLASH = { "mtd%s+write", "flashcp", "sysupgrade", "%f[%w]dd%f[%W].-of=/dev/mtd" }

local function is_flash(l)
  for _, pat in ipairs(FLASH) do if l:find(pat) then return true end end
  return false
end

local function unquote(s) return (s or ""):gsub("[\"']", ""):gsub("^%${?([%w_]+)}?$", "$%1") end

local function P_updates(c)
  local p = {}
  local body, why = img_read(c, "/usr/sbin/fw-update")
  if not body then
    return { string.format("Cannot read the updater /usr/sbin/fw-update (%s). The camera must keep a way to install security updates (5.3-2): fix the script, do not delete it.", why) }
  end
  -- logical lines: comments stripped, continuations joined
  local lines, acc = {}, ""
  for _, l in ipairs(text.lines(body)) do
    if not l:match("^#!") then
      l = strip_comment(l)
      if l:match("\\%s*$") then acc = acc .. l:gsub("\\%s*$", " ")
      else lines[#lines + 1] = acc .. l; acc = "" end
    end
  end
  local vars, setE = {}, body:match("^#![^\n]*%s%-%a*e") ~= nil
  local V_, F_, vline = nil, nil, nil
  for i, l in ipairs(lines) do
    local k, val = l:match("^%s*([%a_][%w_]*)=(%S+)%s*$")
    if k then vars["$" .. k] = unquote(val) end
    if l:match("^%s*set%s+%-%a*e") then setE = true end
    if l:find("http://", 1, true) then
      p[#p + 1] = string.format("fw-update still fetches over plain HTTP (%s): anyone on the path can swap the firmware. Use https:// (5.5-1).", text.trim(l))
    end
    if (l:find("wget") and l:find("%-%-no%-check%-certificate")) or (l:find("curl") and (l:find("%s%-k%f[%s]") or l:find("%-%-insecure"))) then
      p[#p + 1] = string.format("fw-update switches off certificate checks (%s): HTTPS without verification stops nobody.", text.trim(l))
    end
    if not V_ and l:find("openssl%s+dgst") and l:find("%-verify") then V_, vline = i, l end
    if not F_ and is_flash(l) then F_ = i end
  end
  if not F_ then
    p[#p + 1] = "fw-update no longer writes the firmware (mtd write): the camera must keep a working update mechanism (5.3-2). Make it safe instead of removing it."
    return p
  end
  if not body:find("https://", 1, true) then
    p[#p + 1] = "fw-update should download the image and its signature from an https:// URL."
  end
  if not V_ then
    p[#p + 1] = "fw-update flashes whatever it downloads: it must verify the image's signature first, e.g. 'openssl dgst -sha256 -verify /etc/keys/update.pub -signature \"$FW.sig\" \"$FW\" || exit 1' (5.3-10)."
    return p
  end
  if V_ > F_ then
    p[#p + 1] = "fw-update verifies the signature only after flashing: the check must come before 'mtd write'."
    return p
  end
  -- Does a failed verification stop the script before it flashes?
  local gated = false
  local rest = vline:match("openssl%s+dgst(.*)$")
  if rest:match("||%s*exit%s*$") or rest:match("||%s*exit%s*[1-9]") or rest:match("||%s*exit%s*;")
     or rest:match("||%s*{.-exit%s*[1-9]") or rest:match("||%s*{.-exit%s*;?%s*}") then
    gated = true
  elseif F_ == V_ and vline:match("^%s*if%s+openssl.-;%s*then%s") and not vline:match("then.-else.-mtd") then
    gated = true  -- if openssl ...; then mtd write ...; fi   on one line
  elseif vline:match("^%s*if%s+openssl") then
    -- the flash must happen inside the 'then' branch
    local depth = 0
    for i = V_ + 1, #lines do
      local l = lines[i]
      if i == F_ and depth == 0 then gated = true break end
      if l:match("^%s*if%s") then depth = depth + 1 end
      if l:match("^%s*fi%f[%W]") or l:match("^%s*else%f[%W]") or l:match("^%s*elif%s") then
        if depth == 0 then break end
        if l:match("^%s*fi%f[%W]") then depth = depth - 1 end
      end
    end
  elseif vline:match("^%s*if%s+!%s*openssl") then
    for i = V_, F_ - 1 do
      local l = lines[i]
      if l:match("%f[%w]exit%s*[1-9]") or l:match("%f[%w]exit%s*$") or l:match("%f[%w]exit%s*;") then gated = true end
      if l:match("^%s*fi%f[%W]") then break end
    end
  elseif setE and not vline:find("||", 1, true) and not vline:find("&&", 1, true)
         and not rest:find("|", 1, true) and vline:match("^%s*openssl") then
    gated = true
  end
  if not gated then
    p[#p + 1] = string.format("fw-update runs '%s' but carries on (and flashes) even when openssl prints 'Verification failure': stop the script when the check fails, e.g. '|| exit 1' (5.3-10).", text.trim(vline))
  end
  -- Verifies what it flashes, with the vendor's signing key shipped in the image.
  local verified = unquote(rest:gsub("%s*||.*$", ""):gsub("%s*;.*$", ""):match("(%S+)%s*$"))
  if verified ~= "" and not lines[F_]:gsub("[\"']", ""):gsub("%${([%w_]+)}", "$%1"):find(verified, 1, true) then
    p[#p + 1] = string.format("fw-update verifies %s but flashes something else (%s).", verified, text.trim(lines[F_]))
  end
  local key = unquote(rest:match("%-verify%s+(%S+)"))
  key = vars[key] or key
  if not key or key == "" or key:sub(1, 1) == "$" then
    p[#p + 1] = "Give openssl dgst -verify the absolute path of the public key in the image, e.g. /etc/keys/update.pub."
  elseif key:sub(1, 1) ~= "/" then
    p[#p + 1] = string.format("The verification key '%s' should be an absolute path on the device, e.g. /etc/keys/update.pub.", key)
  else
    local st, wp = img_stat(c, key)
    if not st or st.type ~= "file" then
      p[#p + 1] = string.format("fw-update verifies with %s, but that file is not in the image: copy the vendor's public signing key there (~/vendor/update-signing.pub).", key)
    else
      local body2 = c:try_read(wp) or ""
      if body2:find("PRIVATE KEY", 1, true) then
        p[#p + 1] = string.format("%s is a private key: the camera needs only the PUBLIC signing key (and a signing key must never be on a device).", key)
      else
        local want = c:run { "openssl", "pkey", "-pubout", stdin = signing_key_pem(c), timeout = 4 }.out
        local have = pubkey_of(c, wp, true)
        if have ~= want then
          p[#p + 1] = string.format("%s is not the vendor's firmware-signing public key (~/vendor/update-signing.pub): releases would fail to verify, or an attacker's key would be trusted.", key)
        end
      end
    end
  end
  return p
end

local function P_comms(c)
  local p = {}
  local cloud = img_read(c, "/etc/camera/cloud.conf")
  if not cloud then return { "Cannot read /etc/camera/cloud.conf: keep the cloud agent's configuration, fix its settings." } end
  local kv = conf_kv(cloud)
  local vt = (kv.verify_tls or ""):lower()
  if not (vt == "true" or vt == "yes" or vt == "1" or vt == "on") then
    p[#p + 1] = string.format("cloud.conf has verify_tls=%s: without certificate verification anyone on the Wi-Fi can pretend to be the cloud (5.5-1). Set verify_tls=true.", kv.verify_tls or "(missing)")
  end
  if kv.cloud_url and not kv.cloud_url:match("^https://") then
    p[#p + 1] = string.format("cloud.conf's cloud_url is %s: use https:// (5.5-1).", kv.cloud_url)
  end
  if kv.mqtt_url and not kv.mqtt_url:match("^mqtts://") then
    p[#p + 1] = string.format("cloud.conf's mqtt_url is %s: use MQTT over TLS (mqtts://, port 8883) (5.5-1).", kv.mqtt_url)
  end
  return p
end

---------------------------------------------------------------------------------------------
-- Permissions and integrity (5.6-7 least privilege, 5.7 software integrity).

local function find_list(c, ...)
  local argv = { "find", ROOT, ... }
  local r = c:run { argv = argv, timeout = 8 }
  local out = {}
  for _, l in ipairs(text.lines(r.out)) do if l ~= "" then out[#out + 1] = l end end
  return out
end

local function P_perms(c)
  local p = {}
  for _, f in ipairs(find_list(c, "-perm", "-0002", "!", "-type", "l", "!", "(", "-type", "d", "-perm", "-1000", ")")) do
    local st = c:stat(f)
    p[#p + 1] = string.format("%s is world-writable (mode %s): any process on the camera can change it%s. chmod o-w.", imgname(f), st and st.perms or "?",
      f:find("/init%.d/") and ", and root runs it at boot" or "")
  end
  -- cron targets: the programs root's crontabs run, and the crontabs themselves
  local cdir = resolve(c, "/etc/crontabs")
  for _, name in ipairs(cdir and c:list(cdir) or {}) do
    local tab = c:try_read(cdir .. "/" .. name) or ""
    for _, l in ipairs(text.lines(tab)) do
      l = strip_comment(l)
      local prog = l:match("^%s*[%d*/,-]+%s+[%d*/,-]+%s+[%d*/,-]+%s+[%d*/,-]+%s+[%d*/,-]+%s+(/%S+)")
        or l:match("^%s*@%a+%s+(/%S+)")
      if prog then
        local wp, why = resolve(c, prog)
        local st = wp and c:stat(wp)
        if not wp then
          p[#p + 1] = string.format("cron runs %s: %s.", prog, why)
        elseif st and (st.mode & 16) ~= 0 and (st.mode & 2) == 0 then
          p[#p + 1] = string.format("%s (run by root from cron) is group-writable (mode %s): chmod 755.", prog, st.perms)
        end
      end
    end
  end
  for _, f in ipairs(links_under(c, ROOT)) do
    local wp, why = resolve(c, imgname(f))
    if not wp and why:find("leaves the image", 1, true) then
      local st = c:stat(f)
      p[#p + 1] = string.format("%s is a symbolic link to %s, outside the firmware image: a link must point inside the image.", imgname(f), st and st.target or "?")
    end
  end
  for _, f in ipairs(find_list(c, "-perm", "/6000", "!", "-type", "l", "!", "-type", "d")) do
    local st = c:stat(f)
    p[#p + 1] = string.format("%s is setuid/setgid (mode %s): whoever runs it gets its owner's rights (root). Nothing on this camera needs that; chmod u-s,g-s (5.6-7).", imgname(f), st and st.perms or "?")
  end
  return p
end

---------------------------------------------------------------------------------------------
-- 5.2 Vulnerability disclosure (security.txt, RFC 9116) and 5.3-13 the support period.

local function epoch(c, when)
  local r = c:run { "date", "-u", "-d", when, "+%s", timeout = 3 }
  return r.code == 0 and tonumber(r.out:match("%d+")) or nil
end

local function P_disclosure(c)
  local p = {}
  local body, why = img_read(c, "/www/.well-known/security.txt")
  if not body then
    return { string.format("No /www/.well-known/security.txt (%s): publish how researchers report vulnerabilities (RFC 9116; EN 303 645 5.2-1).", why) }
  end
  local contact, expires
  for _, l in ipairs(text.lines(body)) do
    local k, v = l:match("^%s*([%w-]+):%s*(.-)%s*$")
    if k and k:lower() == "contact" and (v:match("^mailto:.+@") or v:match("^https://") or v:match("^tel:")) then contact = v end
    if k and k:lower() == "expires" then expires = v end
  end
  if not contact then
    p[#p + 1] = "security.txt needs a 'Contact:' line with a mailto:, https:// or tel: URI (RFC 9116)."
  end
  if not expires then
    p[#p + 1] = "security.txt needs an 'Expires:' line (RFC 9116), e.g. 'Expires: 2030-12-31T23:59:59Z'."
  else
    local t, now = epoch(c, expires), epoch(c, "now")
    if not expires:match("^%d%d%d%d%-%d%d%-%d%dT") or not t then
      p[#p + 1] = string.format("security.txt's Expires '%s' is not an RFC 3339 date-time like 2030-12-31T23:59:59Z.", expires)
    elseif t <= now then
      p[#p + 1] = string.format("security.txt's Expires (%s) is in the past: researchers will treat the file as stale.", expires)
    end
  end
  return p
end

local function P_support(c)
  local p = {}
  local kv = conf_kv(img_read(c, "/etc/device.conf"))
  local d = kv.support_end
  if not d or not d:match("^%d%d%d%d%-%d%d%-%d%d$") then
    return { "State the support period: add 'support_end=YYYY-MM-DD' (the last day the LC-200 gets security updates) to /etc/device.conf (5.3-13)." }
  end
  local t, now = epoch(c, d), epoch(c, "now")
  if not t then
    p[#p + 1] = string.format("support_end=%s is not a valid date.", d)
  elseif t <= now then
    p[#p + 1] = string.format("support_end=%s is already over: a camera sold today needs a support period that lasts.", d)
  end
  local index = img_read(c, "/www/index.html") or ""
  if not index:find(d, 1, true) then
    p[#p + 1] = string.format("Also tell the owner: the support end (%s) must appear on the camera's web page /www/index.html (5.3-13: published in a way that is clear to the user).", d)
  end
  return p
end

---------------------------------------------------------------------------------------------
-- The live device.

local function device_argv(c)
  return { "perl", c.labdir .. "/device/supervisor", c.workspace .. "/" .. ROOT, c.workspace .. "/.camera" }
end

local function start_device(c)
  return c:start_service("camera", device_argv(c), { as = "learner" })
end

local function status_ports(c)
  local st = c:try_read(".camera/status") or ""
  local ports = {}
  for _, l in ipairs(text.lines(st)) do
    local kind, port = l:match("^(%a+) (%d+)$")
    if kind then ports[#ports + 1] = { kind = kind, port = tonumber(port) } end
  end
  return ports, st
end

local function P_live(c)
  local v = V(c)
  local p = {}
  if c:service_status("camera") ~= "running" then
    sh(c, "rm -f .camera/status .camera/reboot-request")
    start_device(c)
    sh(c, "i=0; while [ ! -s .camera/status ] && [ $i -lt 40 ]; do sleep 0.1; i=$((i+1)); done", { timeout = 6 })
  end
  local r = c:run { c.labdir .. "/bin/camera", "reboot", timeout = 9,
                    env = { CAMERA_STATE = c.workspace .. "/.camera" } }
  if r.code ~= 0 then
    return { string.format("The camera did not come back after a reboot: %s. Look at '~/bin/camera log'.", text.trim(r.err .. r.out)) }
  end
  local ports = status_ports(c)
  local tcp, seen, http = {}, {}, nil
  for _, port in ipairs { v.telnet, v.backdoor, v.gdb } do
    if not seen[port] then seen[port] = true; tcp[#tcp + 1] = tostring(port) end
  end
  for _, e in ipairs(ports) do
    if e.kind == "httpd" and not http then http = e.port end
    if not seen[e.port] and e.kind ~= "httpd" then seen[e.port] = true; tcp[#tcp + 1] = tostring(e.port) end
  end
  if not http then
    return { "After the reboot the camera's web interface does not start any more: disabling everything is not hardening, the owner still needs the settings pages. Keep httpd in /etc/init.d/S50httpd." }
  end
  local pr = c:run { "perl", c.labdir .. "/device/probe", "--tcp", table.concat(tcp, ","), "--http", tostring(http),
                     "--user", "admin", "--password", v.web_pw, timeout = 9 }
  local res = {}
  for _, l in ipairs(text.lines(pr.out)) do
    local a, b, d = l:match("^(%S+) (%S+) (%S+)$")
    if a then res[a .. " " .. b] = d end
  end
  for _, port in ipairs(tcp) do
    local what = res["tcp " .. port]
    if what == "telnet" then
      p[#p + 1] = string.format("After the reboot telnet still answers on port %s. Find what starts it ('~/bin/camera log' tells you which boot file).", port)
    elseif what == "shell" then
      p[#p + 1] = string.format("After the reboot port %s still hands out a shell to anyone who connects.", port)
    elseif what == "gdbserver" then
      p[#p + 1] = string.format("After the reboot gdbserver still answers on port %s.", port)
    end
  end
  if res["http /"] ~= "200" then
    p[#p + 1] = string.format("After the reboot the web interface on port %d does not serve its home page (%s).", http, res["http /"] or "no answer")
  end
  if res["http /admin/"] == "200" then
    p[#p + 1] = string.format("After the reboot the settings pages still open with admin / %s.", v.web_pw)
  end
  if res["http /backup/vendor.key"] == "200" then
    p[#p + 1] = "After the reboot the web server still hands out /backup/vendor.key."
  end
  if res["http /.well-known/security.txt"] ~= "200" then
    p[#p + 1] = "After the reboot http://127.0.0.1:" .. http .. "/.well-known/security.txt is not served: put it under /www/.well-known/."
  end
  return p
end

---------------------------------------------------------------------------------------------
-- Binary hardening (what a Level 3 binary analysis looks at first).

local function P_binary(c)
  local p = {}
  local st, wp = img_stat(c, "/usr/bin/camd")
  if not st or st.type ~= "file" then
    return { "/usr/bin/camd is missing: the camera needs its daemon. Rebuild it from ~/src/camd.c into ~/rootfs/usr/bin/camd." }
  end
  local head = c:try_read(wp, 16 * 1024 * 1024) or ""
  if head:sub(1, 4) ~= "\127ELF" then
    return { "/usr/bin/camd is not an ELF program any more: rebuild it from ~/src/camd.c with gcc." }
  end
  if not head:find("LumiCam camd", 1, true) then
    return { "/usr/bin/camd is not built from ~/src/camd.c: rebuild the camera daemon itself, with hardening flags." }
  end
  local function re(...)
    local r = c:run { "readelf", "-W", ..., wp, timeout = 4 }
    return r.out
  end
  local hdr, ph, dyn, syms = re("-h"), re("-l"), re("-d"), re("-s")
  if not hdr:match("Type:%s+DYN") then
    p[#p + 1] = "camd is not a position-independent executable, so ASLR cannot move it: build with -fPIE -pie."
  end
  if not syms:find("__stack_chk_fail", 1, true) then
    p[#p + 1] = "camd has no stack protector (no __stack_chk_fail): a stack overflow in config_get() goes undetected. Build with -fstack-protector-strong."
  end
  if not ph:find("GNU_RELRO", 1, true) then
    p[#p + 1] = "camd has no RELRO segment: build with -Wl,-z,relro."
  end
  if not (dyn:find("BIND_NOW", 1, true) or dyn:match("FLAGS_1%)%s+Flags:[^\n]*NOW")) then
    p[#p + 1] = "camd resolves symbols lazily, so its GOT stays writable: link with -Wl,-z,now (full RELRO)."
  end
  local stack = ph:match("GNU_STACK[^\n]*")
  if stack and stack:match("RWE") then
    p[#p + 1] = "camd asks for an executable stack: drop -z execstack (use -Wl,-z,noexecstack)."
  end
  return p
end

---------------------------------------------------------------------------------------------
-- Setup: build the image, the vendor's files, start the camera.

setup(function(c)
  local v = V(c)
  local env = {
    CAM_ROOT_PW = v.root_pw, CAM_HIDDEN_USER = v.hidden_user, CAM_HIDDEN_PW = v.hidden_pw,
    CAM_WEB_PW = v.web_pw, CAM_TELNET_PORT = tostring(v.telnet), CAM_HTTP_PORT = tostring(v.http),
    CAM_BACKDOOR_PORT = tostring(v.backdoor), CAM_GDB_PORT = tostring(v.gdb),
    CAM_API_KEY = v.api_key, CAM_API_SECRET = v.api_secret, CAM_SERIAL = v.serial,
    CAM_VENDOR_KEY = vendor_key_b64(c),
  }
  if not c:exists(ROOT) then
    local r = c:run { "sh", c.labdir .. "/device/build-image.sh", c.workspace .. "/" .. ROOT, c.labdir,
                      env = env, timeout = 40 }
    if r.code ~= 0 then error("build-image.sh failed: " .. r.err) end
  end
  -- The vendor's sample release, signed with the vendor's signing key (which stays out of the workspace).
  if not c:exists("vendor/update-signing.pub") then
    local pub = c:run { "openssl", "pkey", "-pubout", stdin = signing_key_pem(c), timeout = 5 }
    if pub.code ~= 0 then error("openssl: " .. pub.err) end
    c:write("vendor/update-signing.pub", pub.out)
    c:write("vendor/lc200-2.1.0.bin", "LumiCam LC-200 firmware 2.1.0 for " .. v.serial .. "\n")
    local sig = sh(c, 'openssl dgst -sha256 -sign /dev/stdin -out vendor/lc200-2.1.0.bin.sig vendor/lc200-2.1.0.bin',
                   { stdin = signing_key_pem(c) })
    if sig.code ~= 0 then error("openssl dgst -sign: " .. sig.err) end
  end
  sh(c, 'mkdir -p .camera bin && ln -sf "$1/bin/camera" bin/camera', { args = { c.labdir } })
  if c:service_status("camera") ~= "running" then
    sh(c, "rm -f .camera/status .camera/reboot-request")
    local ok, msg = start_device(c)
    if not ok then error("cannot start the camera: " .. tostring(msg)) end
  end
  -- the learner's first command may well be 'ss -ltn': wait until the camera has booted
  local r = sh(c, "i=0; while [ ! -s .camera/status ] && [ $i -lt 150 ]; do sleep 0.1; i=$((i+1)); done; [ -s .camera/status ]", { timeout = 20 })
  if r.code ~= 0 then error("the camera did not boot: " .. c:service_log("camera", 2000)) end
end)

---------------------------------------------------------------------------------------------
-- Steps.

step {
  id = "recon", title = "Break in like a botnet", text = "steps/01-recon.md", points = 10,
  question = { kind = "text" },
  hints = {
    { text = "List the listening TCP ports: 'ss -ltn' (or 'busybox netstat -ltn'). Then talk to each with 'busybox telnet 127.0.0.1 PORT' or 'nc 127.0.0.1 PORT'.", cost = 2 },
    { text = "Botnets do not guess cleverly; they try a short list. Try root with the words at the top of /lab/device/words.txt.", cost = 3 },
  },
  check = function(c, answer)
    local v = V(c)
    local port, pass = false, false
    for tok in (answer or ""):gmatch("%S+") do
      if tok == tostring(v.telnet) then port = true end
      if tok == v.root_pw or tok == v.hidden_pw then pass = true end
    end
    c:expect(port, "That is not the port the camera's telnet listens on. Look at every listening port ('ss -ltn') and connect to each: telnet starts with a login prompt.")
    c:expect(pass, "The port is right. Now log in over telnet as root: which password from the botnet's list let you in? Answer with the port and the password, e.g. '2301 hunter2'.")
  end,
}

step {
  id = "passwords", title = "No universal default passwords", text = "steps/02-passwords.md", points = 15,
  hints = {
    { text = "grep ':0:' ~/rootfs/etc/passwd shows every account with UID 0.", cost = 2 },
    { text = "Make a hash with: openssl passwd -6 'a-long-random-password'. Put it in the second field of root's line in ~/rootfs/etc/shadow; lock unused accounts with '!'.", cost = 3 },
  },
  check = function(c) report(c, P_passwords(c, 4)) end,
}

step {
  id = "surface", title = "Close the doors nobody uses", text = "steps/03-surface.md", points = 20,
  hints = {
    { text = "grep -rn -e telnetd -e 'nc ' -e gdbserver -e miniupnpd -e snmpd ~/rootfs/etc/inittab ~/rootfs/etc/init.d/", cost = 3 },
    { text = "Check your SSH settings the way the grader does: /usr/sbin/sshd -T -f ~/rootfs/etc/ssh/sshd_config -o HostKey=$HOME/rootfs/etc/ssh/ssh_host_ed25519_key | grep -i -e permitroot -e passwordauth (the 'Unable to load host key /etc/ssh/...' line is harmless)", cost = 3 },
  },
  check = function(c) report(c, P_services(c)) end,
}

step {
  id = "secrets", title = "Keep secrets out of the image", text = "steps/04-secrets.md", points = 15,
  hints = {
    { text = "grep -rl 'PRIVATE KEY' ~/rootfs finds every private key; grep -rl the api_key value finds every copy of it.", cost = 3 },
    { text = "openssl genpkey -algorithm ed25519 -out ~/rootfs/etc/ssl/private/device.key && chmod 600 ~/rootfs/etc/ssl/private/device.key", cost = 3 },
  },
  check = function(c) report(c, P_secrets(c)) end,
}

step {
  id = "updates", title = "Signed updates over verified channels", text = "steps/05-updates.md", points = 15,
  hints = {
    { text = "Try it on the sample release: openssl dgst -sha256 -verify ~/vendor/update-signing.pub -signature ~/vendor/lc200-2.1.0.bin.sig ~/vendor/lc200-2.1.0.bin ; echo $?", cost = 2 },
    { text = "In fw-update: download \"$FW\" and \"$FW.sig\" over https://, then 'openssl dgst -sha256 -verify /etc/keys/update.pub -signature \"$FW.sig\" \"$FW\" || exit 1' before mtd write.", cost = 4 },
  },
  check = function(c)
    local p = P_updates(c)
    for _, m in ipairs(P_comms(c)) do p[#p + 1] = m end
    report(c, p)
  end,
}

step {
  id = "permissions", title = "Who may change what root runs", text = "steps/06-permissions.md", points = 10,
  hints = {
    { text = "find ~/rootfs -perm -0002 ! -type l   and   find ~/rootfs -perm /6000 ! -type l", cost = 2 },
  },
  check = function(c) report(c, P_perms(c)) end,
}

step {
  id = "transparency", title = "Tell researchers and owners", text = "steps/07-transparency.md", points = 5,
  hints = {
    { text = "Two lines are enough for RFC 9116: 'Contact: mailto:security@lumicam.example' and 'Expires: ' with a date-time less than a year ahead (date -u -d '+300 days' +%Y-%m-%dT%H:%M:%SZ).", cost = 2 },
  },
  check = function(c)
    local p = P_disclosure(c)
    for _, m in ipairs(P_support(c)) do p[#p + 1] = m end
    report(c, p)
  end,
}

step {
  id = "reboot", title = "Reboot and attack again", text = "steps/08-reboot.md", points = 10,
  hints = {
    { text = "Run '~/bin/camera reboot' and read its log: every line names the boot file that started a service.", cost = 2 },
  },
  check = function(c) report(c, P_live(c)) end,
}

step {
  id = "label", title = "Earn the label", text = "steps/09-label.md", points = 10,
  hints = {
    { text = "gcc -O2 -fPIE -pie -fstack-protector-strong -D_FORTIFY_SOURCE=2 -Wl,-z,relro,-z,now -Wl,-z,noexecstack -o ~/rootfs/usr/bin/camd ~/src/camd.c", cost = 3 },
  },
  check = function(c)
    local level1, level2 = {}, {}
    for _, f in ipairs { P_passwords, P_updates, P_disclosure, P_support } do
      for _, m in ipairs(f(c, 1.5)) do level1[#level1 + 1] = m end
    end
    for _, f in ipairs { P_services, P_secrets, P_comms, P_perms } do
      for _, m in ipairs(f(c)) do level2[#level2 + 1] = m end
    end
    local bin = P_binary(c)
    if #level1 > 0 then
      c:fail("Your image does not reach Level 1 yet (unique passwords, vulnerability disclosure, secure updates, support period): %d problem(s) left. First: %s", #level1, level1[1])
    end
    if #level2 > 0 then
      c:fail("Level 1 reached. For Level 2 (all mandatory EN 303 645 provisions) %d problem(s) remain. First: %s", #level2, level2[1])
    end
    if #bin > 0 then
      c:fail("Level 2 reached: the image meets the mandatory provisions this lab checks. A Level 3 test lab will now analyse the binaries, and camd fails the first test: %s", table.concat(bin, " "))
    end
  end,
}
