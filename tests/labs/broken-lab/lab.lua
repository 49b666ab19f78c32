-- A deliberately broken lab: `labhub lab test` must report it as failing.
-- Its solution does not solve step "make", and its broken attempt passes.
lab {
  id = "broken-lab", title = "A lab with mistakes", version = 1, summary = "Fixture.",
  audience = { "industry" }, minutes = 1, objectives = { "none" }, needs = { "sh" },
}

step {
  id = "make", title = "Make a file", text = "steps/01-make.md", points = 1,
  check = function(c)
    c:expect(c:read("made.txt") == "made\n", "made.txt should say made")
  end,
}

step {
  id = "anything", title = "Accepts anything", text = "steps/01-make.md", points = 1,
  check = function(c) end,
}
