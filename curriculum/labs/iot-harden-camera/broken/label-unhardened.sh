#!/bin/sh
# step: label
# expect: camd is not a position-independent executable
# Everything else done, the camera daemon still the vendor's build.
