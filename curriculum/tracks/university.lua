-- university: the Internet's trust infrastructure, hands on, for students
-- who know a shell and basic networking.
track {
  id = "university", title = "Securing Internet infrastructure", audience = "university",
  summary = "From the shell to signed DNS zones and route origin validation.",
  labs = {
    { lab = "hello-shell", objective = "be fluent enough in the shell for the labs that follow" },
    { lab = "dnssec-sign-zone", objective = "sign a zone and build a chain of trust a validating resolver accepts" },
    { lab = "rpki-roa", objective = "issue a ROA, validate it with rpki-client and see a BGP hijack become Invalid" },
    { lab = "iot-harden-camera", objective = "audit and harden a device image against ETSI EN 303 645" },
  },
}
