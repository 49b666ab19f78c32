# server/web: front-end assets (see doc/PROTOCOL.md)
