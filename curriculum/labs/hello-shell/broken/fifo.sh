#!/bin/sh
# step: create
# expect: named pipe (FIFO)
mkfifo hello.txt
