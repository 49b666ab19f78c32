#!/bin/sh
# step: perms
# expect: last three characters
# answer: only the owner
