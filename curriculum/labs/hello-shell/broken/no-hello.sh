#!/bin/sh
# step: create
# expect: There is no file hello.txt
:
