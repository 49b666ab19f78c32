-- industry: practitioners hardening real systems: DNSSEC operations,
-- RPKI route origin authorisations, IoT device baselines (ETSI EN 303 645).
track {
  id = "industry", title = "Operational security for practitioners", audience = "industry",
  summary = "Sign zones, publish ROAs and harden a device image the way production needs it.",
  labs = {
    { lab = "dnssec-sign-zone", objective = "operate DNSSEC: keys, signing, DS at the registry, incident response" },
    { lab = "rpki-roa", objective = "publish ROAs safely and see route origin validation drop hijacks" },
    { lab = "iot-harden-camera", objective = "bring a device image to an EN 303 645 baseline before it ships" },
  },
}
