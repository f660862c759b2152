"""The local HA topology: real server processes under a state directory."""
