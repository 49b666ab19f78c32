-- hello-shell: a first, friendly lab for a youth workshop.  It proves the
-- mechanics end to end: a file check, a hidden file with a per-learner
-- secret, a question step, hints that cost points.
lab {
  id = "hello-shell", title = "Hello, shell", version = 1,
  summary = "Your first steps in a Unix shell: make a file, find a hidden one, read permissions.",
  audience = { "youth", "university" }, minutes = 20,
  objectives = {
    "create a file with exact content from the shell",
    "list hidden files and read them",
    "read the permission string of a file",
  },
  needs = { "sh", "ls", "cat", "echo" },
}

setup(function(c)
  -- A hidden file whose secret differs for every learner, so answers cannot be copied.
  if not c:exists(".secret") then
    c:write(".secret", "The secret word is " .. c:word("secret", 7) .. "\n", "0644")
  end
end)

step {
  id = "create", title = "Say hello", text = "steps/01-create.md", points = 10,
  hints = { { text = "echo writes text; > sends it into a file: echo 'Hello, shell!' > hello.txt", cost = 3 } },
  check = function(c)
    local s = c:read("hello.txt")
    s = s:gsub("\n$", "")
    c:expect(s ~= "", "hello.txt is empty. Put the words Hello, shell! into it.")
    c:expect(s == "Hello, shell!",
      "hello.txt should contain exactly 'Hello, shell!' but it contains '%s'. Check capitals and punctuation.", s)
  end,
}

step {
  id = "secret", title = "Find the hidden file", text = "steps/02-secret.md", points = 10,
  hints = {
    { text = "Files whose names start with a dot are hidden: try ls -a", cost = 2 },
    { text = "cat .secret shows what is inside", cost = 3 },
  },
  check = function(c)
    local want = c:word("secret", 7)
    local s = c:try_read("answer.txt")
    c:expect(s, "Write the secret word into a file called answer.txt.")
    s = s:gsub("%s+$", ""):gsub("^%s+", "")
    c:expect(s == want, "answer.txt says '%s', which is not the secret word. Did you look at the hidden file?", s)
  end,
}

step {
  id = "perms", title = "Who may read it?", text = "steps/03-perms.md", points = 5,
  question = { kind = "choice", choices = { "only the owner", "the owner and the group", "everyone" } },
  hints = { { text = "Read -rw-r--r-- in three groups of three: owner, group, others.", cost = 2 } },
  check = function(c, answer)
    c:expect(answer == "everyone",
      "Not quite: look at the last three characters (r--). They are for everybody else.")
  end,
}
