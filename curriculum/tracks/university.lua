-- university: the Internet's trust infrastructure, hands on, for students
-- who know a shell and basic networking.
track {
  id = "university", title = "Securing Internet infrastructure", audience = "university",
  summary = "From the shell to signed DNS zones and route origin validation.",
  labs = {
    { lab = "hello-shell", objective = "be fluent enough in the shell for the labs that follow" },
  },
}
