-- youth: a first contact with the command line and security thinking, for
-- workshops with school students (no prior knowledge assumed).
track {
  id = "youth", title = "First steps in security", audience = "youth",
  summary = "Find your way around a real Unix shell, then see why defaults and secrets matter.",
  labs = {
    { lab = "hello-shell", objective = "move around a Unix shell and read file permissions" },
    { lab = "iot-harden-camera", objective = "see how default passwords let botnets in, and lock a device down" },
  },
}
