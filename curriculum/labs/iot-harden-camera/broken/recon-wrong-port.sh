#!/bin/sh
# step: recon
# expect: not the port
# answer: 23 admin
# Guessing the classic telnet port and password instead of looking.
