#!/bin/sh
# step: create
# expect: outside your home directory
ln -s /etc/passwd hello.txt
